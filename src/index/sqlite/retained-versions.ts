// Versions a continuous backup keeps after they were deleted for good (DeleteObject with a version id,
// lifecycle's noncurrent expiry, a suspended bucket's replaced 'null' version): while a bucket has a
// continuous recovery point (backup_continuous_buckets, with its window), the versioning rules hand
// each discarded version (and delete marker) here in the delete's own transaction, so a
// point-in-time restore to a time before the delete still finds it. Rows older than the window are
// freed by expire(); compaction counts their placements live meanwhile.
import type Database from 'better-sqlite3';
import type { RetainedVersion } from '../backup-index.js';
import type { ObjectRecord } from '../records.js';
import { PART_COPY_COLUMNS } from './backup-schema.js';
import { objectFromRow, objectToParameters, partFromRow, PART_COLUMNS, VERSION_CONTENT_COLUMNS, type ObjectRow, type PartRow } from './schema.js';

/** Migration 15 (with backup-schema.ts): the buckets a continuous backup covers, and the versions it keeps after their deletion. */
export const RETAINED_VERSIONS_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS backup_continuous_buckets (
  bucket TEXT PRIMARY KEY,
  window_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS backup_retained_versions (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  data_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  is_delete_marker INTEGER NOT NULL,
  deleted_ms INTEGER NOT NULL,
  ${VERSION_CONTENT_COLUMNS},
  acl_json TEXT,
  PRIMARY KEY (bucket, key, data_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_retained_by_deletion ON backup_retained_versions (deleted_ms);
CREATE TABLE IF NOT EXISTS backup_retained_parts (
  object_data_id TEXT NOT NULL,
  ${PART_COLUMNS},
  PRIMARY KEY (object_data_id, part_number)
) WITHOUT ROWID;
`;

const RETAINED_COLUMNS = `bucket, key, data_id, version_id, is_delete_marker, deleted_ms, size_bytes, etag, last_modified_ms, storage_class,
  headers_json, user_metadata_json, checksum_json, placement, parts_count, tags_json, lock_mode, lock_retain_until_ms, legal_hold, acl_json`;

/** Rows a sweep frees per statement, so one sweep's transaction stays short. */
const EXPIRE_ROWS_PER_SWEEP_MAX = 10_000;

export class RetainedVersions {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      covered: db.prepare('SELECT 1 FROM backup_continuous_buckets WHERE bucket = ?').pluck(),
      insert: db.prepare(`INSERT OR IGNORE INTO backup_retained_versions (${RETAINED_COLUMNS})
        VALUES (@bucket, @key, @dataId, @versionId, @isDeleteMarker, @deletedMs, @sizeBytes, @etag, @lastModifiedMs, @storageClass,
          @headersJson, @userMetadataJson, @checksumJson, @placement, @partsCount, @tagsJson, @lockMode, @lockRetainUntilMs, @legalHold, @aclJson)`),
      insertParts: db.prepare(`INSERT OR IGNORE INTO backup_retained_parts (object_data_id, ${PART_COPY_COLUMNS})
        SELECT object_data_id, ${PART_COPY_COLUMNS} FROM object_parts WHERE object_data_id = ?`),
      page: db.prepare(`SELECT ${RETAINED_COLUMNS} FROM backup_retained_versions WHERE bucket = @bucket
        AND (key > @afterKey OR (key = @afterKey AND data_id < @afterDataId)) ORDER BY key, data_id DESC LIMIT @limit`),
      parts: db.prepare(`SELECT ${PART_COPY_COLUMNS} FROM backup_retained_parts WHERE object_data_id = ? ORDER BY part_number`),
      setCovered: db.prepare('INSERT INTO backup_continuous_buckets (bucket, window_ms) VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET window_ms = excluded.window_ms'),
      unsetCovered: db.prepare('DELETE FROM backup_continuous_buckets WHERE bucket = ?'),
      expired: db.prepare(`SELECT r.bucket, r.key, r.data_id, r.parts_count FROM backup_retained_versions r
        LEFT JOIN backup_continuous_buckets c ON c.bucket = r.bucket WHERE c.bucket IS NULL OR r.deleted_ms <= @nowMs - c.window_ms LIMIT ${EXPIRE_ROWS_PER_SWEEP_MAX}`),
      deleteRow: db.prepare('DELETE FROM backup_retained_versions WHERE bucket = ? AND key = ? AND data_id = ?'),
      deleteParts: db.prepare('DELETE FROM backup_retained_parts WHERE object_data_id = ?'),
      replaceObjectPlacement: db.prepare('UPDATE backup_retained_versions SET placement = ? WHERE data_id = ? AND placement = ?'),
      replacePartPlacement: db.prepare('UPDATE backup_retained_parts SET placement = ? WHERE object_data_id = ? AND part_number = ? AND placement = ?'),
    };
  }

  /** Inside a delete's write, before the version's rows and parts go: keeps it when a continuous backup covers its bucket. */
  retain(object: ObjectRecord, isDeleteMarker: boolean, nowMs: number): void {
    if (this.statements.covered.get(object.bucket) === undefined) return;
    this.statements.insert.run({ ...objectToParameters(object), isDeleteMarker: isDeleteMarker ? 1 : 0, deletedMs: nowMs });
    if (!isDeleteMarker && (object.parts?.length ?? 0) > 0) this.statements.insertParts.run(object.dataId);
  }

  /** A bucket's retained versions, keys ascending and each key's newest first, after (afterKey, afterDataId). */
  list(bucket: string, afterKey: string, afterDataId: string, limit: number): RetainedVersion[] {
    const rows = this.statements.page.all({ bucket, afterKey, afterDataId, limit }) as Array<ObjectRow & { is_delete_marker: number; deleted_ms: number }>;
    return rows.map((row) => {
      const parts = row.parts_count === 0 || row.is_delete_marker === 1 ? undefined : (this.statements.parts.all(row.data_id) as PartRow[]).map(partFromRow);
      return { ...objectFromRow(row, parts), isDeleteMarker: row.is_delete_marker === 1, deletedMs: row.deleted_ms };
    });
  }

  setCoverage(bucket: string, windowMs: number | undefined): void {
    if (windowMs === undefined) this.statements.unsetCovered.run(bucket);
    else this.statements.setCovered.run(bucket, windowMs);
  }

  /** Frees retained versions older than their bucket's window, or of a bucket no continuous backup covers; how many. */
  expire(nowMs: number): number {
    const rows = this.statements.expired.all({ nowMs }) as Array<{ bucket: string; key: string; data_id: string; parts_count: number }>;
    for (const row of rows) {
      this.statements.deleteRow.run(row.bucket, row.key, row.data_id);
      if (row.parts_count > 0) this.statements.deleteParts.run(row.data_id);
    }
    return rows.length;
  }

  /** Inside replacePlacement's write: re-points a retained copy of a moved record; whether any was. */
  replacePlacement(dataId: string, partNumber: number | undefined, expected: Buffer, replacement: Buffer): boolean {
    if (partNumber !== undefined) return this.statements.replacePartPlacement.run(replacement, dataId, partNumber, expected).changes > 0;
    return this.statements.replaceObjectPlacement.run(replacement, dataId, expected).changes > 0;
  }
}
