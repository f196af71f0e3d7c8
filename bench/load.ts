// The load generator: an undici Pool of C keep-alive connections driven through its low-level
// dispatch() API (no response streams; HEAD goes through head-client.ts, see there), either closed-loop (C requests always in flight, for the
// maximum rate) or open-loop at a fixed rate (for latency at a given load). Every request's latency
// is taken from the monotonic hrtime clock.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { RequestHead } from './targets/target.js';
import { HeadConnectionPool } from './head-client.js';
import { LatencySamples } from './latency.js';

/** Long enough for a 64 MiB body on a loaded machine; the defaults (300 s) would hide a stall. */
const REQUEST_TIMEOUT_MS = 60_000;
const NS_PER_MS = 1e6;
const MS_PER_SECOND = 1000;
/** Width of the buckets of the per-phase rate timeline. */
export const TIMELINE_BUCKET_MS = 500;
/** How far ahead of the schedule the open-loop pump sleeps; timers are not finer than ~1 ms. */
const PUMP_MIN_SLEEP_MS = 1;

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE';

export interface RequestSpec {
  method: HttpMethod;
  head: RequestHead;
  body?: Buffer;
  /** Keep the response body for `onResponse` (LIST); other bodies are only counted. */
  keepBody?: boolean;
  onResponse?(statusCode: number, body: Buffer | undefined): void;
}

/** The next request for a connection slot, or undefined when there is nothing left to do. */
export type NextRequest = (slot: number) => RequestSpec | undefined;

interface Outcome {
  statusCode: number;
  responseBytes: number;
  error?: Error;
  failureBody?: Buffer;
}

export interface PhaseResult {
  /** Requests completed in the phase, whatever their outcome. */
  completedOps: number;
  /** Requests answered 2xx. */
  okOps: number;
  durationMs: number;
  latencies: LatencySamples;
  /** Open loop only: latency from the moment the request was handed to the pool (no queueing in the client). */
  sendLatencies?: LatencySamples;
  /** Response bodies received, bytes. */
  responseBytes: number;
  /** Request bodies of the 2xx requests, bytes. */
  okRequestBytes: number;
  /** Count per non-2xx status. */
  statusCounts: Record<string, number>;
  /** Count per transport error (connection reset, timeout, …). */
  errorCounts: Record<string, number>;
  /** The first failure of each kind: the status and the start of the body, or the error message. */
  failureSamples: Record<string, string>;
  /** True when the request source ran dry before the phase's time was up. */
  exhausted: boolean;
  /** Client process CPU time / wall time over the phase (1.0 = one full core). */
  clientCpuCores: number;
  /** 2xx answers per second in consecutive TIMELINE_BUCKET_MS buckets (the last one may be partial). */
  timelineOpsPerSecond: number[];
}

/**
 * C connections to one server: an undici Pool, and for HEAD a keep-alive client of its own. A
 * client of several front ends (cluster-client.ts) answers a pool per slot; HEAD goes to the first.
 */
export interface LoadClient {
  /** Where the requests of a slot (closed loop) or the i-th request (open loop) are dispatched. */
  dispatcherFor(slot: number): Dispatcher;
  heads: HeadConnectionPool;
  close(): Promise<void>;
}

export function createPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
}

export function createClient(origin: string, connections: number): LoadClient {
  const pool = createPool(origin, connections);
  const url = new URL(origin);
  const heads = new HeadConnectionPool(url.hostname, Number(url.port), connections);
  return {
    dispatcherFor: () => pool, heads,
    async close() {
      heads.close();
      await pool.close();
    },
  };
}

const FAILURE_BODY_SAMPLE_BYTES = 600;

function send(client: LoadClient, spec: RequestSpec, slot: number): Promise<Outcome> {
  if (spec.method === 'HEAD') {
    return client.heads.head(spec.head.pathAndQuery, spec.head.headers).then((outcome) => ({
      statusCode: outcome.statusCode, responseBytes: 0, error: outcome.error,
      failureBody: outcome.head === undefined ? undefined : Buffer.from(outcome.head, 'latin1'),
    }));
  }
  return new Promise((resolveOutcome) => {
    let statusCode = 0;
    let responseBytes = 0;
    let chunks: Buffer[] | undefined;
    const handler: Dispatcher.DispatchHandlers = {
      onConnect() {},
      onError(error) {
        resolveOutcome({ statusCode: 0, responseBytes, error });
      },
      onHeaders(status) {
        statusCode = status;
        // Bodies are kept for LIST, and for failures so that the report can show what went wrong.
        if (spec.keepBody || status < 200 || status >= 300) chunks = [];
        return true;
      },
      onData(chunk) {
        responseBytes += chunk.length;
        chunks?.push(chunk);
        return true;
      },
      onComplete() {
        const body = chunks === undefined ? undefined : Buffer.concat(chunks);
        spec.onResponse?.(statusCode, body);
        resolveOutcome({ statusCode, responseBytes, failureBody: statusCode >= 200 && statusCode < 300 ? undefined : body });
      },
    };
    client.dispatcherFor(slot).dispatch({
      path: spec.head.pathAndQuery,
      method: spec.method,
      headers: spec.head.headers,
      body: spec.body ?? null,
    }, handler);
  });
}

class PhaseRecorder {
  readonly latencies = new LatencySamples();
  sendLatencies: LatencySamples | undefined;
  completedOps = 0;
  okOps = 0;
  responseBytes = 0;
  okRequestBytes = 0;
  readonly statusCounts: Record<string, number> = {};
  readonly errorCounts: Record<string, number> = {};
  readonly failureSamples: Record<string, string> = {};
  private readonly timelineCounts: number[] = [];
  private readonly startNs = process.hrtime.bigint();
  private readonly startCpu = process.cpuUsage();

  record(spec: RequestSpec, outcome: Outcome, latencyMs: number): void {
    this.completedOps += 1;
    this.responseBytes += outcome.responseBytes;
    this.latencies.add(latencyMs);
    if (outcome.error !== undefined) {
      const name = (outcome.error as { code?: string }).code ?? outcome.error.message;
      this.errorCounts[name] = (this.errorCounts[name] ?? 0) + 1;
      this.failureSamples[`error ${name}`] ??= `${spec.method} ${spec.head.pathAndQuery}: ${outcome.error.message}`;
    } else if (outcome.statusCode >= 200 && outcome.statusCode < 300) {
      this.okOps += 1;
      const bucket = Math.floor(elapsedMs(this.startNs) / TIMELINE_BUCKET_MS);
      while (this.timelineCounts.length <= bucket) this.timelineCounts.push(0);
      this.timelineCounts[bucket]! += 1;
      this.okRequestBytes += spec.body?.length ?? 0;
    } else {
      const key = String(outcome.statusCode);
      this.statusCounts[key] = (this.statusCounts[key] ?? 0) + 1;
      this.failureSamples[key] ??= `${spec.method} ${spec.head.pathAndQuery}: `
        + (outcome.failureBody?.subarray(0, FAILURE_BODY_SAMPLE_BYTES).toString('utf8').replace(/\s+/g, ' ') ?? '');
    }
  }

  finish(exhausted: boolean): PhaseResult {
    const durationMs = elapsedMs(this.startNs);
    const cpu = process.cpuUsage(this.startCpu);
    this.latencies.sort();
    this.sendLatencies?.sort();
    return {
      completedOps: this.completedOps, okOps: this.okOps, durationMs, latencies: this.latencies, sendLatencies: this.sendLatencies,
      responseBytes: this.responseBytes, okRequestBytes: this.okRequestBytes,
      statusCounts: this.statusCounts, errorCounts: this.errorCounts, failureSamples: this.failureSamples, exhausted,
      clientCpuCores: (cpu.user + cpu.system) / MS_PER_SECOND / durationMs,
      timelineOpsPerSecond: this.timelineCounts.map((count) => count * MS_PER_SECOND / TIMELINE_BUCKET_MS),
    };
  }
}

function elapsedMs(sinceNs: bigint): number {
  return Number(process.hrtime.bigint() - sinceNs) / NS_PER_MS;
}

/**
 * Closed loop: each of `concurrency` slots sends its next request as soon as the previous one is
 * answered, until `durationMs` has passed (requests in flight then are finished and counted; the
 * phase's duration runs to the last answer) or the source runs dry.
 */
export async function runClosedLoop(client: LoadClient, concurrency: number, durationMs: number, next: NextRequest): Promise<PhaseResult> {
  const recorder = new PhaseRecorder();
  const deadlineNs = process.hrtime.bigint() + BigInt(Math.round(durationMs * NS_PER_MS));
  let exhausted = false;
  const slotLoop = async (slot: number): Promise<void> => {
    while (process.hrtime.bigint() < deadlineNs) {
      const spec = next(slot);
      if (spec === undefined) {
        exhausted = true;
        return;
      }
      const sentNs = process.hrtime.bigint();
      const outcome = await send(client, spec, slot);
      recorder.record(spec, outcome, elapsedMs(sentNs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, slot) => slotLoop(slot)));
  return recorder.finish(exhausted);
}

/**
 * Open loop: request i is due at start + i / rate and its latency runs from that due time, so time
 * spent queued behind a slow answer counts (no coordinated omission). Requests beyond the pool's
 * connections wait in undici's queue.
 */
export async function runAtRate(client: LoadClient, ratePerSecond: number, durationMs: number, next: NextRequest): Promise<PhaseResult> {
  const recorder = new PhaseRecorder();
  const sendLatencies = new LatencySamples();
  recorder.sendLatencies = sendLatencies;
  const startNs = process.hrtime.bigint();
  const intervalNs = NS_PER_MS * MS_PER_SECOND / ratePerSecond;
  const totalRequests = Math.floor(ratePerSecond * durationMs / MS_PER_SECOND);
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  let exhausted = false;
  while (issued < totalRequests && !exhausted) {
    const nowOffsetNs = Number(process.hrtime.bigint() - startNs);
    while (issued < totalRequests && issued * intervalNs <= nowOffsetNs) {
      const spec = next(issued);
      if (spec === undefined) {
        exhausted = true;
        break;
      }
      const dueNs = startNs + BigInt(Math.round(issued * intervalNs));
      issued += 1;
      const sentNs = process.hrtime.bigint();
      const request: Promise<void> = send(client, spec, issued - 1).then((outcome) => {
        sendLatencies.add(elapsedMs(sentNs));
        recorder.record(spec, outcome, elapsedMs(dueNs));
        inFlight.delete(request);
      });
      inFlight.add(request);
    }
    const sleepMs = Math.max(PUMP_MIN_SLEEP_MS, (issued * intervalNs - Number(process.hrtime.bigint() - startNs)) / NS_PER_MS);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, sleepMs));
  }
  await Promise.all(inFlight);
  return recorder.finish(exhausted);
}
