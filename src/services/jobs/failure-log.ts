// The log lines of a job whose passes keep failing, as they do every poll (100 ms for event delivery
// and replication) while the index's database is away: the first failure is logged, then at most
// one line per FAILURE_LOG_INTERVAL_MS saying how many more failed since, and one line when a pass
// succeeds again. An outage of an hour writes about sixty lines, not thirty-six thousand.

/** Between two lines about the same run of failures. */
export const FAILURE_LOG_INTERVAL_MS = 60_000;

export class FailureLog {
  /** Failures since the last line (not yet logged). */
  private unlogged = 0;
  /** Failures since the last success; 0 while the job is healthy. */
  private failures = 0;
  private firstFailureAtMs = 0;
  private lastLineAtMs = 0;

  constructor(private readonly label: string, private readonly log: (line: string) => void, private readonly intervalMs = FAILURE_LOG_INTERVAL_MS) {}

  failed(error: unknown, nowMs = Date.now()): void {
    const message = error instanceof Error ? error.message : String(error);
    this.failures += 1;
    if (this.failures === 1) {
      this.firstFailureAtMs = nowMs;
      this.lastLineAtMs = nowMs;
      this.log(`${this.label}: pass failed: ${message}`);
      return;
    }
    this.unlogged += 1;
    if (nowMs - this.lastLineAtMs < this.intervalMs) return;
    this.log(`${this.label}: pass failed ${this.unlogged} more times since the last line (failing for ${Math.round((nowMs - this.firstFailureAtMs) / 1000)} s): ${message}`);
    this.unlogged = 0;
    this.lastLineAtMs = nowMs;
  }

  succeeded(nowMs = Date.now()): void {
    if (this.failures === 0) return;
    this.log(`${this.label}: passes succeed again, after ${this.failures} failed over ${Math.round((nowMs - this.firstFailureAtMs) / 1000)} s`);
    this.failures = 0;
    this.unlogged = 0;
  }
}
