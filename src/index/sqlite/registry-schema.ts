// The container registry's tables in the SQLite index (schema version 3) and their row shapes.
import type { RegistryManifestRecord, RegistryRepositoryRecord, RegistryUploadRecord } from '../registry-index.js';

export const REGISTRY_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS registry_repositories (
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  policy TEXT,
  tag_mutability TEXT NOT NULL DEFAULT 'MUTABLE'
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_blobs (
  digest TEXT PRIMARY KEY,
  size_bytes INTEGER NOT NULL,
  data_id TEXT NOT NULL,
  ref_count INTEGER NOT NULL,
  unreferenced_since_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registry_blobs_unreferenced ON registry_blobs (unreferenced_since_ms) WHERE ref_count = 0;
CREATE TABLE IF NOT EXISTS registry_repository_blobs (
  repository TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (repository, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registry_repository_blobs_by_digest ON registry_repository_blobs (digest, repository);
CREATE TABLE IF NOT EXISTS registry_manifests (
  repository TEXT NOT NULL,
  digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  artifact_type TEXT,
  subject_digest TEXT,
  size_bytes INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (repository, digest)
);
CREATE INDEX IF NOT EXISTS registry_manifests_by_subject ON registry_manifests (repository, subject_digest, digest) WHERE subject_digest IS NOT NULL;
CREATE TABLE IF NOT EXISTS registry_tags (
  repository TEXT NOT NULL,
  tag TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (repository, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registry_tags_by_digest ON registry_tags (repository, digest);
CREATE TABLE IF NOT EXISTS registry_manifest_blobs (
  repository TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  blob_digest TEXT NOT NULL,
  PRIMARY KEY (repository, manifest_digest, blob_digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_manifest_children (
  repository TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  child_digest TEXT NOT NULL,
  PRIMARY KEY (repository, manifest_digest, child_digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_uploads (
  upload_id TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_upload_chunks (
  upload_id TEXT NOT NULL,
  offset_bytes INTEGER NOT NULL,
  object_key TEXT NOT NULL,
  PRIMARY KEY (upload_id, offset_bytes)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registry_uploads_by_repository ON registry_uploads (repository);
CREATE INDEX IF NOT EXISTS registry_uploads_by_age ON registry_uploads (updated_at_ms);
`;

export interface RepositoryRow { name: string; created_at_ms: number; policy: string | null; tag_mutability: string }
export interface ManifestRow {
  repository: string; digest: string; media_type: string; artifact_type: string | null; subject_digest: string | null;
  size_bytes: number; bytes: Buffer; created_at_ms: number;
}
export interface UploadRow { upload_id: string; repository: string; size_bytes: number; created_at_ms: number; updated_at_ms: number }

export const repositoryFromRow = (row: RepositoryRow): RegistryRepositoryRecord => ({
  name: row.name, createdAtMs: row.created_at_ms, policy: row.policy ?? undefined, tagMutability: row.tag_mutability === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE',
});
export const manifestFromRow = (row: ManifestRow): RegistryManifestRecord => ({
  repository: row.repository, digest: row.digest, mediaType: row.media_type, artifactType: row.artifact_type ?? undefined,
  subjectDigest: row.subject_digest ?? undefined, sizeBytes: row.size_bytes, bytes: new Uint8Array(row.bytes), createdAtMs: row.created_at_ms,
});
export const uploadFromRow = (row: UploadRow, chunkKeys: string[]): RegistryUploadRecord => ({
  uploadId: row.upload_id, repository: row.repository, sizeBytes: row.size_bytes, chunkKeys,
  createdAtMs: row.created_at_ms, updatedAtMs: row.updated_at_ms,
});
