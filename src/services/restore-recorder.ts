// Background job: records each restore's later moments, once: a restore that became ready
// (ObjectRestore:Completed) and a restored copy that expired (ObjectRestore:Delete), as an
// UPDATE_METADATA journal row and queued events, marked on the restore row in the same index
// transaction (so a crash never loses or doubles one). A job of jobs/runner.ts, run in the one
// process that runs background work.
import type { Index } from '../index/types.js';
import { startJob, type JobGate } from './jobs/runner.js';

/** Moments of each kind recorded per index transaction; a larger backlog takes several. */
const RECORD_BATCH_MAX = 100;
/** Transactions per pass at most, so one pass ends even while restores keep coming due. */
const BATCHES_PER_PASS_MAX = 50;
/** How often the job looks: the lateness of an event after its moment, at most (and a bit). */
export const RESTORE_RECORD_INTERVAL_MS = 1000;

export interface RestoreRecorder {
  /** Starts no further pass and waits for the one running. */
  stop(): Promise<void>;
}

export function startRestoreRecorder(index: Index, log: (line: string) => void, gate?: JobGate): RestoreRecorder {
  return startJob<true>({
    name: 'restore_recorder',
    pollIntervalMs: RESTORE_RECORD_INTERVAL_MS,
    next: async () => true,
    async pass(_work, { signal }) {
      for (let batch = 0; batch < BATCHES_PER_PASS_MAX && !signal.aborted; batch++) {
        // Both kinds at RECORD_BATCH_MAX each: fewer than that of both means nothing more is due.
        if ((await index.recordRestoreProgress(Date.now(), RECORD_BATCH_MAX)) < RECORD_BATCH_MAX) return;
      }
    },
    onError: (error) => log(`restore recorder: ${String(error)}`),
  }, gate);
}
