// The journal and inventory tables' columns: AWS's names and types (S3 Metadata journal and live
// inventory schemas), how a row travels from the index to DuckDB (one JSON object per line) and the
// SQL that turns such lines into typed columns.
import type { InventoryScanPage, JournalRow } from '../../index/types.js';
import { backfillSequenceNumber, journalSequenceNumber } from './names.js';

const MAP_TYPE = 'MAP(VARCHAR, VARCHAR)';

/** AWS's 21 journal columns, in AWS's order, with their DuckDB (and Parquet/Iceberg) types. */
export const JOURNAL_COLUMNS: Array<[name: string, type: string]> = [
  ['bucket', 'VARCHAR'], ['key', 'VARCHAR'], ['sequence_number', 'VARCHAR'], ['record_type', 'VARCHAR'],
  ['record_timestamp', 'TIMESTAMP'], ['version_id', 'VARCHAR'], ['is_delete_marker', 'BOOLEAN'], ['size', 'BIGINT'],
  ['last_modified_date', 'TIMESTAMP'], ['e_tag', 'VARCHAR'], ['storage_class', 'VARCHAR'], ['is_multipart', 'BOOLEAN'],
  ['encryption_status', 'VARCHAR'], ['is_bucket_key_enabled', 'BOOLEAN'], ['kms_key_arn', 'VARCHAR'],
  ['checksum_algorithm', 'VARCHAR'], ['object_tags', MAP_TYPE], ['user_metadata', MAP_TYPE], ['requester', 'VARCHAR'],
  ['source_ip_address', 'VARCHAR'], ['request_id', 'VARCHAR'],
];

/** AWS's 16 inventory columns: the journal's, less the record and request columns. */
export const INVENTORY_COLUMNS: Array<[name: string, type: string]> = JOURNAL_COLUMNS.filter(([name]) =>
  !['record_type', 'record_timestamp', 'requester', 'source_ip_address', 'request_id'].includes(name));

export const JOURNAL_COLUMN_LIST = JOURNAL_COLUMNS.map(([name]) => name).join(', ');
export const INVENTORY_COLUMN_LIST = INVENTORY_COLUMNS.map(([name]) => name).join(', ');

/** A string as an SQL literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A name as an SQL identifier (bucket names carry dots and hyphens). */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A typed select of no rows (a table with nothing in it yet). */
export function emptySelect(columns: Array<[string, string]>): string {
  return `SELECT ${columns.map(([name, type]) => `NULL::${type} AS ${name}`).join(', ')} LIMIT 0`;
}

/** A view that fails with `message` whenever it is read (a table that cannot be read yet). */
export function failingSelect(columns: Array<[string, string]>, message: string): string {
  return `SELECT * FROM (SELECT ${columns.map(([name, type]) => `NULL::${type} AS ${name}`).join(', ')}) WHERE error(${sqlString(message)}) IS NULL`;
}

/** The columns of a journal line (JSON), before conversion. */
const JOURNAL_LINE_COLUMNS = `{bucket: 'VARCHAR', key: 'VARCHAR', sequence_number: 'VARCHAR', record_type: 'VARCHAR',
  record_timestamp_ms: 'BIGINT', version_id: 'VARCHAR', is_delete_marker: 'BOOLEAN', size: 'BIGINT', last_modified_ms: 'BIGINT',
  e_tag: 'VARCHAR', storage_class: 'VARCHAR', is_multipart: 'BOOLEAN', encryption_status: 'VARCHAR', is_bucket_key_enabled: 'BOOLEAN',
  kms_key_arn: 'VARCHAR', checksum_algorithm: 'VARCHAR', object_tags: '${MAP_TYPE}', user_metadata: '${MAP_TYPE}', requester: 'VARCHAR',
  source_ip_address: 'VARCHAR', request_id: 'VARCHAR'}`;

const INVENTORY_LINE_COLUMNS = `{bucket: 'VARCHAR', key: 'VARCHAR', sequence_number: 'VARCHAR', version_id: 'VARCHAR',
  is_delete_marker: 'BOOLEAN', size: 'BIGINT', last_modified_ms: 'BIGINT', e_tag: 'VARCHAR', storage_class: 'VARCHAR',
  is_multipart: 'BOOLEAN', encryption_status: 'VARCHAR', is_bucket_key_enabled: 'BOOLEAN', kms_key_arn: 'VARCHAR', checksum_algorithm: 'VARCHAR',
  object_tags: '${MAP_TYPE}',
  user_metadata: '${MAP_TYPE}'}`;

function readLines(path: string, columns: string): string {
  return `read_json(${sqlString(path)}, format = 'newline_delimited', columns = ${columns})`;
}

/** Typed journal columns from a file of journal lines. */
export function journalLinesSelect(path: string): string {
  return `SELECT bucket, key, sequence_number, record_type, epoch_ms(record_timestamp_ms) AS record_timestamp, version_id,
      is_delete_marker, size, epoch_ms(last_modified_ms) AS last_modified_date, e_tag, storage_class, is_multipart,
      encryption_status, is_bucket_key_enabled, kms_key_arn, checksum_algorithm, object_tags,
      user_metadata, requester, source_ip_address, request_id
    FROM ${readLines(path, JOURNAL_LINE_COLUMNS)}`;
}

export function inventoryLinesSelect(path: string): string {
  return `SELECT bucket, key, sequence_number, version_id, is_delete_marker, size, epoch_ms(last_modified_ms) AS last_modified_date,
      e_tag, storage_class, is_multipart, encryption_status, is_bucket_key_enabled, kms_key_arn,
      checksum_algorithm, object_tags, user_metadata
    FROM ${readLines(path, INVENTORY_LINE_COLUMNS)}`;
}

function parsedOrNull(json: string | undefined): unknown {
  return json === undefined ? null : JSON.parse(json);
}

/** One journal row as a JSON line. */
export function journalLine(row: JournalRow): string {
  const isDelete = row.recordType === 'DELETE';
  return JSON.stringify({
    bucket: row.bucket,
    key: row.key,
    sequence_number: journalSequenceNumber(row.sequence),
    record_type: row.recordType,
    record_timestamp_ms: row.recordTimestampMs,
    version_id: row.versionId ?? null,
    is_delete_marker: row.isDeleteMarker ?? null,
    size: row.sizeBytes ?? null,
    last_modified_ms: row.lastModifiedMs ?? null,
    e_tag: row.etag ?? null,
    storage_class: row.storageClass ?? null,
    is_multipart: row.isMultipart ?? null,
    encryption_status: row.encryptionStatus ?? null,
    kms_key_arn: row.kmsKeyArn ?? null,
    // Bucket keys are recorded as asked but change nothing here; AWS leaves the column empty on deletes.
    is_bucket_key_enabled: isDelete ? null : false,
    checksum_algorithm: row.checksumAlgorithm ?? null,
    object_tags: parsedOrNull(row.tagsJson),
    user_metadata: parsedOrNull(row.userMetadataJson),
    requester: row.requester ?? null,
    source_ip_address: row.sourceIpAddress ?? null,
    request_id: row.requestId ?? null,
  });
}

/** One version found by an inventory backfill, as a JSON line of the inventory table. */
export function inventoryLine(bucket: string, version: InventoryScanPage['versions'][number], journalHighWater: number): string {
  const marker = version.isDeleteMarker;
  return JSON.stringify({
    bucket,
    key: version.key,
    sequence_number: backfillSequenceNumber(journalHighWater),
    version_id: version.versionId === 'null' ? null : version.versionId,
    is_delete_marker: marker,
    size: marker ? 0 : version.sizeBytes,
    last_modified_ms: version.lastModifiedMs,
    e_tag: marker ? null : version.etag,
    storage_class: marker ? null : version.storageClass,
    is_multipart: marker ? null : version.isMultipart,
    encryption_status: marker ? null : version.headers.encryption?.kind ?? null,
    kms_key_arn: marker ? null : version.headers.encryption?.kmsKeyArn ?? null,
    is_bucket_key_enabled: marker ? null : false,
    checksum_algorithm: marker ? null : version.checksum?.algorithm ?? null,
    object_tags: marker ? null : Object.fromEntries((version.tags ?? []).map((tag) => [tag.key, tag.value])),
    user_metadata: marker ? null : version.userMetadata,
  });
}
