// The durability audit as a service. Every process drains its own repair queue (the shards its
// reads found damaged) and publishes its queue in DATA_DIR/audit/workers/PID.json. The background
// worker alone walks the index: an admin's full pass when one is requested (request.json), else
// the background scrub at the --scrub-rate cap, resuming from the cursor in status.json. Both are
// jobs of jobs/runner.ts (polling, single flight, stop).

import { randomUUID } from 'node:crypto';
import type { AuditCounts } from '../../storage/index.js';
import { addAuditCounts, emptyAuditCounts } from '../../storage/erasure/shard-audit.js';
import type { Layers } from '../objects.js';
import { walkIndex } from './engine.js';
import { countObjectVersions } from '../version-count.js';
import { JobRunner, startJob, type JobGate } from '../jobs/runner.js';
import { StatusWriter } from '../jobs/status-writer.js';
import { AuditFiles, type AuditCursor, type AuditRequest, type AuditRun, type AuditStatus, type WorkerRepairState } from './files.js';

/** How often the background worker looks for a requested pass (and a scrub slice checks for one). */
const REQUEST_POLL_INTERVAL_MS = 250;
/** How often each process drains its repair queue and publishes its state. */
const REPAIR_DRAIN_INTERVAL_MS = 1000;
/** Queued shards repaired per drain at most. */
const REPAIR_DRAIN_BATCH_SHARDS = 256;
/** status.json is rewritten at most this often while a walk runs. */
const STATUS_WRITE_INTERVAL_MS = 500;
/** Pause between two background scrub passes (CAIRN_SCRUB_PAUSE_MS overrides it, for tests). */
const SCRUB_PAUSE_MS_DEFAULT = 60 * 60 * 1000;
export const SCRUB_RATE_MB_PER_SECOND_DEFAULT = 50;
const BYTES_PER_MB = 1_000_000;

export interface AuditServiceOptions {
  dataDirectory: string;
  /** 0 disables the background scrub (a requested pass then runs without a cap). */
  scrubRateMbPerSecond: number;
  runsBackgroundWork: boolean;
  /** Asked before each background pass (the repair queue is every process's own); absent: always yes. */
  gate?: JobGate;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface AuditControl {
  /** Asks the background worker for a full pass; returns its id. */
  requestAudit(repair: boolean): Promise<string>;
  /** The shared status and every live process's repair queue. */
  status(): Promise<{ status: AuditStatus; pending: AuditRequest | null; workers: WorkerRepairState[] }>;
}

export interface AuditService {
  control: AuditControl;
  stop(): Promise<void>;
}

function emptyStatus(): AuditStatus {
  return { run: null, scrub: { passesCompleted: 0, cursor: null, current: null }, totals: emptyAuditCounts(), updatedAtMs: Date.now() };
}

export async function startAuditService(layers: Layers, options: AuditServiceOptions): Promise<AuditService> {
  const files = new AuditFiles(options.dataDirectory);
  await files.prepare();
  const queueTotals = emptyAuditCounts();
  const publishWorker = async () => {
    const stats = layers.storage.stats;
    const drives = stats.erasure?.drives ?? [{ driveIndex: 0, path: '', online: true }];
    await files.writeWorker({
      pid: process.pid, queueLength: stats.erasure?.repairQueue.pendingCount ?? 0, queueRepaired: queueTotals.repaired,
      queueUnrecoverable: queueTotals.unrecoverable, drivesOnline: drives, updatedAtMs: Date.now(),
    });
  };
  // Every process drains its own queue (the shards its own reads found damaged).
  const drain = startJob<true>({
    name: 'repair_queue',
    pollIntervalMs: REPAIR_DRAIN_INTERVAL_MS,
    next: async () => true,
    async pass() {
      // Published before the pass takes them too: a pass that repairs large stripes can run for
      // seconds, and until it ends the shards it took must not look repaired to a reader.
      // Its failure is only logged: the repairs below must not wait on the audit directory.
      if ((layers.storage.stats.erasure?.repairQueue.pendingCount ?? 0) > 0) await publishWorker().catch((error: unknown) => options.log(`repair queue: ${String(error)}`));
      addAuditCounts(queueTotals, await layers.storage.drainRepairQueue(REPAIR_DRAIN_BATCH_SHARDS));
      await publishWorker();
    },
    onError: (error) => options.log(`repair queue: ${String(error)}`),
  });
  await publishWorker();

  const background = options.runsBackgroundWork ? startBackgroundAudit(layers, files, options) : undefined;
  const control: AuditControl = {
    async requestAudit(repair) {
      const id = randomUUID();
      await files.writeRequest({ id, repair, requestedAtMs: Date.now() });
      return id;
    },
    async status() {
      const status = (await files.readStatus()) ?? emptyStatus();
      const request = (await files.readRequest()) ?? null;
      const pending = request !== null && request.id !== status.run?.id ? request : null;
      return { status, pending, workers: await files.readWorkers(Date.now()) };
    },
  };
  return {
    control,
    async stop() {
      // Both aborted at once: the walk in flight stops at its next object.
      await Promise.all([drain.stop(), background?.stop()]);
      await files.removeWorker(process.pid).catch(() => undefined);
    },
  };
}

function scrubPauseMs(env: NodeJS.ProcessEnv): number {
  const given = Number(env['CAIRN_SCRUB_PAUSE_MS']);
  return Number.isFinite(given) && given >= 0 ? given : SCRUB_PAUSE_MS_DEFAULT;
}

/** The background worker's job: requested passes first, the scrub in between. */
function startBackgroundAudit(layers: Layers, files: AuditFiles, options: AuditServiceOptions): JobRunner<WalkPlan> {
  let status = emptyStatus();
  const bytesPerSecond = options.scrubRateMbPerSecond * BYTES_PER_MB;
  const pauseMs = scrubPauseMs(options.env ?? process.env);
  let nextScrubAtMs = 0;
  let pendingRequest: AuditRequest | undefined;
  let lastPollMs = 0;
  // Asked between objects: is there a requested pass the scrub should yield to? (Polled, not per object.)
  const requestWaiting = (): boolean => {
    if (performance.now() - lastPollMs >= REQUEST_POLL_INTERVAL_MS) {
      lastPollMs = performance.now();
      void files.readRequest().then((request) => { pendingRequest = request; }, () => undefined);
    }
    return pendingRequest !== undefined && pendingRequest.id !== status.run?.id;
  };
  const runner: JobRunner<WalkPlan> = new JobRunner<WalkPlan>({
    name: 'audit',
    pollIntervalMs: REQUEST_POLL_INTERVAL_MS,
    firstPollMs: 0,
    async recover() {
      status = (await files.readStatus()) ?? emptyStatus();
      if (status.run?.state === 'running') {
        // The process that ran it is gone: say so, or `cairn admin audit` would wait for it forever.
        Object.assign(status.run, { state: 'failed', error: 'the server restarted during the pass', finishedAtMs: Date.now() });
        await files.writeStatus({ ...status, updatedAtMs: Date.now() });
      }
      return undefined;
    },
    async next() {
      pendingRequest = await files.readRequest();
      if (pendingRequest !== undefined && pendingRequest.id !== status.run?.id) {
        return { kind: 'full', id: pendingRequest.id, repair: pendingRequest.repair, bytesPerSecond, cursor: null, stop: () => runner.signal.aborted };
      }
      if (bytesPerSecond > 0 && Date.now() >= nextScrubAtMs) {
        return {
          kind: 'scrub', id: status.scrub.current?.id ?? randomUUID(), repair: true, bytesPerSecond, cursor: status.scrub.cursor,
          stop: () => runner.signal.aborted || requestWaiting(),
        };
      }
      return undefined;
    },
    async pass(plan) {
      const finished = await runWalk(layers, files, status, options, plan);
      if (finished && plan.kind === 'scrub') nextScrubAtMs = Date.now() + pauseMs;
    },
    onError: (error) => options.log(`audit: ${error instanceof Error ? error.stack : String(error)}`),
  }, options.gate);
  return runner.start();
}

interface WalkPlan {
  kind: 'full' | 'scrub';
  id: string;
  repair: boolean;
  bytesPerSecond: number;
  cursor: AuditCursor | null;
  stop: () => boolean;
}

/** Runs (or resumes, for the scrub) one walk, keeping status.json up to date; true when it reached the end. */
async function runWalk(layers: Layers, files: AuditFiles, status: AuditStatus, options: AuditServiceOptions, plan: WalkPlan): Promise<boolean> {
  const resumed = plan.kind === 'scrub' ? status.scrub.current : null;
  const run: AuditRun = resumed ?? {
    id: plan.id, kind: plan.kind, repair: plan.repair, state: 'running', startedAtMs: Date.now(), objectsTotal: 0, objectsChecked: 0, counts: emptyAuditCounts(),
  };
  if (plan.kind === 'full') {
    status.run = run;
    options.log(`audit: full pass ${run.id} started${run.repair ? ' (repairing)' : ''}`);
  } else {
    status.scrub.current = run;
  }
  if (resumed === null) run.objectsTotal = await countObjectVersions(layers);
  const writer = new StatusWriter((value: AuditStatus) => files.writeStatus(value), STATUS_WRITE_INTERVAL_MS, (error) => options.log(`audit: status: ${String(error)}`));
  await writer.flush({ ...status, updatedAtMs: Date.now() });
  const checkedBefore = run.objectsChecked;
  const onProgress = (found: AuditCounts, objectsChecked: number, cursor: AuditCursor) => {
    addAuditCounts(run.counts, found);
    addAuditCounts(status.totals, found);
    run.objectsChecked = checkedBefore + objectsChecked;
    if (plan.kind === 'scrub') status.scrub.cursor = cursor;
    writer.progress(() => structuredClone({ ...status, updatedAtMs: Date.now() }));
  };
  let finished = false;
  try {
    finished = await walkIndex(layers, { repair: plan.repair, bytesPerSecond: plan.bytesPerSecond, cursor: plan.cursor, log: options.log, shouldStop: plan.stop, onProgress });
    if (finished || plan.kind === 'full') {
      run.state = finished ? 'done' : 'failed';
      if (!finished) run.error = 'the server stopped during the pass';
      run.finishedAtMs = Date.now();
    }
  } catch (error) {
    run.state = 'failed';
    run.error = (error as Error).message;
    run.finishedAtMs = Date.now();
    finished = true;
  }
  if (plan.kind === 'scrub' && run.state !== 'running') {
    status.scrub.current = null;
    status.scrub.cursor = null;
    if (run.state === 'done') status.scrub.passesCompleted += 1;
  }
  await writer.flush({ ...status, updatedAtMs: Date.now() });
  if (run.state !== 'running') {
    const { recordsChecked, corruptFound, repaired, unrecoverable } = run.counts;
    options.log(`audit: ${plan.kind} pass ${run.id} ${run.state}: ${recordsChecked} records checked, ${corruptFound} corrupt, ${repaired} repaired, ${unrecoverable} unrecoverable`);
  }
  return finished;
}
