// Token-bucket throttling of registry requests, per account (the caller's access key, or the
// anonymous caller) and per repository. A request over either rate is answered 429 TOOMANYREQUESTS
// (OCI) or ThrottlingException (the ECR API) with Retry-After, before it does any work. The buckets
// live in each serving process and hold that process's share of the rates (the rates divided by the
// worker count, setup.ts): the sum over every worker never exceeds the configured rate, without a
// round trip to a shared store on every request (a caller whose connections all land on one worker
// is throttled at that worker's share).
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

/** Whole seconds of a Retry-After header (at least 1). */
export const retryAfterSeconds = (waitMs: number): number => Math.max(1, Math.ceil(waitMs / 1000));

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

export class RegistryThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly rates: ThrottleRates) {}

  /** Takes a token from the caller's and the repository's buckets, or throws 429. */
  take(account: string, repository: string | undefined, nowMs: number): void {
    const waitMs = this.tryTake(account, repository, nowMs);
    if (waitMs > 0) throw new OciError(429, 'TOOMANYREQUESTS', 'too many requests', {}, { 'Retry-After': String(retryAfterSeconds(waitMs)) });
  }

  /** Takes a token from both buckets and answers 0, or takes none and answers the wait until both hold one. */
  tryTake(account: string, repository: string | undefined, nowMs: number): number {
    const waits = [this.wait(`a:${account}`, this.rates.accountRequestsPerSecond, nowMs)];
    if (repository !== undefined) waits.push(this.wait(`r:${repository}`, this.rates.repositoryRequestsPerSecond, nowMs));
    const waitMs = Math.max(...waits);
    if (waitMs > 0) return waitMs;
    this.spend(`a:${account}`);
    if (repository !== undefined) this.spend(`r:${repository}`);
    return 0;
  }

  /** Refills the bucket to now; the time until it holds a whole token (0: it does). */
  private wait(key: string, perSecond: number, nowMs: number): number {
    const capacity = Math.max(1, perSecond * BURST_SECONDS);
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
