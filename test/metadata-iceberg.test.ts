// S3 Metadata's tables served as Iceberg tables of the managed table bucket `aws-s3`, namespace
// `b_<bucket>`: read through iceberg-js (the REST catalog, bearer token) and by following metadata →
// manifest list → manifests → Parquet files over S3, whose rows are the bucket's changes and whose
// field ids are the Iceberg schema's; an append snapshot per export; `cairn sql` unchanged; and every
// write to `aws-s3` (create, commit, drop, namespaces, the bucket) refused with nothing changed.
import {
  CreateBucketCommand, CreateBucketMetadataConfigurationCommand, DeleteObjectCommand, GetBucketMetadataConfigurationCommand, GetObjectCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { CreateTableBucketCommand, DeleteTableBucketCommand, DeleteTableCommand, S3TablesClient } from '@aws-sdk/client-s3tables';
import avro from 'avsc';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { IcebergError, IcebergRestCatalog } from 'iceberg-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { sql, waitFor, waitForActiveInventory } from './helpers/metadata.js';
import { parseLocation } from './helpers/iceberg-writer.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite } from './helpers/suite.js';

const Bucket = 'photos';
const NAMESPACE = `b_${Bucket}`;
const MANAGED = 'aws-s3';
const MANAGED_ARN = `arn:aws:s3tables:${TEST_REGION}:000000000000:bucket/${MANAGED}`;
const WAIT_MS = 60_000;

const MAP = (keyId: number, valueId: number) => ({ type: 'map', 'key-id': keyId, key: 'string', 'value-id': valueId, value: 'string', 'value-required': false });
/** AWS's journal and inventory columns, numbered as Iceberg numbers a new table's: columns first, then map keys and values. */
const JOURNAL_FIELDS = [
  'bucket string', 'key string', 'sequence_number string', 'record_type string', 'record_timestamp timestamp', 'version_id string',
  'is_delete_marker boolean', 'size long', 'last_modified_date timestamp', 'e_tag string', 'storage_class string', 'is_multipart boolean',
  'encryption_status string', 'is_bucket_key_enabled boolean', 'kms_key_arn string', 'checksum_algorithm string', 'object_tags', 'user_metadata',
  'requester string', 'source_ip_address string', 'request_id string',
].map((text, position) => [position + 1, text.split(' ')[0], text.split(' ')[1] ?? (text === 'object_tags' ? MAP(22, 23) : MAP(24, 25))]);
const INVENTORY_FIELDS = [
  'bucket string', 'key string', 'sequence_number string', 'version_id string', 'is_delete_marker boolean', 'size long',
  'last_modified_date timestamp', 'e_tag string', 'storage_class string', 'is_multipart boolean', 'encryption_status string',
  'is_bucket_key_enabled boolean', 'kms_key_arn string', 'checksum_algorithm string', 'object_tags', 'user_metadata',
].map((text, position) => [position + 1, text.split(' ')[0], text.split(' ')[1] ?? (text === 'object_tags' ? MAP(17, 18) : MAP(19, 20))]);

interface Snapshot { 'snapshot-id': number; 'parent-snapshot-id'?: number; 'manifest-list': string; summary: Record<string, string> }
interface Metadata { 'table-uuid': string; location: string; 'current-snapshot-id': number; snapshots: Snapshot[]; schemas: Array<{ fields: Array<{ id: number; name: string; type: unknown }> }> }

async function bytesOf(s3: S3Client, location: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand(parseLocation(location)));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

async function avroRecords<T>(bytes: Buffer): Promise<T[]> {
  const records: T[] = [];
  const decoder = new avro.streams.BlockDecoder();
  decoder.on('data', (record: T) => records.push(record));
  const ended = new Promise((resolve, reject) => { decoder.on('end', resolve); decoder.on('error', reject); });
  decoder.end(bytes);
  await ended;
  return records;
}

/** The current snapshot's live data files (metadata → manifest list → manifests). */
async function liveFiles(s3: S3Client, metadata: Metadata): Promise<string[]> {
  const current = metadata.snapshots.find((snapshot) => snapshot['snapshot-id'] === metadata['current-snapshot-id']);
  if (current === undefined) return [];
  const files: string[] = [];
  for (const manifest of await avroRecords<{ manifest_path: string }>(await bytesOf(s3, current['manifest-list']))) {
    for (const entry of await avroRecords<{ status: number; data_file: { file_path: string } }>(await bytesOf(s3, manifest.manifest_path))) {
      if (entry.status !== 2) files.push(entry.data_file.file_path);
    }
  }
  return files;
}

/**
 * The rows of the data files (`columns`, an SQL select list; read by DuckDB, another Parquet reader
 * than the writer's: zstd), and each file's Parquet field ids by name (a name's first: the top-level column's).
 */
async function rowsOf(s3: S3Client, files: string[], columns: string): Promise<{ rows: Array<Record<string, unknown>>; fieldIds: Array<Record<string, number>> }> {
  const rows: Array<Record<string, unknown>> = [];
  const fieldIds: Array<Record<string, number>> = [];
  const directory = await mkdtemp(join(tmpdir(), 'metadata-iceberg-'));
  const duck = await DuckDBInstance.create(':memory:');
  try {
    for (const [position, location] of files.entries()) {
      const bytes = await bytesOf(s3, location);
      const path = join(directory, `${position}.parquet`);
      await writeFile(path, bytes);
      rows.push(...(await (await duck.connect()).runAndReadAll(`SELECT ${columns} FROM read_parquet('${path}')`)).getRowObjectsJson());
      fieldIds.push(fieldIdsOf(new Uint8Array(bytes).buffer));
    }
  } finally {
    duck.closeSync();
    await rm(directory, { recursive: true, force: true });
  }
  return { rows, fieldIds };
}

function fieldIdsOf(file: ArrayBuffer): Record<string, number> {
  const ids: Record<string, number> = {};
  for (const element of parquetMetadata(file).schema.slice(1)) if (element.field_id !== undefined && !(element.name in ids)) ids[element.name] = element.field_id;
  return ids;
}

describe('S3 Metadata tables as Iceberg tables of aws-s3', () => {
  let server: RunningServer;
  let s3: S3Client;
  let tables: S3TablesClient;
  let catalog: IcebergRestCatalog;
  let token: string;

  const loadTable = async (name: string) => (await catalog.loadTable({ namespace: [NAMESPACE], name })) as unknown as Metadata;
  /** The table once it exists and its current snapshot holds `records` rows. */
  const tableWithRecords = (name: string, records: number) => waitFor(`${NAMESPACE}.${name} with ${records} records`, async () => {
    try {
      const metadata = await loadTable(name);
      const current = metadata.snapshots.find((snapshot) => snapshot['snapshot-id'] === metadata['current-snapshot-id']);
      return current?.summary['total-records'] === String(records) ? metadata : undefined;
    } catch (error) {
      if (error instanceof IcebergError && (error.status === 404 || error.status === 400)) return undefined;
      throw error;
    }
  }, WAIT_MS);

  before(async () => {
    server = await startServer();
    s3 = sdkClient(server);
    const keys = { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY };
    tables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: keys });
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'aaa' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'b.txt', Body: 'bb', Tagging: 'team=core' }));
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
      InventoryTableConfiguration: { ConfigurationState: 'ENABLED' },
    } }));
    await waitForActiveInventory(s3, Bucket, WAIT_MS);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'c.txt', Body: 'c', Metadata: { color: 'blue' } }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a.txt' }));
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: keys.accessKeyId, client_secret: keys.secretAccessKey });
    const answer = await fetch(`${server.endpoint}/_iceberg/v1/oauth/tokens`, { method: 'POST', body: form });
    token = ((await answer.json()) as { access_token: string }).access_token;
    catalog = new IcebergRestCatalog({ baseUrl: `${server.endpoint}/_iceberg`, warehouse: MANAGED, auth: { type: 'bearer', token } });
  });
  after(async () => {
    tables?.destroy();
    await closeSuite(server, s3);
  });

  it('serves the journal: namespace b_<bucket>, AWS\'s schema, its Parquet files and their rows', async () => {
    const metadata = await tableWithRecords('journal', 2);
    assert.deepEqual((await catalog.listNamespaces()).namespaces, [{ namespace: [NAMESPACE] }]);
    assert.deepEqual((await catalog.listTables({ namespace: [NAMESPACE] })).identifiers.map((table) => table.name).sort(), ['inventory', 'journal']);
    // The table is the one GetBucketMetadataConfiguration names.
    const configuration = await s3.send(new GetBucketMetadataConfigurationCommand({ Bucket }));
    const result = configuration.GetBucketMetadataConfigurationResult!.MetadataConfigurationResult!;
    assert.equal(result.JournalTableConfigurationResult!.TableArn, `${MANAGED_ARN}/table/${metadata['table-uuid']}`);
    assert.equal(result.InventoryTableConfigurationResult!.TableArn, `${MANAGED_ARN}/table/${(await loadTable('inventory'))['table-uuid']}`);
    const fields = metadata.schemas[0]!.fields;
    assert.deepEqual(fields.map((field) => [field.id, field.name, field.type]), JOURNAL_FIELDS);
    const files = await liveFiles(s3, metadata);
    assert.ok(files.length >= 1 && files.every((file) => file.startsWith(`s3://cairn-metadata/${Bucket}/journal/data/record_date=`)), files.join());
    const { rows, fieldIds } = await rowsOf(s3, files, 'key, record_type, sequence_number, size::INTEGER AS size');
    rows.sort((a, b) => String(a['sequence_number']).localeCompare(String(b['sequence_number'])));
    assert.deepEqual(rows.map((row) => [row['key'], row['record_type'], row['size']]), [['c.txt', 'CREATE', 1], ['a.txt', 'DELETE', null]]);
    // The map's key and value carry ids too (22–25): the first `key` by name is the column.
    for (const ids of fieldIds) assert.deepEqual(ids, { ...Object.fromEntries(fields.map((field) => [field.name, field.id])), value: 23 });
  });

  it('appends a snapshot for each export, keeping the files before it', async () => {
    const before = await tableWithRecords('journal', 2);
    const filesBefore = await liveFiles(s3, before);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'd.txt', Body: 'dddd' }));
    const after = await tableWithRecords('journal', 3);
    const current = after.snapshots.find((snapshot) => snapshot['snapshot-id'] === after['current-snapshot-id'])!;
    assert.equal(current.summary['operation'], 'append');
    assert.equal(current['parent-snapshot-id'], before['current-snapshot-id']);
    const filesAfter = await liveFiles(s3, after);
    assert.ok(filesBefore.every((file) => filesAfter.includes(file)));
    const { rows } = await rowsOf(s3, filesAfter, 'key, record_type');
    assert.deepEqual(rows.map((row) => `${String(row['key'])} ${String(row['record_type'])}`).sort(), ['a.txt DELETE', 'c.txt CREATE', 'd.txt CREATE']);
  });

  it('serves the inventory: its base files, as the backfill wrote them', async () => {
    const metadata = await tableWithRecords('inventory', 2);
    assert.deepEqual(metadata.schemas[0]!.fields.map((field) => [field.id, field.name, field.type]), INVENTORY_FIELDS);
    const files = await liveFiles(s3, metadata);
    assert.ok(files.every((file) => file.startsWith(`s3://cairn-metadata/${Bucket}/inventory/data/`)), files.join());
    const { rows } = await rowsOf(s3, files, 'key, size::INTEGER AS size');
    assert.deepEqual(rows.map((row) => [row['key'], row['size']]).sort(), [['a.txt', 3], ['b.txt', 2]]);
  });

  it('vends no credentials for aws-s3 (its data files are not under the table location)', async () => {
    await tableWithRecords('journal', 3);
    const answer = await fetch(`${server.endpoint}/_iceberg/v1/${encodeURIComponent(MANAGED_ARN)}/namespaces/${NAMESPACE}/tables/journal`, {
      headers: { authorization: `Bearer ${token}`, 'x-iceberg-access-delegation': 'vended-credentials' },
    });
    assert.equal(answer.status, 200);
    const config = ((await answer.json()) as { config: Record<string, string> }).config;
    assert.equal(config['s3.access-key-id'], undefined);
    assert.equal(config['s3.endpoint'], server.endpoint);
  });

  it('keeps cairn sql working over the same files', async () => {
    await tableWithRecords('journal', 3);
    const journal = await sql(server, `SELECT key, record_type FROM "b_${Bucket}".journal ORDER BY sequence_number`);
    assert.deepEqual(journal, [{ key: 'c.txt', record_type: 'CREATE' }, { key: 'a.txt', record_type: 'DELETE' }, { key: 'd.txt', record_type: 'CREATE' }]);
    const inventory = await sql(server, `SELECT key FROM inventory."${Bucket}" ORDER BY key`);
    assert.deepEqual(inventory, [{ key: 'b.txt' }, { key: 'c.txt' }, { key: 'd.txt' }]);
  });

  it('refuses every write to aws-s3 (403) and changes nothing', async () => {
    const before = await tableWithRecords('journal', 3);
    const forbidden = (error: unknown) => error instanceof IcebergError && error.status === 403 && error.icebergType === 'ForbiddenException';
    const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'id', type: 'long' as const, required: true }], 'schema-id': 0 };
    await assert.rejects(catalog.createTable({ namespace: [NAMESPACE] }, { name: 'mine', schema }), forbidden);
    await assert.rejects(catalog.createNamespace({ namespace: ['b_other'] }), forbidden);
    await assert.rejects(catalog.dropTable({ namespace: [NAMESPACE], name: 'journal' }, { purge: true }), forbidden);
    await assert.rejects(catalog.dropNamespace({ namespace: [NAMESPACE] }), forbidden);
    const commit = await fetch(`${server.endpoint}/_iceberg/v1/${encodeURIComponent(MANAGED_ARN)}/namespaces/${NAMESPACE}/tables/journal`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requirements: [], updates: [{ action: 'set-properties', updates: { owner: 'me' } }] }),
    });
    assert.equal(commit.status, 403);
    assert.equal(((await commit.json()) as { error: { type: string } }).error.type, 'ForbiddenException');
    const denied = (code: string) => (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => error.name === code && error.$metadata?.httpStatusCode === 403;
    await assert.rejects(tables.send(new DeleteTableCommand({ tableBucketARN: MANAGED_ARN, namespace: NAMESPACE, name: 'journal' })), denied('AccessDeniedException'));
    await assert.rejects(tables.send(new DeleteTableBucketCommand({ tableBucketARN: MANAGED_ARN })), denied('AccessDeniedException'));
    // The name is AWS's: a user's table bucket may not take it.
    await assert.rejects(tables.send(new CreateTableBucketCommand({ name: MANAGED })), denied('AccessDeniedException'));
    const afterRefusals = await loadTable('journal');
    assert.equal(afterRefusals['current-snapshot-id'], before['current-snapshot-id']);
    assert.equal((afterRefusals as unknown as { properties?: Record<string, string> }).properties?.['owner'], undefined);
    assert.deepEqual((await catalog.listTables({ namespace: [NAMESPACE] })).identifiers.map((table) => table.name).sort(), ['inventory', 'journal']);
    assert.deepEqual((await catalog.listNamespaces()).namespaces, [{ namespace: [NAMESPACE] }]);
  });
});
