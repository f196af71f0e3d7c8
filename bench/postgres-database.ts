// The bench's PostgreSQL databases: each PostgreSQL target (the Cairn-on-PostgreSQL column, the
// cluster mode) gets an empty database `cairn_bench_<random>` of its own, made through a
// maintenance connection (default: the local server, user root, trust auth; `--postgres-url` for
// another) and dropped when the target stops. (A run killed with SIGKILL leaves its database behind:
// `SELECT datname FROM pg_database WHERE datname LIKE 'cairn_bench_%'` finds it.)
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_POSTGRES_ADMIN_URL = 'postgres://root@127.0.0.1:5432/postgres';
/** A server that does not answer within this is "not reachable": the PostgreSQL cells are skipped. */
const CONNECT_TIMEOUT_MS = 5_000;
const BENCH_DATABASE_NAME = /^cairn_bench_[0-9a-f]+$/;

/** Thrown when the maintenance connection cannot be made: the run skips PostgreSQL with this line. */
export class PostgresUnreachableError extends Error {}

async function withAdmin<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection that breaks later must not end the bench process (pg emits 'error' on the client).
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new PostgresUnreachableError(`PostgreSQL not reachable at ${redacted(adminUrl)} (${error instanceof Error ? error.message : String(error)}): `
      + 'the PostgreSQL cells are skipped; start it or pass --postgres-url');
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Creates an empty UTF-8 database and answers its URL (the admin URL with the database's name). */
export async function createBenchDatabase(adminUrl: string): Promise<string> {
  const name = `cairn_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name} ENCODING 'UTF8' TEMPLATE template0`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database createBenchDatabase made (its connections are ended first). */
export async function dropBenchDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!BENCH_DATABASE_NAME.test(name)) throw new Error(`not a bench database: ${name}`);
  await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
