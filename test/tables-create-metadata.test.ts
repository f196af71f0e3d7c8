// CreateTable with `metadata` through @aws-sdk/client-s3tables (default settings): the table starts
// with a first Iceberg metadata file written from the given schema, partition spec and properties
// (read back with S3 from the table's warehouse location, and loaded through the Iceberg REST
// catalog); a schema Cairn cannot take is 400 BadRequestException and no table is created.
import {
  CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, GetTableCommand, GetTableMetadataLocationCommand,
  ListTablesCommand, S3TablesClient, S3TablesServiceException,
} from '@aws-sdk/client-s3tables';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET_ARN = `arn:aws:s3tables:${TEST_REGION}:000000000000:bucket/warehouse`;

describe('S3 Tables: CreateTable with Iceberg metadata', () => {
  let server: RunningServer;
  let s3: S3Client;
  let tables: S3TablesClient;
  before(async () => {
    ({ server, s3 } = await openSuite());
    tables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    await tables.send(new CreateTableBucketCommand({ name: 'warehouse' }));
    await tables.send(new CreateNamespaceCommand({ tableBucketARN: BUCKET_ARN, namespace: ['sales'] }));
  });
  after(async () => {
    tables?.destroy();
    await closeSuite(server, s3);
  });

  it('writes the first metadata file from the schema, partition spec and properties', async () => {
    const created = await tables.send(new CreateTableCommand({
      tableBucketARN: BUCKET_ARN, namespace: 'sales', name: 'orders', format: 'ICEBERG',
      metadata: { iceberg: {
        schema: { fields: [{ name: 'id', type: 'long', required: true }, { name: 'amount', type: 'decimal(10, 2)' }, { name: 'day', type: 'date' }] },
        partitionSpec: { fields: [{ sourceId: 3, transform: 'month', name: 'day_month' }] },
        properties: { owner: 'finance' },
      } },
    }));
    const location = await tables.send(new GetTableMetadataLocationCommand({ tableBucketARN: BUCKET_ARN, namespace: 'sales', name: 'orders' }));
    assert.equal(location.versionToken, created.versionToken);
    assert.match(location.metadataLocation!, new RegExp(`^${location.warehouseLocation!}/metadata/00000-[0-9a-f-]{36}\\.metadata\\.json$`));
    const [bucket, ...key] = location.metadataLocation!.slice('s3://'.length).split('/');
    const file = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key.join('/') }));
    const metadata = JSON.parse(await file.Body!.transformToString()) as {
      'format-version': number; location: string; 'table-uuid': string; schemas: Array<{ fields: unknown[] }>; 'last-column-id': number;
      'partition-specs': unknown; properties: unknown; 'current-snapshot-id': number;
    };
    assert.equal(metadata['format-version'], 2);
    assert.equal(metadata['location'], location.warehouseLocation);
    assert.equal(metadata['table-uuid'], created.tableARN!.split('/').pop());
    assert.deepEqual(metadata['schemas'][0]!.fields, [
      { id: 1, name: 'id', type: 'long', required: true },
      { id: 2, name: 'amount', type: 'decimal(10, 2)', required: false },
      { id: 3, name: 'day', type: 'date', required: false },
    ]);
    assert.equal(metadata['last-column-id'], 3);
    assert.deepEqual(metadata['partition-specs'], [{ 'spec-id': 0, fields: [{ 'source-id': 3, transform: 'month', name: 'day_month', 'field-id': 1000 }] }]);
    assert.deepEqual(metadata['properties'], { owner: 'finance' });
    assert.equal(metadata['current-snapshot-id'], -1);
    // The Iceberg REST catalog loads the same table with the same columns.
    const loaded = await fetch(`${server.endpoint}/_iceberg/v1/${encodeURIComponent(BUCKET_ARN)}/namespaces/sales/tables/orders`, {
      headers: { authorization: `Bearer ${await catalogToken(server)}` },
    });
    assert.equal(loaded.status, 200);
    const body = await loaded.json() as { 'metadata-location': string; metadata: { schemas: Array<{ fields: unknown[] }> } };
    assert.equal(body['metadata-location'], location.metadataLocation);
    assert.equal(body.metadata.schemas[0]!.fields.length, 3);
  });

  it('answers 400 BadRequestException for a schema it cannot take, and creates no table', async () => {
    const bad = [
      { fields: [{ name: 'id', type: 'bigint' }] },
      { fields: [{ name: '', type: 'long' }] },
      { fields: [{ name: 'a', type: 'long', id: 1 }, { name: 'b', type: 'long', id: 1 }] },
    ];
    for (const schema of bad) {
      await assert.rejects(tables.send(new CreateTableCommand({ tableBucketARN: BUCKET_ARN, namespace: 'sales', name: 'broken', format: 'ICEBERG', metadata: { iceberg: { schema } } })),
        (error: unknown) => error instanceof S3TablesServiceException && error.name === 'BadRequestException' && error.$metadata.httpStatusCode === 400);
      await assert.rejects(tables.send(new GetTableCommand({ tableBucketARN: BUCKET_ARN, namespace: 'sales', name: 'broken' })),
        (error: unknown) => error instanceof S3TablesServiceException && error.name === 'NotFoundException');
    }
    const listed = await tables.send(new ListTablesCommand({ tableBucketARN: BUCKET_ARN, namespace: 'sales' }));
    assert.deepEqual(listed.tables!.map((table) => table.name), ['orders']);
  });
});

/** A catalog bearer token for root, from the catalog's OAuth endpoint (client credentials). */
async function catalogToken(server: RunningServer): Promise<string> {
  const answer = await fetch(`${server.endpoint}/_iceberg/v1/oauth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: TEST_ACCESS_KEY, client_secret: TEST_SECRET_KEY }),
  });
  assert.equal(answer.status, 200);
  return ((await answer.json()) as { access_token: string }).access_token;
}
