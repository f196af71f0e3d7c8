// PostgreSQL databases for tests: each test server (with CAIRN_TEST_INDEX=postgres) or PostgreSQL
// test gets a database of its own on the local PostgreSQL, made here and dropped when it is done.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The maintenance database tests create and drop theirs through (CAIRN_TEST_POSTGRES_URL overrides). */
export const TEST_POSTGRES_ADMIN_URL = process.env['CAIRN_TEST_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1:5432/postgres';

/** Whether startServer puts the index in PostgreSQL (the CI's second run of the suite). */
export function testIndexIsPostgres(): boolean {
  return process.env['CAIRN_TEST_INDEX'] === 'postgres';
}

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty UTF-8 database `cairn_test_<random>` (its default collation an ICU locale when given); answers its URL. */
export async function createTestDatabase(options: { icuLocale?: 'en-US' } = {}): Promise<string> {
  const name = `cairn_test_${randomBytes(6).toString('hex')}`;
  const collation = options.icuLocale === undefined ? '' : ` LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}' LOCALE 'C.UTF-8'`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name} ENCODING 'UTF8' TEMPLATE template0${collation}`));
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database createTestDatabase made (its connections are ended first). */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^cairn_test_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
