// Background worker: applies every bucket's lifecycle configuration, one pass at a time, every
// `intervalMs` (a job of jobs/runner.ts). The server runs it in exactly one process (see
// server-command.ts). A pass never throws out of here; what it could not do is done on a later pass.
import { startJob, type JobGate } from '../jobs/runner.js';
import type { Layers } from '../objects.js';
import { runLifecyclePass, type PassTotals } from './pass.js';

/** S3's lifecycle day; a shorter one (tests, demos) is a server option. */
export const DEFAULT_LIFECYCLE_DAY_SECONDS = 24 * 60 * 60;
/** How often a pass starts, unless configured: 24 times per lifecycle day, within these bounds. */
const PASSES_PER_DAY = 24;
export const LIFECYCLE_INTERVAL_MS_MIN = 100;
const DEFAULT_LIFECYCLE_INTERVAL_MS_MIN = 250;
const DEFAULT_LIFECYCLE_INTERVAL_MS_MAX = 60 * 60 * 1000;

export interface LifecycleSettings {
  /** The length of a lifecycle "day": what Days in a rule count, and where "midnight" falls. */
  dayMs: number;
  /** Time between the end of one pass and the start of the next. */
  intervalMs: number;
}

export function defaultLifecycleIntervalMs(dayMs: number): number {
  return Math.min(DEFAULT_LIFECYCLE_INTERVAL_MS_MAX, Math.max(DEFAULT_LIFECYCLE_INTERVAL_MS_MIN, Math.floor(dayMs / PASSES_PER_DAY)));
}

export interface LifecycleWorker {
  /** Starts no further pass and waits for the one running, which stops at its next batch. */
  stop(): Promise<void>;
}

function describe(totals: PassTotals): string | undefined {
  const parts = Object.entries(totals).filter(([, count]) => count > 0).map(([name, count]) => `${name} ${count}`);
  return parts.length === 0 ? undefined : parts.join(', ');
}

export function startLifecycleWorker(layers: Layers, settings: LifecycleSettings, log: (line: string) => void, gate?: JobGate): LifecycleWorker {
  return startJob<true>({
    name: 'lifecycle',
    pollIntervalMs: settings.intervalMs,
    next: async () => true,
    async pass(_work, { signal }) {
      const totals = await runLifecyclePass({ layers, dayMs: settings.dayMs, nowMs: Date.now(), shouldStop: () => signal.aborted, log });
      const summary = describe(totals);
      if (summary !== undefined) log(`lifecycle: ${summary}`);
    },
    onError: (error) => log(`lifecycle: pass failed (retried next interval): ${String(error)}`),
  }, gate);
}
