// The live inventory table: a base of Parquet files plus every later journal change applied on read
// (tables.ts), so it is kept current from the journal alone, never by rescanning the bucket. It is
// built once by a backfill when enabled (pages of the bucket's versions, each read together with
// the journal's high-water mark), and its base is rewritten when the changes on top grow large.
import { randomUUID } from 'node:crypto';
import type { MetadataTableSnapshot } from '../../index/types.js';
import type { InventoryTableState, StoredMetadataConfiguration } from './configuration.js';
import { INVENTORY_TABLE_NAME, tableDataPrefix } from './names.js';
import { INVENTORY_COLUMN_LIST, INVENTORY_COLUMNS, inventoryLine, inventoryLinesSelect, sqlIdentifier } from './schema.js';
import { FILE_METADATA, fileNumber, inventoryBaseFiles, inventoryStateOf, resolveSources } from './sources.js';
import { prepareCatalog, registerTables } from './tables.js';
import type { MetadataWorkerContext } from './worker-context.js';

/** Versions read per backfill page (one Parquet file each; compaction merges them at the end). */
const BACKFILL_PAGE_VERSIONS = 10_000;
/** A maintenance round spends at most this long backfilling one bucket, then lets the journal export run. */
const BACKFILL_ROUND_MS_MAX = 2_000;
/** The base is rewritten when the changes on top of it reach this many rows … */
const COMPACT_DELTA_ROWS_MIN = 50_000;
/** … or this fraction of the base, whichever is larger, */
const COMPACT_DELTA_FRACTION = 0.25;
/** … or when it is made of more files than this. */
const BASE_FILES_MAX = 4;

function inventoryFileKey(bucket: string, generation: string): string {
  return `${tableDataPrefix(bucket, INVENTORY_TABLE_NAME)}${generation}-${randomUUID()}.parquet`;
}

function stateUpdate(bucket: string, value: InventoryTableState | undefined) {
  return [{ bucket, table: INVENTORY_TABLE_NAME, value }];
}

async function startBackfill(worker: MetadataWorkerContext, table: MetadataTableSnapshot, configuration: StoredMetadataConfiguration): Promise<void> {
  const state: InventoryTableState = {
    status: 'BACKFILLING', enabledAtMs: configuration.inventory.enabledAtMs!, generation: randomUUID(), versionsBackfilled: 0, baseRows: 0,
    startedAtMs: Date.now(),
  };
  // An earlier inventory of this bucket (enabled before, or under an earlier configuration) goes.
  await worker.commit({ add: [], remove: table.inventoryFiles.map((file) => file.key), states: stateUpdate(table.bucket, state) });
  worker.log(`inventory of ${table.bucket}: backfill started`);
}

async function backfillPage(worker: MetadataWorkerContext, bucket: string, state: InventoryTableState): Promise<InventoryTableState> {
  const page = await worker.layers.index.scanVersionsForInventory(bucket, state.cursor, worker.options.backfillPageVersions ?? BACKFILL_PAGE_VERSIONS);
  // The base reflects every change up to the first page's mark; later pages reflect more, and their
  // rows' sequence numbers (after their own mark) win over the changes they already include.
  const watermark = state.watermark ?? page.journalHighWater;
  const files = [];
  if (page.versions.length > 0) {
    const linesPath = await worker.writeLines(page.versions.map((version) => inventoryLine(bucket, version, page.journalHighWater)));
    const connection = await worker.connect();
    try {
      files.push(await worker.storeSelect(connection, INVENTORY_COLUMNS, inventoryLinesSelect(linesPath), 'key, version_id', inventoryFileKey(bucket, state.generation), {
        [FILE_METADATA.generation]: state.generation, [FILE_METADATA.rows]: String(page.versions.length),
      }));
    } finally {
      connection.closeSync();
      await worker.discard(linesPath);
    }
  }
  const done = page.next === undefined;
  const next: InventoryTableState = {
    ...state, watermark, cursor: page.next, status: done ? 'ACTIVE' : 'BACKFILLING',
    versionsBackfilled: state.versionsBackfilled + page.versions.length, baseRows: state.baseRows + page.versions.length,
    activeSinceMs: done ? Date.now() : undefined,
  };
  await worker.commit({ add: files, remove: [], states: stateUpdate(bucket, next) });
  return next;
}

async function backfill(worker: MetadataWorkerContext, bucket: string, state: InventoryTableState): Promise<void> {
  const deadlineMs = Date.now() + BACKFILL_ROUND_MS_MAX;
  let current = state;
  while (current.status === 'BACKFILLING' && Date.now() < deadlineMs) current = await backfillPage(worker, bucket, current);
  worker.log(`inventory of ${bucket}: ${current.versionsBackfilled} object versions backfilled${current.status === 'ACTIVE' ? ', ACTIVE' : ''}`);
}

/** Rewrites the base as the inventory reads now (base + changes), from one snapshot. */
export async function compactInventory(worker: MetadataWorkerContext, table: MetadataTableSnapshot, journalHighWater: number): Promise<void> {
  const state = inventoryStateOf(table)!;
  const generation = randomUUID();
  const workDirectory = worker.options.workDirectory;
  const resolved = await resolveSources(worker.layers, worker.cache, table, workDirectory, journalHighWater);
  try {
    const file = await worker.withDatabase(async (connection) => {
      await prepareCatalog(connection);
      await registerTables(connection, table.bucket, resolved.sources);
      const view = `memory.${INVENTORY_TABLE_NAME}.${sqlIdentifier(table.bucket)}`;
      const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${view}`)).getRowsJson()[0]![0]);
      const stored = await worker.storeSelect(connection, INVENTORY_COLUMNS, `SELECT ${INVENTORY_COLUMN_LIST} FROM ${view}`, 'key, version_id', inventoryFileKey(table.bucket, generation), {
        [FILE_METADATA.generation]: generation, [FILE_METADATA.rows]: String(rows),
      });
      return { stored, rows };
    });
    await worker.commit({
      add: [file.stored],
      remove: table.inventoryFiles.map((existing) => existing.key),
      states: stateUpdate(table.bucket, { ...state, generation, watermark: journalHighWater, baseRows: file.rows }),
    });
    worker.log(`inventory of ${table.bucket}: base rewritten (${file.rows} versions)`);
  } finally {
    worker.cache.release(resolved.cachedPaths);
    await worker.discard(resolved.sources.pendingPath);
  }
}

/** Journal rows newer than the inventory's base (what every read applies on top). */
export function inventoryDeltaRows(table: MetadataTableSnapshot, state: InventoryTableState): number {
  const watermark = state.watermark ?? 0;
  const exported = table.journalFiles
    .filter((file) => fileNumber(file, FILE_METADATA.lastSequence) > watermark)
    .reduce((sum, file) => sum + fileNumber(file, FILE_METADATA.rows), 0);
  return exported + table.pendingRows.length;
}

/** One step of the inventory's upkeep: start or continue a backfill, or rewrite a grown base. */
export async function maintainInventory(worker: MetadataWorkerContext, table: MetadataTableSnapshot, journalHighWater: number): Promise<void> {
  const configuration = table.configuration as StoredMetadataConfiguration | undefined;
  // Without an enabled configuration the table stays as it was when recording stopped.
  if (configuration?.inventory.enabled !== true) return;
  const state = inventoryStateOf(table);
  if (state === undefined || state.enabledAtMs !== configuration.inventory.enabledAtMs) return startBackfill(worker, table, configuration);
  if (state.status === 'BACKFILLING') return backfill(worker, table.bucket, state);
  const deltaRows = inventoryDeltaRows(table, state);
  const grown = deltaRows >= Math.max(COMPACT_DELTA_ROWS_MIN, state.baseRows * COMPACT_DELTA_FRACTION);
  if (grown || inventoryBaseFiles(table, state).length > BASE_FILES_MAX) await compactInventory(worker, table, journalHighWater);
}
