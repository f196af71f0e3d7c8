// Iceberg manifest lists and manifests (Avro, table spec format version 2) for the maintenance jobs:
// read with the schema each file carries, longs as bigints (snapshot ids use the whole int64 range),
// with the sequence numbers and snapshot id an ADDED entry inherits from its manifest filled in; and
// written with the spec's v2 schemas (field ids included) for an unpartitioned table.
import avro from 'avsc';

/** Manifest entry status: 0 EXISTING, 1 ADDED, 2 DELETED. */
export const ENTRY_EXISTING = 0;
export const ENTRY_ADDED = 1;
export const ENTRY_DELETED = 2;
/** Manifest content and data file content: 0 data, anything else deletes. */
export const CONTENT_DATA = 0;

const bigintLong = avro.types.LongType.__with({
  fromBuffer: (bytes: Buffer) => bytes.readBigInt64LE(),
  toBuffer: (value: bigint) => { const bytes = Buffer.alloc(8); bytes.writeBigInt64LE(BigInt(value)); return bytes; },
  fromJSON: (value: unknown) => BigInt(value as number),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});
const typeOf = (schema: object): avro.Type => avro.Type.forSchema(schema as avro.Schema, { registry: { long: bigintLong } });

const MANIFEST_FILE_SCHEMA = typeOf({
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
});

const MANIFEST_ENTRY_SCHEMA = typeOf({
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
});

export interface ManifestFile {
  manifest_path: string;
  manifest_length: bigint;
  partition_spec_id: number;
  content: number;
  sequence_number: bigint;
  min_sequence_number: bigint;
  added_snapshot_id: bigint;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: bigint;
  existing_rows_count: bigint;
  deleted_rows_count: bigint;
}

export interface DataFile { content: number; file_path: string; file_format: string; partition: Record<string, unknown>; record_count: bigint; file_size_in_bytes: bigint }

/** An entry with what it inherits from its manifest filled in. */
export interface ManifestEntry { status: number; snapshot_id: bigint; sequence_number: bigint; file_sequence_number: bigint; data_file: DataFile }

async function avroRecords<T>(bytes: Buffer): Promise<T[]> {
  const decoder = new avro.streams.BlockDecoder({ parseHook: (schema) => typeOf(schema as object) });
  const records: T[] = [];
  decoder.on('data', (record: T) => records.push(record));
  const ended = new Promise((resolve, reject) => { decoder.on('end', resolve); decoder.on('error', reject); });
  decoder.end(bytes);
  await ended;
  return records;
}

async function avroFile(type: avro.Type, records: object[], metadata: Record<string, string>): Promise<Buffer> {
  const options = { codec: 'null', metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value)])) };
  const encoder = new avro.streams.BlockEncoder(type, options as Partial<{ codec: string }>);
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => { encoder.on('end', resolve); encoder.on('error', reject); });
  for (const record of records) encoder.write(record);
  encoder.end();
  await ended;
  return Buffer.concat(chunks);
}

export async function readManifestList(bytes: Buffer): Promise<ManifestFile[]> {
  // Version 1 lists name the counts added_data_files_count…; a missing content is data.
  return (await avroRecords<Record<string, unknown>>(bytes)).map((record) => ({
    ...record,
    content: (record['content'] as number | undefined) ?? CONTENT_DATA,
    added_files_count: (record['added_files_count'] ?? record['added_data_files_count'] ?? 0) as number,
    existing_files_count: (record['existing_files_count'] ?? record['existing_data_files_count'] ?? 0) as number,
    deleted_files_count: (record['deleted_files_count'] ?? record['deleted_data_files_count'] ?? 0) as number,
    sequence_number: (record['sequence_number'] as bigint | undefined) ?? 0n,
    min_sequence_number: (record['min_sequence_number'] as bigint | undefined) ?? 0n,
  }) as ManifestFile);
}

/** A manifest's entries, each with the snapshot id and sequence numbers it inherits made explicit. */
export async function readManifest(bytes: Buffer, manifest: ManifestFile): Promise<ManifestEntry[]> {
  const records = await avroRecords<{ status: number; snapshot_id?: bigint | null; sequence_number?: bigint | null; file_sequence_number?: bigint | null; data_file: DataFile }>(bytes);
  return records.map((record) => ({
    status: record.status,
    snapshot_id: record.snapshot_id ?? manifest.added_snapshot_id,
    sequence_number: record.sequence_number ?? manifest.sequence_number,
    file_sequence_number: record.file_sequence_number ?? manifest.sequence_number,
    data_file: { ...record.data_file, content: record.data_file.content ?? CONTENT_DATA },
  }));
}

export function writeManifest(entries: ManifestEntry[], metadata: Record<string, string>): Promise<Buffer> {
  const records = entries.map((entry) => ({
    ...entry,
    data_file: {
      content: entry.data_file.content, file_path: entry.data_file.file_path, file_format: entry.data_file.file_format, partition: {},
      record_count: entry.data_file.record_count, file_size_in_bytes: entry.data_file.file_size_in_bytes,
    },
  }));
  return avroFile(MANIFEST_ENTRY_SCHEMA, records, metadata);
}

export function writeManifestList(manifests: ManifestFile[], metadata: Record<string, string>): Promise<Buffer> {
  return avroFile(MANIFEST_FILE_SCHEMA, manifests, metadata);
}
