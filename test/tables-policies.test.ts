// S3 Tables resource policies over a real server, driven by @aws-sdk/client-s3tables with default
// settings: table bucket and table policies are stored as sent, checked as IAM policy JSON (each
// bad one refused with its error and nothing stored), and evaluated with users' own policies as
// AWS does within one account: a resource policy's Allow grants a user access its own policy does
// not, an explicit Deny anywhere wins, and deleting the policy (or the table) takes the grant away;
// the Iceberg REST catalog judges the same policies.
import {
  CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, DeleteTableBucketPolicyCommand, DeleteTableCommand,
  DeleteTablePolicyCommand, GetTableBucketCommand, GetTableBucketPolicyCommand, GetTableCommand, GetTablePolicyCommand,
  ListNamespacesCommand, PutTableBucketPolicyCommand, PutTablePolicyCommand, S3TablesClient,
} from '@aws-sdk/client-s3tables';
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cairnAdmin, createUser, type UserKeys } from './helpers/iam.js';
import { rejectsWith, tablesClient } from './helpers/tables.js';
import { TEST_REGION, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const BUCKET_ARN = `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/shared`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;

const policyOf = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('S3 Tables: table bucket and table policies', () => {
  let server: RunningServer;
  let s3: S3Client;
  let root: S3TablesClient;
  let bob: S3TablesClient;
  let bobKeys: UserKeys;
  const tableArns: Record<string, string> = {};
  const table = (name: string) => ({ tableBucketARN: BUCKET_ARN, namespace: 'sales', name });

  before(async () => {
    ({ server, s3 } = await openSuite());
    root = tablesClient(server);
    bobKeys = await createUser(server, 'bob');
    bob = tablesClient(server, bobKeys);
    await root.send(new CreateTableBucketCommand({ name: 'shared' }));
    await root.send(new CreateNamespaceCommand({ tableBucketARN: BUCKET_ARN, namespace: ['sales'] }));
    for (const name of ['orders', 'payroll']) {
      tableArns[name] = (await root.send(new CreateTableCommand({ ...table(name), format: 'ICEBERG' }))).tableARN!;
    }
  });
  after(async () => {
    root?.destroy();
    bob?.destroy();
    await closeSuite(server, s3);
  });

  const bucketReadPolicy = policyOf(
    { Sid: 'ReadBucket', Effect: 'Allow', Principal: { AWS: BOB }, Action: ['s3tables:GetTableBucket', 's3tables:ListNamespaces'], Resource: BUCKET_ARN },
    { Sid: 'ReadTables', Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:GetTable', Resource: `${BUCKET_ARN}/table/*` },
  );

  it('a table bucket policy grants a user what its own policy does not, until deleted', async () => {
    await rejectsWith(bob.send(new GetTableBucketCommand({ tableBucketARN: BUCKET_ARN })), 'AccessDeniedException', 403);
    await rejectsWith(root.send(new GetTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN })), 'NotFoundException', 404, 'The table bucket policy does not exist.');
    await root.send(new PutTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN, resourcePolicy: bucketReadPolicy }));
    assert.equal((await root.send(new GetTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN }))).resourcePolicy, bucketReadPolicy);
    assert.equal((await bob.send(new GetTableBucketCommand({ tableBucketARN: BUCKET_ARN }))).name, 'shared');
    assert.deepEqual((await bob.send(new ListNamespacesCommand({ tableBucketARN: BUCKET_ARN }))).namespaces?.map((n) => n.namespace), [['sales']]);
    assert.equal((await bob.send(new GetTableCommand(table('orders')))).tableARN, tableArns['orders']);
    // Only what the policy names: not the policy itself, nor deleting a table.
    await rejectsWith(bob.send(new GetTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN })), 'AccessDeniedException', 403);
    await rejectsWith(bob.send(new DeleteTableCommand(table('orders'))), 'AccessDeniedException', 403);
    await rejectsWith(bob.send(new PutTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN, resourcePolicy: policyOf({ Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:*', Resource: `${BUCKET_ARN}*` }) })),
      'AccessDeniedException', 403);
    assert.equal((await root.send(new GetTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN }))).resourcePolicy, bucketReadPolicy);
    await root.send(new DeleteTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN }));
    await rejectsWith(root.send(new GetTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN })), 'NotFoundException', 404);
    await rejectsWith(bob.send(new GetTableBucketCommand({ tableBucketARN: BUCKET_ARN })), 'AccessDeniedException', 403);
  });

  it('a table policy grants and denies on its table alone; an explicit Deny wins over any Allow', async () => {
    await root.send(new PutTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN, resourcePolicy: bucketReadPolicy }));
    const denyPayroll = policyOf({ Effect: 'Deny', Principal: { AWS: BOB }, Action: 's3tables:*', Resource: tableArns['payroll'] });
    await root.send(new PutTablePolicyCommand({ ...table('payroll'), resourcePolicy: denyPayroll }));
    assert.equal((await root.send(new GetTablePolicyCommand(table('payroll')))).resourcePolicy, denyPayroll);
    await rejectsWith(root.send(new GetTablePolicyCommand(table('orders'))), 'NotFoundException', 404, 'The table policy does not exist.');
    await rejectsWith(bob.send(new GetTableCommand(table('payroll'))), 'AccessDeniedException', 403);
    assert.equal((await bob.send(new GetTableCommand(table('orders')))).name, 'orders');
    // The user's own Allow of everything does not beat a resource policy's Deny.
    const everything = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3tables:*', Resource: '*' }] });
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'bob', '-'], everything)).code, 0);
    await rejectsWith(bob.send(new GetTableCommand(table('payroll'))), 'AccessDeniedException', 403);
    await rejectsWith(bob.send(new DeleteTableCommand(table('payroll'))), 'AccessDeniedException', 403);
    assert.equal((await cairnAdmin(server, ['user', 'delete-policy', 'bob'])).code, 0);
    // A table policy's Allow for a table the bucket policy says nothing about.
    await root.send(new DeleteTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN }));
    await rejectsWith(bob.send(new GetTableCommand(table('orders'))), 'AccessDeniedException', 403);
    await root.send(new PutTablePolicyCommand({ ...table('orders'), resourcePolicy: policyOf({ Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:GetTable', Resource: tableArns['orders'] }) }));
    assert.equal((await bob.send(new GetTableCommand(table('orders')))).name, 'orders');
    await root.send(new DeleteTablePolicyCommand(table('orders')));
    await rejectsWith(bob.send(new GetTableCommand(table('orders'))), 'AccessDeniedException', 403);
    await rejectsWith(root.send(new GetTablePolicyCommand(table('orders'))), 'NotFoundException', 404);
  });

  it('the Iceberg REST catalog judges the same policies', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: bobKeys.accessKeyId, client_secret: bobKeys.secretAccessKey });
    const token = ((await (await fetch(`${server.endpoint}/_iceberg/v1/oauth/tokens`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
    const catalog = (method: string, path: string) => fetch(`${server.endpoint}/_iceberg/v1/${encodeURIComponent(BUCKET_ARN)}/namespaces/sales${path}`, {
      method, headers: { authorization: `Bearer ${token}` },
    });
    assert.equal((await catalog('HEAD', '/tables/orders')).status, 403);
    await root.send(new PutTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN, resourcePolicy: bucketReadPolicy }));
    assert.equal((await catalog('HEAD', '/tables/orders')).status, 204);
    // The payroll table's own policy denies bob everything; listing was never granted.
    assert.equal((await catalog('HEAD', '/tables/payroll')).status, 403);
    const listed = await catalog('GET', '/tables');
    assert.equal(listed.status, 403);
    assert.equal(((await listed.json()) as { error: { type: string } }).error.type, 'ForbiddenException');
    await root.send(new DeleteTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN }));
    assert.equal((await catalog('HEAD', '/tables/orders')).status, 403);
  });

  it('a deleted table takes its policy with it', async () => {
    await root.send(new DeleteTableCommand(table('payroll')));
    await root.send(new CreateTableCommand({ ...table('payroll'), format: 'ICEBERG' }));
    await rejectsWith(root.send(new GetTablePolicyCommand(table('payroll'))), 'NotFoundException', 404);
  });

  it('refuses bad policies and bad targets, storing nothing', async () => {
    const kept = policyOf({ Sid: 'Kept', Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:GetTableBucket', Resource: BUCKET_ARN });
    await root.send(new PutTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN, resourcePolicy: kept }));
    const refusals: Array<[string, string, string, number]> = [
      ['{"Version": "2012-10-17", "Statement": [', 'BadRequestException', 'This policy contains invalid Json', 400],
      [' {}', 'BadRequestException', "Policies must be valid JSON and the first byte must be '{'", 400],
      [policyOf(), 'BadRequestException', 'Could not parse the policy: Statement is empty!', 400],
      [policyOf({ Effect: 'Allow', Action: 's3tables:GetTable', Resource: BUCKET_ARN }), 'BadRequestException', 'Missing required field Principal', 400],
      [policyOf({ Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:GetTable', Resource: `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/other` }), 'BadRequestException', 'Policy has invalid resource', 400],
      [policyOf({ Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:GetTable', Resource: 'arn:aws:s3:::shared' }), 'BadRequestException', 'Policy has invalid resource', 400],
      [policyOf({ Effect: 'Allow', Principal: { AWS: BOB }, Action: 's3tables:NoSuchAction', Resource: BUCKET_ARN }), 'BadRequestException', 'Policy has invalid action', 400],
      [policyOf({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/nobody` }, Action: 's3tables:GetTable', Resource: BUCKET_ARN }), 'BadRequestException', 'Invalid principal in policy', 400],
      [policyOf({ Effect: 'Allow', Principal: '*', Action: 's3tables:GetTable', Resource: BUCKET_ARN }), 'AccessDeniedException',
        'Access denied: public policies are blocked by the BlockPublicPolicy block public access setting.', 403],
      [`{"Statement": [${' '.repeat(20_480)}]}`, 'BadRequestException', 'The resourcePolicy must be at most 20480 characters.', 400],
    ];
    for (const [resourcePolicy, code, message, status] of refusals) {
      await rejectsWith(root.send(new PutTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN, resourcePolicy })), code, status, message);
      await rejectsWith(root.send(new PutTablePolicyCommand({ ...table('orders'), resourcePolicy })), code, status, message);
    }
    assert.equal((await root.send(new GetTableBucketPolicyCommand({ tableBucketARN: BUCKET_ARN }))).resourcePolicy, kept);
    await rejectsWith(root.send(new GetTablePolicyCommand(table('orders'))), 'NotFoundException', 404);
    const missingBucket = `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/missing`;
    await rejectsWith(root.send(new PutTableBucketPolicyCommand({ tableBucketARN: missingBucket, resourcePolicy: kept })), 'NotFoundException', 404, 'The specified bucket does not exist.');
    await rejectsWith(root.send(new PutTablePolicyCommand({ ...table('missing'), resourcePolicy: kept })), 'NotFoundException', 404, 'The specified table does not exist.');
    await rejectsWith(root.send(new GetTablePolicyCommand(table('missing'))), 'NotFoundException', 404);
  });
});
