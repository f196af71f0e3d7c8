// The S3 Tables control plane over a real server, driven by @aws-sdk/client-s3tables with default
// settings (and a raw signed request for the older GetTable path): table buckets, namespaces and
// tables, the metadata location's version token, AWS's naming rules, each bad input answered with
// its exact error and nothing changed, authorization of users, and 501 for operations Cairn cannot honour.
import {
  CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, DeleteNamespaceCommand, DeleteTableBucketCommand,
  DeleteTableCommand, GetNamespaceCommand, GetTableBucketCommand, GetTableBucketReplicationCommand, GetTableCommand,
  GetTableMetadataLocationCommand, ListNamespacesCommand, ListTableBucketsCommand, ListTablesCommand, RenameTableCommand,
  S3TablesClient, UpdateTableMetadataLocationCommand,
} from '@aws-sdk/client-s3tables';
import { ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NodeSha256, rawRequest, sendRaw } from './helpers/clients.js';
import { cairnAdmin, createUser, type UserKeys } from './helpers/iam.js';
import { rejectsWith, tablesClient } from './helpers/tables.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const arnOf = (bucket: string): string => `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/${bucket}`;

describe('S3 Tables: table buckets, namespaces and tables', () => {
  let server: RunningServer;
  let s3: S3Client;
  let tables: S3TablesClient;
  const bucketArn = arnOf('analytics');
  before(async () => {
    ({ server, s3 } = await openSuite());
    tables = tablesClient(server);
  });
  after(async () => {
    tables?.destroy();
    await closeSuite(server, s3);
  });

  const bucketNames = async (): Promise<string[]> => ((await tables.send(new ListTableBucketsCommand({}))).tableBuckets ?? []).map((b) => b.name!);

  it('creates, gets and lists table buckets, a page at a time', async () => {
    for (const name of ['analytics', 'archive', 'logs']) {
      assert.equal((await tables.send(new CreateTableBucketCommand({ name }))).arn, arnOf(name));
    }
    const got = await tables.send(new GetTableBucketCommand({ tableBucketARN: bucketArn }));
    assert.equal(got.name, 'analytics');
    assert.equal(got.arn, bucketArn);
    assert.equal(got.ownerAccountId, ACCOUNT);
    assert.ok(got.createdAt instanceof Date && Math.abs(got.createdAt.getTime() - Date.now()) < 60_000);
    assert.deepEqual(await bucketNames(), ['analytics', 'archive', 'logs']);
    const first = await tables.send(new ListTableBucketsCommand({ prefix: 'a', maxBuckets: 1 }));
    assert.deepEqual(first.tableBuckets?.map((b) => b.name), ['analytics']);
    assert.ok(first.continuationToken !== undefined);
    const second = await tables.send(new ListTableBucketsCommand({ prefix: 'a', maxBuckets: 1, continuationToken: first.continuationToken }));
    assert.deepEqual(second.tableBuckets?.map((b) => b.name), ['archive']);
    assert.equal(second.continuationToken, undefined);
  });

  it('refuses invalid or taken table bucket names and creates nothing', async () => {
    const before = await bucketNames();
    const invalid = ['ab', 'a'.repeat(64), 'Upper', 'under_score', 'dot.ted', '-lead', 'trail-', 'aws-data', 'xn--abc', 'sthree-x',
      'amzn-s3-demo-x', 'data-s3alias', 'data--ol-s3', 'data--x-s3', 'data--table-s3'];
    for (const name of invalid) {
      await rejectsWith(tables.send(new CreateTableBucketCommand({ name })), 'BadRequestException', 400, 'The specified bucket name is not valid.');
    }
    await rejectsWith(tables.send(new CreateTableBucketCommand({ name: 'analytics' })), 'ConflictException', 409);
    assert.deepEqual(await bucketNames(), before);
    await rejectsWith(tables.send(new GetTableBucketCommand({ tableBucketARN: arnOf('missing') })), 'NotFoundException', 404);
    await rejectsWith(tables.send(new GetTableBucketCommand({ tableBucketARN: 'arn:aws:s3:::analytics' })), 'BadRequestException', 400);
  });

  it('creates, gets and lists namespaces; refuses bad names and duplicates', async () => {
    const created = await tables.send(new CreateNamespaceCommand({ tableBucketARN: bucketArn, namespace: ['sales'] }));
    assert.deepEqual({ arn: created.tableBucketARN, namespace: created.namespace }, { arn: bucketArn, namespace: ['sales'] });
    await tables.send(new CreateNamespaceCommand({ tableBucketARN: bucketArn, namespace: ['web_2024'] }));
    const got = await tables.send(new GetNamespaceCommand({ tableBucketARN: bucketArn, namespace: 'sales' }));
    assert.deepEqual(got.namespace, ['sales']);
    assert.equal(got.ownerAccountId, ACCOUNT);
    assert.equal(got.createdBy, ACCOUNT);
    for (const namespace of ['Sales', 'has-hyphen', 'dot.ted', '_lead', 'trail_', 'aws_reserved', 'x'.repeat(256)]) {
      await rejectsWith(tables.send(new CreateNamespaceCommand({ tableBucketARN: bucketArn, namespace: [namespace] })),
        'BadRequestException', 400, 'The specified namespace name is not valid.');
    }
    await rejectsWith(tables.send(new CreateNamespaceCommand({ tableBucketARN: bucketArn, namespace: ['sales'] })), 'ConflictException', 409);
    await rejectsWith(tables.send(new CreateNamespaceCommand({ tableBucketARN: arnOf('missing'), namespace: ['sales'] })), 'NotFoundException', 404);
    const listed = await tables.send(new ListNamespacesCommand({ tableBucketARN: bucketArn }));
    assert.deepEqual(listed.namespaces?.map((n) => n.namespace), [['sales'], ['web_2024']]);
    const paged = await tables.send(new ListNamespacesCommand({ tableBucketARN: bucketArn, maxNamespaces: 1 }));
    assert.deepEqual(paged.namespaces?.map((n) => n.namespace), [['sales']]);
    await rejectsWith(tables.send(new GetNamespaceCommand({ tableBucketARN: bucketArn, namespace: 'nothing' })), 'NotFoundException', 404);
  });

  let tableArn = '';
  let warehouse = '';
  let token = '';

  it('creates a table and gets it by name, by ARN and by the older path', async () => {
    const created = await tables.send(new CreateTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', format: 'ICEBERG' }));
    assert.match(created.tableARN!, new RegExp(`^${bucketArn}/table/[0-9a-f-]{36}$`));
    tableArn = created.tableARN!;
    token = created.versionToken!;
    const got = await tables.send(new GetTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders' }));
    assert.equal(got.tableARN, tableArn);
    assert.equal(got.versionToken, token);
    assert.deepEqual(got.namespace, ['sales']);
    assert.equal(got.format, 'ICEBERG');
    assert.equal(got.type, 'customer');
    assert.equal(got.metadataLocation, undefined);
    assert.match(got.warehouseLocation!, /^s3:\/\/[0-9a-f-]{36}--table-s3\/[0-9a-f-]{36}$/);
    warehouse = got.warehouseLocation!;
    assert.equal((await tables.send(new GetTableCommand({ tableArn }))).name, 'orders');
    const signer = new SignatureV4({ credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }, region: TEST_REGION, service: 's3tables', sha256: NodeSha256 as never });
    const older = await rawRequest(server, { method: 'GET', path: `/tables/${encodeURIComponent(bucketArn)}/sales/orders`, signerOverride: signer });
    assert.equal(older.status, 200);
    assert.equal((JSON.parse(older.text) as { tableARN: string }).tableARN, tableArn);
    // The table's data bucket exists for S3 clients (Iceberg writers put files there).
    const s3Buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    assert.ok(s3Buckets.includes(warehouse.slice('s3://'.length).split('/')[0]));
  });

  it('refuses bad tables and creates nothing', async () => {
    const names = async (): Promise<string[]> => ((await tables.send(new ListTablesCommand({ tableBucketARN: bucketArn }))).tables ?? []).map((t) => t.name!);
    const before = await names();
    await rejectsWith(tables.send(new CreateTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'Orders', format: 'ICEBERG' })),
      'BadRequestException', 400, 'The specified table name is not valid.');
    await rejectsWith(tables.send(new CreateTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', format: 'ICEBERG' })), 'ConflictException', 409);
    await rejectsWith(tables.send(new CreateTableCommand({ tableBucketARN: bucketArn, namespace: 'nothing', name: 'x', format: 'ICEBERG' })), 'NotFoundException', 404);
    assert.deepEqual(await names(), before);
    await rejectsWith(tables.send(new GetTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'unknown' })),
      'NotFoundException', 404, 'The specified table does not exist.');
  });

  it('moves the metadata location only with the current version token, and only within the warehouse', async () => {
    const location = await tables.send(new GetTableMetadataLocationCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders' }));
    assert.deepEqual({ token: location.versionToken, warehouse: location.warehouseLocation, metadata: location.metadataLocation }, { token, warehouse, metadata: undefined });
    const [bucket, ...prefix] = warehouse.slice('s3://'.length).split('/');
    const key = `${prefix.join('/')}/metadata/00000-a.metadata.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{}' }));
    const target = `${warehouse}/metadata/00000-a.metadata.json`;
    const update = (metadataLocation: string, versionToken: string): Promise<unknown> => tables.send(new UpdateTableMetadataLocationCommand({
      tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', metadataLocation, versionToken,
    }));
    for (const outside of ['s3://elsewhere/metadata/00000-a.metadata.json', `${warehouse}-other/m.metadata.json`, `${warehouse}/metadata/00000-a.json`, `${warehouse}/.metadata.json`]) {
      await rejectsWith(update(outside, token), 'BadRequestException', 400);
    }
    const updated = await tables.send(new UpdateTableMetadataLocationCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', metadataLocation: target, versionToken: token }));
    assert.equal(updated.metadataLocation, target);
    assert.notEqual(updated.versionToken, token);
    assert.equal(updated.tableARN, tableArn);
    await rejectsWith(update(`${warehouse}/metadata/00001-b.metadata.json`, token), 'ConflictException', 409,
      'The provided version token does not match the table version token.');
    const now = await tables.send(new GetTableMetadataLocationCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders' }));
    assert.deepEqual({ token: now.versionToken, metadata: now.metadataLocation }, { token: updated.versionToken, metadata: target });
    token = updated.versionToken!;
  });

  it('of two writers racing with the same version token, exactly one wins', async () => {
    const race = await Promise.allSettled(['00001-x', '00001-y'].map((file) => tables.send(new UpdateTableMetadataLocationCommand({
      tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', metadataLocation: `${warehouse}/metadata/${file}.metadata.json`, versionToken: token,
    }))));
    const won = race.filter((outcome) => outcome.status === 'fulfilled');
    const lost = race.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.equal((lost[0]!.reason as Error).name, 'ConflictException');
    const now = await tables.send(new GetTableMetadataLocationCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders' }));
    assert.equal(now.versionToken, won[0]!.value.versionToken);
    assert.equal(now.metadataLocation, won[0]!.value.metadataLocation);
    token = now.versionToken!;
  });

  it('lists tables by namespace and renames a table within and across namespaces', async () => {
    await tables.send(new CreateTableCommand({ tableBucketARN: bucketArn, namespace: 'web_2024', name: 'visits', format: 'ICEBERG' }));
    const all = await tables.send(new ListTablesCommand({ tableBucketARN: bucketArn }));
    assert.deepEqual(all.tables?.map((t) => [t.namespace, t.name]), [[['sales'], 'orders'], [['web_2024'], 'visits']]);
    const page = await tables.send(new ListTablesCommand({ tableBucketARN: bucketArn, maxTables: 1 }));
    const rest = await tables.send(new ListTablesCommand({ tableBucketARN: bucketArn, maxTables: 1, continuationToken: page.continuationToken }));
    assert.deepEqual([page.tables?.[0]?.name, rest.tables?.[0]?.name, rest.continuationToken], ['orders', 'visits', undefined]);
    const inWeb = await tables.send(new ListTablesCommand({ tableBucketARN: bucketArn, namespace: 'web_2024' }));
    assert.deepEqual(inWeb.tables?.map((t) => t.name), ['visits']);
    await tables.send(new RenameTableCommand({ tableBucketARN: bucketArn, namespace: 'web_2024', name: 'visits', newName: 'sessions', newNamespaceName: 'sales' }));
    const renamed = await tables.send(new ListTablesCommand({ tableBucketARN: bucketArn }));
    assert.deepEqual(renamed.tables?.map((t) => [t.namespace, t.name]), [[['sales'], 'orders'], [['sales'], 'sessions']]);
    await rejectsWith(tables.send(new RenameTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'sessions', newName: 'orders' })), 'ConflictException', 409);
    await rejectsWith(tables.send(new RenameTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'sessions', newName: 'x', versionToken: 'stale' })), 'ConflictException', 409);
  });

  it('deletes only what is empty, and a table only with its current version token', async () => {
    await rejectsWith(tables.send(new DeleteNamespaceCommand({ tableBucketARN: bucketArn, namespace: 'sales' })), 'ConflictException', 409,
      'The namespace that you tried to delete is not empty.');
    await rejectsWith(tables.send(new DeleteTableBucketCommand({ tableBucketARN: bucketArn })), 'ConflictException', 409);
    await rejectsWith(tables.send(new DeleteTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', versionToken: 'stale' })), 'ConflictException', 409);
    assert.equal((await tables.send(new GetTableCommand({ tableArn }))).name, 'orders');
    await tables.send(new DeleteTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders', versionToken: token }));
    await tables.send(new DeleteTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'sessions' }));
    await rejectsWith(tables.send(new GetTableCommand({ tableArn })), 'NotFoundException', 404);
    await rejectsWith(tables.send(new DeleteTableCommand({ tableBucketARN: bucketArn, namespace: 'sales', name: 'orders' })), 'NotFoundException', 404);
    for (const namespace of ['sales', 'web_2024']) await tables.send(new DeleteNamespaceCommand({ tableBucketARN: bucketArn, namespace }));
    await tables.send(new DeleteTableBucketCommand({ tableBucketARN: bucketArn }));
    assert.deepEqual(await bucketNames(), ['archive', 'logs']);
  });

  it('verifies the signature over the body the SDK hashed, and refuses bad paging', async () => {
    const before = await bucketNames();
    const url = new URL(server.endpoint);
    const signer = new SignatureV4({
      credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }, region: TEST_REGION, service: 's3tables', sha256: NodeSha256 as never, applyChecksum: false,
    });
    // As the SDK signs: no x-amz-content-sha256, the body's hash in the canonical request only.
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/buckets', query: {},
      headers: { host: url.host, 'content-type': 'application/json' }, body: '{"name":"signed"}' });
    const forged = await sendRaw(server, 'PUT', '/buckets', signed.headers as Record<string, string>, Buffer.from('{"name":"forged"}'));
    assert.equal(forged.status, 403);
    assert.equal(forged.headers['x-amzn-errortype'], 'SignatureDoesNotMatch');
    // With x-amz-content-sha256 sent, a body that is not the one it names is refused as well.
    const withHash = { ...(signed.headers as Record<string, string>), 'x-amz-content-sha256': createHash('sha256').update('{"name":"signed"}').digest('hex') };
    const resigned = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/buckets', query: {}, headers: withHash, body: '{"name":"signed"}' });
    const mismatched = await sendRaw(server, 'PUT', '/buckets', resigned.headers as Record<string, string>, Buffer.from('{"name":"forged"}'));
    assert.equal(mismatched.status, 400);
    assert.deepEqual(JSON.parse(mismatched.text), { message: 'The x-amz-content-sha256 header does not match the body.' });
    assert.deepEqual(await bucketNames(), before);
    await rejectsWith(tables.send(new ListTableBucketsCommand({ maxBuckets: 1001 })), 'BadRequestException', 400, 'maxBuckets must be between 1 and 1000.');
    await rejectsWith(tables.send(new ListTableBucketsCommand({ continuationToken: 'not a token!' })), 'BadRequestException', 400, 'The continuation token is not valid.');
  });

  it('answers operations Cairn cannot honour with 501 in the API\'s JSON error shape', async () => {
    await rejectsWith(tables.send(new GetTableBucketReplicationCommand({ tableBucketARN: arnOf('logs') })), 'NotImplemented', 501,
      'The S3 Tables operation GetTableBucketReplication is not implemented in Cairn.');
  });
});

describe('S3 Tables: authorization and the aws CLI', () => {
  let server: RunningServer;
  let s3: S3Client;
  let bob: UserKeys;
  before(async () => {
    ({ server, s3 } = await openSuite());
    bob = await createUser(server, 'bob');
  });
  after(() => closeSuite(server, s3));

  it('a user without a policy may do nothing; one whose policy allows may', async () => {
    const client = tablesClient(server, bob);
    await rejectsWith(client.send(new CreateTableBucketCommand({ name: 'bobs' })), 'AccessDeniedException', 403);
    await rejectsWith(client.send(new ListTableBucketsCommand({})), 'AccessDeniedException', 403);
    const createBuckets = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3tables:CreateTableBucket', Resource: `arn:aws:s3tables:*:${ACCOUNT}:bucket/bob*` }] });
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'bob', '-'], createBuckets)).code, 0);
    assert.equal((await client.send(new CreateTableBucketCommand({ name: 'bobs' }))).arn, arnOf('bobs'));
    await rejectsWith(client.send(new CreateTableBucketCommand({ name: 'alices' })), 'AccessDeniedException', 403);
    await rejectsWith(client.send(new ListTableBucketsCommand({})), 'AccessDeniedException', 403);
    client.destroy();
  });

  it('the aws CLI creates and lists table buckets and namespaces', async () => {
    const { execFile } = await import('node:child_process');
    const aws = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
      execFile('aws', ['s3tables', ...args, '--endpoint-url', server.endpoint, '--region', TEST_REGION, '--output', 'json'], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`))));
    });
    assert.deepEqual(JSON.parse(await aws(['create-table-bucket', '--name', 'cli-bucket'])), { arn: arnOf('cli-bucket') });
    await aws(['create-namespace', '--table-bucket-arn', arnOf('cli-bucket'), '--namespace', 'events']);
    const listed = JSON.parse(await aws(['list-namespaces', '--table-bucket-arn', arnOf('cli-bucket')])) as { namespaces: Array<{ namespace: string[] }> };
    assert.deepEqual(listed.namespaces.map((n) => n.namespace), [['events']]);
    const buckets = JSON.parse(await aws(['list-table-buckets'])) as { tableBuckets: Array<{ name: string }> };
    assert.deepEqual(buckets.tableBuckets.map((b) => b.name), ['bobs', 'cli-bucket']);
    await assert.rejects(aws(['delete-namespace', '--table-bucket-arn', arnOf('cli-bucket'), '--namespace', 'missing']), /NotFoundException/);
  });
});
