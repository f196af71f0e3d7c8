// Paces background work (audit, compaction) so that foreground requests keep the drives
// (DESIGN.md §3): after `bytes` more, sleeps until the average rate is back under the cap.

import { setTimeout as sleep } from 'node:timers/promises';

/** The longest single pause, so a stop request is noticed soon. */
const RATE_SLEEP_MS_MAX = 250;

export class RateLimiter {
  private readonly startedAtMs = performance.now();
  private bytes = 0;

  /** 0: no limit. */
  constructor(private readonly bytesPerSecond: number) {}

  async consume(bytes: number, shouldStop: () => boolean): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    this.bytes += bytes;
    for (;;) {
      const dueAtMs = this.startedAtMs + (this.bytes / this.bytesPerSecond) * 1000;
      const aheadMs = dueAtMs - performance.now();
      if (aheadMs <= 0 || shouldStop()) return;
      await sleep(Math.min(aheadMs, RATE_SLEEP_MS_MAX));
    }
  }
}
