// Request metrics of this process for /_cairn/metrics: requests by surface and status class, a
// duration histogram with fixed buckets, and bytes on the wire each way. Counted once per request
// when its response closes; the counters for every surface are made up front, so a request costs a
// few number bumps. In a cluster each worker counts its own requests (the HELP text says so).
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { metricText } from './prometheus.js';
import { RecentRequests } from './request-log.js';

/** Upper bounds (seconds) of the duration histogram's buckets, Prometheus' default ladder. */
export const REQUEST_DURATION_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** Requests answered by the front end itself before any surface saw them (bad lengths, no body budget). */
export const FRONTEND_SURFACE_NAME = 'frontend';
const PER_WORKER_NOTE = 'In a cluster, each worker process counts its own: a scrape shows the counters of the worker that answered it.';

interface SurfaceCounters {
  byStatusClass: number[];
  /** Not cumulative: one count per bucket, plus one past the last bound (+Inf). */
  durationBuckets: number[];
  durationSumSeconds: number;
  requestBytes: number;
  responseBytes: number;
}

/** What a socket had read and written when its previous response closed (keep-alive connections carry several). */
const COUNTED_READ = Symbol('cairn.countedReadBytes');
const COUNTED_WRITTEN = Symbol('cairn.countedWrittenBytes');
type CountedSocket = Socket & { [COUNTED_READ]?: number; [COUNTED_WRITTEN]?: number };

function newCounters(): SurfaceCounters {
  return {
    byStatusClass: STATUS_CLASSES.map(() => 0), durationBuckets: new Array<number>(REQUEST_DURATION_BUCKETS_SECONDS.length + 1).fill(0),
    durationSumSeconds: 0, requestBytes: 0, responseBytes: 0,
  };
}

function bucketIndexOf(seconds: number): number {
  const index = REQUEST_DURATION_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
  return index === -1 ? REQUEST_DURATION_BUCKETS_SECONDS.length : index;
}

export class RequestMetrics {
  private readonly counters = new Map<string, SurfaceCounters>();
  /** The live request log (GET /_cairn/requests). */
  readonly recent = new RecentRequests();

  constructor(surfaceNames: readonly string[]) {
    for (const name of [...surfaceNames, FRONTEND_SURFACE_NAME]) this.counters.set(name, newCounters());
  }

  /** Counts this request when its response closes (finished, or cut off). */
  watch(surfaceName: string, req: IncomingMessage, res: ServerResponse): void {
    const counters = this.counters.get(surfaceName);
    if (counters === undefined) return;
    const startedMs = performance.now();
    // Taken now: by the time the response closes, node may have detached the socket from the request.
    const socket = req.socket as CountedSocket | null;
    res.once('close', () => {
      const seconds = (performance.now() - startedMs) / 1000;
      const statusClass = Math.floor(res.statusCode / 100) - 1;
      if (statusClass >= 0 && statusClass < STATUS_CLASSES.length) counters.byStatusClass[statusClass]! += 1;
      counters.durationBuckets[bucketIndexOf(seconds)]! += 1;
      counters.durationSumSeconds += seconds;
      const requestId = res.getHeader('x-amz-request-id');
      this.recent.add({
        timeMs: Date.now(), surface: surfaceName, method: req.method ?? '', url: req.url ?? '', status: res.statusCode, durationMs: seconds * 1000,
        requestId: typeof requestId === 'string' ? requestId : undefined,
      });
      // Bytes on the wire (request and status lines, headers, bodies) since the socket's previous request.
      if (socket === null) return;
      counters.requestBytes += socket.bytesRead - (socket[COUNTED_READ] ?? 0);
      counters.responseBytes += socket.bytesWritten - (socket[COUNTED_WRITTEN] ?? 0);
      socket[COUNTED_READ] = socket.bytesRead;
      socket[COUNTED_WRITTEN] = socket.bytesWritten;
    });
  }

  /** Requests answered so far, and how many of them 5xx (FIS stop conditions read them, request-counts.ts). */
  totals(): { requests: number; serverErrors: number } {
    let requests = 0;
    let serverErrors = 0;
    for (const counters of this.counters.values()) {
      requests += counters.byStatusClass.reduce((sum, count) => sum + count, 0);
      serverErrors += counters.byStatusClass[STATUS_CLASSES.indexOf('5xx')]!;
    }
    return { requests, serverErrors };
  }

  render(): string {
    const entries = [...this.counters.entries()];
    return metricText('cairn_http_requests_total', 'counter', `HTTP requests answered, by API surface and status class. ${PER_WORKER_NOTE}`,
      entries.flatMap(([surface, counters]) => STATUS_CLASSES.slice(1).map((statusClass, index) => [`{surface="${surface}",status_class="${statusClass}"}`, counters.byStatusClass[index + 1]!] as [string, number])))
      + this.renderHistogram(entries)
      + metricText('cairn_http_request_bytes_total', 'counter', `Bytes received for HTTP requests (request lines, headers and bodies), by API surface. ${PER_WORKER_NOTE}`,
        entries.map(([surface, counters]) => [`{surface="${surface}"}`, counters.requestBytes]))
      + metricText('cairn_http_response_bytes_total', 'counter', `Bytes sent in HTTP responses (status lines, headers and bodies), by API surface. ${PER_WORKER_NOTE}`,
        entries.map(([surface, counters]) => [`{surface="${surface}"}`, counters.responseBytes]));
  }

  private renderHistogram(entries: Array<[string, SurfaceCounters]>): string {
    const name = 'cairn_http_request_duration_seconds';
    const lines = [`# HELP ${name} Time from a request's dispatch to its response's end, by API surface. ${PER_WORKER_NOTE}`, `# TYPE ${name} histogram`];
    for (const [surface, counters] of entries) {
      let cumulative = 0;
      REQUEST_DURATION_BUCKETS_SECONDS.forEach((bound, index) => {
        cumulative += counters.durationBuckets[index]!;
        lines.push(`${name}_bucket{surface="${surface}",le="${bound}"} ${cumulative}`);
      });
      cumulative += counters.durationBuckets[REQUEST_DURATION_BUCKETS_SECONDS.length]!;
      lines.push(`${name}_bucket{surface="${surface}",le="+Inf"} ${cumulative}`, `${name}_sum{surface="${surface}"} ${counters.durationSumSeconds}`, `${name}_count{surface="${surface}"} ${cumulative}`);
    }
    return lines.join('\n') + '\n';
  }
}
