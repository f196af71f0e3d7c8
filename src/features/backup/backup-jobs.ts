// Backup jobs: StartBackupJob (a bucket with versioning enabled into a vault, its retention within
// the vault lock's bounds), DescribeBackupJob, ListBackupJobs and StopBackupJob. The runner
// (runner.ts) takes each CREATED job: it records the recovery point in the index, or ends EXPIRED
// when its start window passed first.
import type { Index } from '../../index/types.js';
import {
  type BackupContext, type BackupOperation, bucketOfArn, lifecycleOf, optionalString, optionalWholeNumber, page, requireVault, requiredString, seconds, tagsOf,
} from './context.js';
import { backupMinuteMs } from './days.js';
import { invalidParameter, invalidRequest, notFound } from './errors.js';
import { FINAL_BACKUP_JOB_STATES, type BackupJobRecord, type Lifecycle, type VaultRecord } from './records.js';
import { checkRetention } from './recovery-points.js';
import { newUuid } from './store.js';

/** AWS's defaults: start within 8 hours, complete within 7 days. */
export const START_WINDOW_MINUTES_DEFAULT = 480;
export const COMPLETION_WINDOW_MINUTES_DEFAULT = 10_080;
const START_WINDOW_MINUTES_MIN = 60;

/** What a backup of a bucket needs before a job is made: the bucket, with versioning enabled (AWS requires it for S3). */
export async function checkBackupSource(index: Index, resourceArn: string): Promise<string> {
  const bucket = bucketOfArn(resourceArn);
  const record = await index.getBucket(bucket);
  if (record === undefined) throw notFound(`Bucket ${bucket} does not exist.`);
  if (record.versioning !== 'Enabled') throw invalidParameter(`Bucket ${bucket} must have versioning enabled to be backed up.`);
  return bucket;
}

export function newBackupJob(
  vault: VaultRecord, resourceArn: string, nowMs: number,
  options: { iamRoleArn: string; lifecycle?: Lifecycle; startWindowMinutes?: number; tags?: Record<string, string>; idempotencyToken?: string; planId?: string; ruleId?: string; copyActions?: BackupJobRecord['copyActions'] },
): BackupJobRecord {
  checkRetention(vault, options.lifecycle);
  return {
    id: newUuid(), vaultName: vault.name, resourceArn, iamRoleArn: options.iamRoleArn, state: 'CREATED', creationMs: nowMs,
    startByMs: nowMs + (options.startWindowMinutes ?? START_WINDOW_MINUTES_DEFAULT) * backupMinuteMs(),
    recoveryPointId: newUuid(), lifecycle: options.lifecycle, recoveryPointTags: options.tags ?? {}, idempotencyToken: options.idempotencyToken,
    planId: options.planId, ruleId: options.ruleId, copyActions: options.copyActions,
  };
}

export function backupJobAnswer(context: Pick<BackupContext, 'arns'>, job: BackupJobRecord): Record<string, unknown> {
  return {
    AccountId: context.arns.accountId, BackupJobId: job.id, BackupVaultName: job.vaultName, BackupVaultArn: context.arns.vault(job.vaultName),
    RecoveryPointArn: context.arns.recoveryPoint(job.recoveryPointId), RecoveryPointLifecycle: job.lifecycle, ResourceArn: job.resourceArn,
    CreationDate: seconds(job.creationMs), CompletionDate: seconds(job.completionMs), State: job.state, StatusMessage: job.statusMessage,
    PercentDone: job.state === 'COMPLETED' ? '100.0' : '0.0', BackupSizeInBytes: job.sizeBytes, IamRoleArn: job.iamRoleArn, ResourceType: 'S3',
    ResourceName: job.resourceArn.slice('arn:aws:s3:::'.length), StartBy: seconds(job.startByMs), BackupType: '', IsParent: false,
    CreatedBy: job.planId === undefined ? undefined : { BackupPlanId: job.planId, BackupPlanArn: context.arns.plan(job.planId), BackupRuleId: job.ruleId },
  };
}

export const startBackupJob: BackupOperation = async (context, call) => {
  const vaultName = requiredString(call.body, 'BackupVaultName');
  const resourceArn = requiredString(call.body, 'ResourceArn');
  const iamRoleArn = requiredString(call.body, 'IamRoleArn');
  const idempotencyToken = optionalString(call.body, 'IdempotencyToken');
  if (idempotencyToken !== undefined) {
    const repeated = (await context.store.backupJobs.list()).find((job) => job.idempotencyToken === idempotencyToken);
    if (repeated !== undefined) return { BackupJobId: repeated.id, RecoveryPointArn: context.arns.recoveryPoint(repeated.recoveryPointId), CreationDate: seconds(repeated.creationMs), IsParent: false };
  }
  const vault = await requireVault(context, vaultName);
  const startWindowMinutes = optionalWholeNumber(call.body, 'StartWindowMinutes', START_WINDOW_MINUTES_MIN, 100_000);
  optionalWholeNumber(call.body, 'CompleteWindowMinutes', 1, 100_000);
  const lifecycle = lifecycleOf(call.body['Lifecycle']);
  const tags = tagsOf(call.body['RecoveryPointTags'], 'RecoveryPointTags');
  await checkBackupSource(context.index, resourceArn);
  const job = newBackupJob(vault, resourceArn, context.nowMs, { iamRoleArn, lifecycle, startWindowMinutes, tags, idempotencyToken });
  await context.store.backupJobs.put(job.id, job);
  return { BackupJobId: job.id, RecoveryPointArn: context.arns.recoveryPoint(job.recoveryPointId), CreationDate: seconds(job.creationMs), IsParent: false };
};

async function requireBackupJob(context: BackupContext, id: string | undefined): Promise<BackupJobRecord> {
  const job = id === undefined ? undefined : await context.store.backupJobs.get(id);
  if (job === undefined) throw notFound(`Backup job ${id ?? ''} does not exist.`);
  return job;
}

export const describeBackupJob: BackupOperation = async (context, call) => backupJobAnswer(context, await requireBackupJob(context, call.segments[1]));

export const listBackupJobs: BackupOperation = async (context, call) => {
  const filters: Array<[string, (job: BackupJobRecord, value: string) => boolean]> = [
    ['resourceArn', (job, value) => job.resourceArn === value], ['state', (job, value) => job.state === value],
    ['backupVaultName', (job, value) => job.vaultName === value], ['resourceType', (_job, value) => value === 'S3'],
  ];
  const jobs = (await context.store.backupJobs.list())
    .filter((job) => filters.every(([name, holds]) => call.query.get(name) === null || holds(job, call.query.get(name)!)))
    .sort((a, b) => b.creationMs - a.creationMs || a.id.localeCompare(b.id));
  const { items, nextToken } = page(jobs, call);
  return { BackupJobs: items.map((job) => backupJobAnswer(context, job)), NextToken: nextToken };
};

export const stopBackupJob: BackupOperation = async (context, call) => {
  const job = await requireBackupJob(context, call.segments[1]);
  if (FINAL_BACKUP_JOB_STATES.includes(job.state)) throw invalidRequest(`Backup job ${job.id} has already ended (${job.state}).`);
  // Only a job not yet taken by the runner can stop: a running snapshot is one index transaction.
  if (job.state !== 'CREATED') throw invalidRequest(`Backup job ${job.id} is ${job.state} and can no longer be stopped.`);
  await context.store.backupJobs.put(job.id, { ...job, state: 'ABORTED', statusMessage: 'Stopped by a StopBackupJob call.', completionMs: context.nowMs });
  return {};
};
