// Versions a continuous backup keeps after they were deleted for good, on PostgreSQL: the twin of
// sqlite/retained-versions.ts. While a bucket has a continuous recovery point
// (backup_continuous_buckets, with its window), the versioning rules hand each discarded version
// (and delete marker) to retainVersion in the delete's own transaction, so a point-in-time restore to
// a time before the delete still finds it; expire() frees rows older than the window, and compaction
// counts their placements live meanwhile (placements.ts).
import type { RetainedVersion } from '../backup-index.js';
import { PART_COPY_COLUMNS } from '../sqlite/backup-schema.js';
import { VERSION_PAGE_COLUMNS } from '../sqlite/journal.js';
import { objectFromRow, partFromRow, type ObjectRow, type PartRow } from '../sqlite/schema.js';
import type { ObjectRecord } from '../types.js';
import type { Sql } from './connection.js';
import { objectValues } from './statements.js';

/** Rows a sweep frees per statement, so one sweep's transaction stays short (as on SQLite). */
const EXPIRE_ROWS_PER_SWEEP_MAX = 10_000;

/** The PostgreSQL types of objectValues' columns, in its order: a parameter in a SELECT list needs its type said. */
const VERSION_VALUE_TYPES = ['text', 'text', 'text', 'text', 'bigint', 'text', 'bigint', 'text', 'text', 'text', 'text', 'bytea', 'integer',
  'text', 'text', 'bigint', 'text', 'text'];
const VERSION_VALUES = VERSION_VALUE_TYPES.map((type, index) => `$${index + 1}::${type}`).join(', ');
const MARKER_PARAMETER = VERSION_VALUE_TYPES.length + 1;

const RETAINED_SQL = {
  // One statement whether or not the bucket is covered: a discard in a bucket without continuous backup costs one round trip.
  retain: `INSERT INTO backup_retained_versions (${VERSION_PAGE_COLUMNS}, is_delete_marker, deleted_ms)
      SELECT ${VERSION_VALUES}, $${MARKER_PARAMETER}::integer, $${MARKER_PARAMETER + 1}::bigint
      WHERE EXISTS (SELECT 1 FROM backup_continuous_buckets WHERE bucket = $1::text) ON CONFLICT DO NOTHING`,
  retainParts: `INSERT INTO backup_retained_parts (object_data_id, ${PART_COPY_COLUMNS})
      SELECT object_data_id, ${PART_COPY_COLUMNS} FROM object_parts WHERE object_data_id = $1 ON CONFLICT DO NOTHING`,
  page: `SELECT ${VERSION_PAGE_COLUMNS}, is_delete_marker, deleted_ms FROM backup_retained_versions WHERE bucket = $1
      AND (key > $2 OR (key = $2 AND data_id < $3)) ORDER BY key, data_id DESC LIMIT $4`,
  parts: `SELECT ${PART_COPY_COLUMNS} FROM backup_retained_parts WHERE object_data_id = $1 ORDER BY part_number`,
  setCovered: 'INSERT INTO backup_continuous_buckets (bucket, window_ms) VALUES ($1, $2) ON CONFLICT (bucket) DO UPDATE SET window_ms = excluded.window_ms',
  unsetCovered: 'DELETE FROM backup_continuous_buckets WHERE bucket = $1',
  expire: `DELETE FROM backup_retained_versions WHERE (bucket, key, data_id) IN (
        SELECT r.bucket, r.key, r.data_id FROM backup_retained_versions r LEFT JOIN backup_continuous_buckets c ON c.bucket = r.bucket
        WHERE c.bucket IS NULL OR r.deleted_ms <= $1 - c.window_ms LIMIT ${EXPIRE_ROWS_PER_SWEEP_MAX})
      RETURNING data_id, parts_count`,
  deleteParts: 'DELETE FROM backup_retained_parts WHERE object_data_id = ANY($1::text[])',
  replaceObjectPlacement: 'UPDATE backup_retained_versions SET placement = $1 WHERE data_id = $2 AND placement = $3',
  replacePartPlacement: 'UPDATE backup_retained_parts SET placement = $1 WHERE object_data_id = $2 AND part_number = $3 AND placement = $4',
} as const;

/** Inside a delete's write, before the version's rows and parts go: keeps it when a continuous backup covers its bucket. */
export async function retainVersion(sql: Sql, object: ObjectRecord, isDeleteMarker: boolean, nowMs: number): Promise<void> {
  const kept = (await sql.query(RETAINED_SQL.retain, [...objectValues(object), isDeleteMarker ? 1 : 0, nowMs])).rowCount ?? 0;
  if (kept > 0 && !isDeleteMarker && (object.parts?.length ?? 0) > 0) await sql.query(RETAINED_SQL.retainParts, [object.dataId]);
}

/** A bucket's retained versions, keys ascending and each key's newest first, after (afterKey, afterDataId). */
export async function listRetained(sql: Sql, bucket: string, afterKey: string, afterDataId: string, limit: number): Promise<RetainedVersion[]> {
  type Row = ObjectRow & { is_delete_marker: number; deleted_ms: number };
  const { rows } = await sql.query<Row>(RETAINED_SQL.page, [bucket, afterKey, afterDataId, limit]);
  const versions: RetainedVersion[] = [];
  for (const row of rows) {
    const parts = row.parts_count === 0 || row.is_delete_marker === 1 ? undefined
      : (await sql.query<PartRow>(RETAINED_SQL.parts, [row.data_id])).rows.map(partFromRow);
    versions.push({ ...objectFromRow(row, parts), isDeleteMarker: row.is_delete_marker === 1, deletedMs: row.deleted_ms });
  }
  return versions;
}

export async function setCoverage(sql: Sql, bucket: string, windowMs: number | undefined): Promise<void> {
  if (windowMs === undefined) await sql.query(RETAINED_SQL.unsetCovered, [bucket]);
  else await sql.query(RETAINED_SQL.setCovered, [bucket, windowMs]);
}

/** Frees retained versions older than their bucket's window, or of a bucket no continuous backup covers; how many. */
export async function expireRetained(sql: Sql, nowMs: number): Promise<number> {
  const { rows } = await sql.query<{ data_id: string; parts_count: number }>(RETAINED_SQL.expire, [nowMs]);
  const withParts = rows.filter((row) => row.parts_count > 0).map((row) => row.data_id);
  if (withParts.length > 0) await sql.query(RETAINED_SQL.deleteParts, [withParts]);
  return rows.length;
}

/** Inside replacePlacement's write: re-points a retained copy of a moved record; whether any was. */
export async function replaceRetainedPlacement(sql: Sql, dataId: string, partNumber: number | undefined, expected: Buffer, replacement: Buffer): Promise<boolean> {
  const result = partNumber !== undefined
    ? await sql.query(RETAINED_SQL.replacePartPlacement, [replacement, dataId, partNumber, expected])
    : await sql.query(RETAINED_SQL.replaceObjectPlacement, [replacement, dataId, expected]);
  return (result.rowCount ?? 0) > 0;
}
