// Token-bucket throttling of registry requests, per account (the caller's access key, or the
// anonymous caller) and per repository, in each serving process. A request over either rate is
// answered 429 TOOMANYREQUESTS with Retry-After, before it does any work.
import { OciError } from './errors.js';

/** Requests per second one caller may make (ECR's per-account API rates are of this order). */
export const DEFAULT_ACCOUNT_REQUESTS_PER_SECOND = 500;
/** Requests per second one repository takes, over every caller. */
export const DEFAULT_REPOSITORY_REQUESTS_PER_SECOND = 1000;
/** A bucket holds this many seconds of its rate: the burst a quiet caller may send at once. */
const BURST_SECONDS = 2;
/** Buckets kept at most; full (idle) ones are dropped first when the map is full. */
const BUCKETS_MAX = 10_000;

export interface ThrottleRates {
  accountRequestsPerSecond: number;
  repositoryRequestsPerSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

export class RegistryThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly rates: ThrottleRates) {}

  /** Takes a token from the caller's and the repository's buckets, or throws 429. */
  take(account: string, repository: string | undefined, nowMs: number): void {
    const waits = [this.wait(`a:${account}`, this.rates.accountRequestsPerSecond, nowMs)];
    if (repository !== undefined) waits.push(this.wait(`r:${repository}`, this.rates.repositoryRequestsPerSecond, nowMs));
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      throw new OciError(429, 'TOOMANYREQUESTS', 'too many requests', {}, { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) });
    }
    this.spend(`a:${account}`);
    if (repository !== undefined) this.spend(`r:${repository}`);
  }

  /** Refills the bucket to now; the time until it holds a whole token (0: it does). */
  private wait(key: string, perSecond: number, nowMs: number): number {
    const capacity = perSecond * BURST_SECONDS;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= BUCKETS_MAX) this.buckets.clear();
      bucket = { tokens: capacity, updatedAtMs: nowMs };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.updatedAtMs) / 1000) * perSecond);
    bucket.updatedAtMs = nowMs;
    return bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) / perSecond) * 1000;
  }

  private spend(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket !== undefined) bucket.tokens -= 1;
  }
}
