// Idempotency-Key for the catalog's mutations: a retry carrying the key of an earlier request
// (from the same caller, to the same method and path) gets the first request's answer instead of
// running again; a retry while the first still runs waits for it. Bounded: at most
// IDEMPOTENCY_ENTRIES_MAX keys, each kept IDEMPOTENCY_LIFETIME_MS, the oldest dropped first. The
// store is per server process (a retry reaching another worker of a cluster runs again).
import { badRequest } from './errors.js';

export const IDEMPOTENCY_LIFETIME_MS = 30 * 60 * 1000;
/** The lifetime as the config endpoint announces it (ISO 8601 duration). */
export const IDEMPOTENCY_LIFETIME_ISO = 'PT30M';
const IDEMPOTENCY_ENTRIES_MAX = 10_000;
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
/** Only finished answers are kept: a server fault (5xx) may be retried for real. */
const SERVER_ERROR_STATUS_MIN = 500;

interface Entry<T> {
  expiresAtMs: number;
  answer: Promise<T>;
}

export class IdempotencyStore<T extends { status: number }> {
  private readonly entries = new Map<string, Entry<T>>();

  /** Runs `run` once per key (within its lifetime); no key: runs it. */
  async once(key: string | undefined, scope: string, nowMs: number, run: () => Promise<T>): Promise<T> {
    if (key === undefined) return run();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw badRequest('Invalid Idempotency-Key: 16 to 128 letters, digits, - or _');
    this.expire(nowMs);
    const id = `${scope}\n${key}`;
    const known = this.entries.get(id);
    if (known !== undefined) return known.answer;
    const answer = run();
    this.entries.set(id, { expiresAtMs: nowMs + IDEMPOTENCY_LIFETIME_MS, answer });
    while (this.entries.size > IDEMPOTENCY_ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value!);
    // A failure other than the API's own answer (a fault) is not remembered.
    answer.then((settled) => { if (settled.status >= SERVER_ERROR_STATUS_MIN) this.entries.delete(id); }, () => this.entries.delete(id));
    return answer;
  }

  private expire(nowMs: number): void {
    // Insertion order is expiry order: stop at the first entry still alive.
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) return;
      this.entries.delete(id);
    }
  }
}
