// The SQL of the PostgreSQL index's core tables (buckets, versions, parts, uploads, settings), the
// counterpart of sqlite/statements.ts with positional parameters. Rows are mapped by sqlite/schema.ts's
// mappers: both engines store the same columns.
import { objectToParameters, partToParameters } from '../sqlite/schema.js';
import type { ObjectRecord, StoredPart } from '../types.js';

const OBJECT_COLUMNS = ['bucket', 'key', 'version_id', 'data_id', 'size_bytes', 'etag', 'last_modified_ms', 'storage_class', 'headers_json',
  'user_metadata_json', 'checksum_json', 'placement', 'parts_count', 'tags_json', 'lock_mode', 'lock_retain_until_ms', 'legal_hold', 'acl_json'];
const PART_COLUMNS = 'part_number, data_id, size_bytes, etag, last_modified_ms, checksum_json, placement';

const placeholders = (count: number, first = 1) => Array.from({ length: count }, (_, position) => `$${position + first}`).join(', ');

/** An object version's column values, in OBJECT_COLUMNS order. */
export function objectValues(object: ObjectRecord): unknown[] {
  const p = objectToParameters(object);
  return [p.bucket, p.key, p.versionId, p.dataId, p.sizeBytes, p.etag, p.lastModifiedMs, p.storageClass, p.headersJson, p.userMetadataJson,
    p.checksumJson, p.placement, p.partsCount, p.tagsJson, p.lockMode, p.lockRetainUntilMs, p.legalHold, p.aclJson];
}

/** A part's column values (its owner first), in PART_COLUMNS order. */
export function partValues(owner: string, part: StoredPart): unknown[] {
  const p = partToParameters(owner, part);
  return [p.owner, p.partNumber, p.dataId, p.sizeBytes, p.etag, p.lastModifiedMs, p.checksumJson, p.placement];
}

const summaryColumns = 'key, size_bytes AS "sizeBytes", etag, last_modified_ms AS "lastModifiedMs", storage_class AS "storageClass"';

/**
 * Versions of keys from $2 (below $6 when bounded), after the cursor ($3, $4) in (key
 * ascending, data id descending) order, the live ones from objects and the rest from object_versions.
 */
function versionScanSql(bounded: boolean): string {
  // Separate texts with and without the bound: a scan must stop at the bound, not filter past it.
  // `key >= $3` first: the index seeks to the cursor's key, then the rest filters within that key.
  const range = `bucket = $1 AND key >= $2 AND key >= $3 AND (key > $3 OR data_id < $4)${bounded ? ' AND key < $6' : ''}`;
  const columns = 'key, version_id, data_id, size_bytes, etag, last_modified_ms, storage_class';
  // Each side ordered and limited on its own: each is one index range scan of at most a page, and
  // only those two pages are merged (a plan over the whole UNION would sort the whole range).
  const order = 'ORDER BY key, data_id DESC LIMIT $5';
  return `SELECT key, version_id AS "versionId", data_id AS "dataId", is_latest AS "isLatest", is_delete_marker AS "isDeleteMarker",
      size_bytes AS "sizeBytes", etag, last_modified_ms AS "lastModifiedMs", storage_class AS "storageClass"
    FROM ((SELECT ${columns}, 1 AS is_latest, 0 AS is_delete_marker FROM objects WHERE ${range} ${order})
          UNION ALL (SELECT ${columns}, is_latest, is_delete_marker FROM object_versions WHERE ${range} ${order})) AS versions
    ${order}`;
}

/** Versions for background scans: keys descending, each key newest first, below an optional bound. */
function backgroundScanSql(upperBound: 'none' | 'key' | 'cursor'): string {
  const bound = upperBound === 'key' ? ' AND key < $4' : upperBound === 'cursor' ? ' AND (key, data_id) < ($4, $5)' : '';
  const range = `bucket = $1 AND key >= $2${bound}`;
  const columns = `key, version_id AS "versionId", data_id AS "dataId", size_bytes AS "sizeBytes", last_modified_ms AS "lastModifiedMs",
    storage_class AS "storageClass", tags_json AS "tagsJson"`;
  return `SELECT ${columns}, 1 AS "isLatest", 0 AS "isDeleteMarker" FROM objects WHERE ${range}
    UNION ALL SELECT ${columns}, is_latest AS "isLatest", is_delete_marker AS "isDeleteMarker" FROM object_versions WHERE ${range}
    ORDER BY key DESC, "dataId" DESC LIMIT $3`;
}

/**
 * PostgreSQL text cannot hold U+0000, so no stored key contains it, and the listing's "just after
 * `key`" cursor (key + U+0000, see keySuccessor) is asked as `key > key` instead.
 */
export function splitSuccessor(cursor: string): { key: string; exclusive: boolean } {
  return cursor.endsWith('\u0000') ? { key: cursor.slice(0, -1), exclusive: true } : { key: cursor, exclusive: false };
}

function objectScanSql(bounded: boolean, exclusive: boolean): string {
  return `SELECT ${summaryColumns} FROM objects WHERE bucket = $1 AND key ${exclusive ? '>' : '>='} $2${bounded ? ' AND key < $4' : ''} ORDER BY key LIMIT $3`;
}

/** Uploads after ($2, $3) in (key, upload id) order, or (exclusive) of keys after $2 ($3 unused but bound). */
function uploadScanSql(bounded: boolean, exclusive: boolean): string {
  return `SELECT upload_id AS "uploadId", key, initiated_ms AS "initiatedMs", storage_class AS "storageClass",
      checksum_algorithm AS "checksumAlgorithm", checksum_type AS "checksumType" FROM uploads
    WHERE bucket = $1 AND ${exclusive ? 'key > $2 AND $3::text IS NOT NULL' : '(key, upload_id) > ($2, $3)'}${bounded ? ' AND key < $5' : ''}
    ORDER BY key, upload_id LIMIT $4`;
}

const upsertObject = `INSERT INTO objects (${OBJECT_COLUMNS.join(', ')}) VALUES (${placeholders(OBJECT_COLUMNS.length)})
  ON CONFLICT (bucket, key) DO UPDATE SET ${OBJECT_COLUMNS.slice(2).map((column) => `${column} = excluded.${column}`).join(', ')}`;

export const SQL = {
  insertBucket: 'INSERT INTO buckets (name, created_at_ms, region, owner_id, versioning) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
  getBucket: 'SELECT * FROM buckets WHERE name = $1',
  lockBucket: 'SELECT versioning FROM buckets WHERE name = $1',
  listBuckets: 'SELECT * FROM buckets ORDER BY name',
  deleteBucket: 'DELETE FROM buckets WHERE name = $1',
  anyObjectInBucket: 'SELECT 1 FROM objects WHERE bucket = $1 LIMIT 1',
  anyVersionInBucket: 'SELECT 1 FROM object_versions WHERE bucket = $1 LIMIT 1',
  deleteBucketUploadParts: 'DELETE FROM upload_parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE bucket = $1)',
  deleteBucketUploads: 'DELETE FROM uploads WHERE bucket = $1',
  deleteBucketSettings: 'DELETE FROM bucket_settings WHERE bucket = $1',
  getObject: 'SELECT * FROM objects WHERE bucket = $1 AND key = $2',
  upsertObject,
  deleteObject: 'DELETE FROM objects WHERE bucket = $1 AND key = $2',
  insertVersion: `INSERT INTO object_versions (${OBJECT_COLUMNS.join(', ')}, is_delete_marker, is_latest) VALUES (${placeholders(OBJECT_COLUMNS.length + 2)})`,
  setObjectLockState: 'UPDATE objects SET lock_mode = $4, lock_retain_until_ms = $5, legal_hold = $6 WHERE bucket = $1 AND key = $2 AND version_id = $3',
  setVersionLockState: `UPDATE object_versions SET lock_mode = $4, lock_retain_until_ms = $5, legal_hold = $6
    WHERE bucket = $1 AND key = $2 AND version_id = $3 AND is_delete_marker = 0`,
  setObjectTags: 'UPDATE objects SET tags_json = $1 WHERE bucket = $2 AND key = $3',
  setVersionTags: 'UPDATE object_versions SET tags_json = $1 WHERE bucket = $2 AND key = $3 AND data_id = $4 AND is_delete_marker = 0',
  setObjectAcl: 'UPDATE objects SET acl_json = $1 WHERE bucket = $2 AND key = $3',
  setVersionAcl: 'UPDATE object_versions SET acl_json = $1 WHERE bucket = $2 AND key = $3 AND data_id = $4 AND is_delete_marker = 0',
  setBucketTags: 'UPDATE buckets SET tags_json = $1 WHERE name = $2',
  setBucketVersioning: 'UPDATE buckets SET versioning = $1 WHERE name = $2',
  setBucketCors: 'UPDATE buckets SET cors_json = $1 WHERE name = $2',
  getBucketSetting: 'SELECT value_json FROM bucket_settings WHERE bucket = $1 AND name = $2',
  upsertBucketSetting: `INSERT INTO bucket_settings (bucket, name, value_json) VALUES ($1, $2, $3)
    ON CONFLICT (bucket, name) DO UPDATE SET value_json = excluded.value_json`,
  deleteBucketSetting: 'DELETE FROM bucket_settings WHERE bucket = $1 AND name = $2',
  bucketsWithSetting: 'SELECT bucket, value_json FROM bucket_settings WHERE name = $1 ORDER BY bucket',
  clearLatestVersion: 'UPDATE object_versions SET is_latest = 0 WHERE bucket = $1 AND key = $2 AND is_latest = 1',
  markLatestVersion: 'UPDATE object_versions SET is_latest = 1 WHERE bucket = $1 AND key = $2 AND data_id = $3',
  getVersionById: 'SELECT * FROM object_versions WHERE bucket = $1 AND key = $2 AND version_id = $3',
  getVersionByDataId: 'SELECT * FROM object_versions WHERE bucket = $1 AND key = $2 AND data_id = $3',
  deleteVersionRow: 'DELETE FROM object_versions WHERE bucket = $1 AND key = $2 AND data_id = $3',
  newestVersion: 'SELECT * FROM object_versions WHERE bucket = $1 AND key = $2 ORDER BY data_id DESC LIMIT 1',
  latestDeleteMarker: 'SELECT version_id FROM object_versions WHERE bucket = $1 AND key = $2 AND is_latest = 1 AND is_delete_marker = 1',
  countKeyVersions: 'SELECT COUNT(*)::integer AS count FROM (SELECT 1 FROM object_versions WHERE bucket = $1 AND key = $2 LIMIT 2) AS two',
  backgroundScanFromEnd: backgroundScanSql('none'),
  backgroundScanBelowKey: backgroundScanSql('key'),
  backgroundScanAfterCursor: backgroundScanSql('cursor'),
  replaceCurrentPlacement: 'UPDATE objects SET placement = $1 WHERE bucket = $2 AND key = $3 AND data_id = $4 AND placement = $5',
  replaceVersionPlacement: 'UPDATE object_versions SET placement = $1 WHERE bucket = $2 AND key = $3 AND data_id = $4 AND placement = $5',
  replacePartPlacement: 'UPDATE object_parts SET placement = $1 WHERE object_data_id = $2 AND part_number = $3 AND placement = $4',
  replaceUploadPartPlacement: 'UPDATE upload_parts SET placement = $1 WHERE upload_id = $2 AND part_number = $3 AND placement = $4',
  setCurrentStorageClass: 'UPDATE objects SET storage_class = $1 WHERE bucket = $2 AND key = $3 AND data_id = $4',
  setVersionStorageClass: 'UPDATE object_versions SET storage_class = $1 WHERE bucket = $2 AND key = $3 AND data_id = $4 AND is_delete_marker = 0',
  scanVersionsBounded: versionScanSql(true),
  scanVersionsUnbounded: versionScanSql(false),
  scanObjectsBounded: objectScanSql(true, false),
  scanObjectsUnbounded: objectScanSql(false, false),
  scanObjectsAfterBounded: objectScanSql(true, true),
  scanObjectsAfterUnbounded: objectScanSql(false, true),
  objectParts: `SELECT ${PART_COLUMNS} FROM object_parts WHERE object_data_id = $1 ORDER BY part_number`,
  insertObjectPart: `INSERT INTO object_parts (object_data_id, ${PART_COLUMNS}) VALUES (${placeholders(8)})`,
  deleteObjectParts: 'DELETE FROM object_parts WHERE object_data_id = $1',
  insertUpload: `INSERT INTO uploads (upload_id, bucket, key, initiated_ms, headers_json, user_metadata_json, storage_class,
    checksum_algorithm, checksum_type, tags_json, lock_mode, lock_retain_until_ms, legal_hold, acl_json) VALUES (${placeholders(14)})`,
  getUpload: 'SELECT * FROM uploads WHERE upload_id = $1 AND bucket = $2 AND key = $3',
  getUploadById: 'SELECT * FROM uploads WHERE upload_id = $1',
  deleteUpload: 'DELETE FROM uploads WHERE upload_id = $1',
  uploadsInitiatedBefore: 'SELECT * FROM uploads WHERE initiated_ms < $1 ORDER BY initiated_ms LIMIT $2',
  scanUploadsBounded: uploadScanSql(true, false),
  scanUploadsUnbounded: uploadScanSql(false, false),
  scanUploadsAfterKeyBounded: uploadScanSql(true, true),
  scanUploadsAfterKeyUnbounded: uploadScanSql(false, true),
  getUploadPart: `SELECT ${PART_COLUMNS} FROM upload_parts WHERE upload_id = $1 AND part_number = $2`,
  upsertUploadPart: `INSERT INTO upload_parts (upload_id, ${PART_COLUMNS}) VALUES (${placeholders(8)})
    ON CONFLICT (upload_id, part_number) DO UPDATE SET data_id = excluded.data_id, size_bytes = excluded.size_bytes,
      etag = excluded.etag, last_modified_ms = excluded.last_modified_ms, checksum_json = excluded.checksum_json, placement = excluded.placement`,
  listUploadParts: `SELECT ${PART_COLUMNS} FROM upload_parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3`,
  deleteUploadParts: 'DELETE FROM upload_parts WHERE upload_id = $1',
} as const;
