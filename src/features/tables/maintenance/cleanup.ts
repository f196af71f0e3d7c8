// Snapshot management and unreferenced file removal, as AWS describes them: snapshots older than
// maxSnapshotAgeHours are expired (a `remove-snapshots` commit) while at least minSnapshotsToKeep
// stay, and never the current one or one a branch or tag names; the files only expired snapshots
// referenced are marked noncurrent. Objects under the table's location that no snapshot or metadata
// file references and that are older than unreferencedDays are marked noncurrent too; a noncurrent
// object is deleted nonCurrentDays after its marking.
import type { Index, TableRecord } from '../../../index/types.js';
import type { Layers } from '../../../services/objects.js';
import { readMetadataFile } from '../iceberg/metadata-files.js';
import type { TableMetadata } from '../iceberg/metadata-model.js';
import type { MaintenanceChange } from './commit.js';
import { ENTRY_DELETED, readManifest, readManifestList } from './manifests.js';
import { deleteTableFile, listTableFiles, readTableFile } from './table-files.js';

/** The index kind of a table's noncurrent marks: `{location: markedAtMs}`. */
const NONCURRENT_KIND = 'noncurrent';

/** Every file the metadata references: metadata files in its log, each snapshot's manifest list, manifests and live data files, statistics. */
export async function referencedFiles(layers: Layers, metadata: TableMetadata): Promise<Set<string>> {
  const referenced = new Set<string>(metadata['metadata-log'].map((entry) => entry['metadata-file']));
  for (const statistics of [...metadata.statistics, ...metadata['partition-statistics']]) {
    if (typeof statistics['statistics-path'] === 'string') referenced.add(statistics['statistics-path']);
  }
  for (const snapshot of metadata.snapshots) {
    const listPath = snapshot['manifest-list'];
    if (typeof listPath !== 'string' || referenced.has(listPath)) continue;
    referenced.add(listPath);
    for (const manifest of await readManifestList(await readTableFile(layers, listPath))) {
      if (referenced.has(manifest.manifest_path)) continue;
      referenced.add(manifest.manifest_path);
      for (const entry of await readManifest(await readTableFile(layers, manifest.manifest_path), manifest)) {
        if (entry.status !== ENTRY_DELETED) referenced.add(entry.data_file.file_path);
      }
    }
  }
  return referenced;
}

/** Plans the expiry of old snapshots: undefined when none is due. */
export function planExpiry(base: TableMetadata, minSnapshotsToKeep: number, maxSnapshotAgeMs: number, nowMs: number): MaintenanceChange | undefined {
  const protectedIds = new Set([base['current-snapshot-id'], ...Object.values(base.refs).map((ref) => ref['snapshot-id'])]);
  const newestFirst = [...base.snapshots].sort((a, b) => b['timestamp-ms'] - a['timestamp-ms']);
  const expired = newestFirst.slice(minSnapshotsToKeep)
    .filter((snapshot) => !protectedIds.has(snapshot['snapshot-id']) && snapshot['timestamp-ms'] < nowMs - maxSnapshotAgeMs);
  if (expired.length === 0) return undefined;
  const main = base.refs['main'];
  return {
    requirements: main === undefined ? [] : [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': main['snapshot-id'] }],
    updates: [{ action: 'remove-snapshots', 'snapshot-ids': expired.map((snapshot) => snapshot['snapshot-id']) }],
  };
}

async function readMarks(index: Index, tableId: string): Promise<Map<string, number>> {
  const entry = (await index.getTableMaintenance(tableId)).find((candidate) => candidate.kind === NONCURRENT_KIND);
  return new Map(Object.entries(entry === undefined ? {} : JSON.parse(entry.value) as Record<string, number>));
}

async function writeMarks(index: Index, tableId: string, marks: Map<string, number>): Promise<void> {
  await index.putTableMaintenance({ ownerId: tableId, kind: NONCURRENT_KIND, value: JSON.stringify(Object.fromEntries(marks)) });
}

/** After an expiry: the files the old metadata referenced and the new one does not are noncurrent from now. */
export async function markExpiredFiles(layers: Layers, tableId: string, before: TableMetadata, after: TableMetadata, nowMs: number): Promise<number> {
  const [was, is] = await Promise.all([referencedFiles(layers, before), referencedFiles(layers, after)]);
  const marks = await readMarks(layers.index, tableId);
  let marked = 0;
  for (const location of was) {
    if (is.has(location) || marks.has(location)) continue;
    marks.set(location, nowMs);
    marked += 1;
  }
  if (marked > 0) await writeMarks(layers.index, tableId, marks);
  return marked;
}

/** One pass of unreferenced file removal over a table's location. */
export async function removeUnreferencedFiles(
  layers: Layers, table: TableRecord, ages: { unreferencedMs: number; noncurrentMs: number }, nowMs: number,
): Promise<{ marked: number; deleted: number }> {
  if (table.metadataLocation === undefined) return { marked: 0, deleted: 0 };
  const metadata = await readMetadataFile(layers, table.metadataLocation);
  if (metadata === undefined) throw new Error(`the table's metadata file ${table.metadataLocation} is missing`);
  const referenced = await referencedFiles(layers, metadata);
  referenced.add(table.metadataLocation);
  const marks = await readMarks(layers.index, table.tableId);
  const next = new Map<string, number>();
  let [marked, deleted] = [0, 0];
  for (const file of await listTableFiles(layers, table.warehouseLocation)) {
    if (referenced.has(file.location)) continue;
    const markedAtMs = marks.get(file.location);
    if (markedAtMs !== undefined && nowMs - markedAtMs >= ages.noncurrentMs) {
      await deleteTableFile(layers, file.location);
      deleted += 1;
    } else if (markedAtMs !== undefined) {
      next.set(file.location, markedAtMs);
    } else if (nowMs - file.lastModifiedMs >= ages.unreferencedMs) {
      next.set(file.location, nowMs);
      marked += 1;
    }
  }
  // Marks of files gone or referenced again are dropped.
  if (marked > 0 || deleted > 0 || next.size !== marks.size) await writeMarks(layers.index, table.tableId, next);
  return { marked, deleted };
}
