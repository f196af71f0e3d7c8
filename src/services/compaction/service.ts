// The compaction service: runs in the background process only (one per server), a pass every
// `intervalMs` (0: only when asked) and whenever POST /_cairn/admin/compaction asks for one. Progress
// goes to DATA/compaction/status.json, which any worker serves. See pass.ts for what a pass does.

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

export function startCompactionService(layers: Layers, files: CompactionFiles, settings: CompactionServiceSettings, log: (line: string) => void): { stop(): Promise<void> } {
  let stopping = false;
  let running: Promise<void> | null = null;
  let nextPassAtMs = settings.intervalMs > 0 ? Date.now() + settings.intervalMs : Number.POSITIVE_INFINITY;

  const runPass = async () => {
    const status = await files.readStatus();
    const counts = emptyCompactionCounts();
    status.state = 'running';
    status.pass = { startedAt: new Date().toISOString(), counts };
    let lastWriteMs = 0;
    const save = async (force: boolean) => {
      if (!force && Date.now() - lastWriteMs < STATUS_WRITE_INTERVAL_MS) return;
      lastWriteMs = Date.now();
      status.updatedAt = new Date().toISOString();
      await files.writeStatus(status);
    };
    await save(true);
    const progress = setInterval(() => void save(false).catch(() => undefined), STATUS_WRITE_INTERVAL_MS);
    try {
      const outcome = await runCompactionPass(layers, settings, counts, log, () => stopping);
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
      await save(true);
    }
  };

  const poll = async () => {
    if (stopping || running !== null) return;
    const requested = await files.takeRequest();
    if (stopping || running !== null || (!requested && Date.now() < nextPassAtMs)) return;
    running = runPass().finally(() => {
      running = null;
      if (settings.intervalMs > 0) nextPassAtMs = Date.now() + settings.intervalMs;
    });
  };
  // A pass that was running when the process died says so, rather than "running" for ever.
  const settled = (async () => {
    const status = await files.readStatus();
    if (status.state !== 'running' || status.pass === undefined) return;
    status.state = 'idle';
    status.pass.finishedAt = new Date().toISOString();
    status.pass.error = 'interrupted: the server stopped during the pass (nothing is lost; the next pass goes on)';
    await files.writeStatus(status);
  })().catch((error: Error) => log(`compaction: ${error.message}`));
  const timer = setInterval(() => void settled.then(poll).catch((error: Error) => log(`compaction: ${error.message}`)), COMPACTION_POLL_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await running;
    },
  };
}

export type { CompactionStatus };
