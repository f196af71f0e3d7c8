// Recovery points: listed by vault or by bucket, described, their lifecycle changed and deleted —
// refused, with AWS's errors, while the vault's lock protects them (governance, or compliance after
// its grace period) and their retention has not ended.
import { type BackupContext, type BackupOperation, CONTINUOUS_ID_PREFIX, lifecycleOf, page, requireVault, seconds } from './context.js';
import { backupDayMs, lockModeOf, lockProtects } from './days.js';
import { invalidParameter, invalidRequest, notFound } from './errors.js';
import type { Lifecycle, RecoveryPointRecord, VaultRecord } from './records.js';

/** The recovery point id an ARN of this server names. */
export function recoveryPointIdOf(context: BackupContext, arn: string | undefined): string {
  const prefix = context.arns.recoveryPoint('');
  if (arn === undefined || !arn.startsWith(prefix) || arn.length === prefix.length) throw invalidParameter(`${arn ?? ''} is not a recovery point ARN of this server.`);
  const id = arn.slice(prefix.length);
  return id.startsWith('continuous:') ? `${CONTINUOUS_ID_PREFIX}${id.slice('continuous:'.length)}` : id;
}

export async function requireRecoveryPoint(context: BackupContext, arn: string | undefined, vaultName?: string): Promise<RecoveryPointRecord> {
  const point = await context.store.recoveryPoints.get(recoveryPointIdOf(context, arn));
  if (point === undefined || (vaultName !== undefined && point.vaultName !== vaultName)) throw notFound(`Recovery point ${arn ?? ''} does not exist.`);
  return point;
}

export function deleteAtMs(point: { creationMs: number; lifecycle?: Lifecycle }): number | undefined {
  const days = point.lifecycle?.DeleteAfterDays;
  return days === undefined ? undefined : point.creationMs + days * backupDayMs();
}

/** A lifecycle's retention against the vault's lock bounds; InvalidParameterValueException when outside them. */
export function checkRetention(vault: VaultRecord, lifecycle: Lifecycle | undefined): void {
  const lock = vault.lock;
  if (lock === undefined) return;
  const days = lifecycle?.DeleteAfterDays;
  if (lock.minRetentionDays !== undefined && days !== undefined && days < lock.minRetentionDays) {
    throw invalidParameter(`DeleteAfterDays ${days} is below the minimum retention of backup vault ${vault.name} (${lock.minRetentionDays} days).`);
  }
  if (lock.maxRetentionDays !== undefined && (days === undefined || days > lock.maxRetentionDays)) {
    throw invalidParameter(`DeleteAfterDays must be at most the maximum retention of backup vault ${vault.name} (${lock.maxRetentionDays} days).`);
  }
}

export function recoveryPointAnswer(context: BackupContext, point: RecoveryPointRecord): Record<string, unknown> {
  return {
    RecoveryPointArn: context.arns.recoveryPoint(point.id), BackupVaultName: point.vaultName, BackupVaultArn: context.arns.vault(point.vaultName),
    SourceBackupVaultArn: point.sourceVaultArn, ResourceArn: point.resourceArn, ResourceType: 'S3', ResourceName: point.resourceArn.slice('arn:aws:s3:::'.length),
    IamRoleArn: point.iamRoleArn, Status: point.status, CreationDate: seconds(point.creationMs), CompletionDate: seconds(point.completionMs),
    BackupSizeInBytes: point.sizeBytes, Lifecycle: point.lifecycle, CalculatedLifecycle: point.lifecycle === undefined ? undefined : { DeleteAt: seconds(deleteAtMs(point)) },
    IsEncrypted: false, LastRestoreTime: seconds(point.lastRestoreMs), VaultType: 'BACKUP_VAULT', StorageClass: 'WARM', IsParent: false,
    CreatedBy: point.planId === undefined ? undefined : { BackupPlanId: point.planId, BackupPlanArn: context.arns.plan(point.planId), BackupRuleId: point.ruleId },
  };
}

const newestFirst = (a: RecoveryPointRecord, b: RecoveryPointRecord): number => b.creationMs - a.creationMs || a.id.localeCompare(b.id);

export const listByVault: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const resourceArn = call.query.get('resourceArn');
  const planId = call.query.get('backupPlanId');
  const points = (await context.store.recoveryPoints.list())
    .filter((point) => point.vaultName === vault.name && (resourceArn === null || point.resourceArn === resourceArn) && (planId === null || point.planId === planId))
    .sort(newestFirst);
  const { items, nextToken } = page(points, call);
  return { RecoveryPoints: items.map((point) => recoveryPointAnswer(context, point)), NextToken: nextToken };
};

export const listByResource: BackupOperation = async (context, call) => {
  const resourceArn = call.segments[1];
  const points = (await context.store.recoveryPoints.list()).filter((point) => point.resourceArn === resourceArn).sort(newestFirst);
  const { items, nextToken } = page(points, call);
  return {
    RecoveryPoints: items.map((point) => ({
      RecoveryPointArn: context.arns.recoveryPoint(point.id), CreationDate: seconds(point.creationMs), Status: point.status,
      BackupSizeBytes: point.sizeBytes, BackupVaultName: point.vaultName, ResourceName: point.resourceArn.slice('arn:aws:s3:::'.length), VaultType: 'BACKUP_VAULT',
    })),
    NextToken: nextToken,
  };
};

export const describeRecoveryPoint: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  return recoveryPointAnswer(context, await requireRecoveryPoint(context, call.segments[3], vault.name));
};

export const updateLifecycle: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const point = await requireRecoveryPoint(context, call.segments[3], vault.name);
  const lifecycle = lifecycleOf(call.body['Lifecycle']) ?? {};
  const mode = lockModeOf(vault.lock, context.nowMs);
  if (lockProtects(vault, context.nowMs)) checkRetention(vault, lifecycle);
  const before = deleteAtMs(point);
  const after = deleteAtMs({ creationMs: point.creationMs, lifecycle });
  if (mode === 'compliance-locked' && (after ?? Infinity) < (before ?? Infinity)) {
    throw invalidRequest(`Backup vault ${vault.name} is locked in compliance mode: the retention of its recovery points cannot be shortened.`);
  }
  const updated = { ...point, lifecycle };
  await context.store.recoveryPoints.put(point.id, updated);
  const answer = recoveryPointAnswer(context, updated);
  return { BackupVaultArn: answer['BackupVaultArn'], RecoveryPointArn: answer['RecoveryPointArn'], Lifecycle: lifecycle, CalculatedLifecycle: answer['CalculatedLifecycle'] };
};

/** Removes a recovery point and its objects (compaction may then free bytes nothing else names). */
export async function removeRecoveryPoint(context: Pick<BackupContext, 'store' | 'index'>, point: RecoveryPointRecord): Promise<void> {
  await context.index.deleteRecoveryPointObjects(point.id);
  await context.store.recoveryPoints.delete(point.id);
}

export const deleteRecoveryPoint: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const point = await requireRecoveryPoint(context, call.segments[3], vault.name);
  const until = deleteAtMs(point);
  if (lockProtects(vault, context.nowMs) && (until === undefined || until > context.nowMs)) {
    throw invalidRequest(`Recovery point ${context.arns.recoveryPoint(point.id)} is protected by the lock of backup vault ${vault.name} until its retention ends.`);
  }
  await removeRecoveryPoint(context, point);
  return {};
};
