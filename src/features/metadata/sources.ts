// From an index snapshot of a bucket's metadata tables to the local files DuckDB reads: the journal's
// Parquet files (cached from storage), its rows not exported yet (as JSON lines), and the inventory's
// base files of the current generation, or why the inventory cannot be read yet.
import { join } from 'node:path';
import type { MetadataSnapshotRequest, MetadataTableSnapshot, ObjectRecord } from '../../index/types.js';
import type { Layers } from '../../services/objects.js';
import { inventoryTableStatus, type InventoryTableState, type StoredMetadataConfiguration } from './configuration.js';
import type { LocalFileCache } from './files.js';
import { INVENTORY_TABLE_NAME, JOURNAL_TABLE_NAME, METADATA_SYSTEM_BUCKET, tableDataPrefix } from './names.js';
import { writePendingRows, type InventorySource, type TableSources } from './tables.js';

/** User metadata (x-amz-meta-*) of the files in the system bucket. */
export const FILE_METADATA = {
  firstSequence: 'first-sequence',
  lastSequence: 'last-sequence',
  rows: 'rows',
  minRecordTimestampMs: 'min-record-timestamp-ms',
  maxRecordTimestampMs: 'max-record-timestamp-ms',
  generation: 'generation',
} as const;

export function fileNumber(file: ObjectRecord, name: string): number {
  return Number(file.userMetadata[name] ?? 0);
}

export function snapshotRequest(buckets: string[], limits: { pendingRowsMax: number; filesPerTableMax: number }): MetadataSnapshotRequest {
  return {
    systemBucket: METADATA_SYSTEM_BUCKET,
    buckets: buckets.map((bucket) => ({
      bucket, journalPrefix: tableDataPrefix(bucket, JOURNAL_TABLE_NAME), inventoryPrefix: tableDataPrefix(bucket, INVENTORY_TABLE_NAME),
    })),
    ...limits,
  };
}

export function inventoryStateOf(snapshot: MetadataTableSnapshot): InventoryTableState | undefined {
  return snapshot.states[INVENTORY_TABLE_NAME] as InventoryTableState | undefined;
}

/** The base files of the inventory's current generation. */
export function inventoryBaseFiles(snapshot: MetadataTableSnapshot, state: InventoryTableState): ObjectRecord[] {
  return snapshot.inventoryFiles.filter((file) => file.userMetadata[FILE_METADATA.generation] === state.generation);
}

function inventoryReadiness(snapshot: MetadataTableSnapshot): { ready: boolean; reason?: string } | undefined {
  const configuration = snapshot.configuration as StoredMetadataConfiguration | undefined;
  const state = inventoryStateOf(snapshot);
  if (configuration?.inventory.enabled === true) {
    const status = inventoryTableStatus(configuration, state);
    if (status === 'ACTIVE') return { ready: true };
    const progress = status === 'BACKFILLING' ? ` (${state!.versionsBackfilled} object versions so far)` : '';
    return { ready: false, reason: `The inventory table of bucket ${snapshot.bucket} is ${status}${progress}; it can be queried once it is ACTIVE.` };
  }
  // A table whose configuration went stays readable as it was when recording stopped.
  if (state?.status === 'ACTIVE') return { ready: true };
  return undefined;
}

/** Local sources for one bucket's tables; `release` the returned paths to the cache when done. */
export async function resolveSources(
  layers: Layers,
  cache: LocalFileCache,
  snapshot: MetadataTableSnapshot,
  workDirectory: string,
  journalHighWater: number,
): Promise<{ sources: TableSources; cachedPaths: string[] }> {
  const readiness = inventoryReadiness(snapshot);
  const state = inventoryStateOf(snapshot);
  const baseFiles = readiness?.ready === true ? inventoryBaseFiles(snapshot, state!) : [];
  const cachedPaths = await cache.acquire(layers, [...snapshot.journalFiles, ...baseFiles]);
  const journalPaths = cachedPaths.slice(0, snapshot.journalFiles.length);
  const basePaths = cachedPaths.slice(snapshot.journalFiles.length);
  let inventory: InventorySource = { kind: 'none' };
  if (readiness?.ready === true) inventory = { kind: 'readable', basePaths, watermark: state!.watermark ?? journalHighWater };
  else if (readiness !== undefined) inventory = { kind: 'not-ready', reason: readiness.reason! };
  const pendingPath = await writePendingRows(join(workDirectory, `pending-${encodeURIComponent(snapshot.bucket)}.ndjson`), snapshot.pendingRows);
  return { sources: { journalPaths, pendingPath, inventory }, cachedPaths };
}
