// The console's login rate limit: a token bucket of failed logins per client address. Each failed
// login takes a token; the bucket refills at CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX a minute; while it
// is empty every login from that address (right or wrong) is refused with 429, so guessing secrets
// is slow. Kept in memory per process: in a cluster each worker keeps its own buckets.
import { ConsoleError } from './http.js';

/** Failed logins one client address may make per minute (and at once, after a quiet minute). */
export const CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX = 10;
/** Client addresses whose buckets are kept; past it the least recently seen is forgotten. */
export const CONSOLE_LOGIN_ADDRESSES_TRACKED_MAX = 10_000;
const MINUTE_MS = 60 * 1000;

interface Bucket { tokens: number; updatedAtMs: number }

export class LoginRateLimit {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly failuresPerMinuteMax = CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX,
    private readonly now: () => number = Date.now,
    private readonly addressesMax = CONSOLE_LOGIN_ADDRESSES_TRACKED_MAX,
  ) {}

  /** Throws 429 TooManyLoginAttempts while this address has no token left. */
  check(address: string): void {
    const bucket = this.refilled(address);
    if (bucket.tokens >= 1) return;
    const retryAfterSeconds = Math.ceil(((1 - bucket.tokens) * MINUTE_MS) / this.failuresPerMinuteMax / 1000);
    throw new ConsoleError(429, 'TooManyLoginAttempts',
      `Too many failed logins from this address: at most ${this.failuresPerMinuteMax} a minute. Try again in ${retryAfterSeconds} s.`, { 'Retry-After': String(retryAfterSeconds) });
  }

  /** A failed login from this address takes a token. */
  failed(address: string): void {
    const bucket = this.refilled(address);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  private refilled(address: string): Bucket {
    const nowMs = this.now();
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= this.addressesMax) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.failuresPerMinuteMax, updatedAtMs: nowMs };
    } else {
      bucket.tokens = Math.min(this.failuresPerMinuteMax, bucket.tokens + ((nowMs - bucket.updatedAtMs) * this.failuresPerMinuteMax) / MINUTE_MS);
      bucket.updatedAtMs = nowMs;
      // Map order is insertion order: re-inserting keeps the least recently seen address first.
      this.buckets.delete(address);
    }
    this.buckets.set(address, bucket);
    return bucket;
  }
}
