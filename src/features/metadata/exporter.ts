// Background worker for S3 Metadata (one per server: the standalone process, or one chosen cluster
// worker). Every second it exports the journal rows written since (so a change reaches its Parquet
// file within a few seconds), and every few seconds it looks after each bucket's tables: inventory
// backfill and base rewrites, merging small journal files, record expiration, and then publishes
// them as Iceberg tables of `aws-s3` (iceberg-publish.ts). A job of
// jobs/runner.ts, which times the rounds and stops them.
import type { JournalTableState } from './configuration.js';
import { exportJournalBatch, EXPORT_ROWS_PER_BATCH_MAX } from './journal-export.js';
import { compactJournal, expireJournal } from './journal-upkeep.js';
import { publishIcebergTables } from './iceberg-publish.js';
import { maintainInventory } from './inventory.js';
import { JOURNAL_TABLE_NAME } from './names.js';
import { snapshotRequest } from './sources.js';
import { MetadataWorkerContext, type MetadataWorkerOptions } from './worker-context.js';
import { startJob, type JobGate } from '../../services/jobs/runner.js';
import type { Layers } from '../../services/objects.js';

/** How often the exporter looks for new journal rows: well inside AWS's "within minutes", ≤ 5 s. */
export const EXPORT_INTERVAL_MS = 1000;
/** How often each bucket's tables are looked after. */
const UPKEEP_INTERVAL_MS = 3000;
/** After a failure the exporter waits this long (doubling up to the max) before trying again. */
const RETRY_DELAY_MS_MIN = 1000;
const RETRY_DELAY_MS_MAX = 60_000;
/** Limits of the snapshot upkeep reads (beyond them the bucket waits for the export to catch up). */
const UPKEEP_PENDING_ROWS_MAX = 200_000;
const UPKEEP_FILES_PER_TABLE_MAX = 5_000;

export type MetadataExporterOptions = MetadataWorkerOptions;

export interface MetadataExporter {
  /** Finishes the step in progress and stops. */
  stop(): Promise<void>;
}

/** One round of upkeep over every bucket that has a configuration. */
async function upkeep(worker: MetadataWorkerContext, failing: Set<string>): Promise<void> {
  const configured = await worker.layers.index.listBucketsWithSetting('metadata');
  for (const { bucket } of configured) {
    const read = async () => {
      const snapshot = await worker.layers.index.readMetadataSnapshot(snapshotRequest([bucket], {
        pendingRowsMax: UPKEEP_PENDING_ROWS_MAX, filesPerTableMax: UPKEEP_FILES_PER_TABLE_MAX,
      }));
      return { table: snapshot.tables[0]!, journalHighWater: snapshot.journalHighWater };
    };
    let { table, journalHighWater } = await read();
    if ((table.states[JOURNAL_TABLE_NAME] as JournalTableState | undefined)?.error !== undefined) failing.add(bucket);
    if (table.overLimit !== undefined) continue;
    await maintainInventory(worker, table, journalHighWater);
    ({ table, journalHighWater } = await read());
    if (table.overLimit !== undefined) continue;
    if (await expireJournal(worker, table, journalHighWater, Date.now())) continue;
    await compactJournal(worker, table);
  }
}

export async function startMetadataExporter(layers: Layers, options: MetadataExporterOptions, gate?: JobGate): Promise<MetadataExporter> {
  const worker = await MetadataWorkerContext.open(layers, options);
  const failing = new Set<string>();
  let nextUpkeepMs = 0;
  let retryDelayMs = RETRY_DELAY_MS_MIN;
  let delayAfterFailureMs = RETRY_DELAY_MS_MIN;

  const runner = startJob<true>({
    name: 'metadata_export',
    pollIntervalMs: EXPORT_INTERVAL_MS,
    firstPollMs: 0,
    afterPassMs(failed) {
      if (failed) return delayAfterFailureMs;
      retryDelayMs = RETRY_DELAY_MS_MIN;
      return EXPORT_INTERVAL_MS;
    },
    next: async () => true,
    async pass(_work, { signal }) {
      // A full batch means more are waiting: keep going (the backlog is worked off at full speed).
      while (!signal.aborted && (await exportJournalBatch(worker, failing)) === EXPORT_ROWS_PER_BATCH_MAX);
      if (!signal.aborted && Date.now() >= nextUpkeepMs) {
        await upkeep(worker, failing);
        if (options.publishTable !== undefined && !signal.aborted) await publishIcebergTables(worker, options.publishTable);
        nextUpkeepMs = Date.now() + UPKEEP_INTERVAL_MS;
      }
    },
    onError(error) {
      worker.log(`round failed (retrying in ${retryDelayMs / 1000} s): ${error instanceof Error ? error.stack : String(error)}`);
      delayAfterFailureMs = retryDelayMs;
      retryDelayMs = Math.min(RETRY_DELAY_MS_MAX, retryDelayMs * 2);
    },
  }, gate);
  return {
    async stop() {
      await runner.stop();
      worker.close();
    },
  };
}
