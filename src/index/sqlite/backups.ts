// AWS Backup's recovery points in the SQLite index (backup-index.ts), as chains (backup-schema.ts):
// the points of a bucket share rows valid over a range of point sequences, so a point's objects are
// the rows valid at its sequence (one indexed range read), and taking a point writes rows only for
// the keys the triggers on `objects` noted as changed since the chain's head. The placement snapshot
// reads these tables too, and replacePlacement re-points their rows when compaction moves a record.
import type Database from 'better-sqlite3';
import type { BackupIndex, RecoveryPointSize, RetainedVersion } from '../backup-index.js';
import type { GroupCommitQueue } from '../group-commit.js';
import type { PlacementChange } from '../object-index.js';
import type { ObjectRecord } from '../records.js';
import { deletePoint, prepareChainStatements, takePoint, type ChainStatements } from './backup-chain.js';
import { PART_COPY_COLUMNS } from './backup-schema.js';
import { VERSION_PAGE_COLUMNS } from './journal.js';
import { RetainedVersions } from './retained-versions.js';
import { objectFromRow, partFromRow, type ObjectRow, type PartRow } from './schema.js';

export class BackupTables implements BackupIndex {
  private readonly chain: ChainStatements;
  private readonly reads;
  /** Versions kept for continuous backups after their deletion; the versioning rules hand them over. */
  readonly retained: RetainedVersions;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.chain = prepareChainStatements(db);
    this.retained = new RetainedVersions(db);
    this.reads = {
      page: db.prepare(`SELECT ${VERSION_PAGE_COLUMNS} FROM backup_rows WHERE chain = ? AND key > ? AND from_seq <= ? AND to_seq > ? ORDER BY key LIMIT ?`),
      parts: db.prepare(`SELECT ${PART_COPY_COLUMNS} FROM backup_row_parts WHERE object_data_id = ? ORDER BY part_number`),
      replaceObjectPlacement: db.prepare('UPDATE backup_rows SET placement = ? WHERE data_id = ? AND placement = ?'),
      replacePartPlacement: db.prepare('UPDATE backup_row_parts SET placement = ? WHERE object_data_id = ? AND part_number = ? AND placement = ?'),
    };
  }

  async listRecoveryPointObjects(recoveryPointId: string, afterKey: string, limit: number): Promise<ObjectRecord[]> {
    const point = this.chain.point.get(recoveryPointId) as { chain: string; seq: number } | undefined;
    if (point === undefined) return [];
    const rows = this.reads.page.all(point.chain, afterKey, point.seq, point.seq, limit) as ObjectRow[];
    return rows.map((row) => {
      if (row.parts_count === 0) return objectFromRow(row);
      return objectFromRow(row, (this.reads.parts.all(row.data_id) as PartRow[]).map(partFromRow));
    });
  }

  async listRetainedVersions(bucket: string, afterKey: string, afterDataId: string, limit: number): Promise<RetainedVersion[]> {
    return this.retained.list(bucket, afterKey, afterDataId, limit);
  }

  setContinuousBackup(bucket: string, windowMs: number | undefined): Promise<void> {
    return this.writes.submit(() => this.retained.setCoverage(bucket, windowMs));
  }

  expireRetainedVersions(nowMs: number): Promise<number> {
    return this.writes.submit(() => this.retained.expire(nowMs));
  }

  snapshotBucketForRecoveryPoint(recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined> {
    return this.writes.submit(() => takePoint(this.chain, recoveryPointId, bucket));
  }

  copyRecoveryPointObjects(fromId: string, toId: string): Promise<RecoveryPointSize> {
    return this.writes.submit(() => {
      const existing = this.chain.point.get(toId) as (RecoveryPointSize & { chain: string }) | undefined;
      if (existing !== undefined) return { objects: existing.objects, sizeBytes: existing.sizeBytes, rowsWritten: 0 };
      const source = this.chain.point.get(fromId) as (RecoveryPointSize & { chain: string; seq: number }) | undefined;
      if (source === undefined) return { objects: 0, sizeBytes: 0, rowsWritten: 0 };
      // The copy is one more point at the same sequence of the same chain: it shares every row.
      this.chain.insertPoint.run(toId, source.chain, source.seq, source.objects, source.sizeBytes, 0);
      return { objects: source.objects, sizeBytes: source.sizeBytes, rowsWritten: 0 };
    });
  }

  deleteRecoveryPointObjects(recoveryPointId: string): Promise<void> {
    return this.writes.submit(() => deletePoint(this.chain, recoveryPointId));
  }

  /** Inside replacePlacement's write: re-points every recovery point's row, and a retained version, of a moved record; whether any was. */
  replacePlacement(change: PlacementChange, expected: Buffer, replacement: Buffer): boolean {
    if (change.uploadId !== undefined) return false;
    const retained = this.retained.replacePlacement(change.dataId, change.partNumber, expected, replacement);
    if (change.partNumber !== undefined) return this.reads.replacePartPlacement.run(replacement, change.dataId, change.partNumber, expected).changes > 0 || retained;
    return this.reads.replaceObjectPlacement.run(replacement, change.dataId, expected).changes > 0 || retained;
  }
}
