// Taking and deleting the recovery points of a bucket's chain on PostgreSQL: the async twin of
// sqlite/backup-chain.ts (whose comments say why each step is so), run inside one write of group
// commit, so the writes every front end makes apply one transaction at a time and a chain never sees
// two takers at once. A row is kept while some live point's sequence lies in its [from_seq, to_seq),
// or while it is open; taking a point after the first writes O(changes) rows.
import type { RecoveryPointSize } from '../backup-index.js';
import { PART_COPY_COLUMNS } from '../sqlite/backup-schema.js';
import { VERSION_PAGE_COLUMNS } from '../sqlite/journal.js';
import { OPEN_SEQ, TRACKED_COLUMNS } from './backup-schema.js';
import type { Sql } from './connection.js';

/** `columns` (a comma-separated list) each qualified by `alias`. */
const qualified = (columns: string, alias: string): string => columns.split(',').map((column) => `${alias}.${column.trim()}`).join(', ');
const PARTS_OF_ROW = qualified(PART_COPY_COLUMNS, 'p');

export const CHAIN_SQL = {
  bucketExists: 'SELECT 1 FROM buckets WHERE name = $1',
  point: 'SELECT chain, seq, objects, size_bytes AS "sizeBytes", rows_written AS "rowsWritten" FROM backup_points WHERE recovery_point_id = $1',
  insertPoint: 'INSERT INTO backup_points (recovery_point_id, chain, seq, objects, size_bytes, rows_written) VALUES ($1, $2, $3, $4, $5, $6)',
  deletePoint: 'DELETE FROM backup_points WHERE recovery_point_id = $1',
  pointsAtSeq: 'SELECT count(*)::integer AS count FROM backup_points WHERE chain = $1 AND seq = $2',
  previousPoint: 'SELECT seq, objects, size_bytes AS "sizeBytes" FROM backup_points WHERE chain = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1',
  nextSeq: 'SELECT seq FROM backup_points WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT 1',
  chain: 'SELECT last_seq AS "lastSeq", head_seq AS "headSeq", head_objects AS "headObjects", head_size_bytes AS "headSizeBytes" FROM backup_chains WHERE chain = $1',
  putChain: `INSERT INTO backup_chains (chain, last_seq, head_seq, head_objects, head_size_bytes) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (chain) DO UPDATE SET last_seq = excluded.last_seq, head_seq = excluded.head_seq, head_objects = excluded.head_objects,
        head_size_bytes = excluded.head_size_bytes`,
  deleteChain: 'DELETE FROM backup_chains WHERE chain = $1',
  bucketTotals: 'SELECT count(*)::bigint AS objects, coalesce(sum(size_bytes), 0)::bigint AS "sizeBytes" FROM objects WHERE bucket = $1',
  copyBucketRows: `INSERT INTO backup_rows (chain, from_seq, to_seq, ${VERSION_PAGE_COLUMNS})
      SELECT bucket, $1::bigint, ${OPEN_SEQ}, ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = $2`,
  copyBucketParts: `INSERT INTO backup_row_parts (object_data_id, ${PART_COPY_COLUMNS})
      SELECT p.object_data_id, ${PARTS_OF_ROW} FROM object_parts p JOIN objects o ON o.data_id = p.object_data_id WHERE o.bucket = $1
      ON CONFLICT DO NOTHING`,
  markChanged: 'INSERT INTO backup_changed_keys (chain, key) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  clearChanged: 'DELETE FROM backup_changed_keys WHERE chain = $1',
  changedKeys: 'SELECT key FROM backup_changed_keys WHERE chain = $1',
  // A later point in four statements, whatever the number of changes (each round trip counts on a
  // remote database): the changed keys; close the open row of each whose current version differs (or
  // is gone); open a row for each one's current version that has no open row now; copy its parts.
  // The keys are an array so the plan looks each up by primary key, whatever the statistics say.
  closeChanged: `UPDATE backup_rows r SET to_seq = $1
      WHERE r.chain = $2 AND r.key = ANY($3::text[]) AND r.to_seq = ${OPEN_SEQ}
        AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket = $2 AND o.key = r.key
          AND (${qualified(TRACKED_COLUMNS, 'o')}) IS NOT DISTINCT FROM (${qualified(TRACKED_COLUMNS, 'r')}))
      RETURNING r.size_bytes`,
  openChanged: `INSERT INTO backup_rows (chain, from_seq, to_seq, ${VERSION_PAGE_COLUMNS})
      SELECT o.bucket, $1::bigint, ${OPEN_SEQ}, ${qualified(VERSION_PAGE_COLUMNS, 'o')} FROM objects o
      WHERE o.bucket = $2 AND o.key = ANY($3::text[])
        AND NOT EXISTS (SELECT 1 FROM backup_rows r WHERE r.chain = $2 AND r.key = o.key AND r.to_seq = ${OPEN_SEQ})
      RETURNING size_bytes, parts_count, data_id`,
  copyPartsOf: `INSERT INTO backup_row_parts (object_data_id, ${PART_COPY_COLUMNS})
      SELECT object_data_id, ${PART_COPY_COLUMNS} FROM object_parts WHERE object_data_id = ANY($1::text[]) ON CONFLICT DO NOTHING`,
  rowsEndingIn: 'SELECT key, from_seq, data_id, parts_count FROM backup_rows WHERE chain = $1 AND to_seq > $2 AND to_seq <= $3 AND from_seq > $4',
  rowsStartingAfter: 'SELECT key, from_seq, data_id, parts_count FROM backup_rows WHERE chain = $1 AND from_seq > $2',
  rowsClosedAfter: `SELECT key FROM backup_rows WHERE chain = $1 AND to_seq > $2 AND to_seq < ${OPEN_SEQ}`,
  reopenRowsClosedAfter: `UPDATE backup_rows SET to_seq = ${OPEN_SEQ} WHERE chain = $1 AND to_seq > $2 AND to_seq < ${OPEN_SEQ}`,
  deleteRow: 'DELETE FROM backup_rows WHERE chain = $1 AND key = $2 AND from_seq = $3',
  chainRowsWithParts: 'SELECT DISTINCT data_id FROM backup_rows WHERE chain = $1 AND parts_count > 0',
  deleteChainRows: 'DELETE FROM backup_rows WHERE chain = $1',
  freeParts: 'DELETE FROM backup_row_parts WHERE object_data_id = $1 AND NOT EXISTS (SELECT 1 FROM backup_rows WHERE data_id = $1)',
} as const;

interface ChainRow {
  lastSeq: number;
  headSeq: number;
  headObjects: number;
  headSizeBytes: number;
}

export type PointRow = RecoveryPointSize & { chain: string; seq: number };

interface RangeRow {
  key: string;
  from_seq: number;
  data_id: string;
  parts_count: number;
}

interface PreviousPoint {
  seq: number;
  objects: number;
  sizeBytes: number;
}

async function one<Row extends object>(sql: Sql, text: string, values: unknown[]): Promise<Row | undefined> {
  return (await sql.query<Row>(text, values)).rows[0];
}

async function run(sql: Sql, text: string, values: unknown[]): Promise<number> {
  return (await sql.query(text, values)).rowCount ?? 0;
}

export function pointOf(sql: Sql, recoveryPointId: string): Promise<PointRow | undefined> {
  return one<PointRow>(sql, CHAIN_SQL.point, [recoveryPointId]);
}

/** Records a new point of `bucket`'s chain (see BackupWrites.snapshotBucketForRecoveryPoint). */
export async function takePoint(sql: Sql, recoveryPointId: string, bucket: string): Promise<RecoveryPointSize | undefined> {
  const existing = await pointOf(sql, recoveryPointId);
  if (existing !== undefined) return { objects: existing.objects, sizeBytes: existing.sizeBytes, rowsWritten: existing.rowsWritten };
  if (await one(sql, CHAIN_SQL.bucketExists, [bucket]) === undefined) return undefined;
  const chain = await one<ChainRow>(sql, CHAIN_SQL.chain, [bucket]);
  const seq = (chain?.lastSeq ?? 0) + 1;
  const size = chain === undefined ? await firstPoint(sql, bucket, seq) : await nextPoint(sql, bucket, seq, chain);
  await run(sql, CHAIN_SQL.clearChanged, [bucket]);
  await run(sql, CHAIN_SQL.putChain, [bucket, seq, seq, size.objects, size.sizeBytes]);
  await run(sql, CHAIN_SQL.insertPoint, [recoveryPointId, bucket, seq, size.objects, size.sizeBytes, size.rowsWritten]);
  return size;
}

/** The first point of a chain: one row per current version of the bucket. */
async function firstPoint(sql: Sql, bucket: string, seq: number): Promise<RecoveryPointSize> {
  const rowsWritten = await run(sql, CHAIN_SQL.copyBucketRows, [seq, bucket]) + await run(sql, CHAIN_SQL.copyBucketParts, [bucket]);
  const totals = (await one<{ objects: number; sizeBytes: number }>(sql, CHAIN_SQL.bucketTotals, [bucket]))!;
  return { objects: totals.objects, sizeBytes: totals.sizeBytes, rowsWritten };
}

/** A later point: for each changed key, close the head's row and open the current version's, unless they are the same version with the same metadata. */
async function nextPoint(sql: Sql, bucket: string, seq: number, chain: ChainRow): Promise<RecoveryPointSize> {
  const keys = (await sql.query<{ key: string }>(CHAIN_SQL.changedKeys, [bucket])).rows.map((row) => row.key);
  if (keys.length === 0) return { objects: chain.headObjects, sizeBytes: chain.headSizeBytes, rowsWritten: 0 };
  const closed = (await sql.query<{ size_bytes: number }>(CHAIN_SQL.closeChanged, [seq, bucket, keys])).rows;
  const opened = (await sql.query<{ size_bytes: number; parts_count: number; data_id: string }>(CHAIN_SQL.openChanged, [seq, bucket, keys])).rows;
  const withParts = opened.filter((row) => row.parts_count > 0).map((row) => row.data_id);
  const partsWritten = withParts.length === 0 ? 0 : await run(sql, CHAIN_SQL.copyPartsOf, [withParts]);
  const sum = (rows: Array<{ size_bytes: number }>) => rows.reduce((total, row) => total + row.size_bytes, 0);
  return {
    objects: chain.headObjects - closed.length + opened.length,
    sizeBytes: chain.headSizeBytes - sum(closed) + sum(opened),
    rowsWritten: closed.length + opened.length + partsWritten,
  };
}

/** Makes `toId` one more point at `fromId`'s sequence of the same chain (a copy to another vault): it shares every row. */
export async function copyPoint(sql: Sql, fromId: string, toId: string): Promise<RecoveryPointSize> {
  const existing = await pointOf(sql, toId);
  if (existing !== undefined) return { objects: existing.objects, sizeBytes: existing.sizeBytes, rowsWritten: 0 };
  const source = await pointOf(sql, fromId);
  if (source === undefined) return { objects: 0, sizeBytes: 0, rowsWritten: 0 };
  await run(sql, CHAIN_SQL.insertPoint, [toId, source.chain, source.seq, source.objects, source.sizeBytes, 0]);
  return { objects: source.objects, sizeBytes: source.sizeBytes, rowsWritten: 0 };
}

/** Forgets a point (see BackupWrites.deleteRecoveryPointObjects). */
export async function deletePoint(sql: Sql, recoveryPointId: string): Promise<void> {
  const point = await pointOf(sql, recoveryPointId);
  if (point === undefined) return;
  await run(sql, CHAIN_SQL.deletePoint, [recoveryPointId]);
  // A copy to another vault of this server is another point at the same sequence: the rows stay.
  if ((await one<{ count: number }>(sql, CHAIN_SQL.pointsAtSeq, [point.chain, point.seq]))!.count > 0) return;
  const previous = await one<PreviousPoint>(sql, CHAIN_SQL.previousPoint, [point.chain, point.seq]);
  const next = await one<{ seq: number }>(sql, CHAIN_SQL.nextSeq, [point.chain, point.seq]);
  if (next !== undefined) {
    // Rows that ended after this point and by the next live one, and began after the previous live one: no live point holds them.
    const rows = (await sql.query<RangeRow>(CHAIN_SQL.rowsEndingIn, [point.chain, point.seq, next.seq, previous?.seq ?? 0])).rows;
    await removeRows(sql, point.chain, rows);
  } else if (previous !== undefined) {
    await rewindHead(sql, point.chain, previous);
  } else {
    await dropChain(sql, point.chain);
  }
}

/** The head point is gone: the head becomes the point before it, and every key that differs between them is a change again. */
async function rewindHead(sql: Sql, chain: string, previous: PreviousPoint): Promise<void> {
  const started = (await sql.query<RangeRow>(CHAIN_SQL.rowsStartingAfter, [chain, previous.seq])).rows;
  for (const { key } of (await sql.query<{ key: string }>(CHAIN_SQL.rowsClosedAfter, [chain, previous.seq])).rows) await run(sql, CHAIN_SQL.markChanged, [chain, key]);
  for (const row of started) await run(sql, CHAIN_SQL.markChanged, [chain, row.key]);
  await removeRows(sql, chain, started);
  await run(sql, CHAIN_SQL.reopenRowsClosedAfter, [chain, previous.seq]);
  const state = (await one<ChainRow>(sql, CHAIN_SQL.chain, [chain]))!;
  await run(sql, CHAIN_SQL.putChain, [chain, state.lastSeq, previous.seq, previous.objects, previous.sizeBytes]);
}

/** The last point of a chain is gone: its rows, parts and changed keys go, and the next point of the bucket is a full one. */
async function dropChain(sql: Sql, chain: string): Promise<void> {
  const withParts = (await sql.query<{ data_id: string }>(CHAIN_SQL.chainRowsWithParts, [chain])).rows;
  await run(sql, CHAIN_SQL.deleteChainRows, [chain]);
  for (const { data_id: dataId } of withParts) await run(sql, CHAIN_SQL.freeParts, [dataId]);
  await run(sql, CHAIN_SQL.clearChanged, [chain]);
  await run(sql, CHAIN_SQL.deleteChain, [chain]);
}

async function removeRows(sql: Sql, chain: string, rows: RangeRow[]): Promise<void> {
  for (const row of rows) await run(sql, CHAIN_SQL.deleteRow, [chain, row.key, row.from_seq]);
  for (const row of rows) if (row.parts_count > 0) await run(sql, CHAIN_SQL.freeParts, [row.data_id]);
}
