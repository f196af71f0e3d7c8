// The SQLite index's tables and the mapping between rows and index records. Keys are TEXT under
// SQLite's BINARY collation, which compares UTF-8 bytes: S3's listing order.
import { parseAclSetting } from '../settings/acl.js';
import type { BucketRecord, LegalHoldStatus, StoredAcl, ObjectLockMode, ObjectRecord, ObjectRetention, StoredPart, Tag, UploadRecord } from '../types.js';

// The schema as of version 1; later versions are migrations (migrations.ts).

/** A version's Object Lock state (all NULL: none); an upload keeps the state its object will get. */
const OBJECT_LOCK_COLUMNS = 'lock_mode TEXT, lock_retain_until_ms INTEGER, legal_hold TEXT';

/** What a stored object version holds, in objects (the live one) and object_versions (the rest). */
export const VERSION_CONTENT_COLUMNS = `size_bytes INTEGER NOT NULL, etag TEXT NOT NULL, last_modified_ms INTEGER NOT NULL,
  storage_class TEXT NOT NULL, headers_json TEXT NOT NULL, user_metadata_json TEXT NOT NULL, checksum_json TEXT,
  placement BLOB NOT NULL, parts_count INTEGER NOT NULL DEFAULT 0, tags_json TEXT, ${OBJECT_LOCK_COLUMNS}`;

/** What a part holds, in upload_parts (while uploading) and object_parts (once completed). */
export const PART_COLUMNS = `part_number INTEGER NOT NULL, data_id TEXT NOT NULL, size_bytes INTEGER NOT NULL, etag TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL, checksum_json TEXT, placement BLOB NOT NULL`;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  region TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  tags_json TEXT,
  versioning TEXT,
  cors_json TEXT
) WITHOUT ROWID;
-- A bucket's subresource configurations (lifecycle, object lock, policy, …) by name, as JSON: one
-- table, so a new bucket setting needs no schema change.
CREATE TABLE IF NOT EXISTS bucket_settings (
  bucket TEXT NOT NULL,
  name TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (bucket, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bucket_settings_by_name ON bucket_settings (name, bucket);
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  data_id TEXT NOT NULL,
  ${VERSION_CONTENT_COLUMNS},
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
-- Every version of a versioned bucket that is not the live current one in objects: noncurrent
-- versions and delete markers (one of which may be the latest). Newest first by data id.
CREATE TABLE IF NOT EXISTS object_versions (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  data_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  is_delete_marker INTEGER NOT NULL,
  is_latest INTEGER NOT NULL,
  ${VERSION_CONTENT_COLUMNS},
  PRIMARY KEY (bucket, key, data_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS object_versions_by_id ON object_versions (bucket, key, version_id);
-- The parts of completed multipart objects, by the object's data id.
CREATE TABLE IF NOT EXISTS object_parts (
  object_data_id TEXT NOT NULL,
  ${PART_COLUMNS},
  PRIMARY KEY (object_data_id, part_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL,
  headers_json TEXT NOT NULL,
  user_metadata_json TEXT NOT NULL,
  storage_class TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_type TEXT,
  tags_json TEXT,
  ${OBJECT_LOCK_COLUMNS}
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
CREATE INDEX IF NOT EXISTS uploads_by_age ON uploads (initiated_ms);
-- Identities: users (each owns the buckets it creates) and their access keys. A key's secret is
-- sealed (AES-256-GCM under the data directory's master key), never stored in plain text.
-- User names are unique regardless of case, as IAM's are.
CREATE TABLE IF NOT EXISTS users (
  name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
  canonical_id TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  policy_json TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_keys (
  access_key_id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL COLLATE NOCASE,
  secret_sealed TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS access_keys_by_user ON access_keys (user_name, access_key_id);
CREATE TABLE IF NOT EXISTS upload_parts (
  upload_id TEXT NOT NULL,
  ${PART_COLUMNS},
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
-- S3 Metadata: one row per change in a bucket with a metadata configuration, written in the change's
-- own transaction; the exporter removes rows in the transaction that makes their Parquet file
-- visible. AUTOINCREMENT: a sequence is never reused, even after every row has been exported.
CREATE TABLE IF NOT EXISTS journal (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  record_type TEXT NOT NULL,
  record_timestamp_ms INTEGER NOT NULL,
  version_id TEXT,
  is_delete_marker INTEGER,
  size_bytes INTEGER,
  last_modified_ms INTEGER,
  etag TEXT,
  storage_class TEXT,
  is_multipart INTEGER,
  checksum_algorithm TEXT,
  tags_json TEXT,
  user_metadata_json TEXT,
  requester TEXT,
  source_ip_address TEXT,
  request_id TEXT
);
-- The metadata exporter's own state per bucket and table (inventory backfill progress, errors); kept
-- apart from bucket_settings because the tables outlive the bucket's configuration.
CREATE TABLE IF NOT EXISTS metadata_state (
  bucket TEXT NOT NULL,
  table_name TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (bucket, table_name)
) WITHOUT ROWID;
`;

/** Migration 3: a version's (and an upload's) ACL as JSON, and a user's optional email (ACL grants by email). */
export const ACL_SCHEMA_SQL = `
ALTER TABLE objects ADD COLUMN acl_json TEXT;
ALTER TABLE object_versions ADD COLUMN acl_json TEXT;
ALTER TABLE uploads ADD COLUMN acl_json TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS users_by_email ON users (email COLLATE NOCASE) WHERE email IS NOT NULL;
`;

export interface BucketRow {
  name: string;
  created_at_ms: number;
  region: string;
  owner_id: string;
  tags_json: string | null;
  versioning: string | null;
  cors_json: string | null;
}

export interface ObjectRow {
  bucket: string;
  key: string;
  version_id: string;
  data_id: string;
  size_bytes: number;
  etag: string;
  last_modified_ms: number;
  storage_class: string;
  headers_json: string;
  user_metadata_json: string;
  checksum_json: string | null;
  placement: Buffer;
  parts_count: number;
  tags_json: string | null;
  lock_mode: string | null;
  lock_retain_until_ms: number | null;
  legal_hold: string | null;
  /** Undefined in a UNION that does not select it. */
  acl_json?: string | null;
}

export interface PartRow {
  part_number: number;
  data_id: string;
  size_bytes: number;
  etag: string;
  last_modified_ms: number;
  checksum_json: string | null;
  placement: Buffer;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated_ms: number;
  headers_json: string;
  user_metadata_json: string;
  storage_class: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  tags_json: string | null;
  lock_mode: string | null;
  lock_retain_until_ms: number | null;
  legal_hold: string | null;
  acl_json: string | null;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function tagsToJson(tags: Tag[] | undefined): string | null {
  return tags === undefined || tags.length === 0 ? null : JSON.stringify(tags);
}

function tagsFromJson(json: string | null): Tag[] | undefined {
  return json === null ? undefined : JSON.parse(json);
}

export function aclToJson(acl: StoredAcl | undefined): string | null {
  return acl === undefined ? null : JSON.stringify(acl);
}

/** A stored ACL, checked to be one (a damaged row fails here rather than grant by accident). */
function aclFromJson(json: string | null | undefined): StoredAcl | undefined {
  return json === null || json === undefined ? undefined : parseAclSetting(JSON.parse(json));
}

interface LockColumns {
  lock_mode: string | null;
  lock_retain_until_ms: number | null;
  legal_hold: string | null;
}

function retentionFromRow(row: LockColumns): ObjectRetention | undefined {
  if (row.lock_mode === null || row.lock_retain_until_ms === null) return undefined;
  return { mode: row.lock_mode as ObjectLockMode, retainUntilMs: row.lock_retain_until_ms };
}

/** The Object Lock columns' parameters for a version or an upload. */
export function lockToParameters(state: { retention?: ObjectRetention; legalHold?: LegalHoldStatus }) {
  return {
    lockMode: state.retention?.mode ?? null,
    lockRetainUntilMs: state.retention?.retainUntilMs ?? null,
    legalHold: state.legalHold ?? null,
  };
}

export function bucketFromRow(row: BucketRow): BucketRecord {
  return {
    name: row.name, createdAtMs: row.created_at_ms, region: row.region, ownerId: row.owner_id, tags: tagsFromJson(row.tags_json),
    versioning: (row.versioning ?? undefined) as BucketRecord['versioning'],
    cors: row.cors_json === null ? undefined : JSON.parse(row.cors_json),
  };
}

export function objectFromRow(row: ObjectRow, parts?: StoredPart[]): ObjectRecord {
  return {
    bucket: row.bucket,
    key: row.key,
    versionId: row.version_id,
    dataId: row.data_id,
    sizeBytes: row.size_bytes,
    etag: row.etag,
    lastModifiedMs: row.last_modified_ms,
    storageClass: row.storage_class,
    headers: JSON.parse(row.headers_json),
    userMetadata: JSON.parse(row.user_metadata_json),
    checksum: row.checksum_json === null ? undefined : JSON.parse(row.checksum_json),
    placement: row.placement,
    parts,
    tags: tagsFromJson(row.tags_json),
    retention: retentionFromRow(row),
    legalHold: (row.legal_hold ?? undefined) as LegalHoldStatus | undefined,
    acl: aclFromJson(row.acl_json),
  };
}

export function objectToParameters(object: ObjectRecord) {
  return {
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    dataId: object.dataId,
    sizeBytes: object.sizeBytes,
    etag: object.etag,
    lastModifiedMs: object.lastModifiedMs,
    storageClass: object.storageClass,
    headersJson: JSON.stringify(object.headers),
    userMetadataJson: JSON.stringify(object.userMetadata),
    checksumJson: object.checksum === undefined ? null : JSON.stringify(object.checksum),
    placement: asBuffer(object.placement),
    partsCount: object.parts?.length ?? 0,
    tagsJson: tagsToJson(object.tags),
    ...lockToParameters(object),
    aclJson: aclToJson(object.acl),
  };
}

export function partFromRow(row: PartRow): StoredPart {
  return {
    partNumber: row.part_number,
    dataId: row.data_id,
    sizeBytes: row.size_bytes,
    etag: row.etag,
    lastModifiedMs: row.last_modified_ms,
    checksum: row.checksum_json === null ? undefined : JSON.parse(row.checksum_json),
    placement: row.placement,
  };
}

export function partToParameters(owner: string, part: StoredPart) {
  return {
    owner,
    partNumber: part.partNumber,
    dataId: part.dataId,
    sizeBytes: part.sizeBytes,
    etag: part.etag,
    lastModifiedMs: part.lastModifiedMs,
    checksumJson: part.checksum === undefined ? null : JSON.stringify(part.checksum),
    placement: asBuffer(part.placement),
  };
}

export function uploadFromRow(row: UploadRow): UploadRecord {
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiatedMs: row.initiated_ms,
    headers: JSON.parse(row.headers_json),
    userMetadata: JSON.parse(row.user_metadata_json),
    storageClass: row.storage_class,
    checksumAlgorithm: (row.checksum_algorithm ?? undefined) as UploadRecord['checksumAlgorithm'],
    checksumType: (row.checksum_type ?? undefined) as UploadRecord['checksumType'],
    tags: tagsFromJson(row.tags_json),
    retention: retentionFromRow(row),
    legalHold: (row.legal_hold ?? undefined) as LegalHoldStatus | undefined,
    acl: aclFromJson(row.acl_json),
  };
}
