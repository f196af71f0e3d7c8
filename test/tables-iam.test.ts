// S3 Tables and IAM over a real server: user policies naming `s3tables:` actions on table bucket and
// table ARNs (allowed on one bucket, AccessDeniedException on another, explicit deny wins, bad
// policies refused with nothing stored), and a table bucket's data bucket (`--table-s3`) whose
// files no S3 client may delete (403 AccessDenied, nothing deleted) while reads and writes work.
import {
  CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, GetTableBucketCommand, GetTableCommand,
  ListNamespacesCommand, S3TablesClient,
} from '@aws-sdk/client-s3tables';
import {
  DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cairnAdmin, createUser, userClient, type UserKeys } from './helpers/iam.js';
import { rejectsWith, tablesClient } from './helpers/tables.js';
import { TEST_REGION, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const arnOf = (bucket: string): string => `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/${bucket}`;

async function s3RejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3ServiceException, `not an S3 error: ${String(error)}`);
    assert.equal(error.name, code);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

const policyOf = (...statements: Array<Record<string, unknown>>): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('S3 Tables: s3tables actions and ARNs in user policies', () => {
  let server: RunningServer;
  let s3: S3Client;
  let root: S3TablesClient;
  let carol: UserKeys;
  let asCarol: S3TablesClient;
  let ordersArn: string;
  before(async () => {
    ({ server, s3 } = await openSuite());
    root = tablesClient(server);
    for (const name of ['alpha', 'beta']) {
      await root.send(new CreateTableBucketCommand({ name }));
      await root.send(new CreateNamespaceCommand({ tableBucketARN: arnOf(name), namespace: ['sales'] }));
    }
    for (const [bucket, name] of [['alpha', 'orders'], ['alpha', 'items'], ['beta', 'orders']] as const) {
      await root.send(new CreateTableCommand({ tableBucketARN: arnOf(bucket), namespace: 'sales', name, format: 'ICEBERG' }));
    }
    ordersArn = (await root.send(new GetTableCommand({ tableBucketARN: arnOf('alpha'), namespace: 'sales', name: 'orders' }))).tableARN!;
    carol = await createUser(server, 'carol');
    asCarol = tablesClient(server, carol);
  });
  after(async () => {
    root?.destroy();
    asCarol?.destroy();
    await closeSuite(server, s3);
  });

  const setPolicy = async (policy: string): Promise<void> => {
    const set = await cairnAdmin(server, ['user', 'set-policy', 'carol', '-'], policy);
    assert.equal(set.code, 0, set.stderr);
  };

  it('allows s3tables:GetTableBucket on bucket A and answers AccessDeniedException on bucket B', async () => {
    await setPolicy(policyOf({ Effect: 'Allow', Action: ['s3tables:GetTableBucket', 's3tables:ListNamespaces'], Resource: arnOf('alpha') }));
    assert.equal((await asCarol.send(new GetTableBucketCommand({ tableBucketARN: arnOf('alpha') }))).name, 'alpha');
    assert.deepEqual((await asCarol.send(new ListNamespacesCommand({ tableBucketARN: arnOf('alpha') }))).namespaces?.map((n) => n.namespace), [['sales']]);
    await rejectsWith(asCarol.send(new GetTableBucketCommand({ tableBucketARN: arnOf('beta') })), 'AccessDeniedException', 403,
      `You are not authorized to perform s3tables:GetTableBucket on ${arnOf('beta')}.`);
    // An action the policy does not name is denied on bucket A as well.
    await rejectsWith(asCarol.send(new CreateNamespaceCommand({ tableBucketARN: arnOf('alpha'), namespace: ['other'] })), 'AccessDeniedException', 403);
    assert.deepEqual((await root.send(new ListNamespacesCommand({ tableBucketARN: arnOf('alpha') }))).namespaces?.map((n) => n.namespace), [['sales']]);
  });

  it('judges a table-level action on the table ARN: one table, every table of a bucket, wildcards', async () => {
    await setPolicy(policyOf({ Effect: 'Allow', Action: 's3tables:GetTable', Resource: ordersArn }));
    assert.equal((await asCarol.send(new GetTableCommand({ tableBucketARN: arnOf('alpha'), namespace: 'sales', name: 'orders' }))).tableARN, ordersArn);
    assert.equal((await asCarol.send(new GetTableCommand({ tableArn: ordersArn }))).name, 'orders');
    await rejectsWith(asCarol.send(new GetTableCommand({ tableBucketARN: arnOf('alpha'), namespace: 'sales', name: 'items' })), 'AccessDeniedException', 403);
    await setPolicy(policyOf({ Effect: 'Allow', Action: 's3tables:Get*', Resource: `arn:aws:s3tables:*:${ACCOUNT}:bucket/alpha/table/*` }));
    assert.equal((await asCarol.send(new GetTableCommand({ tableBucketARN: arnOf('alpha'), namespace: 'sales', name: 'items' }))).name, 'items');
    await rejectsWith(asCarol.send(new GetTableCommand({ tableBucketARN: arnOf('beta'), namespace: 'sales', name: 'orders' })), 'AccessDeniedException', 403);
    // The table-level grant does not reach the bucket itself.
    await rejectsWith(asCarol.send(new GetTableBucketCommand({ tableBucketARN: arnOf('alpha') })), 'AccessDeniedException', 403);
  });

  it('an explicit Deny wins over an Allow', async () => {
    await setPolicy(policyOf(
      { Effect: 'Allow', Action: 's3tables:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3tables:GetTableBucket', Resource: 'arn:aws:s3tables:*:*:bucket/beta' },
    ));
    assert.equal((await asCarol.send(new GetTableBucketCommand({ tableBucketARN: arnOf('alpha') }))).name, 'alpha');
    await rejectsWith(asCarol.send(new GetTableBucketCommand({ tableBucketARN: arnOf('beta') })), 'AccessDeniedException', 403);
  });

  it('refuses a policy with an unknown s3tables action or a malformed s3tables ARN, and keeps the old policy', async () => {
    const kept = policyOf({ Effect: 'Allow', Action: 's3tables:GetTableBucket', Resource: arnOf('alpha') });
    await setPolicy(kept);
    const cases: Array<[string, string]> = [
      [policyOf({ Effect: 'Allow', Action: 's3tables:Teleport', Resource: arnOf('alpha') }), 'Policy has invalid action'],
      [policyOf({ Effect: 'Allow', Action: 's3tables:GetTable', Resource: 'arn:aws:s3tables:us-east-1:000000000000:namespace/x' }), 'Policy has invalid resource'],
      [policyOf({ Effect: 'Allow', Action: 's3tables:GetTable', Resource: 'arn:aws:s3tables:us-east-1:000000000000:bucket/alpha/view/x' }), 'Policy has invalid resource'],
      [policyOf({ Effect: 'Allow', Action: 's3tables:GetTable', Resource: 'arn:aws:s3tables:' }), 'Policy has invalid resource'],
    ];
    for (const [policy, message] of cases) {
      const set = await cairnAdmin(server, ['user', 'set-policy', 'carol', '-'], policy);
      assert.equal(set.code, 1, message);
      assert.match(set.stderr, new RegExp(`MalformedPolicy: ${message}`));
    }
    const shown = await cairnAdmin(server, ['user', 'get-policy', 'carol']);
    assert.deepEqual(JSON.parse(shown.stdout), JSON.parse(kept), 'the stored policy is unchanged');
    assert.equal((await asCarol.send(new GetTableBucketCommand({ tableBucketARN: arnOf('alpha') }))).name, 'alpha');
  });
});

describe('S3 Tables: a table bucket\'s files are protected from S3 deletes', () => {
  let server: RunningServer;
  let s3: S3Client;
  let warehouse: string;
  let prefix: string;
  before(async () => {
    ({ server, s3 } = await openSuite());
    const root = tablesClient(server);
    await root.send(new CreateTableBucketCommand({ name: 'lake' }));
    await root.send(new CreateNamespaceCommand({ tableBucketARN: arnOf('lake'), namespace: ['ns'] }));
    await root.send(new CreateTableCommand({ tableBucketARN: arnOf('lake'), namespace: 'ns', name: 't', format: 'ICEBERG' }));
    const location = (await root.send(new GetTableCommand({ tableBucketARN: arnOf('lake'), namespace: 'ns', name: 't' }))).warehouseLocation!;
    root.destroy();
    [warehouse, prefix] = [location.slice('s3://'.length).split('/')[0]!, `${location.slice('s3://'.length).split('/').slice(1).join('/')}/`];
  });
  after(() => closeSuite(server, s3));

  it('writes and reads work; DeleteObject and DeleteObjects answer 403 AccessDenied, even for root, and delete nothing', async () => {
    assert.match(warehouse, /--table-s3$/);
    const Key = `${prefix}data/part-0.parquet`;
    await s3.send(new PutObjectCommand({ Bucket: warehouse, Key, Body: 'parquet bytes' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: warehouse, Key }))).Body!.transformToString(), 'parquet bytes');
    await s3RejectsWith(s3.send(new DeleteObjectCommand({ Bucket: warehouse, Key })), 'AccessDenied', 403);
    await s3RejectsWith(s3.send(new DeleteObjectCommand({ Bucket: warehouse, Key, VersionId: 'null' })), 'AccessDenied', 403);
    await s3RejectsWith(s3.send(new DeleteObjectsCommand({ Bucket: warehouse, Delete: { Objects: [{ Key }] } })), 'AccessDenied', 403);
    await s3RejectsWith(s3.send(new DeleteObjectCommand({ Bucket: warehouse, Key: `${prefix}never-written` })), 'AccessDenied', 403);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: warehouse, Prefix: prefix }));
    assert.deepEqual(listed.Contents?.map((object) => object.Key), [Key]);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: warehouse, Key }))).Body!.transformToString(), 'parquet bytes');
  });

  it('a user whose policy allows s3:* may not delete them either', async () => {
    const dave = await createUser(server, 'dave');
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'dave', '-'], policyOf({ Effect: 'Allow', Action: 's3:*', Resource: '*' }))).code, 0);
    const asDave = userClient(server, dave);
    const Key = `${prefix}data/part-1.parquet`;
    await asDave.send(new PutObjectCommand({ Bucket: warehouse, Key, Body: 'more' }));
    await s3RejectsWith(asDave.send(new DeleteObjectCommand({ Bucket: warehouse, Key })), 'AccessDenied', 403);
    assert.equal(await (await asDave.send(new GetObjectCommand({ Bucket: warehouse, Key }))).Body!.transformToString(), 'more');
    asDave.destroy();
  });
});
