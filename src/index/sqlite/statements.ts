// Every prepared statement of the SQLite index, prepared once per connection.
import type Database from 'better-sqlite3';
import type { ObjectSummary } from '../object-index.js';
import { writeContextSql } from '../change-observers.js';

/**
 * Versions of keys in [from, to), after the cursor (key, data id) in (key ascending, data id
 * descending) order: the live versions from objects and the rest from object_versions.
 */
function versionScanSql(bounded: boolean): string {
  const range = `bucket = @bucket AND key >= @from${bounded ? ' AND key < @to' : ''}`;
  const columns = 'key, version_id, data_id, size_bytes, etag, last_modified_ms, storage_class';
  return `SELECT key, version_id AS versionId, data_id AS dataId, is_latest AS isLatest, is_delete_marker AS isDeleteMarker,
      size_bytes AS sizeBytes, etag, last_modified_ms AS lastModifiedMs, storage_class AS storageClass
    FROM (SELECT ${columns}, 1 AS is_latest, 0 AS is_delete_marker FROM objects WHERE ${range}
          UNION ALL SELECT ${columns}, is_latest, is_delete_marker FROM object_versions WHERE ${range})
    WHERE key > @afterKey OR (key = @afterKey AND data_id < @afterDataId)
    ORDER BY key, data_id DESC LIMIT @limit`;
}

/**
 * Versions for background scans (ScanVersionsQuery): keys descending, each key newest first. Both
 * tables' primary keys deliver that order when read backwards, so SQLite merges the two scans
 * without a sort and a batch costs O(batch) wherever it starts. With a cursor, the row-value bound
 * is the range's upper end (an explicit `key < @to` there could be chosen instead, and rescanned).
 */
function versionBackgroundScanSql(upperBound: 'none' | 'key' | 'cursor'): string {
  const bound = upperBound === 'key' ? ' AND key < @to' : upperBound === 'cursor' ? ' AND (key, data_id) < (@afterKey, @afterDataId)' : '';
  const range = `bucket = @bucket AND key >= @from${bound}`;
  const columns = `key, version_id AS versionId, data_id AS dataId, size_bytes AS sizeBytes, last_modified_ms AS lastModifiedMs,
    storage_class AS storageClass, tags_json AS tagsJson`;
  return `SELECT ${columns}, 1 AS isLatest, 0 AS isDeleteMarker FROM objects WHERE ${range}
    UNION ALL SELECT ${columns}, is_latest AS isLatest, is_delete_marker AS isDeleteMarker FROM object_versions WHERE ${range}
    ORDER BY key DESC, dataId DESC LIMIT @limit`;
}

/**
 * The columns of a listing scan (scanBounded, scanUnbounded: raw statements), in the order
 * summariesFromScanRows reads them. better-sqlite3 builds a thousand row objects property by
 * property at twice the cost of arrays mapped to one literal shape.
 */
const SCAN_SUMMARY_COLUMNS = 'key, size_bytes, etag, last_modified_ms, storage_class';
type ScanSummaryRow = [key: string, sizeBytes: number, etag: string, lastModifiedMs: number, storageClass: string];

/** An ObjectSummary from a raw row of scanBounded / scanUnbounded. */
export function summariesFromScanRows(rows: unknown[]): ObjectSummary[] {
  const summaries = new Array<ObjectSummary>(rows.length);
  for (let at = 0; at < rows.length; at++) {
    const [key, sizeBytes, etag, lastModifiedMs, storageClass] = rows[at] as ScanSummaryRow;
    summaries[at] = { key, sizeBytes, etag, lastModifiedMs, storageClass };
  }
  return summaries;
}

/** The bucket rows and their settings. */
function prepareBucketStatements(db: Database.Database) {
  return {
    insertBucket: db.prepare('INSERT INTO buckets (name, created_at_ms, region, owner_id, versioning) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    getBucket: db.prepare('SELECT * FROM buckets WHERE name = ?'),
    writeContext: db.prepare(writeContextSql('@bucket', '@now', '+name')).raw(true),
    listBuckets: db.prepare('SELECT * FROM buckets ORDER BY name'),
    deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
    setBucketTags: db.prepare('UPDATE buckets SET tags_json = ? WHERE name = ?'),
    setBucketVersioning: db.prepare('UPDATE buckets SET versioning = ? WHERE name = ?'),
    setBucketCors: db.prepare('UPDATE buckets SET cors_json = ? WHERE name = ?'),
    getBucketSetting: db.prepare('SELECT value_json FROM bucket_settings WHERE bucket = ? AND name = ?'),
    upsertBucketSetting: db.prepare(`INSERT INTO bucket_settings (bucket, name, value_json) VALUES (?, ?, ?)
      ON CONFLICT (bucket, name) DO UPDATE SET value_json = excluded.value_json`),
    deleteBucketSetting: db.prepare('DELETE FROM bucket_settings WHERE bucket = ? AND name = ?'),
    deleteBucketSettings: db.prepare('DELETE FROM bucket_settings WHERE bucket = ?'),
    bucketsWithSetting: db.prepare('SELECT bucket, value_json FROM bucket_settings WHERE name = ? ORDER BY bucket'),
  };
}

export function prepareStatements(db: Database.Database) {
  const uploadSummaryColumns = `upload_id AS uploadId, key, initiated_ms AS initiatedMs, storage_class AS storageClass,
    checksum_algorithm AS checksumAlgorithm, checksum_type AS checksumType`;
  const partColumns = 'part_number, data_id, size_bytes, etag, last_modified_ms, checksum_json, placement';
  return {
    ...prepareBucketStatements(db),
    anyObjectInBucket: db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1'),
    deleteBucketUploadParts: db.prepare('DELETE FROM upload_parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE bucket = ?)'),
    deleteBucketUploads: db.prepare('DELETE FROM uploads WHERE bucket = ?'),
    getObject: db.prepare('SELECT * FROM objects WHERE bucket = ? AND key = ?'),
    upsertObject: db.prepare(`INSERT INTO objects (bucket, key, version_id, data_id, size_bytes, etag, last_modified_ms,
        storage_class, headers_json, user_metadata_json, checksum_json, placement, parts_count, tags_json,
        lock_mode, lock_retain_until_ms, legal_hold, acl_json)
      VALUES (@bucket, @key, @versionId, @dataId, @sizeBytes, @etag, @lastModifiedMs, @storageClass,
        @headersJson, @userMetadataJson, @checksumJson, @placement, @partsCount, @tagsJson,
        @lockMode, @lockRetainUntilMs, @legalHold, @aclJson)
      ON CONFLICT (bucket, key) DO UPDATE SET version_id = excluded.version_id, data_id = excluded.data_id,
        size_bytes = excluded.size_bytes, etag = excluded.etag, last_modified_ms = excluded.last_modified_ms,
        storage_class = excluded.storage_class, headers_json = excluded.headers_json,
        user_metadata_json = excluded.user_metadata_json, checksum_json = excluded.checksum_json,
        placement = excluded.placement, parts_count = excluded.parts_count, tags_json = excluded.tags_json,
        lock_mode = excluded.lock_mode, lock_retain_until_ms = excluded.lock_retain_until_ms, legal_hold = excluded.legal_hold, acl_json = excluded.acl_json`),
    setObjectLockState: db.prepare(`UPDATE objects SET lock_mode = @lockMode, lock_retain_until_ms = @lockRetainUntilMs, legal_hold = @legalHold
      WHERE bucket = @bucket AND key = @key AND version_id = @versionId`),
    setVersionLockState: db.prepare(`UPDATE object_versions SET lock_mode = @lockMode, lock_retain_until_ms = @lockRetainUntilMs, legal_hold = @legalHold
      WHERE bucket = @bucket AND key = @key AND version_id = @versionId AND is_delete_marker = 0`),
    setObjectTags: db.prepare('UPDATE objects SET tags_json = ? WHERE bucket = ? AND key = ?'),
    setVersionTags: db.prepare('UPDATE object_versions SET tags_json = ? WHERE bucket = ? AND key = ? AND data_id = ? AND is_delete_marker = 0'),
    setObjectAcl: db.prepare('UPDATE objects SET acl_json = ? WHERE bucket = ? AND key = ?'),
    setVersionAcl: db.prepare('UPDATE object_versions SET acl_json = ? WHERE bucket = ? AND key = ? AND data_id = ? AND is_delete_marker = 0'),
    insertVersion: db.prepare(`INSERT INTO object_versions (bucket, key, data_id, version_id, is_delete_marker, is_latest, size_bytes, etag,
        last_modified_ms, storage_class, headers_json, user_metadata_json, checksum_json, placement, parts_count, tags_json,
        lock_mode, lock_retain_until_ms, legal_hold, acl_json)
      VALUES (@bucket, @key, @dataId, @versionId, @isDeleteMarker, @isLatest, @sizeBytes, @etag, @lastModifiedMs, @storageClass,
        @headersJson, @userMetadataJson, @checksumJson, @placement, @partsCount, @tagsJson,
        @lockMode, @lockRetainUntilMs, @legalHold, @aclJson)`),
    clearLatestVersion: db.prepare('UPDATE object_versions SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1'),
    markLatestVersion: db.prepare('UPDATE object_versions SET is_latest = 1 WHERE bucket = ? AND key = ? AND data_id = ?'),
    getVersionById: db.prepare('SELECT * FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?'),
    getVersionByDataId: db.prepare('SELECT * FROM object_versions WHERE bucket = ? AND key = ? AND data_id = ?'),
    deleteVersionRow: db.prepare('DELETE FROM object_versions WHERE bucket = ? AND key = ? AND data_id = ?'),
    newestVersion: db.prepare('SELECT * FROM object_versions WHERE bucket = ? AND key = ? ORDER BY data_id DESC LIMIT 1'),
    latestDeleteMarker: db.prepare('SELECT version_id FROM object_versions WHERE bucket = ? AND key = ? AND is_latest = 1 AND is_delete_marker = 1'),
    anyVersionInBucket: db.prepare('SELECT 1 FROM object_versions WHERE bucket = ? LIMIT 1'),
    // At most 2: enough to tell "only one", without counting a key's every version.
    countKeyVersions: db.prepare('SELECT COUNT(*) AS count FROM (SELECT 1 FROM object_versions WHERE bucket = ? AND key = ? LIMIT 2)'),
    backgroundScanFromEnd: db.prepare(versionBackgroundScanSql('none')),
    backgroundScanBelowKey: db.prepare(versionBackgroundScanSql('key')),
    backgroundScanAfterCursor: db.prepare(versionBackgroundScanSql('cursor')),
    replaceCurrentPlacement: db.prepare('UPDATE objects SET placement = ? WHERE bucket = ? AND key = ? AND data_id = ? AND placement = ?'),
    replaceVersionPlacement: db.prepare('UPDATE object_versions SET placement = ? WHERE bucket = ? AND key = ? AND data_id = ? AND placement = ?'),
    replacePartPlacement: db.prepare('UPDATE object_parts SET placement = ? WHERE object_data_id = ? AND part_number = ? AND placement = ?'),
    replaceUploadPartPlacement: db.prepare('UPDATE upload_parts SET placement = ? WHERE upload_id = ? AND part_number = ? AND placement = ?'),
    setCurrentStorageClass: db.prepare('UPDATE objects SET storage_class = ? WHERE bucket = ? AND key = ? AND data_id = ?'),
    setVersionStorageClass: db.prepare('UPDATE object_versions SET storage_class = ? WHERE bucket = ? AND key = ? AND data_id = ? AND is_delete_marker = 0'),
    scanVersionsBounded: db.prepare(versionScanSql(true)),
    scanVersionsUnbounded: db.prepare(versionScanSql(false)),
    deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
    scanBounded: db.prepare(`SELECT ${SCAN_SUMMARY_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`).raw(true),
    scanUnbounded: db.prepare(`SELECT ${SCAN_SUMMARY_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?`).raw(true),
    objectParts: db.prepare(`SELECT ${partColumns} FROM object_parts WHERE object_data_id = ? ORDER BY part_number`),
    insertObjectPart: db.prepare(`INSERT INTO object_parts (object_data_id, part_number, data_id, size_bytes, etag, last_modified_ms, checksum_json, placement)
      VALUES (@owner, @partNumber, @dataId, @sizeBytes, @etag, @lastModifiedMs, @checksumJson, @placement)`),
    deleteObjectParts: db.prepare('DELETE FROM object_parts WHERE object_data_id = ?'),
    insertUpload: db.prepare(`INSERT INTO uploads (upload_id, bucket, key, initiated_ms, headers_json, user_metadata_json, storage_class,
        checksum_algorithm, checksum_type, tags_json, lock_mode, lock_retain_until_ms, legal_hold, acl_json)
      VALUES (@uploadId, @bucket, @key, @initiatedMs, @headersJson, @userMetadataJson, @storageClass, @checksumAlgorithm, @checksumType, @tagsJson,
        @lockMode, @lockRetainUntilMs, @legalHold, @aclJson)`),
    getUpload: db.prepare('SELECT * FROM uploads WHERE upload_id = ? AND bucket = ? AND key = ?'),
    getUploadById: db.prepare('SELECT * FROM uploads WHERE upload_id = ?'),
    deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
    uploadsInitiatedBefore: db.prepare('SELECT * FROM uploads WHERE initiated_ms < ? ORDER BY initiated_ms LIMIT ?'),
    scanUploadsBounded: db.prepare(`SELECT ${uploadSummaryColumns} FROM uploads
      WHERE bucket = ? AND (key, upload_id) > (?, ?) AND key < ? ORDER BY key, upload_id LIMIT ?`),
    scanUploadsUnbounded: db.prepare(`SELECT ${uploadSummaryColumns} FROM uploads
      WHERE bucket = ? AND (key, upload_id) > (?, ?) ORDER BY key, upload_id LIMIT ?`),
    getUploadPart: db.prepare(`SELECT ${partColumns} FROM upload_parts WHERE upload_id = ? AND part_number = ?`),
    upsertUploadPart: db.prepare(`INSERT INTO upload_parts (upload_id, part_number, data_id, size_bytes, etag, last_modified_ms, checksum_json, placement)
      VALUES (@owner, @partNumber, @dataId, @sizeBytes, @etag, @lastModifiedMs, @checksumJson, @placement)
      ON CONFLICT (upload_id, part_number) DO UPDATE SET data_id = excluded.data_id, size_bytes = excluded.size_bytes,
        etag = excluded.etag, last_modified_ms = excluded.last_modified_ms, checksum_json = excluded.checksum_json,
        placement = excluded.placement`),
    listUploadParts: db.prepare(`SELECT ${partColumns} FROM upload_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?`),
    deleteUploadParts: db.prepare('DELETE FROM upload_parts WHERE upload_id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
