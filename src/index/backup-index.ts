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

/** A version a continuous backup kept after its permanent deletion (or a delete marker), with when it was deleted. */
export type RetainedVersion = ObjectRecord & { isDeleteMarker: boolean; deletedMs: number };

export interface BackupReads {
  /** A recovery point's objects (with parts), keys ascending after `afterKey`, at most `limit`. */
  listRecoveryPointObjects(recoveryPointId: string, afterKey: string, limit: number): Promise<ObjectRecord[]>;
  /** The versions of `bucket` a continuous backup kept after their deletion: keys ascending, each key's newest (by data id) first, after (afterKey, afterDataId). */
  listRetainedVersions(bucket: string, afterKey: string, afterDataId: string, limit: number): Promise<RetainedVersion[]>;
}

export interface BackupWrites {
  /**
   * Records the current version of every key of `bucket` (delete markers aside) as the objects of a
   * new recovery point, in one transaction, writing rows only for the keys changed since the bucket's
   * previous point; undefined when the bucket does not exist. Taking an existing point's id again
   * writes nothing and answers what taking it did (a job run again after a crash).
   */
  snapshotBucketForRecoveryPoint(recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined>;
  /** Makes `toId` hold the same objects as `fromId` (a copy to another vault of this server): rows only. */
  copyRecoveryPointObjects(fromId: string, toId: string): Promise<RecoveryPointSize>;
  /** Forgets a recovery point's objects (the later points of its chain keep theirs): compaction may then free the bytes nothing else names. */
  deleteRecoveryPointObjects(recoveryPointId: string): Promise<void>;
  /**
   * While `windowMs` is set, a version of `bucket` deleted for good (and a delete marker) is kept, with its
   * placements, for that long (a continuous backup's window); undefined stops keeping new ones.
   */
  setContinuousBackup(bucket: string, windowMs: number | undefined): Promise<void>;
  /** Frees kept versions older than their bucket's window, or of a bucket no longer covered; how many (at most a batch per call). */
  expireRetainedVersions(nowMs: number): Promise<number>;
}

export interface BackupIndex extends BackupReads, BackupWrites {}

export const BACKUP_READ_METHODS = ['listRecoveryPointObjects', 'listRetainedVersions'] as const satisfies ReadonlyArray<keyof BackupReads>;
export const BACKUP_WRITE_METHODS = [
  'snapshotBucketForRecoveryPoint', 'copyRecoveryPointObjects', 'deleteRecoveryPointObjects', 'setContinuousBackup', 'expireRetainedVersions',
] as const satisfies ReadonlyArray<keyof BackupWrites>;
