// Recovery points of AWS Backup in the index: the object versions a bucket's recovery point holds,
// copied (rows, not bytes) from the bucket's current versions in one transaction, with their
// placements. Compaction counts those placements live (scanPlacements) and moves them like any
// other, so deleting or overwriting an object never frees bytes a recovery point still names.
import type { ObjectRecord } from './records.js';

export interface RecoveryPointSize {
  objects: number;
  sizeBytes: number;
}

export interface BackupReads {
  /** A recovery point's objects (with parts), keys ascending after `afterKey`, at most `limit`. */
  listRecoveryPointObjects(recoveryPointId: string, afterKey: string, limit: number): Promise<ObjectRecord[]>;
}

export interface BackupWrites {
  /**
   * Records the current version of every key of `bucket` (delete markers aside) as the objects of a
   * new recovery point, in one transaction; undefined when the bucket does not exist.
   */
  snapshotBucketForRecoveryPoint(recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined>;
  /** Makes `toId` hold the same objects as `fromId` (a copy to another vault of this server): rows only. */
  copyRecoveryPointObjects(fromId: string, toId: string): Promise<RecoveryPointSize>;
  /** Forgets a recovery point's objects: compaction may then free the bytes nothing else names. */
  deleteRecoveryPointObjects(recoveryPointId: string): Promise<void>;
}

export interface BackupIndex extends BackupReads, BackupWrites {}

export const BACKUP_READ_METHODS = ['listRecoveryPointObjects'] as const satisfies ReadonlyArray<keyof BackupReads>;
export const BACKUP_WRITE_METHODS = ['snapshotBucketForRecoveryPoint', 'copyRecoveryPointObjects', 'deleteRecoveryPointObjects'] as const satisfies ReadonlyArray<keyof BackupWrites>;
