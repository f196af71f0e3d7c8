// Archive storage classes and restores: which classes must be restored before a read, how long a
// restore takes per class and tier, when a restored copy expires, and what state a version is in
// now. Times are computed from the stored request, ready and expiry times (no job has to flip a
// state on time): a state read is exact at any moment, and a restart loses nothing.
import type { ObjectRestoreState, RestoreTier } from '../index/types.js';
import { dueAfterDays } from './lifecycle/rules.js';

/** Classes whose bytes answer GET only while a restored copy exists (GLACIER_IR is read at once, as on AWS). */
export const ARCHIVE_STORAGE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * How long a restore takes by class and tier when the server sets no delay of its own: the upper
 * end of what AWS documents ("Archive retrieval options"); Deep Archive has no Expedited tier, so
 * it is answered as Standard.
 */
export const RESTORE_DELAY_MS_BY_CLASS: Readonly<Record<string, Readonly<Record<RestoreTier, number>>>> = {
  GLACIER: { Expedited: 5 * MINUTE_MS, Standard: 5 * HOUR_MS, Bulk: 12 * HOUR_MS },
  DEEP_ARCHIVE: { Expedited: 12 * HOUR_MS, Standard: 12 * HOUR_MS, Bulk: 48 * HOUR_MS },
};

export interface RestoreTiming {
  /** One delay for every class and tier (--restore-delay-seconds); undefined: RESTORE_DELAY_MS_BY_CLASS. */
  delayMs?: number;
  /** The length of a "day" for a restore's Days (the lifecycle day: S3's 24 hours unless shortened). */
  dayMs: number;
}

export function restoreDelayMs(storageClass: string, tier: RestoreTier, timing: RestoreTiming): number {
  return timing.delayMs ?? RESTORE_DELAY_MS_BY_CLASS[storageClass]?.[tier] ?? 0;
}

/** A new restore's state: ready after the delay, expiring `days` after that (at a day boundary, as S3 rounds). */
export function newRestore(storageClass: string, tier: RestoreTier, days: number, nowMs: number, timing: RestoreTiming): ObjectRestoreState {
  const readyMs = nowMs + restoreDelayMs(storageClass, tier, timing);
  return { tier, requestedMs: nowMs, readyMs, expiresMs: dueAfterDays(readyMs, days, timing.dayMs) };
}

/** A restored copy restored again: S3 only moves its expiry, to `days` from now. */
export function extendedRestore(state: ObjectRestoreState, days: number, nowMs: number, timing: RestoreTiming): ObjectRestoreState {
  return { ...state, expiresMs: dueAfterDays(nowMs, days, timing.dayMs) };
}

export type RestorePhase =
  | { phase: 'archived' }
  | { phase: 'ongoing'; state: ObjectRestoreState }
  | { phase: 'restored'; state: ObjectRestoreState };

/** Where a version's restore stands at `nowMs`; an expired copy is archived again. */
export function restorePhase(state: ObjectRestoreState | undefined, nowMs: number): RestorePhase {
  if (state === undefined || nowMs >= state.expiresMs) return { phase: 'archived' };
  if (nowMs < state.readyMs) return { phase: 'ongoing', state };
  return { phase: 'restored', state };
}
