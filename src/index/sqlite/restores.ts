// Restores of archived versions in the SQLite index: one row per restored (or restoring) version,
// keyed by its data id, so the row never moves when the version becomes noncurrent. Rows of versions
// deleted since, and of restored copies that expired, are removed in bounded batches by later writes.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import { RESTORE_READ_METHODS, RESTORE_WRITE_METHODS, type ObjectRestoreState, type RestoreIndex, type RestoreTier } from '../restore-index.js';

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

/** Expired rows removed by one write: a bound on the work a restore request adds. */
const EXPIRED_ROWS_SWEPT_PER_WRITE_MAX = 100;

interface RestoreRow {
  tier: string;
  requested_ms: number;
  ready_ms: number;
  expires_ms: number;
}

export class RestoreTable implements RestoreIndex {
  private readonly statements;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = {
      get: db.prepare('SELECT tier, requested_ms, ready_ms, expires_ms FROM object_restores WHERE bucket = ? AND key = ? AND data_id = ?'),
      upsert: db.prepare(`INSERT INTO object_restores (bucket, key, data_id, tier, requested_ms, ready_ms, expires_ms)
        VALUES (@bucket, @key, @dataId, @tier, @requestedMs, @readyMs, @expiresMs)
        ON CONFLICT (bucket, key, data_id) DO UPDATE SET tier = excluded.tier, requested_ms = excluded.requested_ms,
          ready_ms = excluded.ready_ms, expires_ms = excluded.expires_ms`),
      versionExists: db.prepare(`SELECT 1 FROM objects WHERE bucket = @bucket AND key = @key AND data_id = @dataId
        UNION ALL SELECT 1 FROM object_versions WHERE bucket = @bucket AND key = @key AND data_id = @dataId AND is_delete_marker = 0 LIMIT 1`),
      sweepExpired: db.prepare(`DELETE FROM object_restores WHERE (bucket, key, data_id) IN
        (SELECT bucket, key, data_id FROM object_restores WHERE expires_ms <= ? LIMIT ${EXPIRED_ROWS_SWEPT_PER_WRITE_MAX})`),
    };
  }

  async getObjectRestore(bucket: string, key: string, dataId: string): Promise<ObjectRestoreState | undefined> {
    const row = this.statements.get.get(bucket, key, dataId) as RestoreRow | undefined;
    if (row === undefined) return undefined;
    return { tier: row.tier as RestoreTier, requestedMs: row.requested_ms, readyMs: row.ready_ms, expiresMs: row.expires_ms };
  }

  async putObjectRestore(bucket: string, key: string, dataId: string, state: ObjectRestoreState, nowMs: number): Promise<boolean> {
    return this.writes.submit(() => {
      this.statements.sweepExpired.run(nowMs);
      if (this.statements.versionExists.get({ bucket, key, dataId }) === undefined) return false;
      this.statements.upsert.run({ bucket, key, dataId, ...state });
      return true;
    });
  }
}

/** Binds the restore methods on an engine's prototype to its RestoreTable. */
export function delegateRestoreMethods(prototype: object, tableOf: (engine: unknown) => RestoreTable): void {
  for (const method of [...RESTORE_READ_METHODS, ...RESTORE_WRITE_METHODS]) {
    const delegate = function (this: unknown, ...args: unknown[]): unknown {
      const table = tableOf(this);
      return Reflect.apply(table[method], table, args);
    };
    Object.defineProperty(prototype, method, { value: delegate, writable: true, configurable: true });
  }
}
