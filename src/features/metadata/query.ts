// SQL over the metadata tables with DuckDB, embedded: each query gets a fresh in-memory database
// whose views read exactly the files of the tables it names (and the rows not exported yet, so a
// query sees every committed change). Then file access is switched off and the configuration locked,
// only a single SELECT is run, and it is bounded in time (interrupted) and in rows.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { Layers } from '../../services/objects.js';
import type { StoredMetadataConfiguration } from './configuration.js';
import { LocalFileCache } from './files.js';
import { prepareCatalog, registerTables } from './tables.js';
import { resolveSources, snapshotRequest } from './sources.js';
import { sqlString } from './schema.js';

/** A query's text, at most. */
export const QUERY_TEXT_BYTES_MAX = 64 * 1024;
/** Rows a query returns at most; the answer says when there were more. */
export const QUERY_ROWS_MAX = 10_000;
/** A query running longer is interrupted. */
export const QUERY_TIME_MS_MAX = 30_000;
/** Queries one process runs at once; more are refused (retry later). */
export const QUERIES_CONCURRENT_MAX = 2;
/** Buckets whose tables one query may read. */
const QUERY_BUCKETS_MAX = 16;
/** Rows not exported yet that a query reads at most (more means the exporter is far behind). */
const QUERY_PENDING_ROWS_MAX = 200_000;
/** Files of one table a query reads at most (compaction keeps tables far below). */
const QUERY_FILES_PER_TABLE_MAX = 5_000;
/** DuckDB's own limits per query. */
const QUERY_MEMORY_LIMIT = '512MB';
const QUERY_THREADS = '2';

const READ_ONLY_MESSAGE = 'Only a read-only query (SELECT, or WITH … SELECT) can be run.';
/** Statements that are plainly not queries, by their first word (only to word the refusal). */
const WRITING_STATEMENT_PATTERN = /^\s*(COPY|CREATE|INSERT|UPDATE|DELETE|DROP|ALTER|ATTACH|DETACH|INSTALL|LOAD|SET|RESET|PRAGMA|EXPORT|IMPORT|CALL|USE|CHECKPOINT|VACUUM)\b/i;

export type QueryErrorCode = 'InvalidQuery' | 'QueryTimeout' | 'TooManyQueries' | 'TablesNotReady';

export class QueryError extends Error {
  constructor(readonly code: QueryErrorCode, message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

export interface QueryColumn {
  name: string;
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  rows: unknown[][];
  /** More rows matched than QUERY_ROWS_MAX. */
  truncated: boolean;
  elapsedMs: number;
}

/** DuckDB's messages start with a category ("Parser Error: …"); keep the first line. */
function duckMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim();
}

/** JSON-friendly values: maps as objects, 64-bit integers as numbers while exact. */
function jsonValue(value: unknown, type: string): unknown {
  if (value === null) return null;
  if (type.startsWith('MAP(') && Array.isArray(value)) {
    return Object.fromEntries((value as Array<{ key: unknown; value: unknown }>).map((entry) => [String(entry.key), entry.value]));
  }
  if (typeof value === 'string' && /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(type) && /^-?\d+$/.test(value)) {
    const number = Number(value);
    if (Number.isSafeInteger(number)) return number;
  }
  return value;
}

export interface MetadataQueryOptions {
  /** Local copies of the tables' files (shared by this process's queries). */
  cacheDirectory: string;
  cacheBytesMax: number;
  /** QUERY_TIME_MS_MAX unless a test shortens it. */
  queryTimeMsMax: number;
}

export class MetadataQueryService {
  private running = 0;
  private readonly cache: LocalFileCache;

  constructor(private readonly layers: Layers, private readonly options: MetadataQueryOptions) {
    this.cache = new LocalFileCache(join(options.cacheDirectory, 'files'), options.cacheBytesMax);
  }

  async query(sql: string): Promise<QueryResult> {
    if (Buffer.byteLength(sql) > QUERY_TEXT_BYTES_MAX) throw new QueryError('InvalidQuery', `A query is at most ${QUERY_TEXT_BYTES_MAX} bytes.`);
    if (sql.trim() === '') throw new QueryError('InvalidQuery', 'The query is empty.');
    if (this.running >= QUERIES_CONCURRENT_MAX) throw new QueryError('TooManyQueries', `${QUERIES_CONCURRENT_MAX} queries are running; retry shortly.`);
    this.running += 1;
    const workDirectory = join(this.options.cacheDirectory, 'queries', randomUUID());
    const cachedPaths: string[] = [];
    let instance: DuckDBInstance | undefined;
    try {
      await mkdir(workDirectory, { recursive: true });
      // Loaded on first use: the native library is large, and commands like `cairn sql` never need it.
      const duckdb = await import('@duckdb/node-api');
      instance = await duckdb.DuckDBInstance.create(':memory:', { threads: QUERY_THREADS, memory_limit: QUERY_MEMORY_LIMIT });
      const connection = await instance.connect();
      const readablePaths = await this.registerReferencedTables(connection, sql, workDirectory, cachedPaths);
      // From here on the query can read only the files of its tables, and cannot change that.
      // Journal timestamps are UTC without a zone (AWS's TIMESTAMP NTZ): compare them with UTC clocks.
      await connection.run(`SET TimeZone = 'UTC'; SET allowed_paths = [${readablePaths.map(sqlString).join(', ')}]; SET enable_external_access = false;
        SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET lock_configuration = true`);
      const statement = await this.singleSelect(connection, sql, duckdb.StatementType.SELECT);
      return await this.execute(connection, statement);
    } finally {
      instance?.closeSync();
      this.cache.release(cachedPaths);
      this.running -= 1;
      await rm(workDirectory, { recursive: true, force: true });
      await this.cache.evict();
    }
  }

  /** Registers the tables of every bucket whose name the query mentions; returns the files they read. */
  private async registerReferencedTables(connection: DuckDBConnection, sql: string, workDirectory: string, cachedPaths: string[]): Promise<string[]> {
    await prepareCatalog(connection);
    const { index } = this.layers;
    const configured = (await index.listBucketsWithSetting('metadata')).map((entry) => entry.bucket);
    const withFiles = (await index.readMetadataSnapshot(snapshotRequest([], { pendingRowsMax: 0, filesPerTableMax: 0 }))).bucketsWithFiles;
    // A name the query does not contain cannot be a table it reads: only those are prepared.
    const referenced = [...new Set([...configured, ...withFiles])].filter((bucket) => sql.includes(bucket)).slice(0, QUERY_BUCKETS_MAX);
    const snapshot = await index.readMetadataSnapshot(snapshotRequest(referenced, {
      pendingRowsMax: QUERY_PENDING_ROWS_MAX, filesPerTableMax: QUERY_FILES_PER_TABLE_MAX,
    }));
    const readable: string[] = [];
    for (const table of snapshot.tables) {
      if (table.overLimit !== undefined) {
        throw new QueryError('TablesNotReady', `The metadata tables of bucket ${table.bucket} are being exported (${table.overLimit === 'pending-rows' ? 'many rows not exported yet' : 'many small files'}); retry shortly.`);
      }
      const resolved = await resolveSources(this.layers, this.cache, table, workDirectory, snapshot.journalHighWater);
      cachedPaths.push(...resolved.cachedPaths);
      readable.push(...resolved.cachedPaths);
      if (resolved.sources.pendingPath !== undefined) readable.push(resolved.sources.pendingPath);
      await registerTables(connection, table.bucket, resolved.sources);
    }
    return readable;
  }

  private async singleSelect(connection: DuckDBConnection, sql: string, selectType: number): Promise<DuckDBPreparedStatement> {
    let statement: DuckDBPreparedStatement;
    try {
      const extracted = await connection.extractStatements(sql);
      if (extracted.count !== 1) throw new QueryError('InvalidQuery', `Send exactly one statement (this text has ${extracted.count}).`);
      statement = await extracted.prepare(0);
    } catch (error) {
      if (error instanceof QueryError) throw error;
      // A COPY … TO or an ATTACH fails while binding, on the locked file system: say why plainly.
      if (WRITING_STATEMENT_PATTERN.test(sql)) throw new QueryError('InvalidQuery', READ_ONLY_MESSAGE);
      throw new QueryError('InvalidQuery', duckMessage(error).replace(/^Failed to extract statements: /, ''));
    }
    // The guarantee: DuckDB's own statement type, whatever the text looks like.
    if (statement.statementType !== selectType) throw new QueryError('InvalidQuery', READ_ONLY_MESSAGE);
    return statement;
  }

  private async execute(connection: DuckDBConnection, statement: DuckDBPreparedStatement): Promise<QueryResult> {
    const startedMs = Date.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, this.options.queryTimeMsMax);
    try {
      const reader = await statement.streamAndReadUntil(QUERY_ROWS_MAX + 1);
      const columns = reader.columnNames().map((name, position) => ({ name, type: String(reader.columnType(position)) }));
      const rows = reader.getRowsJson().slice(0, QUERY_ROWS_MAX)
        .map((row) => row.map((value, position) => jsonValue(value, columns[position]!.type)));
      return { columns, rows, truncated: reader.currentRowCount > QUERY_ROWS_MAX, elapsedMs: Date.now() - startedMs };
    } catch (error) {
      if (timedOut) throw new QueryError('QueryTimeout', `The query ran longer than ${this.options.queryTimeMsMax / 1000} s and was stopped.`);
      throw new QueryError('InvalidQuery', duckMessage(error));
    } finally {
      clearTimeout(timer);
    }
  }
}
