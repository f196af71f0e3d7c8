// Runs AWS Backup's jobs in the one process that runs background work: each step asks the scheduler
// for plan runs that are due, removes recovery points whose retention ended, and takes CREATED,
// RUNNING and ABORTING backup jobs (backup-run.ts: record the recovery point in the index, or EXPIRED
// outside the start or completion window, or ABORTED when stopped), then copy, restore and report
// jobs. A job's state lives in its file, so a restart resumes: a job left RUNNING by a crash runs
// again (its snapshot is one index transaction; a restore skips what it already wrote).
import { type BackupRunnerParts, retentionRefusal, runBackupJob } from './backup-run.js';
import { backupArns, type BackupContext } from './context.js';
import { ensureContinuousRecoveryPoints } from './continuous.js';
import { backupDayMs } from './days.js';
import { notifyVault } from './notify.js';
import type { CopyJobRecord, RestoreJobRecord } from './records.js';
import { deleteAtMs, removeRecoveryPoint } from './recovery-points.js';
import { runReport } from './report-run.js';
import { restoreToTime } from './pitr-restore.js';
import { runRestore } from './restore-run.js';
import { runSchedules } from './scheduler.js';

export type { BackupRunnerParts } from './backup-run.js';

export const BACKUP_RUNNER_STEP_MS = 250;
/** How often the runner frees versions kept by continuous backups past their window (a backup "day" when shorter). */
const RETAINED_SWEEP_INTERVAL_MS_MAX = 60_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function runRestoreJob(parts: BackupRunnerParts, job: RestoreJobRecord): Promise<void> {
  await parts.store.restoreJobs.put(job.id, { ...job, status: 'RUNNING' });
  try {
    const owner = { region: parts.region, ownerId: parts.ownerId };
    const outcome = job.restoreTimeMs === undefined ? await runRestore(parts.layers, job, owner) : await restoreToTime(parts.layers, job, job.restoreTimeMs, owner);
    await parts.store.restoreJobs.put(job.id, { ...job, status: 'COMPLETED', completionMs: Date.now(), ...outcome });
    const point = await parts.store.recoveryPoints.get(job.recoveryPointId);
    if (point !== undefined) await parts.store.recoveryPoints.put(point.id, { ...point, lastRestoreMs: Date.now() });
    await notifyVault(parts, job.vaultName, 'RESTORE_JOB_COMPLETED', { restoreJobId: job.id, status: 'COMPLETED', objectsRestored: outcome.objectsRestored });
  } catch (error) {
    parts.log(`backup: restore job ${job.id} failed: ${messageOf(error)}`);
    await parts.store.restoreJobs.put(job.id, { ...job, status: 'FAILED', statusMessage: messageOf(error), completionMs: Date.now() });
    await notifyVault(parts, job.vaultName, 'RESTORE_JOB_FAILED', { restoreJobId: job.id, status: 'FAILED' });
  }
}

async function runCopyJob(parts: BackupRunnerParts, context: BackupContext, job: CopyJobRecord): Promise<void> {
  const source = await parts.store.recoveryPoints.get(job.sourceRecoveryPointId);
  const fail = async (message: string) => {
    await parts.store.copyJobs.put(job.id, { ...job, state: 'FAILED', statusMessage: message, completionMs: Date.now() });
    await notifyVault(parts, job.sourceVaultName, 'COPY_JOB_FAILED', { copyJobId: job.id, state: 'FAILED' });
  };
  if (source === undefined) return fail('The recovery point no longer exists.');
  const region = job.destinationVaultArn.split(':')[3] ?? '';
  if (!job.destinationVaultArn.startsWith(context.arns.vault(''))) {
    // Imported on first use: the AWS SDK's Backup and S3 clients are a tenth of a second of every process's start.
    const { copyToRemote, remoteFor } = await import('./remote-copy.js');
    const remote = await remoteFor(parts.store.directory, region);
    if (remote === undefined) return fail(`No remote server is configured for region ${region} (remotes.json).`);
    await parts.store.copyJobs.put(job.id, { ...job, state: 'RUNNING' });
    try {
      const copied = await copyToRemote(parts.layers, job, remote, { region, sourceVaultArn: context.arns.vault(job.sourceVaultName) });
      await parts.store.copyJobs.put(job.id, { ...job, state: 'COMPLETED', completionMs: Date.now(), sizeBytes: copied.sizeBytes, destinationRecoveryPointArn: copied.recoveryPointArn });
      await notifyVault(parts, job.sourceVaultName, 'COPY_JOB_SUCCESSFUL', { copyJobId: job.id, state: 'COMPLETED' });
    } catch (error) {
      parts.log(`backup: copy job ${job.id} failed: ${messageOf(error)}`);
      await fail(messageOf(error));
    }
    return;
  }
  const vaultName = job.destinationVaultArn.slice(context.arns.vault('').length);
  const vault = await parts.store.vaults.get(vaultName);
  if (vault === undefined) return fail(`Backup vault ${vaultName} no longer exists.`);
  // As on AWS, the destination vault fails a copy whose retention is outside its lock's range.
  const outsideLock = retentionRefusal(vault, job.lifecycle);
  if (outsideLock !== undefined) return fail(outsideLock);
  const copy = { ...source, id: job.id, vaultName, creationMs: Date.now(), lifecycle: job.lifecycle, sourceVaultArn: context.arns.vault(job.sourceVaultName) };
  const size = await parts.layers.index.copyRecoveryPointObjects(source.id, copy.id);
  await parts.store.recoveryPoints.put(copy.id, { ...copy, completionMs: Date.now(), sizeBytes: size.sizeBytes, objects: size.objects, rowsWritten: size.rowsWritten, lastRestoreMs: undefined });
  await parts.store.copyJobs.put(job.id, {
    ...job, state: 'COMPLETED', completionMs: Date.now(), sizeBytes: size.sizeBytes, destinationRecoveryPointArn: context.arns.recoveryPoint(copy.id),
  });
  await notifyVault(parts, job.sourceVaultName, 'COPY_JOB_SUCCESSFUL', { copyJobId: job.id, state: 'COMPLETED' });
}

async function runReportJob(parts: BackupRunnerParts, job: Record<string, unknown> & { id: string }): Promise<void> {
  try {
    const { bucket, keys } = await runReport(parts.layers, parts.store, job, parts);
    await parts.store.reportJobs.put(job.id, { ...job, status: 'COMPLETED', completionMs: Date.now(), destination: { S3BucketName: bucket, S3Keys: keys } });
  } catch (error) {
    await parts.store.reportJobs.put(job.id, { ...job, status: 'FAILED', completionMs: Date.now(), statusMessage: messageOf(error) });
  }
}

/** Recovery points whose lifecycle's DeleteAfterDays has passed go (a lock protects them only until then). */
async function expireRecoveryPoints(parts: BackupRunnerParts): Promise<void> {
  const nowMs = Date.now();
  for (const point of await parts.store.recoveryPoints.list()) {
    // A continuous recovery point's retention is a window sliding with time: it does not end.
    const until = point.continuous === true ? undefined : deleteAtMs(point);
    if (until !== undefined && until <= nowMs) await removeRecoveryPoint({ store: parts.store, index: parts.layers.index }, point);
  }
}

export function startBackupRunner(parts: BackupRunnerParts): { step(): Promise<void>; stop(): void } {
  const context: BackupContext = { store: parts.store, index: parts.layers.index, arns: backupArns(parts.region, parts.accountId), nowMs: 0 };
  let running: Promise<void> | undefined;
  let nextRetainedSweepMs = 0;
  const step = async (): Promise<void> => {
    await runSchedules(parts, { ...context, nowMs: Date.now() });
    await ensureContinuousRecoveryPoints({ ...context, nowMs: Date.now() });
    if (Date.now() >= nextRetainedSweepMs) {
      const sweepMs = Date.now();
      // Each call frees one batch in its own transaction; the loop ends when none is left past its window.
      while ((await parts.layers.index.expireRetainedVersions(sweepMs)) > 0);
      nextRetainedSweepMs = Date.now() + Math.min(RETAINED_SWEEP_INTERVAL_MS_MAX, backupDayMs());
    }
    await expireRecoveryPoints(parts);
    for (const job of await parts.store.backupJobs.list()) if (['CREATED', 'RUNNING', 'ABORTING'].includes(job.state)) await runBackupJob(parts, context, job);
    for (const job of await parts.store.copyJobs.list()) if (job.state === 'CREATED' || job.state === 'RUNNING') await runCopyJob(parts, context, job);
    for (const job of await parts.store.restoreJobs.list()) if (job.status === 'PENDING' || job.status === 'RUNNING') await runRestoreJob(parts, job);
    for (const job of await parts.store.reportJobs.list()) if (job['status'] === 'CREATED') await runReportJob(parts, job);
  };
  const timer = setInterval(() => {
    // A slow step must not pile up steps.
    running ??= step().catch((error: unknown) => parts.log(`backup: runner step failed: ${messageOf(error)}`)).finally(() => {
      running = undefined;
    });
  }, BACKUP_RUNNER_STEP_MS);
  timer.unref();
  return { step, stop: () => clearInterval(timer) };
}
