// rebuild-index into a PostgreSQL index (`--index postgres://…`). There is no side file to build and
// swap in: the rows are written straight into the database, so it must be empty (a new database, or
// one emptied by dropping and creating it again) and no server may be using it. Both are checked
// before the drives are scanned and again just before the first row is written.
import pg from 'pg';
import { CommandFailure } from '../command.js';

/** Sessions of Cairn's processes (the index's pool is 'cairn', the background lease 'cairn-lease'). */
const SERVER_APPLICATION_NAME_PATTERN = 'cairn%';
const REBUILD_APPLICATION_NAME = 'cairn-rebuild-index';
const CONNECT_TIMEOUT_MS = 10_000;
/** The tables whose rows the drives describe: any row in one means the index is not empty. */
const CONTENT_TABLES = ['buckets', 'object_versions', 'uploads'] as const;

/** The URL without its password, for messages. */
export function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/** Refuses (CommandFailure) when a server is connected to the database, or the index has any bucket, object or upload. */
export async function assertPostgresIndexEmptyAndIdle(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: REBUILD_APPLICATION_NAME });
  const where = describePostgresUrl(url);
  try {
    await client.connect();
  } catch (error) {
    throw new CommandFailure(`cannot connect to the PostgreSQL index ${where}: ${(error as Error).message}`);
  }
  try {
    const sessions = await client.query<{ count: string }>(
      'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE $1',
      [SERVER_APPLICATION_NAME_PATTERN],
    );
    if (Number(sessions.rows[0]!.count) > 0) {
      throw new CommandFailure(`the index ${where} is in use: stop the server (every process using it) before rebuilding`);
    }
    for (const table of CONTENT_TABLES) {
      const exists = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
      if (!exists.rows[0]!.present) continue;
      const rows = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (rows.rows.length > 0) {
        throw new CommandFailure(`the index ${where} is not empty (its ${table} table has rows): rebuild-index writes only into an empty database; ` +
          'create a new one (or drop and create this one) and run it again');
      }
    }
  } finally {
    await client.end();
  }
}
