// The PostgreSQL index's container registry tables, one migration: the SQLite engine's registry
// tables (sqlite/registry-schema.ts, migration 6) with the lifecycle columns of its migration 13
// (sqlite/registry-lifecycle.ts) folded in. Names and digests are text COLLATE "C" (byte order, as
// SQLite's BINARY), times and sizes bigint, a manifest's exact bytes bytea.

export const POSTGRES_REGISTRY_SCHEMA_SQL = `
CREATE TABLE registry_repositories (
  name text COLLATE "C" PRIMARY KEY, created_at_ms bigint NOT NULL, policy text, tag_mutability text NOT NULL DEFAULT 'MUTABLE',
  lifecycle_policy text, lifecycle_preview_policy text, lifecycle_evaluated_at_ms bigint, resource_tags text
);
CREATE TABLE registry_blobs (
  digest text COLLATE "C" PRIMARY KEY, size_bytes bigint NOT NULL, data_id text COLLATE "C" NOT NULL, ref_count integer NOT NULL,
  unreferenced_since_ms bigint
);
CREATE INDEX registry_blobs_unreferenced ON registry_blobs (unreferenced_since_ms) WHERE ref_count = 0;
CREATE TABLE registry_repository_blobs (
  repository text COLLATE "C" NOT NULL, digest text COLLATE "C" NOT NULL, PRIMARY KEY (repository, digest)
);
CREATE INDEX registry_repository_blobs_by_digest ON registry_repository_blobs (digest, repository);
CREATE TABLE registry_manifests (
  repository text COLLATE "C" NOT NULL, digest text COLLATE "C" NOT NULL, media_type text NOT NULL, artifact_type text,
  subject_digest text COLLATE "C", size_bytes bigint NOT NULL, bytes bytea NOT NULL, created_at_ms bigint NOT NULL,
  last_pulled_at_ms bigint, PRIMARY KEY (repository, digest)
);
CREATE INDEX registry_manifests_by_subject ON registry_manifests (repository, subject_digest, digest) WHERE subject_digest IS NOT NULL;
CREATE TABLE registry_tags (
  repository text COLLATE "C" NOT NULL, tag text COLLATE "C" NOT NULL, digest text COLLATE "C" NOT NULL, PRIMARY KEY (repository, tag)
);
CREATE INDEX registry_tags_by_digest ON registry_tags (repository, digest);
CREATE TABLE registry_manifest_blobs (
  repository text COLLATE "C" NOT NULL, manifest_digest text COLLATE "C" NOT NULL, blob_digest text COLLATE "C" NOT NULL,
  PRIMARY KEY (repository, manifest_digest, blob_digest)
);
CREATE TABLE registry_manifest_children (
  repository text COLLATE "C" NOT NULL, manifest_digest text COLLATE "C" NOT NULL, child_digest text COLLATE "C" NOT NULL,
  PRIMARY KEY (repository, manifest_digest, child_digest)
);
CREATE INDEX registry_manifest_children_by_child ON registry_manifest_children (repository, child_digest);
CREATE TABLE registry_uploads (
  upload_id text COLLATE "C" PRIMARY KEY, repository text COLLATE "C" NOT NULL, size_bytes bigint NOT NULL, created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL
);
CREATE TABLE registry_upload_chunks (
  upload_id text COLLATE "C" NOT NULL, offset_bytes bigint NOT NULL, object_key text NOT NULL, PRIMARY KEY (upload_id, offset_bytes)
);
CREATE INDEX registry_uploads_by_repository ON registry_uploads (repository);
CREATE INDEX registry_uploads_by_age ON registry_uploads (updated_at_ms);
`;
