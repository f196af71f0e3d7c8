// Background worker: aborts multipart uploads abandoned longer than a configured age, so their
// parts stop holding space (compaction reclaims the records later). A job of jobs/runner.ts.
import { startJob, type JobGate } from './jobs/runner.js';
import { sweepAbandonedUploads } from './multipart.js';
import type { Layers } from './objects.js';

/** Uploads aborted per sweep at most; a larger backlog is worked off over several sweeps. */
const SWEEP_BATCH_UPLOADS_MAX = 1000;
/** How often the sweeper looks, at most and at least. */
const SWEEP_INTERVAL_MS_MAX = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS_MIN = 1000;

export interface UploadSweeper {
  /** Starts no further sweep and waits for the one running. */
  stop(): Promise<void>;
}

export function startUploadSweeper(layers: Layers, maxAgeMs: number, log: (line: string) => void, gate?: JobGate): UploadSweeper {
  // Look ten times per age, so an upload is swept at most 10% after it expires.
  const intervalMs = Math.min(SWEEP_INTERVAL_MS_MAX, Math.max(SWEEP_INTERVAL_MS_MIN, Math.floor(maxAgeMs / 10)));
  return startJob<true>({
    name: 'upload_sweeper',
    pollIntervalMs: intervalMs,
    next: async () => true,
    async pass() {
      const aborted = await sweepAbandonedUploads(layers, maxAgeMs, SWEEP_BATCH_UPLOADS_MAX);
      if (aborted > 0) log(`upload sweeper: aborted ${aborted} multipart upload(s) idle for over ${maxAgeMs / 1000} s`);
    },
    onError: (error) => log(`upload sweeper: ${String(error)}`),
  }, gate);
}
