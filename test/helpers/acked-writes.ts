// A checker of acknowledged writes under continuous traffic: loops of PUT, GET, DELETE and LIST
// (raw signed requests, no SDK retries, so every answer is seen) against one or more servers, each
// loop on keys of its own so what each key may hold is known exactly: after an acknowledged PUT its
// bytes, after an acknowledged DELETE nothing, and after an unacknowledged one either the old state or
// the new (never torn). Every GET must return bytes the key may hold; every answer must come within a
// bound, and be a success or 503 (SlowDown / ServiceUnavailable), never a 500 or a hang.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rawRequest, type RawResponse } from './clients.js';
import type { RunningServer } from './server.js';

/** No request of the checker may take longer than this: past it, the answer counts as a hang. */
export const CHECKER_REQUEST_TIMEOUT_MS = 30_000;
const CHECKER_BODY_BYTES_MAX = 8 * 1024;
const ABSENT = 'absent';

export interface CheckerReport {
  /** Answers by operation and status, e.g. "PUT 200": 12. */
  statuses: Record<string, number>;
  /** What must never happen: 500s, hangs, wrong bytes, an unknown status. */
  violations: string[];
  acknowledgedWrites: number;
  /** The slowest answer of any request, ms. */
  slowestMs: number;
}

type Target = RunningServer | (() => RunningServer);

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export class AckedWriteChecker {
  private readonly possible = new Map<string, Set<string>>();
  private readonly report: CheckerReport = { statuses: {}, violations: [], acknowledgedWrites: 0, slowestMs: 0 };
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly targets: Target[], private readonly bucket: string, private readonly loopCount = 2) {}

  private server(loop: number, step: number): RunningServer {
    const target = this.targets[(loop + step) % this.targets.length]!;
    return typeof target === 'function' ? target() : target;
  }

  private async send(server: RunningServer, method: string, key: string | undefined, body?: Buffer): Promise<RawResponse | undefined> {
    const startedMs = Date.now();
    const path = key === undefined ? `/${this.bucket}` : `/${this.bucket}/${key}`;
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), CHECKER_REQUEST_TIMEOUT_MS).unref());
    const request = rawRequest(server, { method, path, ...(key === undefined ? { query: { 'list-type': '2' } } : {}), ...(body === undefined ? {} : { body }), headers: { connection: 'close' } })
      .catch((error: Error) => error);
    const answer = await Promise.race([request, timeout]);
    const elapsedMs = Date.now() - startedMs;
    this.report.slowestMs = Math.max(this.report.slowestMs, elapsedMs);
    if (answer === 'timeout') {
      this.report.violations.push(`${method} ${key ?? '(list)'}: no answer in ${CHECKER_REQUEST_TIMEOUT_MS} ms`);
      return undefined;
    }
    if (answer instanceof Error) {
      // The server process went away (a stopped front end): the request was never answered, so not acknowledged.
      this.count(`${method} refused`);
      return undefined;
    }
    this.count(`${method} ${answer.status}`);
    if (answer.status >= 500 && answer.status !== 503) this.report.violations.push(`${method} ${key ?? '(list)'}: ${answer.status} ${answer.errorCode ?? ''}`);
    if (answer.status === 503 && !['SlowDown', 'ServiceUnavailable'].includes(answer.errorCode ?? '')) this.report.violations.push(`${method}: 503 with code ${answer.errorCode}`);
    return answer;
  }

  private count(what: string): void {
    this.report.statuses[what] = (this.report.statuses[what] ?? 0) + 1;
  }

  private states(key: string): Set<string> {
    let states = this.possible.get(key);
    if (states === undefined) this.possible.set(key, states = new Set([ABSENT]));
    return states;
  }

  /** One write (PUT, or DELETE when body is undefined) and what it leaves the key able to hold. */
  private async write(server: RunningServer, key: string, body: Buffer | undefined): Promise<void> {
    const states = this.states(key);
    const next = body === undefined ? ABSENT : hashOf(body);
    const answer = await this.send(server, body === undefined ? 'DELETE' : 'PUT', key, body);
    const acknowledged = answer !== undefined && (answer.status === 200 || answer.status === 204);
    if (acknowledged) {
      states.clear();
      this.report.acknowledgedWrites += 1;
    }
    states.add(next);
  }

  /** A GET whose answer must be one of the states the key may hold. */
  async read(server: RunningServer, key: string, during: boolean): Promise<RawResponse | undefined> {
    const answer = await this.send(server, 'GET', key);
    if (answer === undefined || answer.status === 503) return answer;
    const states = this.states(key);
    const seen = answer.status === 404 ? ABSENT : answer.status === 200 ? hashOf(answer.body) : `status ${answer.status}`;
    if (!states.has(seen)) this.report.violations.push(`GET ${key} ${during ? 'during traffic' : 'afterwards'}: ${answer.status} holds ${seen.slice(0, 12)}, not a state it may hold`);
    else if (!during) states.clear(), states.add(seen);
    return answer;
  }

  private async loop(loop: number): Promise<void> {
    const keys = Array.from({ length: 4 }, (_, index) => `checker/${loop}/${index}`);
    for (let step = 0; this.running; step++) {
      const key = keys[step % keys.length]!;
      const server = this.server(loop, step);
      const choice = step % 7;
      if (choice < 3) await this.write(server, key, randomBytes(1 + ((step * 997) % CHECKER_BODY_BYTES_MAX)));
      else if (choice < 5) await this.read(server, key, true);
      else if (choice === 5) await this.write(server, key, undefined);
      else await this.send(server, 'GET', undefined);
    }
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.loopCount }, (_, loop) => this.loop(loop));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** After the traffic: every key read once more (retried while 503) must hold exactly an allowed state. */
  async verify(server: RunningServer, retryForMs = 20_000): Promise<CheckerReport> {
    for (const key of this.possible.keys()) {
      const deadline = Date.now() + retryForMs;
      let answer = await this.read(server, key, false);
      while ((answer === undefined || answer.status === 503) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        answer = await this.read(server, key, false);
      }
      if (answer === undefined || answer.status === 503) this.report.violations.push(`GET ${key} afterwards: still unavailable`);
    }
    return this.report;
  }

  get statuses(): Record<string, number> {
    return this.report.statuses;
  }
}

/**
 * A fault of the database or the network must never end a serving process: the cluster primary logs
 * each worker it replaces ("worker PID exited"). Checked on its own because a worker that dies while
 * the primary hands it a connection leaves that connection unanswered, which the checker would only
 * see as a hang.
 */
export function assertNoWorkerExited(server: RunningServer): void {
  assert.doesNotMatch(server.stderr(), /worker \d+ exited/, 'no worker process ended');
}
