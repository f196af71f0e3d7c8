// Background worker: aborts multipart uploads abandoned longer than a configured age, so their
// parts stop holding space (compaction reclaims the records later).
import { sweepAbandonedUploads } from './multipart.js';
import type { Layers } from './objects.js';

/** Uploads aborted per sweep at most; a larger backlog is worked off over several sweeps. */
const SWEEP_BATCH_UPLOADS_MAX = 1000;
/** How often the sweeper looks, at most and at least. */
const SWEEP_INTERVAL_MS_MAX = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS_MIN = 1000;

export interface UploadSweeper {
  stop(): void;
}

export function startUploadSweeper(layers: Layers, maxAgeMs: number, log: (line: string) => void): UploadSweeper {
  // Look ten times per age, so an upload is swept at most 10% after it expires.
  const intervalMs = Math.min(SWEEP_INTERVAL_MS_MAX, Math.max(SWEEP_INTERVAL_MS_MIN, Math.floor(maxAgeMs / 10)));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepAbandonedUploads(layers, maxAgeMs, SWEEP_BATCH_UPLOADS_MAX)
      .then((aborted) => { if (aborted > 0) log(`upload sweeper: aborted ${aborted} multipart upload(s) idle for over ${maxAgeMs / 1000} s`); })
      .catch((error: unknown) => log(`upload sweeper: ${String(error)}`))
      .finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
