// Compaction (binpack): the small Parquet data files of a table's current snapshot are read and
// rewritten as few files near the target size, with the table's field ids, then committed as a
// `replace` snapshot whose one manifest lists the new files ADDED, the rewritten ones DELETED and the
// rest EXISTING. No row changes: the same rows, in the same order, in fewer files.
import { randomInt, randomUUID } from 'node:crypto';
import type { Layers } from '../../../services/objects.js';
import type { TableMetadata } from '../iceberg/metadata-model.js';
import { longIdText, type MaintenanceChange } from './commit.js';
import {
  CONTENT_DATA, ENTRY_ADDED, ENTRY_DELETED, ENTRY_EXISTING, readManifest, readManifestList, writeManifest, writeManifestList, type ManifestEntry,
} from './manifests.js';
import { appendDataFileRows, parquetColumnsOf, UnsupportedTableError, writeDataFile } from './parquet.js';
import { readTableFile, writeTableFile } from './table-files.js';

/** A data file smaller than this share of the target is compacted (AWS: files smaller than the target). */
const SMALL_FILE_FRACTION = 0.75;
/** Output files are planned to fill this share of the target (a smaller file carries relatively more footer). */
const FILL_FRACTION = 0.95;
/** The most input one run reads into memory (the rest waits for the next run). */
const RUN_INPUT_BYTES_MAX = 256 * 1024 * 1024;
/** Snapshot ids this catalog draws: positive and exact in a JavaScript number. */
const SNAPSHOT_ID_MAX = 2 ** 48;

/** The live entries of the current snapshot, or undefined when there is none. */
async function liveEntries(layers: Layers, metadata: TableMetadata): Promise<ManifestEntry[] | undefined> {
  const current = metadata.snapshots.find((snapshot) => snapshot['snapshot-id'] === metadata['current-snapshot-id']);
  if (current === undefined) return undefined;
  const entries: ManifestEntry[] = [];
  for (const manifest of await readManifestList(await readTableFile(layers, current['manifest-list'] as string))) {
    if (manifest.content !== CONTENT_DATA) throw new UnsupportedTableError('tables with delete files are not compacted yet');
    const spec = metadata['partition-specs'].find((candidate) => candidate['spec-id'] === manifest.partition_spec_id);
    if (spec !== undefined && spec.fields.length > 0) throw new UnsupportedTableError('partitioned tables are not compacted yet');
    for (const entry of await readManifest(await readTableFile(layers, manifest.manifest_path), manifest)) {
      if (entry.status !== ENTRY_DELETED) entries.push(entry);
    }
  }
  return entries;
}

interface PackedFile { bytes: Buffer; rowCount: number }

/** The rows of `columns` as files near the target: one file, or equal shares of rows each planned under it. */
function packedFiles(table: ReturnType<typeof parquetColumnsOf>, columns: unknown[][], rowCount: number, targetBytes: number): PackedFile[] {
  const whole = writeDataFile(table, columns, 0, rowCount);
  if (whole.byteLength <= targetBytes) return [{ bytes: whole, rowCount }];
  const fileCount = Math.ceil(whole.byteLength / (targetBytes * FILL_FRACTION));
  const rowsPerFile = Math.ceil(rowCount / fileCount);
  const files: PackedFile[] = [];
  for (let from = 0; from < rowCount; from += rowsPerFile) {
    const to = Math.min(rowCount, from + rowsPerFile);
    files.push({ bytes: writeDataFile(table, columns, from, to), rowCount: to - from });
  }
  return files;
}

/** Plans a compaction of the table's current snapshot: undefined when it would not make fewer files. */
export async function planCompaction(layers: Layers, base: TableMetadata, targetBytes: number): Promise<MaintenanceChange | undefined> {
  const entries = await liveEntries(layers, base);
  if (entries === undefined || base.refs['main'] === undefined) return undefined;
  const small: ManifestEntry[] = [];
  let inputBytes = 0;
  for (const entry of entries) {
    const size = Number(entry.data_file.file_size_in_bytes);
    if (entry.data_file.file_format.toUpperCase() !== 'PARQUET' || size >= targetBytes * SMALL_FILE_FRACTION || inputBytes + size > RUN_INPUT_BYTES_MAX) continue;
    small.push(entry);
    inputBytes += size;
  }
  if (small.length < 2 || Math.ceil(inputBytes / targetBytes) >= small.length) return undefined;
  const schema = base.schemas.find((candidate) => candidate['schema-id'] === base['current-schema-id']);
  if (schema === undefined) throw new Error('the table has no current schema');
  const table = parquetColumnsOf(schema);
  const columns: unknown[][] = table.map(() => []);
  let rowCount = 0;
  for (const entry of small) rowCount += await appendDataFileRows(await readTableFile(layers, entry.data_file.file_path), table, columns);
  const files = packedFiles(table, columns, rowCount, targetBytes);
  if (files.length >= small.length) return undefined;
  return writeReplaceSnapshot(layers, base, { kept: entries.filter((entry) => !small.includes(entry)), replaced: small, files });
}

interface Rewrite {
  kept: ManifestEntry[];
  replaced: ManifestEntry[];
  files: PackedFile[];
}

const sum = (values: bigint[]): bigint => values.reduce((total, value) => total + value, 0n);

/** Writes the new data files, the manifest and the manifest list; returns the commit that adds the snapshot. */
async function writeReplaceSnapshot(layers: Layers, base: TableMetadata, rewrite: Rewrite): Promise<MaintenanceChange> {
  const snapshotId = randomInt(1, SNAPSHOT_ID_MAX);
  const parentId = base['current-snapshot-id'];
  const sequence = base['last-sequence-number'] + 1;
  const [id, seq] = [BigInt(snapshotId), BigInt(sequence)];
  const added: ManifestEntry[] = [];
  for (const file of rewrite.files) {
    const path = `${base.location}/data/compacted-${randomUUID()}.parquet`;
    await writeTableFile(layers, path, file.bytes, 'application/octet-stream');
    added.push({
      status: ENTRY_ADDED, snapshot_id: id, sequence_number: seq, file_sequence_number: seq,
      data_file: { content: CONTENT_DATA, file_path: path, file_format: 'PARQUET', partition: {}, record_count: BigInt(file.rowCount), file_size_in_bytes: BigInt(file.bytes.byteLength) },
    });
  }
  const kept = rewrite.kept.map((entry) => ({ ...entry, status: ENTRY_EXISTING }));
  const deleted = rewrite.replaced.map((entry) => ({ ...entry, status: ENTRY_DELETED, snapshot_id: id }));
  const schemaId = base['current-schema-id'];
  const manifestPath = `${base.location}/metadata/${randomUUID()}-m0.avro`;
  const manifest = await writeManifest([...added, ...kept, ...deleted], {
    schema: JSON.stringify(base.schemas.find((schema) => schema['schema-id'] === schemaId)), 'schema-id': String(schemaId),
    'partition-spec': '[]', 'partition-spec-id': String(Math.max(0, base['default-spec-id'])), 'format-version': '2', content: 'data',
  });
  await writeTableFile(layers, manifestPath, manifest, 'application/octet-stream');
  const rows = (entries: ManifestEntry[]): bigint => sum(entries.map((entry) => entry.data_file.record_count));
  const live = [...added, ...kept];
  const listPath = `${base.location}/metadata/snap-${snapshotId}-1-${randomUUID()}.avro`;
  await writeTableFile(layers, listPath, await writeManifestList([{
    manifest_path: manifestPath, manifest_length: BigInt(manifest.byteLength), partition_spec_id: Math.max(0, base['default-spec-id']), content: CONTENT_DATA,
    sequence_number: seq, min_sequence_number: live.reduce((min, entry) => (entry.sequence_number < min ? entry.sequence_number : min), seq),
    added_snapshot_id: id, added_files_count: added.length, existing_files_count: kept.length, deleted_files_count: deleted.length,
    added_rows_count: rows(added), existing_rows_count: rows(kept), deleted_rows_count: rows(deleted),
  }], { 'snapshot-id': String(snapshotId), 'parent-snapshot-id': longIdText(parentId), 'sequence-number': String(sequence), 'format-version': '2' }),
  'application/octet-stream');
  const snapshot = {
    'snapshot-id': snapshotId, 'parent-snapshot-id': parentId, 'sequence-number': sequence, 'timestamp-ms': Date.now(), 'manifest-list': listPath, 'schema-id': schemaId,
    summary: {
      operation: 'replace', 'added-data-files': String(added.length), 'deleted-data-files': String(deleted.length),
      'added-records': String(rows(added)), 'deleted-records': String(rows(deleted)), 'total-data-files': String(live.length), 'total-records': String(rows(live)),
    },
  };
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parentId }],
    updates: [{ action: 'add-snapshot', snapshot }, { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId }],
  };
}
