// Backup jobs: StartBackupJob (a bucket with versioning enabled into a vault; a retention outside
// the vault lock's range makes a job that fails, as on AWS), DescribeBackupJob, ListBackupJobs and StopBackupJob. The runner
// (runner.ts) takes each CREATED job: it records the recovery point in the index, or ends EXPIRED
// when its start window passed first. Every change of a job's state is a compare-and-set on its
// stored record (store.ts `update`): StopBackupJob ends a CREATED job ABORTED and a RUNNING one
// ABORTING (the runner then discards what it made and ends it ABORTED); a COMPLETED job stays so.
import type { Index } from '../../index/types.js';
import {
  type BackupContext, type BackupOperation, bucketOfArn, lifecycleOf, optionalString, optionalWholeNumber, page, requireVault, requiredString, seconds, tagsOf,
} from './context.js';
import { backupMinuteMs } from './days.js';
import { invalidParameter, invalidRequest, notFound } from './errors.js';
import { FINAL_BACKUP_JOB_STATES, type BackupJobRecord, type Lifecycle, type VaultRecord } from './records.js';
import { derivedUuid, newUuid } from './store.js';

/** A staging bucket of a copy from another Cairn server (remote-copy.ts), and the tags that name where the copy comes from. */
export const COPY_STAGING_BUCKET = /^cairn-copy-[0-9a-f]{32}$/;
export const COPY_SOURCE_RESOURCE_TAG = 'cairn:copy-source-resource';
export const COPY_SOURCE_VAULT_TAG = 'cairn:copy-source-vault';
const VAULT_ARN = /^arn:aws:backup:[a-z0-9-]+:\d{12}:backup-vault:[a-zA-Z0-9\-_]{2,50}$/;

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
  options: {
    id?: string; recoveryPointId?: string; iamRoleArn: string; lifecycle?: Lifecycle; startWindowMinutes?: number; completeWindowMinutes?: number;
    tags?: Record<string, string>; idempotencyToken?: string; planId?: string; ruleId?: string; copyActions?: BackupJobRecord['copyActions']; copiedFrom?: BackupJobRecord['copiedFrom'];
  },
): BackupJobRecord {
  return {
    id: options.id ?? newUuid(), vaultName: vault.name, resourceArn, iamRoleArn: options.iamRoleArn, state: 'CREATED', creationMs: nowMs,
    startByMs: nowMs + (options.startWindowMinutes ?? START_WINDOW_MINUTES_DEFAULT) * backupMinuteMs(), completeWindowMinutes: options.completeWindowMinutes,
    recoveryPointId: options.recoveryPointId ?? newUuid(), lifecycle: options.lifecycle, recoveryPointTags: options.tags ?? {}, idempotencyToken: options.idempotencyToken,
    planId: options.planId, ruleId: options.ruleId, copyActions: options.copyActions, copiedFrom: options.copiedFrom,
  };
}

/**
 * A backup of a copy's staging bucket names the source's bucket and vault in two tags: its recovery
 * point records them (as an AWS cross-region copy names the source resource), without those tags.
 */
function copiedFromOf(resourceArn: string, tags: Record<string, string>): { copiedFrom?: BackupJobRecord['copiedFrom']; tags: Record<string, string> } {
  const { [COPY_SOURCE_RESOURCE_TAG]: source, [COPY_SOURCE_VAULT_TAG]: vault, ...rest } = tags;
  if (source === undefined && vault === undefined) return { tags };
  if (!COPY_STAGING_BUCKET.test(bucketOfArn(resourceArn)) || source === undefined || vault === undefined || !VAULT_ARN.test(vault)) {
    throw invalidParameter(`The tags ${COPY_SOURCE_RESOURCE_TAG} and ${COPY_SOURCE_VAULT_TAG} are for a copy's staging bucket (cairn-copy-…), both together.`);
  }
  bucketOfArn(source, COPY_SOURCE_RESOURCE_TAG);
  return { copiedFrom: { resourceArn: source, vaultArn: vault }, tags: rest };
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
  const completeWindowMinutes = optionalWholeNumber(call.body, 'CompleteWindowMinutes', 1, 100_000);
  const lifecycle = lifecycleOf(call.body['Lifecycle']);
  const { copiedFrom, tags } = copiedFromOf(resourceArn, tagsOf(call.body['RecoveryPointTags'], 'RecoveryPointTags'));
  // A retention outside the vault lock's range is not refused here: as on AWS, the vault fails the job (backup-run.ts).
  await checkBackupSource(context.index, resourceArn);
  // A repeated IdempotencyToken names the same job id, so two such calls at once still make one job.
  const id = idempotencyToken === undefined ? undefined : derivedUuid('idempotency', idempotencyToken);
  const made = newBackupJob(vault, resourceArn, context.nowMs, { id, iamRoleArn, lifecycle, startWindowMinutes, completeWindowMinutes, tags, idempotencyToken, copiedFrom });
  const job = (await context.store.backupJobs.create(made.id, made)) ? made : await requireBackupJob(context, made.id);
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

export const STOPPED_MESSAGE = 'Backup job was stopped by a StopBackupJob call.';

export const stopBackupJob: BackupOperation = async (context, call) => {
  const job = await requireBackupJob(context, call.segments[1]);
  // Compare-and-set: decided on the record as stored under its lock, not on the one read above.
  const { value, changed } = await context.store.backupJobs.update(job.id, (current) => {
    if (current?.state === 'CREATED') return { ...current, state: 'ABORTED', statusMessage: STOPPED_MESSAGE, completionMs: context.nowMs };
    // The runner sees ABORTING when it finishes, discards the recovery point it made, and ends the job ABORTED.
    if (current?.state === 'RUNNING') return { ...current, state: 'ABORTING', statusMessage: STOPPED_MESSAGE };
    return undefined;
  });
  if (changed) return {};
  if (value === undefined) throw notFound(`Backup job ${job.id} does not exist.`);
  if (FINAL_BACKUP_JOB_STATES.includes(value.state)) throw invalidRequest(`Backup job ${job.id} has already ended (${value.state}).`);
  throw invalidRequest(`Backup job ${job.id} is ${value.state} and is already stopping.`);
};
