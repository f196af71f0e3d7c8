// The PostgreSQL index's tables, as versioned migrations. The same tables as the SQLite engine's
// (sqlite/schema.ts) with PostgreSQL's types: keys and bucket names are text COLLATE "C", which
// compares UTF-8 bytes (S3's listing order) so that primary-key order is listing order; times and
// sizes are bigint; placements are bytea. Flags stay 0/1 integers so both engines share row mappers.
// Later features' tables are in files of their own (tables-schema.ts, journal.ts, …), registered below as
// migrations.
import { POSTGRES_REGISTRY_SCHEMA_SQL } from './registry-schema.js';
import { POSTGRES_TABLES_SCHEMA_SQL } from './tables-schema.js';
import { JOURNAL_SCHEMA_SQL } from './journal.js';
import { EVENTS_SCHEMA_SQL } from './events.js';
import { QUEUE_LEASES_SCHEMA_SQL, QUEUE_LEASES_SESSION_SQL } from './queue-leases.js';
import { ACCESS_LOG_SCHEMA_SQL } from './access-log.js';
import { RESTORES_SCHEMA_SQL } from './restores.js';
import { SEQUENCES_SCHEMA_SQL } from './sequences.js';
import { BACKUP_SCHEMA_SQL } from './backup-schema.js';

/** A version's Object Lock state (all NULL: none); an upload keeps the state its object will get. */
const OBJECT_LOCK_COLUMNS = 'lock_mode text, lock_retain_until_ms bigint, legal_hold text';

const VERSION_CONTENT_COLUMNS = `size_bytes bigint NOT NULL, etag text NOT NULL, last_modified_ms bigint NOT NULL,
  storage_class text NOT NULL, headers_json text NOT NULL, user_metadata_json text NOT NULL, checksum_json text,
  placement bytea NOT NULL, parts_count integer NOT NULL DEFAULT 0, tags_json text, ${OBJECT_LOCK_COLUMNS}, acl_json text`;

const PART_COLUMNS = `part_number integer NOT NULL, data_id text COLLATE "C" NOT NULL, size_bytes bigint NOT NULL, etag text NOT NULL,
  last_modified_ms bigint NOT NULL, checksum_json text, placement bytea NOT NULL`;

const CORE_SCHEMA_SQL = `
CREATE TABLE buckets (
  name text COLLATE "C" PRIMARY KEY, created_at_ms bigint NOT NULL, region text NOT NULL, owner_id text NOT NULL,
  tags_json text, versioning text, cors_json text
);
CREATE TABLE bucket_settings (
  bucket text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, value_json text NOT NULL, PRIMARY KEY (bucket, name)
);
CREATE INDEX bucket_settings_by_name ON bucket_settings (name, bucket);
CREATE TABLE objects (
  bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, version_id text NOT NULL, data_id text COLLATE "C" NOT NULL,
  ${VERSION_CONTENT_COLUMNS}, PRIMARY KEY (bucket, key)
);
CREATE TABLE object_versions (
  bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, data_id text COLLATE "C" NOT NULL, version_id text NOT NULL,
  is_delete_marker integer NOT NULL, is_latest integer NOT NULL, ${VERSION_CONTENT_COLUMNS}, PRIMARY KEY (bucket, key, data_id)
);
CREATE INDEX object_versions_by_id ON object_versions (bucket, key, version_id);
-- ListObjectVersions' order (key ascending, newest first): pages merge two ordered index scans, no sort.
CREATE INDEX object_versions_listing ON object_versions (bucket, key, data_id DESC);
CREATE INDEX objects_listing ON objects (bucket, key, data_id DESC);
CREATE TABLE object_parts (object_data_id text COLLATE "C" NOT NULL, ${PART_COLUMNS}, PRIMARY KEY (object_data_id, part_number));
CREATE TABLE uploads (
  upload_id text COLLATE "C" PRIMARY KEY, bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, initiated_ms bigint NOT NULL,
  headers_json text NOT NULL, user_metadata_json text NOT NULL, storage_class text NOT NULL, checksum_algorithm text,
  checksum_type text, tags_json text, ${OBJECT_LOCK_COLUMNS}, acl_json text
);
CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
CREATE INDEX uploads_by_age ON uploads (initiated_ms);
CREATE TABLE upload_parts (upload_id text COLLATE "C" NOT NULL, ${PART_COLUMNS}, PRIMARY KEY (upload_id, part_number));
-- User names are unique regardless of (ASCII) case, as IAM's are, like SQLite's NOCASE.
CREATE TABLE users (
  name text COLLATE "C" NOT NULL PRIMARY KEY, canonical_id text NOT NULL UNIQUE, created_at_ms bigint NOT NULL, policy_json text, email text
);
CREATE UNIQUE INDEX users_by_folded_name ON users (lower(name));
CREATE UNIQUE INDEX users_by_email ON users (lower(email)) WHERE email IS NOT NULL;
CREATE TABLE access_keys (
  access_key_id text COLLATE "C" PRIMARY KEY, user_name text COLLATE "C" NOT NULL, secret_sealed text NOT NULL, status text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE INDEX access_keys_by_user ON access_keys (lower(user_name), access_key_id);
`;

/**
 * The cluster's hosts (cluster-hosts.ts): each front end and drive server registers itself with its
 * address and role and a heartbeat; FIS's host actions reach a host through a command row it polls.
 */
const CLUSTER_HOSTS_SQL = `
CREATE TABLE cluster_hosts (
  host_id text COLLATE "C" PRIMARY KEY, role text NOT NULL, address text NOT NULL, pid integer NOT NULL,
  started_at_ms bigint NOT NULL, heartbeat_ms bigint NOT NULL
);
CREATE TABLE cluster_host_commands (
  id bigserial PRIMARY KEY, host_id text COLLATE "C" NOT NULL, action text NOT NULL, created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL, experiment text
);
CREATE INDEX cluster_host_commands_by_host ON cluster_host_commands (host_id, id);
`;

/** The SQL that brings version N-1 up to N, by N (from 1: the empty database). */
export const POSTGRES_MIGRATIONS: ReadonlyMap<number, string> = new Map([
  [1, CORE_SCHEMA_SQL],
  [2, POSTGRES_TABLES_SCHEMA_SQL],
  [3, POSTGRES_REGISTRY_SCHEMA_SQL],
  // 4: the S3 Metadata journal and the exporter's state, with the transactional counters (sequences.ts).
  [4, SEQUENCES_SCHEMA_SQL + JOURNAL_SCHEMA_SQL],
  // 5: event notifications (targets, queues, listeners) and the delivery queues' leases.
  [5, EVENTS_SCHEMA_SQL + QUEUE_LEASES_SCHEMA_SQL],
  // 6: server access logging's queue and restores of archived versions.
  [6, ACCESS_LOG_SCHEMA_SQL + RESTORES_SCHEMA_SQL],
  // 7: the front ends' host registry and the commands FIS sends them (cluster-hosts).
  [7, CLUSTER_HOSTS_SQL],
  // 8: AWS Backup's recovery points (chains, the trigger on objects that notes changed keys) and continuous backups' kept versions.
  [8, BACKUP_SCHEMA_SQL],
  // 9: the presence session of a queue lease's holder, so a killed holder's queues are free at once.
  [9, QUEUE_LEASES_SESSION_SQL],
]);

export const POSTGRES_SCHEMA_VERSION = Math.max(...POSTGRES_MIGRATIONS.keys());
