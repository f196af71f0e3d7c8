// The PostgreSQL index's connections: one pool per process with named limits, BIGINT columns read as
// JS numbers (every one holds milliseconds, bytes or a sequence, all below 2^53), and the test of
// whether a failure means "the database is not reachable" (answered 503 SlowDown, retried by the
// client) rather than a fault of the query.
import pg from 'pg';
import { IndexUnavailableError } from '../unavailable.js';
import { clientClassFor, parsePostgresUrl } from './hosts.js';

/** Connections one process holds at most; every front end (worker process) has its own pool. */
export const POSTGRES_POOL_CONNECTIONS_MAX = 10;
/** A request waits this long for a free connection (or a new one) before it is answered SlowDown. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 2_000;
/** An idle pooled connection is closed after this long. */
export const POSTGRES_IDLE_TIMEOUT_MS = 30_000;
/** No statement runs longer than this (the server cancels it): no request hangs on a stuck query. */
export const POSTGRES_STATEMENT_TIMEOUT_MS = 15_000;
/** The client gives up on a query whose answer does not arrive in this long (a server that vanished). */
export const POSTGRES_QUERY_TIMEOUT_MS = 20_000;

const BIGINT_TYPE_ID = 20;

/** The type parsers of this engine's connections: BIGINT as number, everything else as pg does. */
const TYPES = {
  getTypeParser: ((typeId: number, format?: string) => (typeId === BIGINT_TYPE_ID
    ? (text: string) => Number(text)
    : pg.types.getTypeParser(typeId, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** What runs one statement: the pool (any connection) or one client (inside a transaction). */
export interface Sql {
  query<Row extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** The connection options and Client class of a URL with one host or several (hosts.ts). */
export function clientOptionsOf(url: string): { config: pg.ClientConfig; Client: typeof pg.Client } {
  const target = parsePostgresUrl(url);
  return { config: target.config, Client: clientClassFor(target) };
}

export function openPool(url: string, log: (line: string) => void = () => undefined, connectionsMax = POSTGRES_POOL_CONNECTIONS_MAX, applicationName = 'cairn'): pg.Pool {
  const { config, Client } = clientOptionsOf(url);
  const pool = new pg.Pool({
    ...config,
    Client,
    max: connectionsMax,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: POSTGRES_IDLE_TIMEOUT_MS,
    statement_timeout: POSTGRES_STATEMENT_TIMEOUT_MS,
    query_timeout: POSTGRES_QUERY_TIMEOUT_MS,
    keepAlive: true,
    types: TYPES,
    application_name: applicationName,
  });
  // An idle connection that breaks (the server restarted) is dropped from the pool; without this
  // listener its error would end the process.
  pool.on('error', (error) => log(`index: an idle PostgreSQL connection failed: ${error.message}`));
  // pg-pool listens for errors only while a connection is idle. One that breaks while checked out
  // between two statements (a snapshot read, a placement scan between pages, a batch applying) would
  // emit an unhandled 'error' and end the process; its next statement fails instead (SlowDown) and the
  // connection is destroyed on release.
  pool.on('connect', (client) => client.on('error', (error) => log(`index: a PostgreSQL connection in use failed: ${error.message}`)));
  return pool;
}

/**
 * Failures a retry may clear, answered SlowDown: SQLSTATE class 08 (connection), 57P0x (shutdown),
 * 53300 (too many connections), 57014 (a statement cancelled by statement_timeout: the database is
 * overloaded or a lock is held too long), 40001 and 40P01 (serialization failure, deadlock).
 */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-4]|53300|57014|40001|40P01)$/;
const UNAVAILABLE_SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection terminated unexpectedly/;

export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof IndexUnavailableError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_SYSTEM_CODES.has(code))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** Runs `operation`; a connection failure is rethrown as IndexUnavailableError, anything else as it is. */
export async function reachable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    throw new IndexUnavailableError(`the PostgreSQL index is unreachable: ${(error as Error).message}`, { cause: error });
  }
}
