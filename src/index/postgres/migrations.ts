// Runs the PostgreSQL index's migrations at start, under a session advisory lock: of several servers
// starting at once on one database, one migrates while the others wait, then find nothing to do.
// Each migration runs in its own transaction with its row in schema_migrations; a database newer
// than this Cairn is refused (its tables may mean things this code does not know).
import type pg from 'pg';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './schema.js';

/** The advisory lock key of migrations (any constant; 'cairn' in ASCII). */
export const MIGRATION_LOCK_KEY = 0x636169726e;

export async function migrate(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at_ms bigint NOT NULL)');
      const stored = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
      const from = stored.rows[0]?.version ?? 0;
      if (from > POSTGRES_SCHEMA_VERSION) {
        throw new Error(`the PostgreSQL index has schema version ${from}, newer than this Cairn (${POSTGRES_SCHEMA_VERSION}); upgrade Cairn`);
      }
      for (let version = from + 1; version <= POSTGRES_SCHEMA_VERSION; version++) {
        const sql = POSTGRES_MIGRATIONS.get(version);
        if (sql === undefined) throw new Error(`PostgreSQL index schema: no migration to version ${version}`);
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)', [version, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return { from, to: POSTGRES_SCHEMA_VERSION };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
