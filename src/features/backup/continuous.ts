// Continuous backup (a rule's EnableContinuousBackup): one continuous recovery point per rule and
// selected bucket, made once, COMPLETED at once. It holds no rows of its own: the bucket's versions
// (versioning must be enabled) are its journal, and a restore to a time T rebuilds the bucket as
// it was at T from them. Its window runs from its creation (or DeleteAfterDays back, at most 35
// days, AWS's limit) to now. While a bucket has one, the index keeps each version deleted for good
// (and each delete marker removed) for the window (setContinuousBackup), so a restore to a time
// before the delete still finds it; the runner frees kept versions once they are older than that.
import { randomBytes } from 'node:crypto';
import { type BackupContext, CONTINUOUS_ID_PREFIX } from './context.js';
import { backupDayMs } from './days.js';
import { invalidParameter } from './errors.js';
import type { Lifecycle, PlanRule, RecoveryPointRecord } from './records.js';
import { selects } from './selection-match.js';

/** AWS: continuous backups are kept at most 35 days. */
export const CONTINUOUS_RETENTION_DAYS_MAX = 35;

/** A continuous rule's retention: 1 to 35 days (InvalidParameterValueException otherwise). */
export function checkContinuousLifecycle(lifecycle: Lifecycle | undefined): void {
  const days = lifecycle?.DeleteAfterDays;
  if (days !== undefined && (days < 1 || days > CONTINUOUS_RETENTION_DAYS_MAX)) {
    throw invalidParameter(`Invalid lifecycle: DeleteAfterDays must be between 1 and ${CONTINUOUS_RETENTION_DAYS_MAX} days for continuous backups, not ${days}.`);
  }
}

/** The times a continuous recovery point restores to, now. */
export function restoreWindowOf(point: RecoveryPointRecord, nowMs: number): { earliestMs: number; latestMs: number } {
  const days = point.lifecycle?.DeleteAfterDays ?? CONTINUOUS_RETENTION_DAYS_MAX;
  return { earliestMs: Math.max(point.creationMs, nowMs - days * backupDayMs()), latestMs: nowMs };
}

/** The windows this process told the index, by index and bucket: a step tells it only what changed. */
const coverageTold = new WeakMap<object, Map<string, number>>();

/** Tells the index, per bucket, how long to keep permanently deleted versions: the longest window of its continuous points. */
async function syncRetention(context: BackupContext, points: RecoveryPointRecord[]): Promise<void> {
  const wanted = new Map<string, number>();
  for (const point of points) {
    const bucket = point.resourceArn.slice('arn:aws:s3:::'.length);
    const windowMs = (point.lifecycle?.DeleteAfterDays ?? CONTINUOUS_RETENTION_DAYS_MAX) * backupDayMs();
    wanted.set(bucket, Math.max(wanted.get(bucket) ?? 0, windowMs));
  }
  const told = coverageTold.get(context.index) ?? new Map<string, number>();
  coverageTold.set(context.index, told);
  for (const [bucket, windowMs] of wanted) {
    if (told.get(bucket) === windowMs) continue;
    await context.index.setContinuousBackup(bucket, windowMs);
    told.set(bucket, windowMs);
  }
  for (const bucket of [...told.keys()].filter((candidate) => !wanted.has(candidate))) {
    await context.index.setContinuousBackup(bucket, undefined);
    told.delete(bucket);
  }
}

/** Makes the continuous recovery point each continuous rule owes each selected, versioned bucket, and keeps the index's retention in step. */
export async function ensureContinuousRecoveryPoints(context: BackupContext): Promise<void> {
  const existing = (await context.store.recoveryPoints.list()).filter((point) => point.continuous === true);
  await makeContinuousPoints(context, existing);
  await syncRetention(context, existing);
}

async function makeContinuousPoints(context: BackupContext, existing: RecoveryPointRecord[]): Promise<void> {
  const plans = (await context.store.plans.list()).filter((plan) => plan.rules.some((rule) => rule.EnableContinuousBackup === true));
  if (plans.length === 0) return;
  const selections = await context.store.selections.list();
  const buckets = (await context.index.listBuckets()).filter((bucket) => bucket.versioning === 'Enabled');
  for (const plan of plans) {
    for (const rule of plan.rules.filter((candidate) => candidate.EnableContinuousBackup === true)) {
      if ((await context.store.vaults.get(rule.TargetBackupVaultName)) === undefined) continue;
      for (const selection of selections.filter((candidate) => candidate.planId === plan.id)) {
        for (const bucket of buckets.filter((candidate) => selects(selection, candidate))) {
          const resourceArn = `arn:aws:s3:::${bucket.name}`;
          if (existing.some((point) => point.ruleId === rule.RuleId && point.resourceArn === resourceArn)) continue;
          const point = continuousPoint(rule, resourceArn, bucket.name, selection.iamRoleArn, plan.id, context.nowMs);
          await context.store.recoveryPoints.put(point.id, point);
          existing.push(point);
        }
      }
    }
  }
}

function continuousPoint(rule: PlanRule, resourceArn: string, bucketName: string, iamRoleArn: string, planId: string, nowMs: number): RecoveryPointRecord {
  return {
    id: `${CONTINUOUS_ID_PREFIX}${bucketName}-${randomBytes(4).toString('hex')}`, vaultName: rule.TargetBackupVaultName, resourceArn, status: 'COMPLETED',
    creationMs: nowMs, completionMs: nowMs, sizeBytes: 0, objects: 0, lifecycle: rule.Lifecycle ?? { DeleteAfterDays: CONTINUOUS_RETENTION_DAYS_MAX },
    iamRoleArn, tags: rule.RecoveryPointTags ?? {}, planId, ruleId: rule.RuleId, continuous: true,
  };
}
