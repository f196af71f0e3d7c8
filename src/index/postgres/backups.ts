// AWS Backup's recovery points in the PostgreSQL index (backup-index.ts): the twin of
// sqlite/backups.ts. Points are chains of rows valid over ranges of point sequences
// (backup-chain.ts); a point's objects are the rows valid at its sequence, one indexed range read.
// Every write goes through group commit, so it is atomic with the object writes the trigger on
// `objects` watches; the placement scan reads these tables too, and replacePlacement re-points them.
import type pg from 'pg';
import type { BackupIndex, RecoveryPointSize, RetainedVersion } from '../backup-index.js';
import type { PlacementChange } from '../object-index.js';
import type { ObjectRecord } from '../records.js';
import { PART_COPY_COLUMNS } from '../sqlite/backup-schema.js';
import { VERSION_PAGE_COLUMNS } from '../sqlite/journal.js';
import { objectFromRow, partFromRow, type ObjectRow, type PartRow } from '../sqlite/schema.js';
import { copyPoint, deletePoint, pointOf, takePoint } from './backup-chain.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import { readInSnapshot } from './snapshot.js';
import { expireRetained, listRetained, replaceRetainedPlacement, setCoverage } from './retained-versions.js';

const BACKUP_READ_SQL = {
  page: `SELECT ${VERSION_PAGE_COLUMNS} FROM backup_rows WHERE chain = $1 AND key > $2 AND from_seq <= $3 AND to_seq > $3 ORDER BY key LIMIT $4`,
  parts: `SELECT ${PART_COPY_COLUMNS} FROM backup_row_parts WHERE object_data_id = $1 ORDER BY part_number`,
  replaceObjectPlacement: 'UPDATE backup_rows SET placement = $1 WHERE data_id = $2 AND placement = $3',
  replacePartPlacement: 'UPDATE backup_row_parts SET placement = $1 WHERE object_data_id = $2 AND part_number = $3 AND placement = $4',
} as const;

export class PostgresBackups implements BackupIndex {
  constructor(private readonly pool: pg.Pool, private readonly writes: PostgresWriteQueue) {}

  /** A page of a point's rows and their parts, read in one snapshot: a point deleted meanwhile is never half read. */
  listRecoveryPointObjects(recoveryPointId: string, afterKey: string, limit: number): Promise<ObjectRecord[]> {
    return readInSnapshot(this.pool, async (sql) => {
      const point = await pointOf(sql, recoveryPointId);
      if (point === undefined) return [];
      const { rows } = await sql.query<ObjectRow>(BACKUP_READ_SQL.page, [point.chain, afterKey, point.seq, limit]);
      const objects: ObjectRecord[] = [];
      for (const row of rows) {
        if (row.parts_count === 0) objects.push(objectFromRow(row));
        else objects.push(objectFromRow(row, (await sql.query<PartRow>(BACKUP_READ_SQL.parts, [row.data_id])).rows.map(partFromRow)));
      }
      return objects;
    });
  }

  listRetainedVersions(bucket: string, afterKey: string, afterDataId: string, limit: number): Promise<RetainedVersion[]> {
    return readInSnapshot(this.pool, (sql) => listRetained(sql, bucket, afterKey, afterDataId, limit));
  }

  setContinuousBackup(bucket: string, windowMs: number | undefined): Promise<void> {
    return this.writes.submit((sql) => setCoverage(sql, bucket, windowMs));
  }

  expireRetainedVersions(nowMs: number): Promise<number> {
    return this.writes.submit((sql) => expireRetained(sql, nowMs));
  }

  snapshotBucketForRecoveryPoint(recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined> {
    return this.writes.submit((sql) => takePoint(sql, recoveryPointId, bucket));
  }

  copyRecoveryPointObjects(fromId: string, toId: string): Promise<RecoveryPointSize> {
    return this.writes.submit((sql) => copyPoint(sql, fromId, toId));
  }

  deleteRecoveryPointObjects(recoveryPointId: string): Promise<void> {
    return this.writes.submit((sql) => deletePoint(sql, recoveryPointId));
  }
}

/** Inside replacePlacement's write: re-points every recovery point's row, and a retained version, of a moved record; whether any was. */
export async function replaceBackupPlacement(sql: Sql, change: PlacementChange, expected: Buffer, replacement: Buffer): Promise<boolean> {
  if (change.uploadId !== undefined) return false;
  const retained = await replaceRetainedPlacement(sql, change.dataId, change.partNumber, expected, replacement);
  const result = change.partNumber !== undefined
    ? await sql.query(BACKUP_READ_SQL.replacePartPlacement, [replacement, change.dataId, change.partNumber, expected])
    : await sql.query(BACKUP_READ_SQL.replaceObjectPlacement, [replacement, change.dataId, expected]);
  return (result.rowCount ?? 0) > 0 || retained;
}
