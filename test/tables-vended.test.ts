// Vended credentials from the Iceberg REST catalog over a real server: loadTable with
// X-Iceberg-Access-Delegation: vended-credentials hands S3 credentials (key, secret, session token)
// that an S3 SDK client uses inside the table's location (read, write, list), that are refused
// outside it and once expired (a 2 s lifetime here), and are not handed to a caller without
// s3tables:GetTableData; a tampered token is refused.
import { CreateNamespaceCommand, CreateTableBucketCommand, S3TablesClient } from '@aws-sdk/client-s3tables';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { cairnAdmin, createUser } from './helpers/iam.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const BUCKET_ARN = `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/lake`;
const PREFIX = encodeURIComponent(BUCKET_ARN);
const LIFETIME_SECONDS = 2;
const SCHEMA = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] };

async function bearerFor(server: RunningServer, keys: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: keys.accessKeyId, client_secret: keys.secretAccessKey });
  const response = await fetch(`${server.endpoint}/_iceberg/v1/oauth/tokens`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function s3RejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3ServiceException, `not an S3 error: ${String(error)}`);
    assert.equal(error.name, code);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

describe('Iceberg catalog: vended credentials', () => {
  let server: RunningServer;
  let s3: S3Client;
  let rootToken: string;
  before(async () => {
    ({ server, s3 } = await openSuite(undefined, { env: { CAIRN_VENDED_CREDENTIALS_SECONDS: String(LIFETIME_SECONDS) } }));
    const tables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    await tables.send(new CreateTableBucketCommand({ name: 'lake' }));
    await tables.send(new CreateNamespaceCommand({ tableBucketARN: BUCKET_ARN, namespace: ['ns'] }));
    tables.destroy();
    rootToken = await bearerFor(server, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    for (const name of ['t', 'other']) {
      const created = await fetch(`${server.endpoint}/_iceberg/v1/${PREFIX}/namespaces/ns/tables`, {
        method: 'POST', headers: { authorization: `Bearer ${rootToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name, schema: SCHEMA }),
      });
      assert.equal(created.status, 200);
    }
  });
  after(() => closeSuite(server, s3));

  async function loadTable(token: string, name: string, vended = true): Promise<{ location: string; config: Record<string, string> }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (vended) headers['x-iceberg-access-delegation'] = 'vended-credentials';
    const response = await fetch(`${server.endpoint}/_iceberg/v1/${PREFIX}/namespaces/ns/tables/${name}`, { headers });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { metadata: { location: string }; config: Record<string, string> };
    return { location: body.metadata.location, config: body.config };
  }

  const clientOf = (config: Record<string, string>, sessionToken = config['s3.session-token']): S3Client => new S3Client({
    endpoint: server.endpoint, region: TEST_REGION, forcePathStyle: true,
    credentials: { accessKeyId: config['s3.access-key-id']!, secretAccessKey: config['s3.secret-access-key']!, sessionToken },
  });

  it('works inside the table\'s location, 403 outside it, and 403 once expired', async () => {
    const { location, config } = await loadTable(rootToken, 't');
    assert.match(config['s3.access-key-id']!, /^ASIA[0-9A-F]{16}$/);
    assert.ok(config['s3.secret-access-key']!.length >= 40 && config['s3.session-token']!.length > 0);
    const expiresAtMs = Number(config['s3.session-token-expires-at-ms']);
    assert.ok(Math.abs(expiresAtMs - (Date.now() + LIFETIME_SECONDS * 1000)) < 1500);
    const [bucket, tableId] = location.slice('s3://'.length).split('/') as [string, string];
    const other = (await loadTable(rootToken, 'other', false)).location.slice('s3://'.length).split('/')[1]!;
    const vended = clientOf(config);
    await vended.send(new PutObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet`, Body: 'inside' }));
    assert.equal(await (await vended.send(new GetObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet` }))).Body!.transformToString(), 'inside');
    const listed = await vended.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${tableId}/data/` }));
    assert.deepEqual(listed.Contents?.map((object) => object.Key), [`${tableId}/data/a.parquet`]);
    await s3RejectsWith(vended.send(new PutObjectCommand({ Bucket: bucket, Key: `${other}/data/b.parquet`, Body: 'outside' })), 'AccessDenied', 403);
    await s3RejectsWith(vended.send(new ListObjectsV2Command({ Bucket: bucket })), 'AccessDenied', 403);
    await s3RejectsWith(vended.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${other}/` })), 'AccessDenied', 403);
    // A tampered token (another table's prefix cannot be forged) and no token at all are refused.
    const tampered = clientOf(config, config['s3.session-token']!.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')));
    await s3RejectsWith(tampered.send(new GetObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet` })), 'InvalidAccessKeyId', 403);
    await s3RejectsWith(clientOf(config, '').send(new GetObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet` })), 'InvalidAccessKeyId', 403);
    const root = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${other}/data/` }))).KeyCount;
    assert.equal(root, 0, 'nothing was written outside the prefix');
    await sleep(Math.max(0, expiresAtMs - Date.now()) + 200);
    await s3RejectsWith(vended.send(new GetObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet` })), 'InvalidAccessKeyId', 403);
    for (const client of [vended, tampered]) client.destroy();
  });

  it('hands no credentials without the header, nor to a caller without s3tables:GetTableData; read-only without PutTableData', async () => {
    assert.equal((await loadTable(rootToken, 't', false)).config['s3.access-key-id'], undefined);
    const reader = await createUser(server, 'reader');
    const readOnly = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3tables:GetTableMetadataLocation', Resource: `${BUCKET_ARN}/table/*` }] });
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'reader', '-'], readOnly)).code, 0);
    const readerToken = await bearerFor(server, reader);
    assert.equal((await loadTable(readerToken, 't')).config['s3.access-key-id'], undefined);
    const withData = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3tables:GetTableMetadataLocation', 's3tables:GetTableData'], Resource: `${BUCKET_ARN}/table/*` }] });
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'reader', '-'], withData)).code, 0);
    const { location, config } = await loadTable(readerToken, 't');
    const [bucket, tableId] = location.slice('s3://'.length).split('/') as [string, string];
    const vended = clientOf(config);
    assert.equal(await (await vended.send(new GetObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet` }))).Body!.transformToString(), 'inside');
    await s3RejectsWith(vended.send(new PutObjectCommand({ Bucket: bucket, Key: `${tableId}/data/c.parquet`, Body: 'no' })), 'AccessDenied', 403);
    vended.destroy();
  });
});
