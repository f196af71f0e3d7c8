// How long a "day" of AWS Backup is: 86 400 s, or what CAIRN_BACKUP_DAY_SECONDS says, so tests can
// watch retention, lock grace periods and daily schedules pass in seconds. Also the vault lock's
// rules: which mode a lock is in now, and what it forbids.
import type { VaultLock, VaultRecord } from './records.js';
import { invalidRequest } from './errors.js';

const DAY_SECONDS = 86_400;

export function backupDayMs(): number {
  const text = process.env['CAIRN_BACKUP_DAY_SECONDS'];
  const seconds = text === undefined ? NaN : Number(text);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DAY_SECONDS) * 1000;
}

/** Minutes scale with days (a start window of 60 minutes is 1/24 of a day). */
export const backupMinuteMs = (): number => backupDayMs() / (24 * 60);

export type LockMode = 'none' | 'governance' | 'compliance-grace' | 'compliance-locked';

export function lockModeOf(lock: VaultLock | undefined, nowMs: number): LockMode {
  if (lock === undefined) return 'none';
  if (lock.lockDateMs === undefined) return 'governance';
  return nowMs < lock.lockDateMs ? 'compliance-grace' : 'compliance-locked';
}

/** Refuses changing or removing a vault's lock once compliance mode has set in. */
export function assertLockChangeable(vault: VaultRecord, nowMs: number): void {
  if (lockModeOf(vault.lock, nowMs) === 'compliance-locked') {
    throw invalidRequest(`Backup vault ${vault.name} is locked in compliance mode since ${new Date(vault.lock!.lockDateMs!).toISOString()}: its lock cannot be changed or removed.`);
  }
}

/** Whether the lock protects the vault's recovery points now (governance, or compliance after its grace period). */
export const lockProtects = (vault: VaultRecord, nowMs: number): boolean => ['governance', 'compliance-locked'].includes(lockModeOf(vault.lock, nowMs));
