// The whole server's request counts over a sliding window, for stop conditions on request metrics:
// the FIS runner samples the counts every worker publishes (frontend/request-counts.ts) at each of
// its steps, and a metric is the change between the oldest sample inside the window and the newest.
// Too few requests in the window give no rate (one failed request is not "100% failing").
import { readRequestCounts, type RequestCounts } from '../../frontend/request-counts.js';

export const REQUEST_WINDOW_MS = 10_000;
/** The fewest requests in the window for a rate to count. */
export const REQUEST_RATE_REQUESTS_MIN = 10;

interface Sample extends RequestCounts {
  atMs: number;
}

export class RequestWindow {
  private samples: Sample[] = [];

  constructor(private readonly directory: string, private readonly windowMs = REQUEST_WINDOW_MS) {}

  /** Reads the counts now; a sum below the newest sample (a worker gone), or a stale newest sample, starts the window over. */
  sample(nowMs: number): void {
    const counts = { ...readRequestCounts(this.directory), atMs: nowMs };
    const newest = this.samples.at(-1);
    const dropped = newest !== undefined && (counts.requests < newest.requests || counts.serverErrors < newest.serverErrors);
    // Samples from before a pause in sampling (no experiment watched requests) say nothing of now.
    if (dropped || (newest !== undefined && newest.atMs < nowMs - this.windowMs)) this.samples = [];
    this.samples.push(counts);
    // Keep one sample at or before the window's start, so the window is covered whole.
    while (this.samples.length > 2 && this.samples[1]!.atMs <= nowMs - this.windowMs) this.samples.shift();
  }

  /** Requests and 5xx answers within the window (since its oldest sample). */
  private change(): RequestCounts {
    const oldest = this.samples[0];
    const newest = this.samples.at(-1);
    if (oldest === undefined || newest === undefined) return { requests: 0, serverErrors: 0 };
    return { requests: newest.requests - oldest.requests, serverErrors: newest.serverErrors - oldest.serverErrors };
  }

  /** The share of requests answered 5xx in the window; undefined below REQUEST_RATE_REQUESTS_MIN requests. */
  serverErrorRate(): number | undefined {
    const { requests, serverErrors } = this.change();
    return requests < REQUEST_RATE_REQUESTS_MIN ? undefined : serverErrors / requests;
  }

  serverErrorCount(): number {
    return this.change().serverErrors;
  }
}
