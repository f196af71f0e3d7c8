// What an Iceberg engine does to append to a table and to read it, for tests: writes a Parquet data
// file (hyparquet-writer, with Iceberg field ids), an Avro manifest and manifest list (avsc, the
// table spec's v2 schemas with field ids), puts them in the table's location over S3, and builds the
// add-snapshot + set-snapshot-ref commit; reads back by following metadata → manifest list →
// manifests → data files (hyparquet), and lists the current snapshot's live data files.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import avro from 'avsc';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { randomUUID } from 'node:crypto';

export interface Row { id: bigint; name: string }

/** The table schema the tests create: id (long, required), name (string, optional). */
export const TEST_SCHEMA = {
  type: 'struct', 'schema-id': 0,
  fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'name', required: false, type: 'string' }],
};

const MANIFEST_FILE_SCHEMA = {
  type: 'record', name: 'manifest_file', fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
  ],
};

const MANIFEST_ENTRY_SCHEMA = {
  type: 'record', name: 'manifest_entry', fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: ['null', 'long'], default: null, 'field-id': 1 },
    { name: 'sequence_number', type: ['null', 'long'], default: null, 'field-id': 3 },
    { name: 'file_sequence_number', type: ['null', 'long'], default: null, 'field-id': 4 },
    {
      name: 'data_file', 'field-id': 2, type: {
        type: 'record', name: 'r2', fields: [
          { name: 'content', type: 'int', 'field-id': 134 },
          { name: 'file_path', type: 'string', 'field-id': 100 },
          { name: 'file_format', type: 'string', 'field-id': 101 },
          { name: 'partition', type: { type: 'record', name: 'r102', fields: [] }, 'field-id': 102 },
          { name: 'record_count', type: 'long', 'field-id': 103 },
          { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
        ],
      },
    },
  ],
};

interface ManifestFile { manifest_path: string; manifest_length: number; sequence_number: number; added_snapshot_id: number; added_rows_count: number }

async function avroFile(schema: object, records: object[], metadata: Record<string, string>): Promise<Buffer> {
  const type = avro.Type.forSchema(schema as avro.Schema);
  const options = { codec: 'null', metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value)])) };
  const encoder = new avro.streams.BlockEncoder(type, options as Partial<{ codec: string }>);
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => encoder.on('end', resolve));
  for (const record of records) encoder.write(record);
  encoder.end();
  await ended;
  return Buffer.concat(chunks);
}

async function avroRecords<T>(bytes: Buffer): Promise<T[]> {
  const decoder = new avro.streams.BlockDecoder();
  const records: T[] = [];
  decoder.on('data', (record: T) => records.push(record));
  const ended = new Promise((resolve, reject) => { decoder.on('end', resolve); decoder.on('error', reject); });
  decoder.end(bytes);
  await ended;
  return records;
}

export function parseLocation(location: string): { Bucket: string; Key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location)!;
  return { Bucket: match[1]!, Key: match[2]! };
}

async function getBytes(s3: S3Client, location: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand(parseLocation(location)));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

async function put(s3: S3Client, location: string, body: Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ ...parseLocation(location), Body: body }));
}

export interface TableState {
  location: string;
  'last-sequence-number': number;
  'current-snapshot-id': number;
  snapshots: Array<{ 'snapshot-id': number; 'manifest-list': string; 'sequence-number': number }>;
}

/** Writes one append (data file, manifest, manifest list) and returns the commit that adds it. */
export async function appendCommit(s3: S3Client, table: TableState, rows: Row[], snapshotId: number): Promise<{ requirements: object[]; updates: object[] }> {
  const sequence = table['last-sequence-number'] + 1;
  const dataPath = `${table.location}/data/${randomUUID()}.parquet`;
  const parquet = Buffer.from(parquetWriteBuffer({
    columnData: [{ name: 'id', data: rows.map((row) => row.id) }, { name: 'name', data: rows.map((row) => row.name) }],
    schema: [
      { name: 'table', num_children: 2 },
      { name: 'id', type: 'INT64', repetition_type: 'REQUIRED', field_id: 1 },
      { name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL', field_id: 2 },
    ],
  }));
  await put(s3, dataPath, parquet);
  const entry = {
    status: 1, snapshot_id: snapshotId, sequence_number: sequence, file_sequence_number: sequence,
    data_file: { content: 0, file_path: dataPath, file_format: 'PARQUET', partition: {}, record_count: rows.length, file_size_in_bytes: parquet.byteLength },
  };
  const manifestPath = `${table.location}/metadata/${randomUUID()}-m0.avro`;
  const manifest = await avroFile(MANIFEST_ENTRY_SCHEMA, [entry], {
    schema: JSON.stringify(TEST_SCHEMA), 'schema-id': '0', 'partition-spec': '[]', 'partition-spec-id': '0', 'format-version': '2', content: 'data',
  });
  await put(s3, manifestPath, manifest);
  // The new manifest list carries the parent's manifests forward, then the new one.
  const parent = table.snapshots.find((snapshot) => snapshot['snapshot-id'] === table['current-snapshot-id']);
  const earlier = parent === undefined ? [] : await avroRecords<ManifestFile>(await getBytes(s3, parent['manifest-list']));
  const listPath = `${table.location}/metadata/snap-${snapshotId}-1-${randomUUID()}.avro`;
  const manifests = [...earlier, {
    manifest_path: manifestPath, manifest_length: manifest.byteLength, partition_spec_id: 0, content: 0, sequence_number: sequence,
    min_sequence_number: sequence, added_snapshot_id: snapshotId, added_files_count: 1, existing_files_count: 0, deleted_files_count: 0,
    added_rows_count: rows.length, existing_rows_count: 0, deleted_rows_count: 0,
  }];
  await put(s3, listPath, await avroFile(MANIFEST_FILE_SCHEMA, manifests, {
    'snapshot-id': String(snapshotId), 'parent-snapshot-id': String(parent?.['snapshot-id'] ?? 'null'), 'sequence-number': String(sequence), 'format-version': '2',
  }));
  const snapshot = {
    'snapshot-id': snapshotId, 'sequence-number': sequence, 'timestamp-ms': Date.now(), 'manifest-list': listPath, 'schema-id': 0,
    summary: { operation: 'append', 'added-records': String(rows.length) },
    ...(parent === undefined ? {} : { 'parent-snapshot-id': parent['snapshot-id'] }),
  };
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent?.['snapshot-id'] ?? null }],
    updates: [{ action: 'add-snapshot', snapshot }, { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId }],
  };
}

/** Every row of the table's current snapshot: metadata → manifest list → manifests → Parquet data files. */
export async function readRows(s3: S3Client, table: TableState): Promise<Row[]> {
  const current = table.snapshots.find((snapshot) => snapshot['snapshot-id'] === table['current-snapshot-id']);
  if (current === undefined) return [];
  const rows: Row[] = [];
  for (const manifest of await avroRecords<ManifestFile>(await getBytes(s3, current['manifest-list']))) {
    for (const entry of await avroRecords<{ status: number; data_file: { file_path: string } }>(await getBytes(s3, manifest.manifest_path))) {
      if (entry.status === 2) continue;
      const bytes = await getBytes(s3, entry.data_file.file_path);
      const file = new Uint8Array(bytes).buffer;
      rows.push(...(await parquetReadObjects({ file }) as Row[]));
    }
  }
  return rows;
}

/** The live data files of the table's current snapshot, with their sizes as the manifests give them. */
export async function currentDataFiles(s3: S3Client, table: TableState): Promise<Array<{ path: string; sizeBytes: number; recordCount: number }>> {
  const current = table.snapshots.find((snapshot) => snapshot['snapshot-id'] === table['current-snapshot-id']);
  if (current === undefined) return [];
  const files: Array<{ path: string; sizeBytes: number; recordCount: number }> = [];
  for (const manifest of await avroRecords<ManifestFile>(await getBytes(s3, current['manifest-list']))) {
    type Entry = { status: number; data_file: { file_path: string; file_size_in_bytes: number; record_count: number } };
    for (const entry of await avroRecords<Entry>(await getBytes(s3, manifest.manifest_path))) {
      if (entry.status !== 2) files.push({ path: entry.data_file.file_path, sizeBytes: entry.data_file.file_size_in_bytes, recordCount: entry.data_file.record_count });
    }
  }
  return files;
}
