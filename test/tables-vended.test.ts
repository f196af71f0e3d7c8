// Vended credentials from the Iceberg REST catalog over a real server: loadTable with
// X-Iceberg-Access-Delegation: vended-credentials hands S3 credentials (key, secret, session token)
// that an S3 SDK client uses inside the table's location (read, write, list), that are refused
// outside it and once expired (a 2 s lifetime here: S3's ExpiredToken, the S3 Tables API's
// ExpiredTokenException, the catalog's 401), and are not handed to a caller without
// s3tables:GetTableData; a tampered token is refused; an expired bearer token is 401.
import { CreateNamespaceCommand, CreateTableBucketCommand, GetTableBucketCommand, S3TablesClient, S3TablesServiceException } from '@aws-sdk/client-s3tables';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { NodeSha256, rawRequest } from './helpers/clients.js';
import { cairnAdmin, createUser } from './helpers/iam.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const BUCKET_ARN = `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/lake`;
const PREFIX = encodeURIComponent(BUCKET_ARN);
const LIFETIME_SECONDS = 2;
/** Rounding of the expiry the server reports, and the clocks' reads around the request. */
const CLOCK_SLACK_MS = 50;
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
    const askedAtMs = Date.now();
    const { location, config } = await loadTable(rootToken, 't');
    const answeredAtMs = Date.now();
    assert.match(config['s3.access-key-id']!, /^ASIA[0-9A-F]{16}$/);
    assert.ok(config['s3.secret-access-key']!.length >= 40 && config['s3.session-token']!.length > 0);
    // The credentials expire LIFETIME_SECONDS after the server made them, somewhere between the request and its answer.
    const expiresAtMs = Number(config['s3.session-token-expires-at-ms']);
    assert.ok(expiresAtMs >= askedAtMs + LIFETIME_SECONDS * 1000 - CLOCK_SLACK_MS && expiresAtMs <= answeredAtMs + LIFETIME_SECONDS * 1000 + CLOCK_SLACK_MS, `${askedAtMs} ${expiresAtMs} ${answeredAtMs}`);
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
    // Once expired: S3 answers ExpiredToken, the S3 Tables API its ExpiredTokenException, the catalog 401 (the spec's answer to an expired token).
    await s3RejectsWith(vended.send(new GetObjectCommand({ Bucket: bucket, Key: `${tableId}/data/a.parquet` })), 'ExpiredToken', 400);
    const sessionKeys = { accessKeyId: config['s3.access-key-id']!, secretAccessKey: config['s3.secret-access-key']!, sessionToken: config['s3.session-token']! };
    const expiredTables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: sessionKeys });
    await assert.rejects(expiredTables.send(new GetTableBucketCommand({ tableBucketARN: BUCKET_ARN })), (error: unknown) => {
      assert.ok(error instanceof S3TablesServiceException);
      assert.equal(error.name, 'ExpiredTokenException');
      assert.equal(error.$metadata.httpStatusCode, 403);
      assert.equal(error.message, 'The security token included in the request is expired');
      return true;
    });
    expiredTables.destroy();
    const signerOverride = new SignatureV4({ credentials: sessionKeys, region: TEST_REGION, service: 's3tables', sha256: NodeSha256 as never });
    const catalogAnswer = await rawRequest(server, { method: 'GET', path: '/_iceberg/v1/config', query: { warehouse: BUCKET_ARN }, signerOverride });
    assert.equal(catalogAnswer.status, 401);
    assert.deepEqual(JSON.parse(catalogAnswer.body.toString('utf8')), {
      error: { message: 'ExpiredToken: The provided token has expired.', type: 'NotAuthorizedException', code: 401 },
    });
    for (const client of [vended, tampered]) client.destroy();
  });

  it('answers an expired bearer token with 401 NotAuthorizedException, as the spec prefers over 419', async () => {
    // A genuine token of the root key whose hour has passed (the token names its key and expiry, under an HMAC of the key's secret).
    const expiresAtMs = Date.now() - 1000;
    const signature = createHmac('sha256', TEST_SECRET_KEY).update(`iceberg-bearer\n${TEST_ACCESS_KEY}\n${expiresAtMs}`).digest('base64url');
    const response = await fetch(`${server.endpoint}/_iceberg/v1/config?warehouse=${PREFIX}`, { headers: { authorization: `Bearer cairn1.${TEST_ACCESS_KEY}.${expiresAtMs}.${signature}` } });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: { message: 'Not authorized: the bearer token has expired', type: 'NotAuthorizedException', code: 401 } });
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
