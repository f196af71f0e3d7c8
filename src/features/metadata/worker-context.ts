// What the metadata exporter's tasks share: the layers, a scratch directory, DuckDB for writing
// Parquet, and the one way a task publishes files (storage first, then one index commit).
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { MetadataFilesCommit, ObjectRecord } from '../../index/types.js';
import { tombstone, type Layers } from '../../services/objects.js';
import { LocalFileCache, storeFile } from './files.js';
import { METADATA_SYSTEM_BUCKET } from './names.js';
import { parquetFieldIds } from './iceberg-schema.js';
import { sqlString } from './schema.js';

/** DuckDB's limits while the exporter writes files (it runs beside the server's own work). */
const WORKER_DUCKDB_THREADS = '1';
const WORKER_DUCKDB_MEMORY_LIMIT = '256MB';
/** Local copies of table files the exporter keeps for compactions and inventory rebuilds. */
const WORKER_CACHE_BYTES_MAX = 512 * 1024 * 1024;

/**
 * Parquet written for the tables: zstd, and the Parquet field ids of the table's Iceberg schema
 * (iceberg-schema.ts; Iceberg maps columns by id), so the files join the `aws-s3` tables as they are.
 */
const parquetOptions = (columns: Array<[string, string]>): string => `FORMAT parquet, COMPRESSION zstd, ${parquetFieldIds(columns)}`;

/** An in-memory DuckDB; the native library is loaded on first use (commands that never need it stay quick). */
async function createDatabase(): Promise<DuckDBInstance> {
  const { DuckDBInstance: Instance } = await import('@duckdb/node-api');
  return Instance.create(':memory:', { threads: WORKER_DUCKDB_THREADS, memory_limit: WORKER_DUCKDB_MEMORY_LIMIT });
}

/** A table to publish (iceberg-publish.ts): its namespace and name in `aws-s3`, its Iceberg schema and its data files. */
export interface PublishedTable {
  namespace: string;
  name: string;
  /** The id its ARN names (GetBucketMetadataConfiguration's), used when the table is created. */
  tableId?: string;
  schema: Record<string, unknown>;
  files: Array<{ location: string; recordCount: number; sizeBytes: number }>;
}

export type TablePublisher = (table: PublishedTable) => Promise<void>;

export interface MetadataWorkerOptions {
  /** Scratch space and the local file cache (under the data directory). */
  workDirectory: string;
  /** The length of a "day" for RecordExpiration (shortened in tests). */
  daySeconds: number;
  log: (line: string) => void;
  /** Versions per inventory backfill page (default BACKFILL_PAGE_VERSIONS). */
  backfillPageVersions?: number;
  /** Fault injection: wait this long between storing files and committing them (crash tests). */
  pauseBeforeCommitMs?: number;
  /** For the system bucket, created with the first commit (a server that never journals has none). */
  region: string;
  ownerId: string;
  /** Serves the tables as Iceberg tables of `aws-s3` (the server wires the tables feature's in). */
  publishTable?: TablePublisher;
}

/** A promise settled from outside: when the commit that makes stored files visible is over. */
function settlement(): { settled: Promise<void>; settle: () => void } {
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { settled, settle };
}

export class MetadataWorkerContext {
  readonly cache: LocalFileCache;
  private systemBucketExists = false;
  /** Settles after the next commit: files stored until then keep their volumes active (compaction). */
  private nextCommit = settlement();
  /** The exporter's database, created on first use: a server that never journals never loads DuckDB. */
  private duck: DuckDBInstance | undefined;
  private duckCreating: Promise<DuckDBInstance> | undefined;

  private constructor(
    readonly layers: Layers,
    readonly options: MetadataWorkerOptions,
  ) {
    this.cache = new LocalFileCache(join(options.workDirectory, 'files'), WORKER_CACHE_BYTES_MAX);
  }

  static async open(layers: Layers, options: MetadataWorkerOptions): Promise<MetadataWorkerContext> {
    await rm(join(options.workDirectory, 'scratch'), { recursive: true, force: true });
    await mkdir(join(options.workDirectory, 'scratch'), { recursive: true });
    return new MetadataWorkerContext(layers, options);
  }

  log(line: string): void {
    this.options.log(`metadata: ${line}`);
  }

  scratchPath(suffix: string): string {
    return join(this.options.workDirectory, 'scratch', `${randomUUID()}${suffix}`);
  }

  /** A fresh DuckDB connection; views it creates vanish with it only if dropped, so use withDatabase for views. */
  async connect(): Promise<DuckDBConnection> {
    this.duckCreating ??= createDatabase().then(
      (duck) => (this.duck = duck),
      (error: unknown) => {
        // The next use tries again.
        this.duckCreating = undefined;
        throw error;
      },
    );
    return (await this.duckCreating).connect();
  }

  /** Runs `task` with a database of its own (views and all), dropped afterwards. */
  async withDatabase<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const instance = await createDatabase();
    try {
      return await task(await instance.connect());
    } finally {
      instance.closeSync();
    }
  }

  /** Writes `select`'s rows (`columns`, ordered by `orderBy`) as a Parquet file in the system bucket (not yet visible). */
  async storeSelect(
    connection: DuckDBConnection,
    columns: Array<[string, string]>,
    select: string,
    orderBy: string,
    key: string,
    userMetadata: Record<string, string>,
  ): Promise<ObjectRecord> {
    const localPath = this.scratchPath('.parquet');
    try {
      await connection.run(`COPY (SELECT * FROM (${select}) ORDER BY ${orderBy}) TO ${sqlString(localPath)} (${parquetOptions(columns)})`);
      return await storeFile(this.layers, key, localPath, userMetadata, this.nextCommit.settled);
    } finally {
      await rm(localPath, { force: true });
    }
  }

  /** JSON lines to a scratch file for DuckDB; remove it with `discard`. */
  async writeLines(lines: string[]): Promise<string> {
    const path = this.scratchPath('.ndjson');
    await writeFile(path, lines.join('\n') + '\n');
    return path;
  }

  async discard(path: string | undefined): Promise<void> {
    if (path !== undefined) await rm(path, { force: true });
  }

  /** Makes stored files visible (and consumes journal rows, sets states) in one index transaction. */
  async commit(change: Omit<MetadataFilesCommit, 'systemBucket'>): Promise<void> {
    // Files stored from now on wait for the next commit; those stored so far, for this one.
    const committing = this.nextCommit;
    this.nextCommit = settlement();
    try {
      if (this.options.pauseBeforeCommitMs !== undefined && change.add.length > 0) {
        this.log(`fault injection: pausing ${this.options.pauseBeforeCommitMs} ms before committing ${change.add.length} file(s)`);
        await new Promise((resolve) => setTimeout(resolve, this.options.pauseBeforeCommitMs));
      }
      await this.ensureSystemBucket();
      const outcome = await this.layers.index.commitMetadataFiles({ systemBucket: METADATA_SYSTEM_BUCKET, ...change });
      await Promise.all(outcome.discarded.map((file) => tombstone(this.layers, METADATA_SYSTEM_BUCKET, file.key, [file.dataId])));
    } finally {
      committing.settle();
    }
  }

  private async ensureSystemBucket(): Promise<void> {
    if (this.systemBucketExists) return;
    const { index } = this.layers;
    if (await index.getBucket(METADATA_SYSTEM_BUCKET) === undefined) {
      await index.createBucket({ name: METADATA_SYSTEM_BUCKET, createdAtMs: Date.now(), region: this.options.region, ownerId: this.options.ownerId });
    }
    this.systemBucketExists = true;
  }

  close(): void {
    this.duck?.closeSync();
  }
}
