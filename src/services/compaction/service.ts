// The compaction service: runs in the background process only (one per server), a pass every
// `intervalMs` (0: only when asked) and whenever POST /_cairn/admin/compaction asks for one. Progress
// goes to DATA/compaction/status.json, which any worker serves. See pass.ts for what a pass does,
// jobs/runner.ts for the polling, single flight and stop.

import { startJob, type JobGate } from '../jobs/runner.js';
import { StatusWriter } from '../jobs/status-writer.js';
import type { Layers } from '../objects.js';
import { runCompactionPass, type CompactionSettings } from './pass.js';
import { addCompactionCounts, emptyCompactionCounts, type CompactionFiles, type CompactionStatus } from './status.js';

/** How often the background worker looks for a request. */
export const COMPACTION_POLL_INTERVAL_MS = 250;
const STATUS_WRITE_INTERVAL_MS = 250;
/** A pass every 10 minutes. */
export const DEFAULT_COMPACTION_INTERVAL_SECONDS = 600;
/**
 * An emptied volume is kept an hour: a GET that read a placement before its records moved reads the
 * old volume to its end, and a slow client may take that long over a 5 GiB object.
 */
export const DEFAULT_COMPACTION_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_COMPACTION_RATE_MB_PER_SECOND = 50;

export interface CompactionServiceSettings extends CompactionSettings {
  /** Time between background passes; 0: passes run only when asked. */
  intervalMs: number;
}

export function startCompactionService(
  layers: Layers, files: CompactionFiles, settings: CompactionServiceSettings, log: (line: string) => void, gate?: JobGate,
): { stop(): Promise<void> } {
  let nextPassAtMs = settings.intervalMs > 0 ? Date.now() + settings.intervalMs : Number.POSITIVE_INFINITY;
  return startJob<true>({
    name: 'compaction',
    pollIntervalMs: COMPACTION_POLL_INTERVAL_MS,
    // A pass that was running when the process died says so, rather than "running" for ever.
    async recover() {
      const status = await files.readStatus();
      if (status.state !== 'running' || status.pass === undefined) return undefined;
      status.state = 'idle';
      status.pass.finishedAt = new Date().toISOString();
      status.pass.error = 'interrupted: the server stopped during the pass (nothing is lost; the next pass goes on)';
      await files.writeStatus(status);
      return undefined;
    },
    async next() {
      const requested = await files.takeRequest();
      return requested || Date.now() >= nextPassAtMs ? true : undefined;
    },
    async pass(_work, { signal }) {
      try {
        await runPass(layers, files, settings, log, signal);
      } finally {
        if (settings.intervalMs > 0) nextPassAtMs = Date.now() + settings.intervalMs;
      }
    },
    onError: (error) => log(`compaction: ${(error as Error).message}`),
  }, gate);
}

/** One pass, its progress in status.json; a pass that fails says so there (and in the log). */
async function runPass(layers: Layers, files: CompactionFiles, settings: CompactionSettings, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const status = await files.readStatus();
  const counts = emptyCompactionCounts();
  status.state = 'running';
  status.pass = { startedAt: new Date().toISOString(), counts };
  const stamped = () => {
    status.updatedAt = new Date().toISOString();
    return status;
  };
  const writer = new StatusWriter((value: CompactionStatus) => files.writeStatus(value), STATUS_WRITE_INTERVAL_MS, () => undefined);
  await writer.flush(stamped());
  const progress = setInterval(() => writer.progress(stamped), STATUS_WRITE_INTERVAL_MS);
  try {
    const outcome = await runCompactionPass(layers, settings, counts, log, () => signal.aborted);
    status.pendingDeletion = outcome.pendingDeletion;
    if (counts.volumesCompacted + counts.volumesDeleted > 0) {
      log(`compaction: pass done: ${counts.volumesCompacted} volumes emptied (${counts.recordsMoved} records, ${counts.bytesMoved} bytes moved), ` +
        `${counts.volumesDeleted} deleted (${counts.bytesReclaimed} bytes reclaimed), ${counts.placementConflicts} changed meanwhile`);
    }
  } catch (error) {
    status.pass.error = (error as Error).message;
    log(`compaction: pass failed: ${(error as Error).stack ?? (error as Error).message}`);
  } finally {
    clearInterval(progress);
    status.state = 'idle';
    status.pass.finishedAt = new Date().toISOString();
    status.passesCompleted += 1;
    addCompactionCounts(status.totals, counts);
    await writer.flush(stamped());
  }
}

export type { CompactionStatus };
