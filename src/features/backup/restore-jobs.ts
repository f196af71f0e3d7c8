// Restore and copy jobs: StartRestoreJob (a whole bucket or up to 5 keys or prefixes, into a new
// bucket or an existing one with versioning enabled: restores add new versions, never remove any),
// DescribeRestoreJob and ListRestoreJobs; StartCopyJob to another vault of this server, DescribeCopyJob
// and ListCopyJobs. The runner does the work.
import { type BackupContext, type BackupOperation, lifecycleOf, optionalString, page, requireVault, requiredString, seconds } from './context.js';
import { invalidParameter, missingParameter, notFound } from './errors.js';
import { restoreWindowOf } from './continuous.js';
import type { CopyJobRecord, RecoveryPointRecord, RestoreJobRecord } from './records.js';
import { requireRecoveryPoint } from './recovery-points.js';
import { newUuid } from './store.js';

/** AWS: an S3 restore names at most 5 keys or prefixes. */
export const RESTORE_ITEMS_MAX = 5;
const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** ItemsToRestore: a JSON array of keys or prefixes, each optionally as s3://BUCKET/KEY. */
function itemsOf(text: string | undefined, sourceBucket: string): string[] {
  if (text === undefined || text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter('Metadata ItemsToRestore must be a JSON array of keys or prefixes.');
  }
  if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string' || item === '')) throw invalidParameter('Metadata ItemsToRestore must be a JSON array of keys or prefixes.');
  if (parsed.length > RESTORE_ITEMS_MAX) throw invalidParameter(`Metadata ItemsToRestore names at most ${RESTORE_ITEMS_MAX} keys or prefixes.`);
  return (parsed as string[]).map((item) => (item.startsWith(`s3://${sourceBucket}/`) ? item.slice(`s3://${sourceBucket}/`.length) : item));
}

/** RestoreTime (ISO 8601): only for a continuous recovery point, within its window; absent: now (its latest restorable time). */
function restoreTimeOf(point: RecoveryPointRecord, text: string | undefined, nowMs: number): number | undefined {
  if (point.continuous !== true) {
    if (text !== undefined) throw invalidParameter('Metadata RestoreTime applies only to a continuous recovery point.');
    return undefined;
  }
  if (text === undefined) return nowMs;
  const timeMs = Date.parse(text);
  if (Number.isNaN(timeMs)) throw invalidParameter(`Metadata RestoreTime ${text} is not a time (ISO 8601, e.g. 2026-01-31T12:00:00Z).`);
  const { earliestMs, latestMs } = restoreWindowOf(point, nowMs);
  // The window is to the second: a time within the second the recovery point was made counts.
  if (timeMs < Math.floor(earliestMs / 1000) * 1000 || timeMs > latestMs) {
    throw invalidParameter(`Metadata RestoreTime ${text} is outside the recovery point's restore window, ${new Date(earliestMs).toISOString()} to ${new Date(latestMs).toISOString()}.`);
  }
  return timeMs;
}

export const startRestoreJob: BackupOperation = async (context, call) => {
  const point = await requireRecoveryPoint(context, requiredString(call.body, 'RecoveryPointArn'));
  const metadata = call.body['Metadata'];
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw missingParameter('Metadata is required.');
  const fields = metadata as Record<string, unknown>;
  const sourceBucket = point.resourceArn.slice('arn:aws:s3:::'.length);
  const destinationBucket = optionalString(fields, 'DestinationBucketName') ?? sourceBucket;
  const newBucketText = optionalString(fields, 'NewBucket') ?? 'false';
  if (newBucketText !== 'true' && newBucketText !== 'false') throw invalidParameter('Metadata NewBucket must be "true" or "false".');
  const newBucket = newBucketText === 'true';
  const items = itemsOf(optionalString(fields, 'ItemsToRestore'), sourceBucket);
  const restoreTimeMs = restoreTimeOf(point, optionalString(fields, 'RestoreTime'), context.nowMs);
  if (!BUCKET_NAME_PATTERN.test(destinationBucket)) throw invalidParameter(`${destinationBucket} is not a valid bucket name.`);
  const existing = await context.index.getBucket(destinationBucket);
  if (newBucket && existing !== undefined) throw invalidParameter(`Bucket ${destinationBucket} already exists: restore into it with NewBucket "false".`);
  if (!newBucket && existing === undefined) throw invalidParameter(`Bucket ${destinationBucket} does not exist: restore into a new bucket with NewBucket "true".`);
  if (!newBucket && existing?.versioning !== 'Enabled') throw invalidParameter(`Bucket ${destinationBucket} must have versioning enabled to be restored into.`);
  const idempotencyToken = optionalString(call.body, 'IdempotencyToken');
  if (idempotencyToken !== undefined) {
    const repeated = (await context.store.restoreJobs.list()).find((job) => job.idempotencyToken === idempotencyToken);
    if (repeated !== undefined) return { RestoreJobId: repeated.id };
  }
  const job: RestoreJobRecord = {
    id: newUuid(), recoveryPointId: point.id, vaultName: point.vaultName, sourceResourceArn: point.resourceArn, destinationBucket, newBucket, items, restoreTimeMs,
    status: 'PENDING', creationMs: context.nowMs, iamRoleArn: optionalString(call.body, 'IamRoleArn'), idempotencyToken,
  };
  await context.store.restoreJobs.put(job.id, job);
  return { RestoreJobId: job.id };
};

function restoreJobAnswer(context: BackupContext, job: RestoreJobRecord): Record<string, unknown> {
  return {
    AccountId: context.arns.accountId, RestoreJobId: job.id, RecoveryPointArn: context.arns.recoveryPoint(job.recoveryPointId),
    SourceResourceArn: job.sourceResourceArn, BackupVaultArn: context.arns.vault(job.vaultName), CreationDate: seconds(job.creationMs),
    CompletionDate: seconds(job.completionMs), Status: job.status, StatusMessage: job.statusMessage, PercentDone: job.status === 'COMPLETED' ? '100.0' : '0.0',
    BackupSizeInBytes: job.sizeBytes, IamRoleArn: job.iamRoleArn, CreatedResourceArn: `arn:aws:s3:::${job.destinationBucket}`, ResourceType: 'S3', IsParent: false,
  };
}

export const describeRestoreJob: BackupOperation = async (context, call) => {
  const job = await context.store.restoreJobs.get(call.segments[1] ?? '');
  if (job === undefined) throw notFound(`Restore job ${call.segments[1] ?? ''} does not exist.`);
  return restoreJobAnswer(context, job);
};

export const listRestoreJobs: BackupOperation = async (context, call) => {
  const status = call.query.get('status');
  const jobs = (await context.store.restoreJobs.list()).filter((job) => status === null || job.status === status).sort((a, b) => b.creationMs - a.creationMs);
  const { items, nextToken } = page(jobs, call);
  return { RestoreJobs: items.map((job) => restoreJobAnswer(context, job)), NextToken: nextToken };
};

export const startCopyJob: BackupOperation = async (context, call) => {
  const sourceVault = await requireVault(context, requiredString(call.body, 'SourceBackupVaultName'));
  const point = await requireRecoveryPoint(context, requiredString(call.body, 'RecoveryPointArn'), sourceVault.name);
  const destinationVaultArn = requiredString(call.body, 'DestinationBackupVaultArn');
  const iamRoleArn = requiredString(call.body, 'IamRoleArn');
  const lifecycle = lifecycleOf(call.body['Lifecycle']) ?? point.lifecycle;
  if (point.continuous === true) throw invalidParameter('A continuous recovery point cannot be copied: copy a snapshot recovery point.');
  if (!/^arn:aws:backup:[a-z0-9-]+:\d{12}:backup-vault:[a-zA-Z0-9\-_]{2,50}$/.test(destinationVaultArn)) throw invalidParameter(`DestinationBackupVaultArn ${destinationVaultArn} is not a backup vault ARN.`);
  // A vault of this server must exist; a retention outside its lock's range fails the job when it runs (as on AWS), as on a remote vault.
  if (destinationVaultArn.startsWith(context.arns.vault(''))) await requireVault(context, destinationVaultArn.slice(context.arns.vault('').length));
  const idempotencyToken = optionalString(call.body, 'IdempotencyToken');
  const job = newCopyJob({ sourceRecoveryPointId: point.id, sourceVaultName: sourceVault.name, destinationVaultArn, resourceArn: point.resourceArn, iamRoleArn, lifecycle, idempotencyToken }, context.nowMs);
  await context.store.copyJobs.put(job.id, job);
  return { CopyJobId: job.id, CreationDate: seconds(job.creationMs), IsParent: false };
};

export function newCopyJob(fields: Pick<CopyJobRecord, 'sourceRecoveryPointId' | 'sourceVaultName' | 'destinationVaultArn' | 'resourceArn' | 'iamRoleArn' | 'lifecycle' | 'idempotencyToken'>, nowMs: number): CopyJobRecord {
  return { ...fields, id: newUuid(), state: 'CREATED', creationMs: nowMs };
}

function copyJobAnswer(context: BackupContext, job: CopyJobRecord): Record<string, unknown> {
  return {
    AccountId: context.arns.accountId, CopyJobId: job.id, SourceBackupVaultArn: context.arns.vault(job.sourceVaultName),
    SourceRecoveryPointArn: context.arns.recoveryPoint(job.sourceRecoveryPointId), DestinationBackupVaultArn: job.destinationVaultArn,
    DestinationRecoveryPointArn: job.destinationRecoveryPointArn, ResourceArn: job.resourceArn, ResourceType: 'S3', CreationDate: seconds(job.creationMs),
    CompletionDate: seconds(job.completionMs), State: job.state, StatusMessage: job.statusMessage, BackupSizeInBytes: job.sizeBytes, IamRoleArn: job.iamRoleArn, IsParent: false,
  };
}

export const describeCopyJob: BackupOperation = async (context, call) => {
  const job = await context.store.copyJobs.get(call.segments[1] ?? '');
  if (job === undefined) throw notFound(`Copy job ${call.segments[1] ?? ''} does not exist.`);
  return { CopyJob: copyJobAnswer(context, job) };
};

export const listCopyJobs: BackupOperation = async (context, call) => {
  const jobs = (await context.store.copyJobs.list()).sort((a, b) => b.creationMs - a.creationMs);
  const { items, nextToken } = page(jobs, call);
  return { CopyJobs: items.map((job) => copyJobAnswer(context, job)), NextToken: nextToken };
};
