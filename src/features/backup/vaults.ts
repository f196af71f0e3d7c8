// Backup vaults: create, describe, list, delete (only empty, never once a compliance lock has set
// in), the access policy (an IAM resource policy of backup: actions), the vault lock (governance
// without ChangeableForDays, compliance with it, immutable after its grace period) and the
// notifications a vault sends when its jobs end.
import { parsePolicy } from '../../services/iam/policy.js';
import { PolicyError } from '../../services/iam/policy-error.js';
import { type BackupContext, type BackupOperation, optionalString, optionalWholeNumber, page, requireVault, requiredString, seconds, tagsOf } from './context.js';
import { assertLockChangeable, backupDayMs, lockModeOf } from './days.js';
import { alreadyExists, invalidParameter, invalidRequest, limitExceeded, missingParameter, notFound } from './errors.js';
import type { VaultRecord } from './records.js';

const VAULT_NAME_PATTERN = /^[a-zA-Z0-9\-_]{2,50}$/;
const VAULTS_MAX = 100;
/** AWS: a compliance lock's grace period is at least 3 days. */
const CHANGEABLE_FOR_DAYS_MIN = 3;
const CHANGEABLE_FOR_DAYS_MAX = 36_500;
const RETENTION_DAYS_MAX = 36_500;
export const VAULT_EVENTS: readonly string[] = [
  'BACKUP_JOB_STARTED', 'BACKUP_JOB_COMPLETED', 'BACKUP_JOB_SUCCESSFUL', 'BACKUP_JOB_FAILED', 'BACKUP_JOB_EXPIRED', 'RESTORE_JOB_STARTED',
  'RESTORE_JOB_COMPLETED', 'RESTORE_JOB_SUCCESSFUL', 'RESTORE_JOB_FAILED', 'COPY_JOB_STARTED', 'COPY_JOB_SUCCESSFUL', 'COPY_JOB_FAILED',
  'RECOVERY_POINT_MODIFIED', 'BACKUP_PLAN_CREATED', 'BACKUP_PLAN_MODIFIED', 'S3_BACKUP_OBJECT_FAILED', 'S3_RESTORE_OBJECT_FAILED',
];

async function recoveryPointCount(context: BackupContext, vaultName: string): Promise<number> {
  return (await context.store.recoveryPoints.list()).filter((point) => point.vaultName === vaultName).length;
}

async function vaultAnswer(context: BackupContext, vault: VaultRecord): Promise<Record<string, unknown>> {
  const mode = lockModeOf(vault.lock, context.nowMs);
  return {
    BackupVaultName: vault.name, BackupVaultArn: context.arns.vault(vault.name), VaultType: 'BACKUP_VAULT', VaultState: 'AVAILABLE',
    CreationDate: seconds(vault.creationMs), CreatorRequestId: vault.creatorRequestId, EncryptionKeyArn: vault.encryptionKeyArn,
    NumberOfRecoveryPoints: await recoveryPointCount(context, vault.name), Locked: mode === 'governance' || mode === 'compliance-locked',
    MinRetentionDays: vault.lock?.minRetentionDays, MaxRetentionDays: vault.lock?.maxRetentionDays, LockDate: seconds(vault.lock?.lockDateMs),
  };
}

export const createVault: BackupOperation = async (context, call) => {
  const name = call.segments[1] ?? '';
  if (!VAULT_NAME_PATTERN.test(name)) throw invalidParameter(`Backup vault name ${name} is not valid: 2 to 50 letters, digits, - or _.`);
  const vaults = await context.store.vaults.list();
  if (vaults.some((vault) => vault.name === name)) throw alreadyExists(`Backup vault ${name} already exists.`);
  if (vaults.length >= VAULTS_MAX) throw limitExceeded(`At most ${VAULTS_MAX} backup vaults.`);
  const vault: VaultRecord = {
    name, creationMs: context.nowMs, creatorRequestId: optionalString(call.body, 'CreatorRequestId'),
    encryptionKeyArn: optionalString(call.body, 'EncryptionKeyArn'), tags: tagsOf(call.body['BackupVaultTags'], 'BackupVaultTags'),
  };
  await context.store.vaults.put(name, vault);
  return { BackupVaultName: name, BackupVaultArn: context.arns.vault(name), CreationDate: seconds(vault.creationMs) };
};

export const describeVault: BackupOperation = async (context, call) => vaultAnswer(context, await requireVault(context, call.segments[1]));

export const listVaults: BackupOperation = async (context, call) => {
  const vaults = (await context.store.vaults.list()).sort((a, b) => a.name.localeCompare(b.name));
  const { items, nextToken } = page(vaults, call);
  return { BackupVaultList: await Promise.all(items.map((vault) => vaultAnswer(context, vault))), NextToken: nextToken };
};

export const deleteVault: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  assertLockChangeable(vault, context.nowMs);
  if ((await recoveryPointCount(context, vault.name)) > 0) throw invalidRequest(`Backup vault ${vault.name} cannot be deleted because it contains recovery points.`);
  await context.store.vaults.delete(vault.name);
  return {};
};

export const putAccessPolicy: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const policy = requiredString(call.body, 'Policy');
  try {
    parsePolicy(policy, { kind: 'repository', accountId: context.arns.accountId });
  } catch (error) {
    if (error instanceof PolicyError) throw invalidParameter(`The access policy is not valid: ${error.message}`);
    throw error;
  }
  await context.store.vaults.put(vault.name, { ...vault, policy });
  return {};
};

export const getAccessPolicy: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  if (vault.policy === undefined) throw notFound(`Backup vault ${vault.name} has no access policy.`);
  return { BackupVaultName: vault.name, BackupVaultArn: context.arns.vault(vault.name), Policy: vault.policy };
};

export const deleteAccessPolicy: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const { policy: _removed, ...rest } = vault;
  await context.store.vaults.put(vault.name, rest);
  return {};
};

export const putLockConfiguration: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const minRetentionDays = optionalWholeNumber(call.body, 'MinRetentionDays', 1, RETENTION_DAYS_MAX);
  const maxRetentionDays = optionalWholeNumber(call.body, 'MaxRetentionDays', 1, RETENTION_DAYS_MAX);
  const changeableForDays = call.body['ChangeableForDays'];
  if (changeableForDays !== undefined && changeableForDays !== null
    && (typeof changeableForDays !== 'number' || !Number.isInteger(changeableForDays) || changeableForDays < CHANGEABLE_FOR_DAYS_MIN || changeableForDays > CHANGEABLE_FOR_DAYS_MAX)) {
    throw invalidParameter(`ChangeableForDays must be a whole number of at least ${CHANGEABLE_FOR_DAYS_MIN} (and at most ${CHANGEABLE_FOR_DAYS_MAX}).`);
  }
  if (minRetentionDays !== undefined && maxRetentionDays !== undefined && minRetentionDays > maxRetentionDays) {
    throw invalidParameter('MinRetentionDays must not be more than MaxRetentionDays.');
  }
  assertLockChangeable(vault, context.nowMs);
  const lockDateMs = typeof changeableForDays === 'number' ? context.nowMs + changeableForDays * backupDayMs() : undefined;
  await context.store.vaults.put(vault.name, { ...vault, lock: { minRetentionDays, maxRetentionDays, lockDateMs } });
  return {};
};

export const deleteLockConfiguration: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  assertLockChangeable(vault, context.nowMs);
  const { lock: _removed, ...rest } = vault;
  await context.store.vaults.put(vault.name, rest);
  return {};
};

export const putNotifications: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const snsTopicArn = requiredString(call.body, 'SNSTopicArn');
  if (!/^arn:aws:sns:[^:]*:[^:]*:[A-Za-z0-9_-]{1,80}$/.test(snsTopicArn)) throw invalidParameter(`SNSTopicArn ${snsTopicArn} is not an SNS topic ARN.`);
  const events = call.body['BackupVaultEvents'];
  if (!Array.isArray(events) || events.length === 0) throw missingParameter('BackupVaultEvents is required.');
  for (const event of events) if (typeof event !== 'string' || !VAULT_EVENTS.includes(event)) throw invalidParameter(`${String(event)} is not a backup vault event.`);
  await context.store.vaults.put(vault.name, { ...vault, notifications: { snsTopicArn, events: [...new Set(events as string[])] } });
  return {};
};

export const getNotifications: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  if (vault.notifications === undefined) throw notFound(`Backup vault ${vault.name} has no notifications.`);
  return { BackupVaultName: vault.name, BackupVaultArn: context.arns.vault(vault.name), SNSTopicArn: vault.notifications.snsTopicArn, BackupVaultEvents: vault.notifications.events };
};

export const deleteNotifications: BackupOperation = async (context, call) => {
  const vault = await requireVault(context, call.segments[1]);
  const { notifications: _removed, ...rest } = vault;
  await context.store.vaults.put(vault.name, rest);
  return {};
};
