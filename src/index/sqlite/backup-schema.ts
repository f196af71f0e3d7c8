// The SQLite tables of AWS Backup's recovery points (backup-index.ts). Migration 14 kept a full copy
// of a bucket's current versions per recovery point; migration 15 replaces it with one chain per
// bucket whose rows carry a validity range of point sequence numbers [from_seq, to_seq): a point's
// objects are the rows valid at its sequence, and taking a point writes only the rows of the keys
// that changed since the previous one. Triggers on `objects` note each changed key of a bucket with a
// chain, in the transaction of the change itself, so finding the changes costs O(changes) and misses
// none (overwrites, delete markers, permanent deletes that promote an older version, tags, ACLs,
// Object Lock, storage class): every write path goes through the `objects` table. (The triggers test
// for an existing row rather than say INSERT OR IGNORE: an outer statement's conflict policy, such as
// an upsert's, would override the trigger's own.)
import { VERSION_PAGE_COLUMNS } from './journal.js';
import { PART_COLUMNS, VERSION_CONTENT_COLUMNS } from './schema.js';

/** A row still valid at the chain's head has this to_seq (larger than any sequence a chain reaches). */
export const OPEN_SEQ = Number.MAX_SAFE_INTEGER;

/** Migration 14: a recovery point's objects and the parts of its multipart objects (full copies). */
export const BACKUP_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS backup_objects (
  recovery_point_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  data_id TEXT NOT NULL,
  ${VERSION_CONTENT_COLUMNS},
  acl_json TEXT,
  PRIMARY KEY (recovery_point_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_objects_by_data_id ON backup_objects (data_id);
CREATE TABLE IF NOT EXISTS backup_parts (
  recovery_point_id TEXT NOT NULL,
  object_data_id TEXT NOT NULL,
  ${PART_COLUMNS},
  PRIMARY KEY (recovery_point_id, object_data_id, part_number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_parts_by_object ON backup_parts (object_data_id, part_number);
`;

/** The columns of `objects` whose change is a change of the version a recovery point holds (all but placement: compaction moves bytes). */
const TRACKED_COLUMNS = 'version_id, data_id, size_bytes, etag, last_modified_ms, storage_class, headers_json, user_metadata_json, checksum_json, parts_count, tags_json, lock_mode, lock_retain_until_ms, legal_hold, acl_json';

export const PART_COPY_COLUMNS = 'part_number, data_id, size_bytes, etag, last_modified_ms, checksum_json, placement';

/** Each migration-14 recovery point becomes a one-point chain of its own, named 'legacy/' + its id (no bucket name has a '/'). */
const LEGACY_CHAIN = "'legacy/' || recovery_point_id";

/**
 * Migration 15: chains (backup_chains: a bucket's last sequence and its head, the latest live point),
 * points (backup_points: a recovery point's chain, sequence and totals), rows valid over a range of
 * sequences (backup_rows), the parts of multipart versions by data id (backup_row_parts), and the keys
 * changed since a chain's head (backup_changed_keys), written by triggers on `objects`.
 */
export const BACKUP_CHAIN_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS backup_chains (
  chain TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  head_seq INTEGER NOT NULL,
  head_objects INTEGER NOT NULL,
  head_size_bytes INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS backup_points (
  recovery_point_id TEXT PRIMARY KEY,
  chain TEXT NOT NULL,
  seq INTEGER NOT NULL,
  objects INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  rows_written INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_points_by_seq ON backup_points (chain, seq);
CREATE TABLE IF NOT EXISTS backup_rows (
  chain TEXT NOT NULL,
  key TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  bucket TEXT NOT NULL,
  version_id TEXT NOT NULL,
  data_id TEXT NOT NULL,
  ${VERSION_CONTENT_COLUMNS},
  acl_json TEXT,
  PRIMARY KEY (chain, key, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS backup_rows_by_end ON backup_rows (chain, to_seq);
CREATE INDEX IF NOT EXISTS backup_rows_by_start ON backup_rows (chain, from_seq);
CREATE INDEX IF NOT EXISTS backup_rows_by_data_id ON backup_rows (data_id);
CREATE TABLE IF NOT EXISTS backup_row_parts (
  object_data_id TEXT NOT NULL,
  ${PART_COLUMNS},
  PRIMARY KEY (object_data_id, part_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS backup_changed_keys (
  chain TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (chain, key)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS backup_changed_on_insert AFTER INSERT ON objects
  WHEN EXISTS (SELECT 1 FROM backup_chains WHERE chain = NEW.bucket)
  BEGIN INSERT INTO backup_changed_keys (chain, key) SELECT NEW.bucket, NEW.key
    WHERE NOT EXISTS (SELECT 1 FROM backup_changed_keys WHERE chain = NEW.bucket AND key = NEW.key); END;
CREATE TRIGGER IF NOT EXISTS backup_changed_on_update AFTER UPDATE OF ${TRACKED_COLUMNS} ON objects
  WHEN EXISTS (SELECT 1 FROM backup_chains WHERE chain = NEW.bucket)
  BEGIN INSERT INTO backup_changed_keys (chain, key) SELECT NEW.bucket, NEW.key
    WHERE NOT EXISTS (SELECT 1 FROM backup_changed_keys WHERE chain = NEW.bucket AND key = NEW.key); END;
CREATE TRIGGER IF NOT EXISTS backup_changed_on_delete AFTER DELETE ON objects
  WHEN EXISTS (SELECT 1 FROM backup_chains WHERE chain = OLD.bucket)
  BEGIN INSERT INTO backup_changed_keys (chain, key) SELECT OLD.bucket, OLD.key
    WHERE NOT EXISTS (SELECT 1 FROM backup_changed_keys WHERE chain = OLD.bucket AND key = OLD.key); END;
INSERT INTO backup_chains (chain, last_seq, head_seq, head_objects, head_size_bytes)
  SELECT ${LEGACY_CHAIN}, 1, 1, count(*), coalesce(sum(size_bytes), 0) FROM backup_objects GROUP BY recovery_point_id;
INSERT INTO backup_points (recovery_point_id, chain, seq, objects, size_bytes, rows_written)
  SELECT recovery_point_id, ${LEGACY_CHAIN}, 1, count(*), coalesce(sum(size_bytes), 0), count(*) FROM backup_objects GROUP BY recovery_point_id;
INSERT INTO backup_rows (chain, from_seq, to_seq, ${VERSION_PAGE_COLUMNS})
  SELECT ${LEGACY_CHAIN}, 1, ${OPEN_SEQ}, ${VERSION_PAGE_COLUMNS} FROM backup_objects;
INSERT OR IGNORE INTO backup_row_parts (object_data_id, ${PART_COPY_COLUMNS}) SELECT object_data_id, ${PART_COPY_COLUMNS} FROM backup_parts;
DROP TABLE backup_objects;
DROP TABLE backup_parts;
`;
