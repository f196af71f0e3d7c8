// S3 Metadata in a server process: what it adds to the S3 surface (its endpoints and its system
// bucket), the SQL endpoint every process serves, and the exporter that runs in one process only (of
// all the servers on a PostgreSQL index: the holder of the background jobs' lease). Test and tuning hooks come from the environment (docs/metadata.md).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sqlOperation } from './sql-endpoint.js';
import type { Operation, S3Endpoint } from '../../frontend/s3/endpoint.js';
import { METADATA_ENDPOINTS, METADATA_PROTECTED_BUCKETS } from './endpoints.js';
import { startMetadataExporter, type MetadataExporter } from './exporter.js';
import { MetadataQueryService, QUERY_TIME_MS_MAX } from './query.js';
import type { Layers } from '../../services/objects.js';
import type { TablePublisher } from './worker-context.js';

/** The tables' scratch space and local file copies, under the data directory. */
const METADATA_DIRECTORY_NAME = 'metadata';
/** Local copies of metadata table files kept for queries. */
const QUERY_CACHE_BYTES_MAX = 1024 * 1024 * 1024;

/** Hooks for tests: each shortens something that is long in production, or injects a fault. */
const HOOKS = {
  /** The length of a RecordExpiration "day", in seconds (default: the server's lifecycle day). */
  daySeconds: 'CAIRN_METADATA_DAY_SECONDS',
  /** Versions per inventory backfill page. */
  backfillPageVersions: 'CAIRN_METADATA_BACKFILL_PAGE_VERSIONS',
  /** A query's time limit, in ms. */
  queryTimeMs: 'CAIRN_METADATA_QUERY_TIME_MS',
  /** A pause (ms) between storing exported files and committing them, for kill -9 tests. */
  exportPauseMs: 'CAIRN_FAULT_METADATA_EXPORT_PAUSE_MS',
} as const;

function hook(name: keyof typeof HOOKS): number | undefined {
  const text = process.env[HOOKS[name]];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${HOOKS[name]}=${text}: expected a positive number`);
  return value;
}

/** Scratch files of queries a killed process left behind (call before any process serves). */
export async function clearMetadataScratch(dataDirectory: string): Promise<void> {
  await rm(join(dataDirectory, METADATA_DIRECTORY_NAME, 'query', 'queries'), { recursive: true, force: true });
}

export interface MetadataRuntime {
  /** Its S3 endpoints, for the S3 surface's table. */
  s3Endpoints: readonly S3Endpoint[];
  /** Buckets clients may only read (the tables' bucket), with the refusal's message. */
  protectedBuckets: ReadonlyMap<string, string>;
  /** Its operations under /_cairn/ (the SQL endpoint). */
  internalOperations: Record<string, Operation>;
  /**
   * Starts the exporter: a singleton job, started by the server where the singleton background jobs
   * run (its host's background process; on PostgreSQL, the one server holding the jobs' lease).
   */
  startExporter(): { stop(): Promise<void> };
}

export async function startMetadata(
  layers: Layers,
  settings: {
    dataDirectory: string; region: string; ownerId: string; lifecycleDayMs: number; log: (line: string) => void;
    /** Serves the tables as Iceberg tables of `aws-s3` (the tables feature's managed bucket). */
    publishTable?: TablePublisher;
  },
): Promise<MetadataRuntime> {
  const directory = join(settings.dataDirectory, METADATA_DIRECTORY_NAME);
  const queries = new MetadataQueryService(layers, {
    cacheDirectory: join(directory, 'query'), cacheBytesMax: QUERY_CACHE_BYTES_MAX, queryTimeMsMax: hook('queryTimeMs') ?? QUERY_TIME_MS_MAX,
  });
  const exporterOptions = {
    workDirectory: join(directory, 'exporter'),
    daySeconds: hook('daySeconds') ?? settings.lifecycleDayMs / 1000,
    backfillPageVersions: hook('backfillPageVersions'),
    pauseBeforeCommitMs: hook('exportPauseMs'),
    region: settings.region,
    ownerId: settings.ownerId,
    log: settings.log,
    publishTable: settings.publishTable,
  };
  return {
    s3Endpoints: METADATA_ENDPOINTS,
    protectedBuckets: METADATA_PROTECTED_BUCKETS,
    internalOperations: { '/_cairn/sql': sqlOperation(queries) },
    startExporter() {
      const starting: Promise<MetadataExporter | undefined> = startMetadataExporter(layers, exporterOptions).catch((error: unknown) => {
        settings.log(`metadata: the exporter did not start: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      });
      return { stop: async () => (await starting)?.stop() };
    },
  };
}
