// A maintenance job's commit, through the same optimistic concurrency as any writer's: the job plans
// its change from the metadata it read (with requirements such as assert-ref-snapshot-id), writes
// the next metadata file, and swaps the table's pointer only if the version token it read is still
// current. A writer that committed in between wins; the job plans again from the new metadata, a
// bounded number of times, then gives up.
import type { TableRecord } from '../../../index/types.js';
import type { Layers } from '../../../services/objects.js';
import { nextMetadataLocation, readMetadataFile, withPreviousFile, writeMetadataFile } from '../iceberg/metadata-files.js';
import type { JsonObject, LongId, TableMetadata } from '../iceberg/metadata-model.js';
import { checkRequirements } from '../iceberg/metadata-requirements.js';
import { applyUpdates } from '../iceberg/metadata-updates.js';
import { newVersionToken } from '../table-ops.js';

export interface MaintenanceChange {
  requirements: JsonObject[];
  updates: JsonObject[];
}

/** Plans a change from the current metadata; undefined: nothing to do. */
export type PlanChange = (base: TableMetadata, table: TableRecord) => Promise<MaintenanceChange | undefined>;

export interface CommitSettings {
  layers: Layers;
  accountId: string;
  attemptsMax: number;
  /** A pause between planning and committing (a test setting that opens the window for a racing writer). */
  commitDelayMs: number;
}

export type CommitOutcome =
  | { kind: 'committed'; before: TableMetadata; after: TableMetadata; conflicts: number }
  | { kind: 'nothing'; conflicts: number }
  | { kind: 'gave-up'; conflicts: number }
  | { kind: 'gone'; conflicts: number };

/** The digits of an int64 id as the metadata keeps it (a number, or a marked string of digits). */
export const longIdText = (id: LongId): string => (typeof id === 'number' ? String(id) : id.replace(/^\D+/, ''));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function commitMaintenance(settings: CommitSettings, tableBucket: string, tableId: string, plan: PlanChange): Promise<CommitOutcome> {
  const { layers } = settings;
  let conflicts = 0;
  for (let attempt = 0; attempt < settings.attemptsMax; attempt++) {
    const table = await layers.index.getTableById(tableBucket, tableId);
    if (table === undefined) return { kind: 'gone', conflicts };
    if (table.metadataLocation === undefined) return { kind: 'nothing', conflicts };
    const base = await readMetadataFile(layers, table.metadataLocation);
    if (base === undefined) throw new Error(`the table's metadata file ${table.metadataLocation} is missing`);
    const change = await plan(base, table);
    if (change === undefined) return { kind: 'nothing', conflicts };
    if (settings.commitDelayMs > 0) await sleep(settings.commitDelayMs);
    checkRequirements(base, change.requirements);
    const nowMs = Date.now();
    const after = withPreviousFile(applyUpdates(base, change.updates, nowMs), table.metadataLocation, nowMs);
    const metadataLocation = nextMetadataLocation(after);
    await writeMetadataFile(layers, metadataLocation, after);
    const outcome = await layers.index.updateTableMetadataLocation(table.tableBucket, table.namespace, table.name, metadataLocation, newVersionToken(),
      { versionToken: table.versionToken, atMs: nowMs, by: settings.accountId });
    if (outcome === 'missing') return { kind: 'gone', conflicts };
    if (outcome !== 'conflict') return { kind: 'committed', before: base, after, conflicts };
    // A writer's commit won: its metadata is the base of the next attempt (the files this attempt
    // wrote are unreferenced now, and unreferenced-file removal deletes them in time).
    conflicts += 1;
  }
  return { kind: 'gave-up', conflicts };
}
