// The snapshot that makes a managed table's data files what its owner says they are now: files new
// since the current snapshot are ADDED, files gone are DELETED, the rest stay EXISTING, in one
// manifest under one manifest list (an `append` when nothing went, else an `overwrite`, or a
// `replace` when the rows are the same: a merge of small files). Old snapshots beyond a bounded
// history are removed in the same commit, so the metadata file stays small however often it changes.
import { randomInt, randomUUID } from 'node:crypto';
import type { Layers } from '../../../services/objects.js';
import type { TableMetadata } from '../iceberg/metadata-model.js';
import { longIdText, type MaintenanceChange } from '../maintenance/commit.js';
import {
  CONTENT_DATA, ENTRY_ADDED, ENTRY_DELETED, ENTRY_EXISTING, readManifest, readManifestList, writeManifest, writeManifestList, type ManifestEntry,
} from '../maintenance/manifests.js';
import { readTableFile, writeTableFile } from '../maintenance/table-files.js';

/** Snapshot ids this catalog draws: positive and exact in a JavaScript number. */
const SNAPSHOT_ID_MAX = 2 ** 48;
/** Snapshots a managed table keeps (the current one included); older ones are removed with each commit. */
export const MANAGED_SNAPSHOTS_KEPT = 20;
const AVRO_CONTENT_TYPE = 'application/octet-stream';

/** A data file of a managed table, as its owner knows it. */
export interface ManagedTableFile {
  location: string;
  recordCount: number;
  sizeBytes: number;
}

/** The live entries of the current snapshot (none without one). */
export async function currentEntries(layers: Layers, metadata: TableMetadata): Promise<ManifestEntry[]> {
  const current = metadata.snapshots.find((snapshot) => snapshot['snapshot-id'] === metadata['current-snapshot-id']);
  if (current === undefined) return [];
  const entries: ManifestEntry[] = [];
  for (const manifest of await readManifestList(await readTableFile(layers, current['manifest-list'] as string))) {
    for (const entry of await readManifest(await readTableFile(layers, manifest.manifest_path), manifest)) {
      if (entry.status !== ENTRY_DELETED) entries.push(entry);
    }
  }
  return entries;
}

const rowsOf = (entries: ManifestEntry[]): bigint => entries.reduce((total, entry) => total + entry.data_file.record_count, 0n);

function operationOf(added: ManifestEntry[], deleted: ManifestEntry[]): string {
  if (deleted.length === 0) return 'append';
  return rowsOf(added) === rowsOf(deleted) ? 'replace' : 'overwrite';
}

/** Writes the manifest and manifest list of the snapshot whose live files are `files`; undefined when they are already. */
export async function planManagedSnapshot(layers: Layers, base: TableMetadata, files: ManagedTableFile[]): Promise<MaintenanceChange | undefined> {
  const live = await currentEntries(layers, base);
  const wanted = new Set(files.map((file) => file.location));
  const present = new Set(live.map((entry) => entry.data_file.file_path));
  if (wanted.size === present.size && [...wanted].every((location) => present.has(location))) return undefined;
  const snapshotId = randomInt(1, SNAPSHOT_ID_MAX);
  const parentId = base['current-snapshot-id'];
  const sequence = base['last-sequence-number'] + 1;
  const [id, seq] = [BigInt(snapshotId), BigInt(sequence)];
  const added: ManifestEntry[] = files.filter((file) => !present.has(file.location)).map((file) => ({
    status: ENTRY_ADDED, snapshot_id: id, sequence_number: seq, file_sequence_number: seq,
    data_file: { content: CONTENT_DATA, file_path: file.location, file_format: 'PARQUET', partition: {}, record_count: BigInt(file.recordCount), file_size_in_bytes: BigInt(file.sizeBytes) },
  }));
  const kept = live.filter((entry) => wanted.has(entry.data_file.file_path)).map((entry) => ({ ...entry, status: ENTRY_EXISTING }));
  const deleted = live.filter((entry) => !wanted.has(entry.data_file.file_path)).map((entry) => ({ ...entry, status: ENTRY_DELETED, snapshot_id: id }));
  const schemaId = base['current-schema-id'];
  const specId = Math.max(0, base['default-spec-id']);
  const manifestPath = `${base.location}/metadata/${randomUUID()}-m0.avro`;
  const manifest = await writeManifest([...added, ...kept, ...deleted], {
    schema: JSON.stringify(base.schemas.find((schema) => schema['schema-id'] === schemaId)), 'schema-id': String(schemaId),
    'partition-spec': '[]', 'partition-spec-id': String(specId), 'format-version': '2', content: 'data',
  });
  await writeTableFile(layers, manifestPath, manifest, AVRO_CONTENT_TYPE);
  const liveAfter = [...added, ...kept];
  const listPath = `${base.location}/metadata/snap-${snapshotId}-1-${randomUUID()}.avro`;
  await writeTableFile(layers, listPath, await writeManifestList([{
    manifest_path: manifestPath, manifest_length: BigInt(manifest.byteLength), partition_spec_id: specId, content: CONTENT_DATA,
    sequence_number: seq, min_sequence_number: liveAfter.reduce((min, entry) => (entry.sequence_number < min ? entry.sequence_number : min), seq),
    added_snapshot_id: id, added_files_count: added.length, existing_files_count: kept.length, deleted_files_count: deleted.length,
    added_rows_count: rowsOf(added), existing_rows_count: rowsOf(kept), deleted_rows_count: rowsOf(deleted),
  }], { 'snapshot-id': String(snapshotId), 'parent-snapshot-id': longIdText(parentId), 'sequence-number': String(sequence), 'format-version': '2' }), AVRO_CONTENT_TYPE);
  const snapshot = {
    'snapshot-id': snapshotId, 'parent-snapshot-id': parentId, 'sequence-number': sequence, 'timestamp-ms': Date.now(), 'manifest-list': listPath, 'schema-id': schemaId,
    summary: {
      operation: operationOf(added, deleted), 'added-data-files': String(added.length), 'deleted-data-files': String(deleted.length),
      'added-records': String(rowsOf(added)), 'deleted-records': String(rowsOf(deleted)), 'total-data-files': String(liveAfter.length), 'total-records': String(rowsOf(liveAfter)),
    },
  };
  const newestFirst = [...base.snapshots].sort((a, b) => b['timestamp-ms'] - a['timestamp-ms']);
  const expired = newestFirst.slice(MANAGED_SNAPSHOTS_KEPT - 1).map((old) => old['snapshot-id']);
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': base.refs['main'] === undefined ? null : parentId }],
    updates: [
      { action: 'add-snapshot', snapshot }, { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId },
      ...(expired.length === 0 ? [] : [{ action: 'remove-snapshots', 'snapshot-ids': expired }]),
    ],
  };
}
