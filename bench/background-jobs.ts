// The background work `npm run bench:background` measures foreground latency against, each driven
// through the admin API of the running server as an operator would: durability audit passes,
// the heal of a replaced drive, and compaction.
import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditRun, AuditStatus, WorkerRepairState } from '../src/services/audit/files.js';
import type { CompactionStatus } from '../src/services/compaction/status.js';
import type { HealStatus } from '../src/services/heal/heal-status.js';
import type { AdminClient } from './admin-client.js';

/** Status polls while waiting for a job to start or end; the server's own polls are 250 ms. */
export const JOB_POLL_INTERVAL_MS = 250;
/** A requested audit pass or heal must be under way by then: the server polls every 250 ms, checks drives every 1 s. */
const JOB_START_TIMEOUT_MS = 30_000;
const BYTES_PER_MB = 1e6;
const DRIVE_REMOVE_RETRIES = 10;
const MS_PER_SECOND = 1000;

export interface BackgroundJob {
  /** Starts the work; resolves once the server reports it running. */
  start(): Promise<void>;
  /** Polled during the phase: is the work running right now? */
  poll(): Promise<boolean>;
  /** True once the work has ended for good: the phase stops there (heal). */
  readonly ended: boolean;
  /** At the end of the phase: starts no more work, waits for what must end, and says what was done. */
  finish(): Promise<string>;
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadlineMs) throw new Error(`${what}: not after ${timeoutMs / MS_PER_SECOND} s`);
    await sleep(JOB_POLL_INTERVAL_MS);
  }
}

interface AuditAnswer { status: AuditStatus; pending: unknown; workers: WorkerRepairState[] }

export function auditStatus(admin: AdminClient): Promise<AuditAnswer> {
  return admin.call<AuditAnswer>('GET', '/audit');
}

export async function requestAuditPass(admin: AdminClient): Promise<string> {
  return (await admin.call<{ id: string }>('POST', '/audit', { repair: false })).id;
}

/** Requests a full pass (no repair) and waits for it to end: the finished run. */
export async function runAuditPass(admin: AdminClient, timeoutMs: number): Promise<AuditRun> {
  const id = await requestAuditPass(admin);
  let run: AuditRun | null = null;
  await waitUntil(async () => {
    run = (await auditStatus(admin)).status.run;
    return run !== null && run.id === id && run.state !== 'running';
  }, timeoutMs, `audit pass ${id}`);
  return run!;
}

/**
 * Full audit passes back to back for the whole phase, at whatever cap the server was started with
 * (`--scrub-rate`; 0 leaves a requested pass uncapped). A pass cannot be stopped but by stopping
 * the server, which is what the benchmark does after the phase.
 */
export function auditPasses(admin: AdminClient): BackgroundJob {
  let currentId = '';
  let passesDone = 0;
  let bytesBefore = 0;
  let startedMs = 0;
  return {
    ended: false,
    async start() {
      bytesBefore = (await auditStatus(admin)).status.totals.bytesChecked;
      currentId = await requestAuditPass(admin);
      await waitUntil(async () => (await auditStatus(admin)).status.run?.id === currentId, JOB_START_TIMEOUT_MS, 'audit pass start');
      startedMs = performance.now();
    },
    async poll() {
      const run = (await auditStatus(admin)).status.run;
      if (run?.id !== currentId) return false;
      if (run.state === 'running') return true;
      if (run.state === 'done') passesDone += 1;
      // The gap until the server takes the next request (≤ 250 ms) counts as not running.
      currentId = await requestAuditPass(admin);
      return false;
    },
    async finish() {
      // Bytes over the measured window: the counters are written at least every 0.5 s of work.
      const bytes = (await auditStatus(admin)).status.totals.bytesChecked - bytesBefore;
      const seconds = (performance.now() - startedMs) / MS_PER_SECOND;
      return `audit: ${(bytes / BYTES_PER_MB).toFixed(0)} MB checked at ${(bytes / BYTES_PER_MB / seconds).toFixed(0)} MB/s, ${passesDone} pass(es) completed`;
    },
  };
}

function repairQueueTotals(workers: WorkerRepairState[]): { repaired: number; unrecoverable: number } {
  return {
    repaired: workers.reduce((sum, worker) => sum + worker.queueRepaired, 0),
    unrecoverable: workers.reduce((sum, worker) => sum + worker.queueUnrecoverable, 0),
  };
}

/**
 * Replaces a drive while the server runs, as an operator swapping a disk would: the directory is
 * removed (every process takes the drive offline), then recreated empty; the background worker
 * formats it for its place and starts the heal job, which runs until every version is walked.
 */
export function healOfReplacedDrive(admin: AdminClient, drivePath: string, driveNumber: number): BackgroundJob {
  let status: HealStatus | undefined;
  let startedMs = 0;
  let queueBefore = { repaired: 0, unrecoverable: 0 };
  const job = {
    ended: false,
    async start() {
      // The server may create a volume (a rollover) while the tree is being removed: try again.
      rmSync(drivePath, { recursive: true, force: true, maxRetries: DRIVE_REMOVE_RETRIES });
      const seenOffline = (worker: WorkerRepairState) => worker.drivesOnline.some((drive) => drive.path === drivePath && !drive.online);
      await waitUntil(async () => {
        const workers = (await auditStatus(admin)).workers;
        return workers.length > 0 && workers.every(seenOffline);
      }, JOB_START_TIMEOUT_MS, `drive ${driveNumber} offline in every process`);
      queueBefore = repairQueueTotals((await auditStatus(admin)).workers);
      mkdirSync(drivePath);
      await waitUntil(async () => {
        status = await admin.call<HealStatus>('GET', '/heal');
        return status.state === 'running' && status.drives.includes(driveNumber);
      }, JOB_START_TIMEOUT_MS, `heal of drive ${driveNumber}`);
      startedMs = performance.now();
    },
    async poll() {
      status = await admin.call<HealStatus>('GET', '/heal');
      if (status.state !== 'running') job.ended = true;
      return !job.ended;
    },
    async finish() {
      const seconds = (performance.now() - startedMs) / MS_PER_SECOND;
      const done = status?.objectsDone ?? 0;
      // Foreground reads meet the shards not yet rebuilt as damaged and queue them: that work runs too.
      const queue = repairQueueTotals((await auditStatus(admin)).workers);
      return `heal of drive ${driveNumber}: ${status?.state}, ${done} of ${status?.objectsTotal} object versions `
        + `(${(done / seconds).toFixed(0)}/s), ${status?.shardsHealed} shards rebuilt, ${status?.shardsUnhealable} unhealable; `
        + `repair queues meanwhile: ${queue.repaired - queueBefore.repaired} repaired, ${queue.unrecoverable - queueBefore.unrecoverable} not`;
    },
  };
  return job;
}

/**
 * Compaction passes back to back for the phase (the server runs with --compaction-interval 0, so
 * only these run, and --compaction-grace 0, so a pass deletes what the one before it emptied). The
 * garbage: every phase's PUTs overwrite the same few hundred keys, in volumes of --volume-size MiB.
 * The phase ends when a pass finds nothing left to do.
 */
export function compactionPasses(admin: AdminClient): BackgroundJob {
  let status: CompactionStatus | undefined;
  let requestedAfter = '';
  let startedMs = 0;
  const totalsBefore = { bytesMoved: 0, bytesReclaimed: 0, volumesDeleted: 0 };
  const request = async () => {
    requestedAfter = (await admin.call<CompactionStatus>('GET', '/compaction')).pass?.startedAt ?? '';
    await admin.call('POST', '/compaction', {});
  };
  const job = {
    ended: false,
    async start() {
      Object.assign(totalsBefore, (await admin.call<CompactionStatus>('GET', '/compaction')).totals);
      await request();
      await waitUntil(async () => {
        status = await admin.call<CompactionStatus>('GET', '/compaction');
        return status.pass !== undefined && status.pass.startedAt !== requestedAfter;
      }, JOB_START_TIMEOUT_MS, 'compaction pass start');
      startedMs = performance.now();
    },
    async poll() {
      status = await admin.call<CompactionStatus>('GET', '/compaction');
      const fresh = status.pass !== undefined && status.pass.startedAt !== requestedAfter;
      if (!fresh) return false;
      if (status.state === 'running') return true;
      const counts = status.pass!.counts;
      if (counts.volumesCompacted === 0 && counts.volumesDeleted === 0) job.ended = true;
      else await request();
      return false;
    },
    async finish() {
      const seconds = (performance.now() - startedMs) / MS_PER_SECOND;
      const now = await admin.call<CompactionStatus>('GET', '/compaction');
      // Totals grow when a pass ends; a pass still running has its own counts so far.
      const running = now.state === 'running' && now.pass !== undefined ? now.pass.counts : undefined;
      const moved = now.totals.bytesMoved + (running?.bytesMoved ?? 0) - totalsBefore.bytesMoved;
      const reclaimed = now.totals.bytesReclaimed + (running?.bytesReclaimed ?? 0) - totalsBefore.bytesReclaimed;
      const deleted = now.totals.volumesDeleted + (running?.volumesDeleted ?? 0) - totalsBefore.volumesDeleted;
      return `compaction: ${(moved / BYTES_PER_MB).toFixed(0)} MB of live records moved (${(moved / BYTES_PER_MB / seconds).toFixed(0)} MB/s), `
        + `${deleted} volumes deleted, ${(reclaimed / BYTES_PER_MB).toFixed(0)} MB reclaimed in ${seconds.toFixed(0)} s`
        + (running !== undefined ? ' (a pass still running at the end)' : '');
    },
  };
  return job;
}
