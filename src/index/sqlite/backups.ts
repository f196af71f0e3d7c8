// AWS Backup's recovery points in the SQLite index (backup-index.ts): each holds rows copied from
// its bucket's live versions (and their parts), placements included, so the bytes outlive any
// delete of the source versions. The placement snapshot reads these tables too, and replacePlacement
// re-points their rows when compaction moves a record.
import type Database from 'better-sqlite3';
import type { BackupIndex, RecoveryPointSize } from '../backup-index.js';
import type { GroupCommitQueue } from '../group-commit.js';
import type { PlacementChange } from '../object-index.js';
import type { ObjectRecord } from '../records.js';
import { VERSION_PAGE_COLUMNS } from './journal.js';
import { objectFromRow, partFromRow, PART_COLUMNS, VERSION_CONTENT_COLUMNS, type ObjectRow, type PartRow } from './schema.js';

/** Migration 11: a recovery point's objects and the parts of its multipart objects. */
export const BACKUP_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS backup_objects (
  recovery_point_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  data_id TEXT NOT NULL,
  ${VERSION_CONTENT_COLUMNS},
  acl_json TEXT,
  PRIMARY KEY (recovery_point_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_objects_by_data_id ON backup_objects (data_id);
CREATE TABLE IF NOT EXISTS backup_parts (
  recovery_point_id TEXT NOT NULL,
  object_data_id TEXT NOT NULL,
  ${PART_COLUMNS},
  PRIMARY KEY (recovery_point_id, object_data_id, part_number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_parts_by_object ON backup_parts (object_data_id, part_number);
`;

const PART_COPY_COLUMNS = 'part_number, data_id, size_bytes, etag, last_modified_ms, checksum_json, placement';

function prepareBackupStatements(db: Database.Database) {
  return {
    bucketExists: db.prepare('SELECT 1 FROM buckets WHERE name = ?').pluck(),
    snapshotObjects: db.prepare(`INSERT INTO backup_objects (recovery_point_id, ${VERSION_PAGE_COLUMNS})
        SELECT ?, ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = ?`),
    snapshotParts: db.prepare(`INSERT INTO backup_parts (recovery_point_id, object_data_id, ${PART_COPY_COLUMNS})
        SELECT ?, p.object_data_id, ${PART_COPY_COLUMNS.split(', ').map((column) => `p.${column}`).join(', ')}
        FROM object_parts p JOIN objects o ON o.data_id = p.object_data_id WHERE o.bucket = ?`),
    copyObjects: db.prepare(`INSERT OR IGNORE INTO backup_objects (recovery_point_id, ${VERSION_PAGE_COLUMNS})
        SELECT ?, ${VERSION_PAGE_COLUMNS} FROM backup_objects WHERE recovery_point_id = ?`),
    copyParts: db.prepare(`INSERT OR IGNORE INTO backup_parts (recovery_point_id, object_data_id, ${PART_COPY_COLUMNS})
        SELECT ?, object_data_id, ${PART_COPY_COLUMNS} FROM backup_parts WHERE recovery_point_id = ?`),
    size: db.prepare('SELECT count(*) AS objects, coalesce(sum(size_bytes), 0) AS sizeBytes FROM backup_objects WHERE recovery_point_id = ?'),
    page: db.prepare(`SELECT ${VERSION_PAGE_COLUMNS} FROM backup_objects WHERE recovery_point_id = ? AND key > ? ORDER BY key LIMIT ?`),
    parts: db.prepare(`SELECT ${PART_COPY_COLUMNS} FROM backup_parts WHERE recovery_point_id = ? AND object_data_id = ? ORDER BY part_number`),
    deleteObjects: db.prepare('DELETE FROM backup_objects WHERE recovery_point_id = ?'),
    deleteParts: db.prepare('DELETE FROM backup_parts WHERE recovery_point_id = ?'),
    replaceObjectPlacement: db.prepare('UPDATE backup_objects SET placement = ? WHERE data_id = ? AND placement = ?'),
    replacePartPlacement: db.prepare('UPDATE backup_parts SET placement = ? WHERE object_data_id = ? AND part_number = ? AND placement = ?'),
  };
}

export class BackupTables implements BackupIndex {
  private readonly statements;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = prepareBackupStatements(db);
  }

  async listRecoveryPointObjects(recoveryPointId: string, afterKey: string, limit: number): Promise<ObjectRecord[]> {
    const rows = this.statements.page.all(recoveryPointId, afterKey, limit) as ObjectRow[];
    return rows.map((row) => {
      if (row.parts_count === 0) return objectFromRow(row);
      return objectFromRow(row, (this.statements.parts.all(recoveryPointId, row.data_id) as PartRow[]).map(partFromRow));
    });
  }

  snapshotBucketForRecoveryPoint(recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined> {
    return this.writes.submit(() => {
      if (this.statements.bucketExists.get(bucket) === undefined) return undefined;
      this.statements.snapshotObjects.run(recoveryPointId, bucket);
      this.statements.snapshotParts.run(recoveryPointId, bucket);
      return this.statements.size.get(recoveryPointId) as RecoveryPointSize;
    });
  }

  copyRecoveryPointObjects(fromId: string, toId: string): Promise<RecoveryPointSize> {
    return this.writes.submit(() => {
      this.statements.copyObjects.run(toId, fromId);
      this.statements.copyParts.run(toId, fromId);
      return this.statements.size.get(toId) as RecoveryPointSize;
    });
  }

  deleteRecoveryPointObjects(recoveryPointId: string): Promise<void> {
    return this.writes.submit(() => {
      this.statements.deleteObjects.run(recoveryPointId);
      this.statements.deleteParts.run(recoveryPointId);
    });
  }

  /** Inside replacePlacement's write: re-points every recovery point's copy of a moved record; whether any was. */
  replacePlacement(change: PlacementChange, expected: Buffer, replacement: Buffer): boolean {
    if (change.uploadId !== undefined) return false;
    if (change.partNumber !== undefined) return this.statements.replacePartPlacement.run(replacement, change.dataId, change.partNumber, expected).changes > 0;
    return this.statements.replaceObjectPlacement.run(replacement, change.dataId, expected).changes > 0;
  }
}
