// Restores of archived versions in the PostgreSQL index: the twin of sqlite/restores.ts. One row per
// restored (or restoring) version, keyed by its data id; each of a restore's three moments (asked
// for, ready, expired) is journaled and queues ObjectRestore events in the write that marks it on
// the row, so none is lost or recorded twice. Rows whose expiry was recorded are swept in bounded
// batches by later writes. recordRestoreProgress runs in the one process holding the jobs' lease.
import { SYSTEM_CHANGE_ORIGIN, type ChangeOrigin } from '../records.js';
import type { ObjectRestoreState, RestoreIndex, RestoreTier } from '../restore-index.js';
import { VERSION_PAGE_COLUMNS } from '../sqlite/journal.js';
import { objectFromRow, type ObjectRow } from '../sqlite/schema.js';
import type { ObjectRecord } from '../types.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import type { PostgresJournal } from './journal.js';

/** Migration: the table (sqlite/restores.ts's, with the recorded moments of its migration 10). */
export const RESTORES_SCHEMA_SQL = `
CREATE TABLE object_restores (
  bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, data_id text COLLATE "C" NOT NULL, tier text NOT NULL,
  requested_ms bigint NOT NULL, ready_ms bigint NOT NULL, expires_ms bigint NOT NULL,
  completed_recorded integer NOT NULL DEFAULT 0, expiry_recorded integer NOT NULL DEFAULT 0, PRIMARY KEY (bucket, key, data_id)
);
CREATE INDEX object_restores_by_expiry ON object_restores (expires_ms);
CREATE INDEX object_restores_completion_unrecorded ON object_restores (ready_ms) WHERE completed_recorded = 0;
CREATE INDEX object_restores_expiry_unrecorded ON object_restores (expires_ms) WHERE expiry_recorded = 0;
`;

/** Expired rows removed by one write: a bound on the work a restore request adds. */
const EXPIRED_ROWS_SWEPT_PER_WRITE_MAX = 100;

interface RestoreRow {
  bucket: string; key: string; data_id: string; tier: string; requested_ms: number; ready_ms: number; expires_ms: number;
  completed_recorded: number; expiry_recorded: number;
}

const RESTORE_SQL = {
  get: 'SELECT * FROM object_restores WHERE bucket = $1 AND key = $2 AND data_id = $3',
  upsert: `INSERT INTO object_restores (bucket, key, data_id, tier, requested_ms, ready_ms, expires_ms, completed_recorded, expiry_recorded)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)
      ON CONFLICT (bucket, key, data_id) DO UPDATE SET tier = excluded.tier, requested_ms = excluded.requested_ms,
        ready_ms = excluded.ready_ms, expires_ms = excluded.expires_ms, completed_recorded = excluded.completed_recorded, expiry_recorded = 0`,
  version: `(SELECT ${VERSION_PAGE_COLUMNS} FROM objects WHERE bucket = $1 AND key = $2 AND data_id = $3)
      UNION ALL (SELECT ${VERSION_PAGE_COLUMNS} FROM object_versions WHERE bucket = $1 AND key = $2 AND data_id = $3 AND is_delete_marker = 0) LIMIT 1`,
  sweepExpired: `DELETE FROM object_restores WHERE (bucket, key, data_id) IN
      (SELECT bucket, key, data_id FROM object_restores WHERE expires_ms <= $1 AND expiry_recorded = 1 LIMIT ${EXPIRED_ROWS_SWEPT_PER_WRITE_MAX})`,
  completionsDue: 'SELECT * FROM object_restores WHERE completed_recorded = 0 AND ready_ms <= $1 ORDER BY ready_ms LIMIT $2',
  expiriesDue: 'SELECT * FROM object_restores WHERE expiry_recorded = 0 AND expires_ms <= $1 ORDER BY expires_ms LIMIT $2',
  markCompleted: 'UPDATE object_restores SET completed_recorded = 1 WHERE bucket = $1 AND key = $2 AND data_id = $3',
  markExpired: 'UPDATE object_restores SET completed_recorded = 1, expiry_recorded = 1 WHERE bucket = $1 AND key = $2 AND data_id = $3',
} as const;

async function versionOf(sql: Sql, bucket: string, key: string, dataId: string): Promise<ObjectRecord | undefined> {
  const row = (await sql.query<ObjectRow>(RESTORE_SQL.version, [bucket, key, dataId])).rows[0];
  return row === undefined ? undefined : objectFromRow(row);
}

export class PostgresRestores implements RestoreIndex {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue, private readonly journal: PostgresJournal) {}

  async getObjectRestore(bucket: string, key: string, dataId: string): Promise<ObjectRestoreState | undefined> {
    const row = (await this.pool.query<RestoreRow>(RESTORE_SQL.get, [bucket, key, dataId])).rows[0];
    if (row === undefined) return undefined;
    return { tier: row.tier as RestoreTier, requestedMs: row.requested_ms, readyMs: row.ready_ms, expiresMs: row.expires_ms };
  }

  putObjectRestore(bucket: string, key: string, dataId: string, state: ObjectRestoreState, nowMs: number, origin?: ChangeOrigin): Promise<boolean> {
    return this.writes.submit(async (sql) => {
      await sql.query(RESTORE_SQL.sweepExpired, [nowMs]);
      const version = await versionOf(sql, bucket, key, dataId);
      if (version === undefined) return false;
      const previous = (await sql.query<RestoreRow>(RESTORE_SQL.get, [bucket, key, dataId])).rows[0];
      // A copy that expired unrecorded is recorded now, before the new restore replaces its row.
      if (previous !== undefined && previous.expires_ms <= nowMs && previous.expiry_recorded === 0) await this.record(sql, previous, nowMs);
      const isNew = previous === undefined || previous.expires_ms <= nowMs;
      await sql.query(RESTORE_SQL.upsert, [bucket, key, dataId, state.tier, state.requestedMs, state.readyMs, state.expiresMs,
        isNew ? 0 : previous.completed_recorded]);
      if (isNew) await this.journal.versionWritten(sql, version, 'UPDATE_METADATA', origin, 'ObjectRestore:Post');
      return true;
    });
  }

  recordRestoreProgress(nowMs: number, limit: number): Promise<number> {
    return this.writes.submit(async (sql) => {
      const due = [
        ...(await sql.query<RestoreRow>(RESTORE_SQL.completionsDue, [nowMs, limit])).rows,
        ...(await sql.query<RestoreRow>(RESTORE_SQL.expiriesDue, [nowMs, limit])).rows,
      ];
      let recorded = 0;
      for (const row of due) {
        // Read again: a row due both ways was marked by its first pass.
        const current = (await sql.query<RestoreRow>(RESTORE_SQL.get, [row.bucket, row.key, row.data_id])).rows[0];
        if (current !== undefined) recorded += await this.record(sql, current, nowMs);
      }
      return recorded;
    });
  }

  /** Inside a write: journals what is due of one restore and marks it; the number of moments recorded. */
  private async record(sql: Sql, row: RestoreRow, nowMs: number): Promise<number> {
    const completedDue = row.completed_recorded === 0 && row.ready_ms <= nowMs;
    const expiryDue = row.expiry_recorded === 0 && row.expires_ms <= nowMs;
    if (!completedDue && !expiryDue) return 0;
    // The version was deleted since: its removal was recorded then, nothing of the restore is left to say.
    const version = await versionOf(sql, row.bucket, row.key, row.data_id);
    let recorded = 0;
    if (completedDue) {
      const restore = { restoreExpiryMs: row.expires_ms, restoreStorageClass: version?.storageClass };
      if (version !== undefined) await this.journal.versionWritten(sql, version, 'UPDATE_METADATA', SYSTEM_CHANGE_ORIGIN, 'ObjectRestore:Completed', restore);
      await sql.query(RESTORE_SQL.markCompleted, [row.bucket, row.key, row.data_id]);
      recorded += 1;
    }
    if (expiryDue) {
      if (version !== undefined) await this.journal.versionWritten(sql, version, 'UPDATE_METADATA', SYSTEM_CHANGE_ORIGIN, 'ObjectRestore:Delete');
      await sql.query(RESTORE_SQL.markExpired, [row.bucket, row.key, row.data_id]);
      recorded += 1;
    }
    return recorded;
  }
}
