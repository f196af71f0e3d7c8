// The PostgreSQL tables of AWS Backup (migration 8): sqlite/backup-schema.ts's chains and
// sqlite/retained-versions.ts's kept versions, with PostgreSQL's types (keys COLLATE "C", bigint
// sequences and times, bytea placements). A chain's rows carry [from_seq, to_seq); the keys changed
// since a chain's head are noted by a plpgsql trigger on `objects`, in the transaction of the change
// itself, so taking the next point costs O(changes) and misses none. (PostgreSQL never had SQLite's
// migration 14, the full copies: there is nothing to convert.)
import { OPEN_SEQ } from '../sqlite/backup-schema.js';

const VERSION_CONTENT_COLUMNS = `size_bytes bigint NOT NULL, etag text NOT NULL, last_modified_ms bigint NOT NULL,
  storage_class text NOT NULL, headers_json text NOT NULL, user_metadata_json text NOT NULL, checksum_json text,
  placement bytea NOT NULL, parts_count integer NOT NULL DEFAULT 0, tags_json text, lock_mode text, lock_retain_until_ms bigint,
  legal_hold text, acl_json text`;

const PART_COLUMNS = `part_number integer NOT NULL, data_id text COLLATE "C" NOT NULL, size_bytes bigint NOT NULL, etag text NOT NULL,
  last_modified_ms bigint NOT NULL, checksum_json text, placement bytea NOT NULL`;

/** The columns of `objects` whose change is a change of the version a recovery point holds (all but placement: compaction moves bytes). */
export const TRACKED_COLUMNS = 'version_id, data_id, size_bytes, etag, last_modified_ms, storage_class, headers_json, user_metadata_json, checksum_json, parts_count, tags_json, lock_mode, lock_retain_until_ms, legal_hold, acl_json';

const CHAIN_TABLES_SQL = `
CREATE TABLE backup_chains (
  chain text COLLATE "C" PRIMARY KEY, last_seq bigint NOT NULL, head_seq bigint NOT NULL, head_objects bigint NOT NULL, head_size_bytes bigint NOT NULL
);
CREATE TABLE backup_points (
  recovery_point_id text COLLATE "C" PRIMARY KEY, chain text COLLATE "C" NOT NULL, seq bigint NOT NULL, objects bigint NOT NULL,
  size_bytes bigint NOT NULL, rows_written bigint NOT NULL
);
CREATE INDEX backup_points_by_seq ON backup_points (chain, seq);
CREATE TABLE backup_rows (
  chain text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, from_seq bigint NOT NULL, to_seq bigint NOT NULL,
  bucket text COLLATE "C" NOT NULL, version_id text NOT NULL, data_id text COLLATE "C" NOT NULL, ${VERSION_CONTENT_COLUMNS},
  PRIMARY KEY (chain, key, from_seq)
);
-- Closed rows only: an open row is found by its key (the primary key), never by scanning every open row of a chain.
CREATE INDEX backup_rows_by_end ON backup_rows (chain, to_seq) WHERE to_seq < ${OPEN_SEQ};
CREATE INDEX backup_rows_by_start ON backup_rows (chain, from_seq);
CREATE INDEX backup_rows_by_data_id ON backup_rows (data_id);
CREATE TABLE backup_row_parts (object_data_id text COLLATE "C" NOT NULL, ${PART_COLUMNS}, PRIMARY KEY (object_data_id, part_number));
CREATE TABLE backup_changed_keys (chain text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, PRIMARY KEY (chain, key));
`;

/**
 * One trigger function for the three events: the changed row's bucket and key are noted when the
 * bucket has a chain. (A trigger's WHEN cannot hold a subquery, so the test is in the function.)
 */
const CHANGED_KEYS_TRIGGERS_SQL = `
CREATE FUNCTION backup_note_changed_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed objects%ROWTYPE;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  IF EXISTS (SELECT 1 FROM backup_chains WHERE chain = changed.bucket) THEN
    INSERT INTO backup_changed_keys (chain, key) VALUES (changed.bucket, changed.key) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER backup_changed_on_insert AFTER INSERT ON objects FOR EACH ROW EXECUTE FUNCTION backup_note_changed_key();
CREATE TRIGGER backup_changed_on_update AFTER UPDATE OF ${TRACKED_COLUMNS} ON objects FOR EACH ROW EXECUTE FUNCTION backup_note_changed_key();
CREATE TRIGGER backup_changed_on_delete AFTER DELETE ON objects FOR EACH ROW EXECUTE FUNCTION backup_note_changed_key();
`;

const RETAINED_TABLES_SQL = `
CREATE TABLE backup_continuous_buckets (bucket text COLLATE "C" PRIMARY KEY, window_ms bigint NOT NULL);
CREATE TABLE backup_retained_versions (
  bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, data_id text COLLATE "C" NOT NULL, version_id text NOT NULL,
  is_delete_marker integer NOT NULL, deleted_ms bigint NOT NULL, ${VERSION_CONTENT_COLUMNS}, PRIMARY KEY (bucket, key, data_id)
);
CREATE INDEX backup_retained_by_deletion ON backup_retained_versions (deleted_ms);
CREATE INDEX backup_retained_by_data_id ON backup_retained_versions (data_id);
CREATE TABLE backup_retained_parts (object_data_id text COLLATE "C" NOT NULL, ${PART_COLUMNS}, PRIMARY KEY (object_data_id, part_number));
`;

/** Migration 8: recovery points' chains, the trigger that notes changed keys, and continuous backups' kept versions. */
export const BACKUP_SCHEMA_SQL = CHAIN_TABLES_SQL + CHANGED_KEYS_TRIGGERS_SQL + RETAINED_TABLES_SQL;

/** A row still valid at the chain's head has this to_seq (the SQLite engine's value). */
export { OPEN_SEQ };
