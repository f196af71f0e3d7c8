// The maintenance service: a background job (the job runner's) that, in the process running
// background work, visits every table of every table bucket at each pass and runs each enabled job
// on it in turn (compaction, snapshot management, unreferenced file removal), recording each job's
// status per table in the index for GetTableMaintenanceJobStatus and the metrics.
import type { Index, TableBucketRecord, TableRecord } from '../../../index/types.js';
import type { Layers } from '../../../services/objects.js';
import { JobRunner } from '../../../services/jobs/runner.js';
import { markExpiredFiles, planExpiry, removeUnreferencedFiles } from './cleanup.js';
import { commitMaintenance, type CommitOutcome, type CommitSettings } from './commit.js';
import { planCompaction } from './compaction.js';
import { MANAGED_TABLE_BUCKET_NAME } from '../names.js';
import {
  BUCKET_MAINTENANCE_TYPES, jobStatuses, maintenanceConfiguration, putJobStatus, TABLE_MAINTENANCE_TYPES, type MaintenanceJobType, type MaintenanceValue,
} from './config.js';

const CATALOG_PAGE_ENTRIES = 1000;
const HOURS_PER_DAY = 24;
/** Tries at one job's commit before it gives up to writers that keep winning. */
export const COMMIT_ATTEMPTS_MAX = 3;

export interface MaintenanceScale {
  /** The length of a maintenance "hour" (maxSnapshotAgeHours; a day is 24 of them). */
  hourMs: number;
  /** Bytes in a "MB" of targetFileSizeMB. */
  megabyteBytes: number;
  intervalMs: number;
  commitDelayMs: number;
}

interface JobResult { conflicts: number; failure?: string }

export class TablesMaintenance {
  private readonly runner: JobRunner<true>;
  private readonly commits: CommitSettings;

  constructor(private readonly layers: Layers, private readonly scale: MaintenanceScale, private readonly settings: { accountId: string; log: (line: string) => void }) {
    this.commits = { layers, accountId: settings.accountId, attemptsMax: COMMIT_ATTEMPTS_MAX, commitDelayMs: scale.commitDelayMs };
    this.runner = new JobRunner<true>({
      name: 'tables-maintenance',
      pollIntervalMs: scale.intervalMs,
      next: async () => true,
      pass: async (_work, context) => this.pass(context.signal),
      onError: (error) => settings.log(`tables maintenance: pass failed: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  start(): this {
    this.runner.start();
    return this;
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  private get index(): Index {
    return this.layers.index;
  }

  private async pass(signal: AbortSignal): Promise<void> {
    for (let after: string | undefined; ;) {
      const buckets = await this.index.listTableBuckets({ after, limit: CATALOG_PAGE_ENTRIES });
      for (const bucket of buckets) {
        if (signal.aborted) return;
        await this.maintainBucket(bucket, signal);
      }
      if (buckets.length < CATALOG_PAGE_ENTRIES) return;
      after = buckets[buckets.length - 1]!.name;
    }
  }

  private async maintainBucket(bucket: TableBucketRecord, signal: AbortSignal): Promise<void> {
    // The managed bucket's tables are kept by their owner (managed/publish.ts), snapshots included.
    if (bucket.name === MANAGED_TABLE_BUCKET_NAME) return;
    const bucketConfiguration = await maintenanceConfiguration(this.index, bucket.tableBucketId, BUCKET_MAINTENANCE_TYPES);
    for (let after: { namespace: string; name: string } | undefined; ;) {
      const tables = await this.index.listTables(bucket.name, { after, limit: CATALOG_PAGE_ENTRIES });
      for (const table of tables) {
        if (signal.aborted) return;
        const configuration = { ...await maintenanceConfiguration(this.index, table.tableId, TABLE_MAINTENANCE_TYPES), ...bucketConfiguration };
        for (const type of [...TABLE_MAINTENANCE_TYPES, ...BUCKET_MAINTENANCE_TYPES]) {
          if (configuration[type].status === 'enabled' && table.metadataLocation !== undefined) await this.runJob(table, type, configuration[type]);
        }
      }
      if (tables.length < CATALOG_PAGE_ENTRIES) return;
      const last = tables[tables.length - 1]!;
      after = { namespace: last.namespace, name: last.name };
    }
  }

  /** Runs one job on one table and records its outcome. */
  private async runJob(table: TableRecord, type: MaintenanceJobType, value: MaintenanceValue): Promise<void> {
    let result: JobResult;
    try {
      result = await this.jobOf(type)(table, value.settings);
    } catch (error) {
      result = { conflicts: 0, failure: error instanceof Error ? error.message : String(error) };
    }
    if (result.failure !== undefined) this.settings.log(`tables maintenance: ${type} of ${table.tableBucket}/${table.namespace}/${table.name} failed: ${result.failure}`);
    const before = (await jobStatuses(this.index, table.tableId))[type];
    await putJobStatus(this.index, table.tableId, type, {
      status: result.failure === undefined ? 'Successful' : 'Failed', lastRunTimestampMs: Date.now(),
      ...(result.failure === undefined ? {} : { failureMessage: result.failure }),
      runs: before.runs + 1, failures: before.failures + (result.failure === undefined ? 0 : 1), conflicts: before.conflicts + result.conflicts,
    });
  }

  private jobOf(type: MaintenanceJobType): (table: TableRecord, settings: Record<string, number | string>) => Promise<JobResult> {
    if (type === 'icebergCompaction') return (table, settings) => this.compact(table, Number(settings['targetFileSizeMB']));
    if (type === 'icebergSnapshotManagement') {
      return (table, settings) => this.expireSnapshots(table, Number(settings['minSnapshotsToKeep']), Number(settings['maxSnapshotAgeHours']));
    }
    return async (table, settings) => {
      const dayMs = this.scale.hourMs * HOURS_PER_DAY;
      await removeUnreferencedFiles(this.layers, table,
        { unreferencedMs: Number(settings['unreferencedDays']) * dayMs, noncurrentMs: Number(settings['nonCurrentDays']) * dayMs }, Date.now());
      return { conflicts: 0 };
    };
  }

  private async compact(table: TableRecord, targetFileSizeMB: number): Promise<JobResult> {
    const targetBytes = targetFileSizeMB * this.scale.megabyteBytes;
    return resultOf(await commitMaintenance(this.commits, table.tableBucket, table.tableId, (base) => planCompaction(this.layers, base, targetBytes)));
  }

  private async expireSnapshots(table: TableRecord, minSnapshotsToKeep: number, maxSnapshotAgeHours: number): Promise<JobResult> {
    const maxAgeMs = maxSnapshotAgeHours * this.scale.hourMs;
    const outcome = await commitMaintenance(this.commits, table.tableBucket, table.tableId, async (base) => planExpiry(base, minSnapshotsToKeep, maxAgeMs, Date.now()));
    if (outcome.kind === 'committed') await markExpiredFiles(this.layers, table.tableId, outcome.before, outcome.after, Date.now());
    return resultOf(outcome);
  }
}

function resultOf(outcome: CommitOutcome): JobResult {
  if (outcome.kind === 'gave-up') {
    return { conflicts: outcome.conflicts, failure: `Gave up after ${COMMIT_ATTEMPTS_MAX} attempts: a writer's commit won each time.` };
  }
  return { conflicts: outcome.conflicts };
}
