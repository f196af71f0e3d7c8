// S3 Object Lock's rules over one version, as pure functions: the index applies them inside the same
// write transaction as the delete or change they judge, so no race can slip a destroy past a lock.
import type { LegalHoldStatus, LockRefusal, ObjectLockConfiguration, ObjectRetention } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What Object Lock knows about a version. */
export interface VersionLockState {
  retention?: ObjectRetention;
  legalHold?: LegalHoldStatus;
}

/** A retention protects its version until the instant it names (after it, the version is free). */
export function isRetentionActive(retention: ObjectRetention | undefined, nowMs: number): retention is ObjectRetention {
  return retention !== undefined && retention.retainUntilMs > nowMs;
}

/** Whether a version may be destroyed now; undefined when it may. A legal hold is never bypassed. */
export function deletionRefusal(state: VersionLockState, nowMs: number, bypassGovernance: boolean): LockRefusal | undefined {
  if (state.legalHold === 'ON') return 'locked';
  if (!isRetentionActive(state.retention, nowMs)) return undefined;
  if (state.retention.mode === 'COMPLIANCE') return 'locked';
  return bypassGovernance ? undefined : 'governance';
}

/**
 * Whether a version's retention may become `requested` (undefined: removed). Keeping the mode and
 * keeping or extending the date is always allowed; anything else to an active COMPLIANCE retention
 * never, to an active GOVERNANCE one only with the bypass.
 */
export function retentionChangeRefusal(
  current: ObjectRetention | undefined,
  requested: ObjectRetention | undefined,
  nowMs: number,
  bypassGovernance: boolean,
): LockRefusal | undefined {
  if (!isRetentionActive(current, nowMs)) return undefined;
  const keepsOrExtends = requested !== undefined && requested.mode === current.mode && requested.retainUntilMs >= current.retainUntilMs;
  if (keepsOrExtends) return undefined;
  if (current.mode === 'COMPLIANCE') return 'locked';
  return bypassGovernance ? undefined : 'governance';
}

/** The retention a bucket's default rule gives a version created at `createdAtMs`, if it has one. */
export function defaultRetention(configuration: ObjectLockConfiguration | undefined, createdAtMs: number): ObjectRetention | undefined {
  const rule = configuration?.defaultRetention;
  if (rule === undefined) return undefined;
  if (rule.days !== undefined) return { mode: rule.mode, retainUntilMs: createdAtMs + rule.days * DAY_MS };
  // Years are calendar years (UTC), so a date stays the same day of the year.
  const until = new Date(createdAtMs);
  until.setUTCFullYear(until.getUTCFullYear() + (rule.years ?? 0));
  return { mode: rule.mode, retainUntilMs: until.getTime() };
}
