// Which index engine a server uses, and its part in the server's life: SQLite (the default, a file
// in the index directory, writes through one writer per host) or PostgreSQL (`--index postgres://…`
// or CAIRN_INDEX_URL; every process and every server on the database connects to it directly).
// With PostgreSQL, singleton background jobs run where the database lease is held (leases.ts).
import { join } from 'node:path';
import { PostgresIndex } from '../index/postgres-index.js';
import { AdvisoryLease } from '../index/postgres/leases.js';
import { SqliteIndex } from '../index/sqlite-index.js';
import { serveIndexWrites, ThreadedSqliteIndex } from '../index/threaded-index.js';
import type { Index } from '../index/types.js';

/** The environment variable that selects PostgreSQL when --index does not. */
export const INDEX_URL_VARIABLE = 'CAIRN_INDEX_URL';
export const INDEX_FILE_NAME = 'index.db';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(value: string | undefined): value is string {
  return value !== undefined && POSTGRES_URL.test(value);
}

/**
 * --index and CAIRN_INDEX_URL: a postgres:// URL selects PostgreSQL (the flag wins over the
 * variable); anything else given to --index is the SQLite index's directory.
 */
export function parseIndexOption(flag: string | undefined, environment: NodeJS.ProcessEnv): { indexUrl?: string; indexDirectory?: string } {
  if (isPostgresUrl(flag)) return { indexUrl: flag };
  const fromEnvironment = environment[INDEX_URL_VARIABLE];
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    if (!isPostgresUrl(fromEnvironment)) throw new Error(`${INDEX_URL_VARIABLE}=${fromEnvironment}: expected a postgres:// or postgresql:// URL`);
    return { indexUrl: fromEnvironment, indexDirectory: flag };
  }
  return { indexDirectory: flag };
}

export interface IndexSettings {
  indexDirectory: string;
  /** Set: the PostgreSQL index at this URL; unset: SQLite in indexDirectory. */
  indexUrl?: string;
}

/** The index as one serving process uses it. */
export async function openServerIndex(settings: IndexSettings, options: { viaClusterPrimary: boolean; log: (line: string) => void }): Promise<Index> {
  if (settings.indexUrl !== undefined) return PostgresIndex.open(settings.indexUrl, { log: options.log });
  return ThreadedSqliteIndex.open(join(settings.indexDirectory, INDEX_FILE_NAME), { viaClusterPrimary: options.viaClusterPrimary });
}

/** Before any process serves: creates or migrates the schema, so that workers never race to. */
export async function prepareIndex(settings: IndexSettings): Promise<void> {
  if (settings.indexUrl !== undefined) await (await PostgresIndex.open(settings.indexUrl)).close();
  else await SqliteIndex.open(join(settings.indexDirectory, INDEX_FILE_NAME)).close();
}

/** In a cluster primary: the host's one SQLite writer; PostgreSQL needs none (workers write to the database). */
export function serveClusterIndexWrites(settings: IndexSettings): { close(): Promise<void> } {
  if (settings.indexUrl !== undefined) return { close: async () => undefined };
  return serveIndexWrites(join(settings.indexDirectory, INDEX_FILE_NAME));
}

/** The index as the banner names it (a URL without its password). */
export function describeIndex(settings: IndexSettings): string {
  if (settings.indexUrl === undefined) return join(settings.indexDirectory, INDEX_FILE_NAME);
  // A multi-host URL (h1:p1,h2:p2) is no WHATWG URL: the password is masked in the text itself.
  return settings.indexUrl.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/**
 * Runs `start` (the singleton background jobs) in this process when it is its host's background
 * process and, with PostgreSQL, once it holds the cluster-wide lease; answers how to stop them.
 */
export async function startSingletonJobs(settings: IndexSettings, runsBackgroundWork: boolean, start: () => { stop(): Promise<void> }, log: (line: string) => void): Promise<{ stop(): Promise<void> }> {
  if (!runsBackgroundWork) return { stop: async () => undefined };
  if (settings.indexUrl === undefined) return start();
  const lease = await AdvisoryLease.start(settings.indexUrl, { start, log });
  if (!lease.held) log('background jobs: another server holds the lease; this one takes over if it goes away');
  return { stop: () => lease.close() };
}
