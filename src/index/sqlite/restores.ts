// Restores of archived versions in the SQLite index: one row per restored (or restoring) version,
// keyed by its data id, so the row never moves when the version becomes noncurrent. A restore's
// three moments (asked for, ready, expired) are journaled and queue ObjectRestore events: the first
// with the request, the other two by recordRestoreProgress (a background job), each marked on the
// row in the same transaction so none is lost or recorded twice. Rows whose expiry was recorded are
// removed in bounded batches by later writes.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import { SYSTEM_CHANGE_ORIGIN, type ChangeOrigin } from '../records.js';
import type { ObjectRestoreState, RestoreIndex, RestoreTier } from '../restore-index.js';
import { VERSION_PAGE_COLUMNS, type Journal } from './journal.js';
import { objectFromRow, type ObjectRow } from './schema.js';

/** Migration 3: the table. */
export const RESTORES_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS object_restores (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  data_id TEXT NOT NULL,
  tier TEXT NOT NULL,
  requested_ms INTEGER NOT NULL,
  ready_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (bucket, key, data_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS object_restores_by_expiry ON object_restores (expires_ms);
`;

/** Now in milliseconds, in SQLite's terms (Julian day of the Unix epoch: 2440587.5). */
const SQL_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/**
 * Migration 10: whether a restore's completion and its copy's expiry were recorded (journal and
 * events), and the restore data ObjectRestore:Completed events carry. Moments already past when the
 * index is upgraded count as recorded: no burst of stale events.
 */
export const RESTORE_EVENTS_SCHEMA_SQL = `
ALTER TABLE object_restores ADD COLUMN completed_recorded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE object_restores ADD COLUMN expiry_recorded INTEGER NOT NULL DEFAULT 0;
UPDATE object_restores SET completed_recorded = 1 WHERE ready_ms <= ${SQL_NOW_MS};
UPDATE object_restores SET expiry_recorded = 1 WHERE expires_ms <= ${SQL_NOW_MS};
CREATE INDEX IF NOT EXISTS object_restores_completion_unrecorded ON object_restores (ready_ms) WHERE completed_recorded = 0;
CREATE INDEX IF NOT EXISTS object_restores_expiry_unrecorded ON object_restores (expires_ms) WHERE expiry_recorded = 0;
ALTER TABLE event_queue ADD COLUMN restore_expiry_ms INTEGER;
ALTER TABLE event_queue ADD COLUMN restore_storage_class TEXT;
`;

/** Expired rows removed by one write: a bound on the work a restore request adds. */
const EXPIRED_ROWS_SWEPT_PER_WRITE_MAX = 100;

interface RestoreRow {
  bucket: string;
  key: string;
  data_id: string;
  tier: string;
  requested_ms: number;
  ready_ms: number;
  expires_ms: number;
  completed_recorded: number;
  expiry_recorded: number;
}

function prepareRestoreStatements(db: Database.Database) {
  return {
    get: db.prepare('SELECT * FROM object_restores WHERE bucket = ? AND key = ? AND data_id = ?'),
    upsert: db.prepare(`INSERT INTO object_restores (bucket, key, data_id, tier, requested_ms, ready_ms, expires_ms, completed_recorded, expiry_recorded)
        VALUES (@bucket, @key, @dataId, @tier, @requestedMs, @readyMs, @expiresMs, @completedRecorded, 0)
        ON CONFLICT (bucket, key, data_id) DO UPDATE SET tier = excluded.tier, requested_ms = excluded.requested_ms,
          ready_ms = excluded.ready_ms, expires_ms = excluded.expires_ms, completed_recorded = excluded.completed_recorded, expiry_recorded = 0`),
    version: db.prepare(`SELECT ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = @bucket AND key = @key AND data_id = @dataId
        UNION ALL SELECT ${VERSION_PAGE_COLUMNS} FROM object_versions
          WHERE bucket = @bucket AND key = @key AND data_id = @dataId AND is_delete_marker = 0 LIMIT 1`),
    sweepExpired: db.prepare(`DELETE FROM object_restores WHERE (bucket, key, data_id) IN
        (SELECT bucket, key, data_id FROM object_restores WHERE expires_ms <= ? AND expiry_recorded = 1 LIMIT ${EXPIRED_ROWS_SWEPT_PER_WRITE_MAX})`),
    completionsDue: db.prepare('SELECT * FROM object_restores WHERE completed_recorded = 0 AND ready_ms <= ? ORDER BY ready_ms LIMIT ?'),
    expiriesDue: db.prepare('SELECT * FROM object_restores WHERE expiry_recorded = 0 AND expires_ms <= ? ORDER BY expires_ms LIMIT ?'),
    markCompleted: db.prepare('UPDATE object_restores SET completed_recorded = 1 WHERE bucket = ? AND key = ? AND data_id = ?'),
    markExpired: db.prepare('UPDATE object_restores SET completed_recorded = 1, expiry_recorded = 1 WHERE bucket = ? AND key = ? AND data_id = ?'),
  };
}

export class RestoreTable implements RestoreIndex {
  private readonly statements;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue, private readonly journal: Journal) {
    this.statements = prepareRestoreStatements(db);
  }

  async getObjectRestore(bucket: string, key: string, dataId: string): Promise<ObjectRestoreState | undefined> {
    const row = this.statements.get.get(bucket, key, dataId) as RestoreRow | undefined;
    if (row === undefined) return undefined;
    return { tier: row.tier as RestoreTier, requestedMs: row.requested_ms, readyMs: row.ready_ms, expiresMs: row.expires_ms };
  }

  async putObjectRestore(bucket: string, key: string, dataId: string, state: ObjectRestoreState, nowMs: number, origin?: ChangeOrigin): Promise<boolean> {
    return this.writes.submit(() => {
      this.statements.sweepExpired.run(nowMs);
      const versionRow = this.statements.version.get({ bucket, key, dataId }) as ObjectRow | undefined;
      if (versionRow === undefined) return false;
      const version = objectFromRow(versionRow);
      const previous = this.statements.get.get(bucket, key, dataId) as RestoreRow | undefined;
      // A copy that expired unrecorded is recorded now, before the new restore replaces its row.
      if (previous !== undefined && previous.expires_ms <= nowMs && previous.expiry_recorded === 0) this.record(previous, nowMs);
      const isNew = previous === undefined || previous.expires_ms <= nowMs;
      this.statements.upsert.run({ bucket, key, dataId, ...state, completedRecorded: isNew ? 0 : previous.completed_recorded });
      if (isNew) this.journal.versionWritten(version, 'UPDATE_METADATA', origin, 'ObjectRestore:Post');
      return true;
    });
  }

  async recordRestoreProgress(nowMs: number, limit: number): Promise<number> {
    return this.writes.submit(() => {
      const due = [
        ...(this.statements.completionsDue.all(nowMs, limit) as RestoreRow[]),
        ...(this.statements.expiriesDue.all(nowMs, limit) as RestoreRow[]),
      ];
      let recorded = 0;
      for (const row of due) recorded += this.record(this.statements.get.get(row.bucket, row.key, row.data_id) as RestoreRow, nowMs);
      return recorded;
    });
  }

  /** Inside a write: journals what is due of one restore and marks it; the number of moments recorded. */
  private record(row: RestoreRow, nowMs: number): number {
    const completedDue = row.completed_recorded === 0 && row.ready_ms <= nowMs;
    const expiryDue = row.expiry_recorded === 0 && row.expires_ms <= nowMs;
    if (!completedDue && !expiryDue) return 0;
    const versionRow = this.statements.version.get({ bucket: row.bucket, key: row.key, dataId: row.data_id }) as ObjectRow | undefined;
    // The version was deleted since: its removal was recorded then, nothing of the restore is left to say.
    const version = versionRow === undefined ? undefined : objectFromRow(versionRow);
    let recorded = 0;
    if (completedDue) {
      const restore = { restoreExpiryMs: row.expires_ms, restoreStorageClass: version?.storageClass };
      if (version !== undefined) this.journal.versionWritten(version, 'UPDATE_METADATA', SYSTEM_CHANGE_ORIGIN, 'ObjectRestore:Completed', restore);
      this.statements.markCompleted.run(row.bucket, row.key, row.data_id);
      recorded += 1;
    }
    if (expiryDue) {
      if (version !== undefined) this.journal.versionWritten(version, 'UPDATE_METADATA', SYSTEM_CHANGE_ORIGIN, 'ObjectRestore:Delete');
      this.statements.markExpired.run(row.bucket, row.key, row.data_id);
      recorded += 1;
    }
    return recorded;
  }
}
