// Runs one backup job for the runner (runner.ts). Every change of the job's state is a
// compare-and-set on its stored record (store.ts `update`), so it races StopBackupJob (another
// worker) safely: CREATED → RUNNING, or EXPIRED once its start window has passed, or FAILED when its
// retention is outside the range of the vault's lock (as AWS's vault fails such a job); RUNNING →
// COMPLETED (its recovery point written under the same lock), or EXPIRED past its completion window,
// or FAILED; a job StopBackupJob made ABORTING has the objects it snapshotted discarded and ends
// ABORTED. A stopped job therefore never completes, and a completed one is never aborted.
import { COMPLETION_WINDOW_MINUTES_DEFAULT, STOPPED_MESSAGE } from './backup-jobs.js';
import type { BackupContext } from './context.js';
import { backupMinuteMs } from './days.js';
import { notifyVault } from './notify.js';
import type { BackupJobRecord, Lifecycle, VaultRecord } from './records.js';
import { checkRetention } from './recovery-points.js';
import { newCopyJob } from './restore-jobs.js';
import type { BackupStore } from './store.js';
import { derivedUuid } from './store.js';
import type { Layers } from '../../services/objects.js';

export interface BackupRunnerParts {
  layers: Layers;
  store: BackupStore;
  region: string;
  accountId: string;
  ownerId: string;
  log: (line: string) => void;
}

/** AWS's StatusMessage for a job that could not start within its start window, and for one that ran past its completion window. */
export const START_WINDOW_EXPIRED_MESSAGE = 'Backup job failed to start within the start window.';
export const COMPLETION_WINDOW_EXPIRED_MESSAGE = 'Backup job expired before completion.';

type JobChange = (current: BackupJobRecord) => BackupJobRecord | undefined;

/** Compare-and-set: `change` applies only if the stored job is in state `from`. The job as stored afterwards, and whether it changed. */
async function transition(parts: BackupRunnerParts, id: string, from: BackupJobRecord['state'], change: JobChange): Promise<{ job?: BackupJobRecord; changed: boolean }> {
  const { value, changed } = await parts.store.backupJobs.update(id, (current) => (current?.state === from ? change(current) : undefined));
  return { job: value, changed };
}

/** A stopped job: what it snapshotted goes (and a recovery point record, if a crash left one), then it is ABORTED. */
async function finishAbort(parts: BackupRunnerParts, job: BackupJobRecord): Promise<void> {
  await parts.layers.index.deleteRecoveryPointObjects(job.recoveryPointId);
  await parts.store.recoveryPoints.delete(job.recoveryPointId);
  await transition(parts, job.id, 'ABORTING', (current) => ({ ...current, state: 'ABORTED', statusMessage: current.statusMessage ?? STOPPED_MESSAGE, completionMs: Date.now() }));
}

/** Why a vault's lock fails a job with this lifecycle, or undefined when it does not (AWS: "the vault fails the backup or copy job"). */
export function retentionRefusal(vault: VaultRecord, lifecycle: Lifecycle | undefined): string | undefined {
  try {
    checkRetention(vault, lifecycle);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Why the job's vault fails it: gone, or the job's retention outside its lock's range. */
async function vaultRefusal(parts: BackupRunnerParts, job: BackupJobRecord): Promise<string | undefined> {
  const vault = await parts.store.vaults.get(job.vaultName);
  return vault === undefined ? `Backup vault ${job.vaultName} no longer exists.` : retentionRefusal(vault, job.lifecycle);
}

/** CREATED → RUNNING (with the time it must complete by), or EXPIRED past its start window; the running job, if it started. */
async function start(parts: BackupRunnerParts, job: BackupJobRecord): Promise<BackupJobRecord | undefined> {
  const nowMs = Date.now();
  const refusal = await vaultRefusal(parts, job);
  const { job: stored, changed } = await transition(parts, job.id, 'CREATED', (current) => {
    if (nowMs > current.startByMs) return { ...current, state: 'EXPIRED', statusMessage: START_WINDOW_EXPIRED_MESSAGE, completionMs: nowMs };
    if (refusal !== undefined) return { ...current, state: 'FAILED', statusMessage: refusal, completionMs: nowMs };
    return { ...current, state: 'RUNNING', completeByMs: nowMs + (current.completeWindowMinutes ?? COMPLETION_WINDOW_MINUTES_DEFAULT) * backupMinuteMs() };
  });
  if (!changed || stored === undefined) return undefined;
  if (stored.state !== 'RUNNING') {
    await notifyVault(parts, job.vaultName, `BACKUP_JOB_${stored.state}`, { backupJobId: job.id, state: stored.state });
    return undefined;
  }
  return stored;
}

/** Copies a plan rule asks for, once the recovery point exists; their ids derive from the job's, so a restart makes each once. */
async function makeCopyJobs(parts: BackupRunnerParts, job: BackupJobRecord, completionMs: number): Promise<void> {
  for (const [index, copy] of (job.copyActions ?? []).entries()) {
    const copyJob = newCopyJob({
      sourceRecoveryPointId: job.recoveryPointId, sourceVaultName: job.vaultName, destinationVaultArn: copy.destinationVaultArn, resourceArn: job.resourceArn,
      iamRoleArn: job.iamRoleArn, lifecycle: copy.lifecycle,
    }, completionMs);
    const id = derivedUuid(job.id, 'copy', index);
    await parts.store.copyJobs.create(id, { ...copyJob, id });
  }
}

/** Snapshots a RUNNING job's bucket and completes it, unless it was stopped, failed, or ran past its completion window meanwhile. */
async function complete(parts: BackupRunnerParts, context: BackupContext, job: BackupJobRecord): Promise<void> {
  const bucket = job.resourceArn.slice('arn:aws:s3:::'.length);
  // A job left RUNNING by a restart snapshots again from scratch.
  await parts.layers.index.deleteRecoveryPointObjects(job.recoveryPointId);
  const size = await parts.layers.index.snapshotBucketForRecoveryPoint(job.recoveryPointId, bucket);
  const completionMs = Date.now();
  const { value: stored, changed } = await parts.store.backupJobs.update(job.id, async (current) => {
    if (current?.state !== 'RUNNING') return undefined;
    if (size === undefined) return { ...current, state: 'FAILED', statusMessage: `Bucket ${bucket} does not exist.`, completionMs };
    if (completionMs > (current.completeByMs ?? Infinity)) return { ...current, state: 'EXPIRED', statusMessage: COMPLETION_WINDOW_EXPIRED_MESSAGE, completionMs };
    const { resourceArn, vaultArn } = current.copiedFrom ?? { resourceArn: current.resourceArn, vaultArn: undefined };
    await parts.store.recoveryPoints.put(current.recoveryPointId, {
      id: current.recoveryPointId, vaultName: current.vaultName, resourceArn, sourceVaultArn: vaultArn, status: 'COMPLETED', creationMs: current.creationMs, completionMs,
      sizeBytes: size.sizeBytes, objects: size.objects, lifecycle: current.lifecycle, iamRoleArn: current.iamRoleArn, tags: current.recoveryPointTags,
      planId: current.planId, ruleId: current.ruleId, rowsWritten: size.rowsWritten,
    });
    return { ...current, state: 'COMPLETED', completionMs, sizeBytes: size.sizeBytes };
  });
  if (stored?.state !== 'COMPLETED' || !changed) {
    // Stopped, expired or failed while it ran: nothing it made stays.
    await parts.layers.index.deleteRecoveryPointObjects(job.recoveryPointId);
    if (stored?.state === 'ABORTING') await finishAbort(parts, stored);
    else if (changed && stored !== undefined) await notifyVault(parts, job.vaultName, `BACKUP_JOB_${stored.state}`, { backupJobId: job.id, state: stored.state });
    return;
  }
  await makeCopyJobs(parts, stored, completionMs);
  await notifyVault(parts, job.vaultName, 'BACKUP_JOB_COMPLETED', {
    backupJobId: job.id, state: 'COMPLETED', recoveryPointArn: context.arns.recoveryPoint(job.recoveryPointId), resourceArn: stored.resourceArn,
  });
}

/** Takes one job a step of the runner found CREATED, RUNNING (a restart) or ABORTING. */
export async function runBackupJob(parts: BackupRunnerParts, context: BackupContext, job: BackupJobRecord): Promise<void> {
  if (job.state === 'ABORTING') return finishAbort(parts, job);
  const running = job.state === 'CREATED' ? await start(parts, job) : job;
  if (running?.state === 'RUNNING') await complete(parts, context, running);
}
