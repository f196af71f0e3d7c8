// A job's status file while a pass runs: rewritten often enough that `cairn admin …` shows progress,
// but at most once per interval (a pass may advance thousands of times a second), the writes one
// after another so an older snapshot never lands after a newer one. The file itself is whatever the
// job's files class writes (state-files.ts, or the audit's own).

export class StatusWriter<Status> {
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  private writing: Promise<void> = Promise.resolve();

  /**
   * `write` stores one status; `onError` hears of a progress write that failed (progress is
   * best effort: the next write carries the same figures).
   */
  constructor(
    private readonly write: (status: Status) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues a write of `snapshot()` unless one was queued within the interval. Does not wait for it. */
  progress(snapshot: () => Status): void {
    if (performance.now() - this.lastWriteMs < this.intervalMs) return;
    this.lastWriteMs = performance.now();
    const status = snapshot();
    this.writing = this.writing.then(() => this.write(status)).catch(this.onError);
  }

  /** Waits for the queued writes, then writes `status` now (a pass's start and end); throws what the write throws. */
  async flush(status: Status): Promise<void> {
    this.lastWriteMs = performance.now();
    await this.writing;
    await this.write(status);
  }
}
