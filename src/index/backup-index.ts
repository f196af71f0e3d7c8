// Recovery points of AWS Backup in the index: the object versions a bucket's recovery point holds,
// recorded (rows, not bytes) with their placements in one transaction. The points of a bucket form a
// chain: a point writes rows only for the keys that changed since the previous one, O(changes), and
// reads the rows valid at its sequence. Compaction counts those placements live (scanPlacements) and
// moves them like any other, so deleting or overwriting an object never frees bytes a point names.
import type { ObjectRecord } from './records.js';

export interface RecoveryPointSize {
  objects: number;
  sizeBytes: number;
  /** Index rows the point wrote: the bucket's versions for the first point of a chain, the changes since the previous one after it, 0 for a copy. */
  rowsWritten: number;
}

export interface BackupReads {
  /** A recovery point's objects (with parts), keys ascending after `afterKey`, at most `limit`. */
  listRecoveryPointObjects(recoveryPointId: string, afterKey: string, limit: number): Promise<ObjectRecord[]>;
}

export interface BackupWrites {
  /**
   * Records the current version of every key of `bucket` (delete markers aside) as the objects of a
   * new recovery point, in one transaction, writing rows only for the keys changed since the bucket's
   * previous point; undefined when the bucket does not exist. Taking an existing point's id again
   * answers its size and writes nothing (a job run again after a crash).
   */
  snapshotBucketForRecoveryPoint(recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined>;
  /** Makes `toId` hold the same objects as `fromId` (a copy to another vault of this server): rows only. */
  copyRecoveryPointObjects(fromId: string, toId: string): Promise<RecoveryPointSize>;
  /** Forgets a recovery point's objects (the later points of its chain keep theirs): compaction may then free the bytes nothing else names. */
  deleteRecoveryPointObjects(recoveryPointId: string): Promise<void>;
}

export interface BackupIndex extends BackupReads, BackupWrites {}

export const BACKUP_READ_METHODS = ['listRecoveryPointObjects'] as const satisfies ReadonlyArray<keyof BackupReads>;
export const BACKUP_WRITE_METHODS = ['snapshotBucketForRecoveryPoint', 'copyRecoveryPointObjects', 'deleteRecoveryPointObjects'] as const satisfies ReadonlyArray<keyof BackupWrites>;
