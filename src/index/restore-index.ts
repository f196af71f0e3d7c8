// Restores of archived object versions (GLACIER, DEEP_ARCHIVE): when each was asked for, when its
// restored copy is readable and when that copy expires. The "restored copy" is the version itself
// made readable, so a restore copies no bytes; its state is a row keyed by the version's data id.
import type { ChangeOrigin } from './records.js';

export const RESTORE_TIERS = ['Expedited', 'Standard', 'Bulk'] as const;
export type RestoreTier = (typeof RESTORE_TIERS)[number];

export interface ObjectRestoreState {
  tier: RestoreTier;
  requestedMs: number;
  /** The restored copy is readable from this time on (the restore is "ongoing" before it). */
  readyMs: number;
  /** The restored copy is gone from this time on: the version is archived again. */
  expiresMs: number;
}

export interface RestoreReads {
  /** The restore state of one version (by its data id), undefined when none was ever asked for or it was swept. */
  getObjectRestore(bucket: string, key: string, dataId: string): Promise<ObjectRestoreState | undefined>;
}

export interface RestoreWrites {
  /**
   * Records a version's restore state (a new restore, or a restored copy's new expiry) and removes
   * a bounded batch of rows that expired before `nowMs` (and whose expiry was recorded); false when
   * the version no longer exists. A new restore is journaled (UPDATE_METADATA) and queues
   * ObjectRestore:Post events, in the same transaction, with `origin` as its requester.
   */
  putObjectRestore(bucket: string, key: string, dataId: string, state: ObjectRestoreState, nowMs: number, origin?: ChangeOrigin): Promise<boolean>;
  /**
   * Records, at most `limit` of each, the restores that became ready (ObjectRestore:Completed) and
   * the restored copies that expired (ObjectRestore:Delete) by `nowMs` and were not recorded yet:
   * journal row, events and the mark on the restore row in one transaction. Returns how many.
   */
  recordRestoreProgress(nowMs: number, limit: number): Promise<number>;
}

export interface RestoreIndex extends RestoreReads, RestoreWrites {}

export const RESTORE_READ_METHODS = ['getObjectRestore'] as const satisfies ReadonlyArray<keyof RestoreReads>;
export const RESTORE_WRITE_METHODS = ['putObjectRestore', 'recordRestoreProgress'] as const satisfies ReadonlyArray<keyof RestoreWrites>;
