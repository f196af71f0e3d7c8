// Backup Audit Manager's built-in controls Cairn evaluates, each over one bucket: protected by a
// plan, recovery point minimum retention, manual deletion disabled (a vault policy denies
// DeleteRecoveryPoint), plan minimum frequency and retention, protected by a vault lock, protected
// by a cross-site copy, and last recovery point created within an age.
import type { BucketRecord } from '../../index/types.js';
import { latestFireAtOrBefore, parseScheduleExpression } from './cron.js';
import { backupDayMs, lockModeOf } from './days.js';
import { invalidParameter } from './errors.js';
import type { CopyJobRecord, PlanRecord, PlanRule, RecoveryPointRecord, SelectionRecord, VaultRecord } from './records.js';
import { selects } from './selection-match.js';

export interface AuditFacts {
  nowMs: number;
  plans: PlanRecord[];
  selections: SelectionRecord[];
  recoveryPoints: RecoveryPointRecord[];
  vaults: VaultRecord[];
  copyJobs: CopyJobRecord[];
}

type Parameters = Record<string, string>;
type Control = (bucket: BucketRecord, facts: AuditFacts, parameters: Parameters) => boolean;

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
const number = (parameters: Parameters, name: string, fallback: number): number => (parameters[name] === undefined ? fallback : Number(parameters[name]));
const arnOf = (bucket: BucketRecord): string => `arn:aws:s3:::${bucket.name}`;

function rulesProtecting(bucket: BucketRecord, facts: AuditFacts): PlanRule[] {
  return facts.plans.filter((plan) => facts.selections.some((selection) => selection.planId === plan.id && selects(selection, bucket))).flatMap((plan) => plan.rules);
}

const pointsOf = (bucket: BucketRecord, facts: AuditFacts): RecoveryPointRecord[] => facts.recoveryPoints.filter((point) => point.resourceArn === arnOf(bucket));

/** The longest gap between a rule's runs, over a week of its schedule. */
function longestIntervalMs(rule: PlanRule): number {
  const schedule = parseScheduleExpression(rule.ScheduleExpression);
  const startMs = Date.UTC(2024, 0, 1);
  let gapMs = 0;
  let atMs = startMs + WEEK_MS;
  for (;;) {
    const fire = latestFireAtOrBefore(schedule, startMs, atMs, WEEK_MS);
    if (fire === undefined) return Math.max(gapMs, atMs - startMs);
    gapMs = Math.max(gapMs, atMs - fire);
    atMs = fire - 1;
  }
}

const CONTROLS: Record<string, Control> = {
  BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN: (bucket, facts) => rulesProtecting(bucket, facts).length > 0,
  BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK: (bucket, facts, parameters) => {
    const points = pointsOf(bucket, facts);
    return points.length > 0 && points.every((point) => (point.lifecycle?.DeleteAfterDays ?? Infinity) >= number(parameters, 'requiredRetentionDays', 35));
  },
  BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED: (bucket, facts) => {
    const vaultNames = new Set(pointsOf(bucket, facts).map((point) => point.vaultName));
    return vaultNames.size > 0 && [...vaultNames].every((name) => {
      const policy = facts.vaults.find((vault) => vault.name === name)?.policy;
      return policy !== undefined && /"Deny"/.test(policy) && /backup:(\*|DeleteRecoveryPoint)/.test(policy);
    });
  },
  BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK: (bucket, facts, parameters) => {
    const unitMs = (parameters['requiredFrequencyUnit'] ?? 'hours') === 'days' ? 24 * HOUR_MS : HOUR_MS;
    const frequencyMs = number(parameters, 'requiredFrequencyValue', 1) * unitMs;
    return rulesProtecting(bucket, facts).some((rule) => longestIntervalMs(rule) <= frequencyMs
      && (rule.Lifecycle?.DeleteAfterDays ?? Infinity) >= number(parameters, 'requiredRetentionDays', 35));
  },
  BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK: (bucket, facts, parameters) => pointsOf(bucket, facts).some((point) => {
    const lock = facts.vaults.find((vault) => vault.name === point.vaultName)?.lock;
    return lockModeOf(lock, facts.nowMs) !== 'none' && (lock!.minRetentionDays ?? 1) >= number(parameters, 'minRetentionDays', 1)
      && (lock!.maxRetentionDays ?? Infinity) <= number(parameters, 'maxRetentionDays', Infinity);
  }),
  BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION: (bucket, facts) => facts.copyJobs.some((job) => job.resourceArn === arnOf(bucket) && job.state === 'COMPLETED'),
  BACKUP_LAST_RECOVERY_POINT_CREATED: (bucket, facts, parameters) => {
    const unitMs = (parameters['recoveryPointAgeUnit'] ?? 'days') === 'hours' ? HOUR_MS : 24 * HOUR_MS;
    // Ages are in the server's days (CAIRN_BACKUP_DAY_SECONDS), as retention is.
    const ageMs = number(parameters, 'recoveryPointAgeValue', 1) * unitMs * (backupDayMs() / (24 * HOUR_MS));
    return pointsOf(bucket, facts).some((point) => facts.nowMs - point.creationMs <= ageMs);
  },
};

export const CONTROL_NAMES: readonly string[] = Object.keys(CONTROLS);

export function checkControlName(name: unknown): string {
  if (typeof name !== 'string' || !(name in CONTROLS)) throw invalidParameter(`ControlName ${String(name)} is not a control Cairn evaluates: ${CONTROL_NAMES.join(', ')}.`);
  return name;
}

export function evaluateControl(name: string, bucket: BucketRecord, facts: AuditFacts, parameters: Parameters): boolean {
  return CONTROLS[name]!(bucket, facts, parameters);
}
