// Taking and deleting the recovery points of a bucket's chain (backup-schema.ts), each inside one
// write transaction. A chain's rows carry [from_seq, to_seq): a row is kept while some live point's
// sequence lies in its range, or while it is open (valid at the head, the base of the next point).
// Taking a point after the first writes, for each key the triggers noted as changed, at most one
// closed range and one new row: O(changes). Deleting a point frees the rows only it held: between
// its neighbours for a point in the middle; for the head, the chain rewinds to the point before.
import type Database from 'better-sqlite3';
import type { RecoveryPointSize } from '../backup-index.js';
import { OPEN_SEQ, PART_COPY_COLUMNS } from './backup-schema.js';
import { VERSION_PAGE_COLUMNS } from './journal.js';
import type { ObjectRow } from './schema.js';

const PARTS_OF_ROW = `${PART_COPY_COLUMNS.split(', ').map((column) => `p.${column}`).join(', ')}`;

export function prepareChainStatements(db: Database.Database) {
  return {
    bucketExists: db.prepare('SELECT 1 FROM buckets WHERE name = ?').pluck(),
    point: db.prepare('SELECT chain, seq, objects, size_bytes AS sizeBytes, rows_written AS rowsWritten FROM backup_points WHERE recovery_point_id = ?'),
    insertPoint: db.prepare('INSERT INTO backup_points (recovery_point_id, chain, seq, objects, size_bytes, rows_written) VALUES (?, ?, ?, ?, ?, ?)'),
    deletePoint: db.prepare('DELETE FROM backup_points WHERE recovery_point_id = ?'),
    pointsAtSeq: db.prepare('SELECT count(*) FROM backup_points WHERE chain = ? AND seq = ?').pluck(),
    previousPoint: db.prepare('SELECT seq, objects, size_bytes AS sizeBytes FROM backup_points WHERE chain = ? AND seq < ? ORDER BY seq DESC LIMIT 1'),
    nextSeq: db.prepare('SELECT seq FROM backup_points WHERE chain = ? AND seq > ? ORDER BY seq LIMIT 1').pluck(),
    chain: db.prepare('SELECT last_seq AS lastSeq, head_seq AS headSeq, head_objects AS headObjects, head_size_bytes AS headSizeBytes FROM backup_chains WHERE chain = ?'),
    putChain: db.prepare(`INSERT INTO backup_chains (chain, last_seq, head_seq, head_objects, head_size_bytes) VALUES (@chain, @lastSeq, @headSeq, @headObjects, @headSizeBytes)
        ON CONFLICT (chain) DO UPDATE SET last_seq = excluded.last_seq, head_seq = excluded.head_seq, head_objects = excluded.head_objects, head_size_bytes = excluded.head_size_bytes`),
    deleteChain: db.prepare('DELETE FROM backup_chains WHERE chain = ?'),
    bucketTotals: db.prepare('SELECT count(*) AS objects, coalesce(sum(size_bytes), 0) AS sizeBytes FROM objects WHERE bucket = ?'),
    copyBucketRows: db.prepare(`INSERT INTO backup_rows (chain, from_seq, to_seq, ${VERSION_PAGE_COLUMNS})
        SELECT bucket, ?, ${OPEN_SEQ}, ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = ?`),
    copyBucketParts: db.prepare(`INSERT OR IGNORE INTO backup_row_parts (object_data_id, ${PART_COPY_COLUMNS})
        SELECT p.object_data_id, ${PARTS_OF_ROW} FROM object_parts p JOIN objects o ON o.data_id = p.object_data_id WHERE o.bucket = ?`),
    changedKeys: db.prepare('SELECT key FROM backup_changed_keys WHERE chain = ?').pluck(),
    markChanged: db.prepare('INSERT OR IGNORE INTO backup_changed_keys (chain, key) VALUES (?, ?)'),
    clearChanged: db.prepare('DELETE FROM backup_changed_keys WHERE chain = ?'),
    currentVersion: db.prepare(`SELECT ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = ? AND key = ?`),
    openRow: db.prepare(`SELECT from_seq, ${VERSION_PAGE_COLUMNS} FROM backup_rows WHERE chain = ? AND key = ? AND to_seq = ${OPEN_SEQ}`),
    closeRow: db.prepare('UPDATE backup_rows SET to_seq = ? WHERE chain = ? AND key = ? AND from_seq = ?'),
    copyVersionRow: db.prepare(`INSERT INTO backup_rows (chain, from_seq, to_seq, ${VERSION_PAGE_COLUMNS})
        SELECT bucket, ?, ${OPEN_SEQ}, ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = ? AND key = ?`),
    copyVersionParts: db.prepare(`INSERT OR IGNORE INTO backup_row_parts (object_data_id, ${PART_COPY_COLUMNS})
        SELECT object_data_id, ${PART_COPY_COLUMNS} FROM object_parts WHERE object_data_id = ?`),
    rowsEndingIn: db.prepare('SELECT key, from_seq, data_id, parts_count FROM backup_rows WHERE chain = ? AND to_seq > ? AND to_seq <= ? AND from_seq > ?'),
    rowsStartingAfter: db.prepare('SELECT key, from_seq, data_id, parts_count FROM backup_rows WHERE chain = ? AND from_seq > ?'),
    rowsClosedAfter: db.prepare(`SELECT key FROM backup_rows WHERE chain = ? AND to_seq > ? AND to_seq < ${OPEN_SEQ}`).pluck(),
    reopenRowsClosedAfter: db.prepare(`UPDATE backup_rows SET to_seq = ${OPEN_SEQ} WHERE chain = ? AND to_seq > ? AND to_seq < ${OPEN_SEQ}`),
    deleteRow: db.prepare('DELETE FROM backup_rows WHERE chain = ? AND key = ? AND from_seq = ?'),
    chainRowsWithParts: db.prepare('SELECT DISTINCT data_id FROM backup_rows WHERE chain = ? AND parts_count > 0').pluck(),
    deleteChainRows: db.prepare('DELETE FROM backup_rows WHERE chain = ?'),
    freeParts: db.prepare('DELETE FROM backup_row_parts WHERE object_data_id = ? AND NOT EXISTS (SELECT 1 FROM backup_rows WHERE data_id = ?)'),
  };
}

export type ChainStatements = ReturnType<typeof prepareChainStatements>;

interface ChainRow {
  lastSeq: number;
  headSeq: number;
  headObjects: number;
  headSizeBytes: number;
}

type PointRow = RecoveryPointSize & { chain: string; seq: number };

interface RangeRow {
  key: string;
  from_seq: number;
  data_id: string;
  parts_count: number;
}

/** Whether two rows hold the same version with the same metadata (placement aside: compaction re-points both alike). */
function sameVersion(current: ObjectRow, open: ObjectRow): boolean {
  for (const column of Object.keys(current) as Array<keyof ObjectRow>) {
    if (column !== 'placement' && current[column] !== open[column]) return false;
  }
  return true;
}

/** Records a new point of `bucket`'s chain (see BackupWrites.snapshotBucketForRecoveryPoint). */
export function takePoint(statements: ChainStatements, recoveryPointId: string, bucket: string): RecoveryPointSize | undefined {
  const existing = statements.point.get(recoveryPointId) as PointRow | undefined;
  if (existing !== undefined) return { objects: existing.objects, sizeBytes: existing.sizeBytes, rowsWritten: existing.rowsWritten };
  if (statements.bucketExists.get(bucket) === undefined) return undefined;
  const chain = statements.chain.get(bucket) as ChainRow | undefined;
  const seq = (chain?.lastSeq ?? 0) + 1;
  const size = chain === undefined ? firstPoint(statements, bucket, seq) : nextPoint(statements, bucket, seq, chain);
  statements.clearChanged.run(bucket);
  statements.putChain.run({ chain: bucket, lastSeq: seq, headSeq: seq, headObjects: size.objects, headSizeBytes: size.sizeBytes });
  statements.insertPoint.run(recoveryPointId, bucket, seq, size.objects, size.sizeBytes, size.rowsWritten);
  return size;
}

/** The first point of a chain: one row per current version of the bucket. */
function firstPoint(statements: ChainStatements, bucket: string, seq: number): RecoveryPointSize {
  const rowsWritten = statements.copyBucketRows.run(seq, bucket).changes + statements.copyBucketParts.run(bucket).changes;
  const totals = statements.bucketTotals.get(bucket) as { objects: number; sizeBytes: number };
  return { objects: totals.objects, sizeBytes: totals.sizeBytes, rowsWritten };
}

/** A later point: for each changed key, close the head's row and open the current version's, unless they are the same. */
function nextPoint(statements: ChainStatements, bucket: string, seq: number, chain: ChainRow): RecoveryPointSize {
  let objects = chain.headObjects;
  let sizeBytes = chain.headSizeBytes;
  let rowsWritten = 0;
  for (const key of statements.changedKeys.all(bucket) as string[]) {
    const current = statements.currentVersion.get(bucket, key) as ObjectRow | undefined;
    const open = statements.openRow.get(bucket, key) as (ObjectRow & { from_seq: number }) | undefined;
    if (current !== undefined && open !== undefined) {
      const { from_seq: _fromSeq, ...openVersion } = open;
      if (sameVersion(current, openVersion)) continue;
    }
    if (open !== undefined) {
      statements.closeRow.run(seq, bucket, key, open.from_seq);
      objects -= 1;
      sizeBytes -= open.size_bytes;
      rowsWritten += 1;
    }
    if (current !== undefined) {
      statements.copyVersionRow.run(seq, bucket, key);
      if (current.parts_count > 0) rowsWritten += statements.copyVersionParts.run(current.data_id).changes;
      objects += 1;
      sizeBytes += current.size_bytes;
      rowsWritten += 1;
    }
  }
  return { objects, sizeBytes, rowsWritten };
}

/** Forgets a point (see BackupWrites.deleteRecoveryPointObjects). */
export function deletePoint(statements: ChainStatements, recoveryPointId: string): void {
  const point = statements.point.get(recoveryPointId) as PointRow | undefined;
  if (point === undefined) return;
  statements.deletePoint.run(recoveryPointId);
  // A copy to another vault of this server is another point at the same sequence: the rows stay.
  if ((statements.pointsAtSeq.get(point.chain, point.seq) as number) > 0) return;
  const previous = statements.previousPoint.get(point.chain, point.seq) as { seq: number; objects: number; sizeBytes: number } | undefined;
  const nextSeq = statements.nextSeq.get(point.chain, point.seq) as number | undefined;
  if (nextSeq !== undefined) {
    // Rows that ended after this point and by the next live one, and began after the previous live one: no live point holds them.
    removeRows(statements, point.chain, statements.rowsEndingIn.all(point.chain, point.seq, nextSeq, previous?.seq ?? 0) as RangeRow[]);
  } else if (previous !== undefined) {
    rewindHead(statements, point.chain, previous);
  } else {
    dropChain(statements, point.chain);
  }
}

/** The head point is gone: the head becomes the point before it, and every key that differs between them is a change again. */
function rewindHead(statements: ChainStatements, chain: string, previous: { seq: number; objects: number; sizeBytes: number }): void {
  const started = statements.rowsStartingAfter.all(chain, previous.seq) as RangeRow[];
  for (const key of statements.rowsClosedAfter.all(chain, previous.seq) as string[]) statements.markChanged.run(chain, key);
  for (const row of started) statements.markChanged.run(chain, row.key);
  removeRows(statements, chain, started);
  statements.reopenRowsClosedAfter.run(chain, previous.seq);
  const state = statements.chain.get(chain) as ChainRow;
  statements.putChain.run({ chain, lastSeq: state.lastSeq, headSeq: previous.seq, headObjects: previous.objects, headSizeBytes: previous.sizeBytes });
}

/** The last point of a chain is gone: its rows, parts and changed keys go, and the next point of the bucket is a full one. */
function dropChain(statements: ChainStatements, chain: string): void {
  const withParts = statements.chainRowsWithParts.all(chain) as string[];
  statements.deleteChainRows.run(chain);
  for (const dataId of withParts) statements.freeParts.run(dataId, dataId);
  statements.clearChanged.run(chain);
  statements.deleteChain.run(chain);
}

function removeRows(statements: ChainStatements, chain: string, rows: RangeRow[]): void {
  for (const row of rows) statements.deleteRow.run(chain, row.key, row.from_seq);
  for (const row of rows) if (row.parts_count > 0) statements.freeParts.run(row.data_id, row.data_id);
}
