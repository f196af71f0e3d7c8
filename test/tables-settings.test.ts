// S3 Tables settings over a real server, driven by @aws-sdk/client-s3tables with default settings:
// table bucket encryption (SSE-S3 by default; aws:kms with a key of the built-in key service) that
// the table files written through S3 really get, a table's encryption and storage class (its own,
// or its bucket's when created), the metrics configuration, tags on table bucket and table ARNs
// (and on creation), bad input refused with nothing stored, and 501 for what Cairn cannot honour.
import {
  CreateNamespaceCommand, CreateTableBucketCommand, CreateTableCommand, DeleteTableBucketEncryptionCommand,
  DeleteTableBucketMetricsConfigurationCommand, DeleteTableCommand, GetTableBucketEncryptionCommand, GetTableBucketMetricsConfigurationCommand,
  GetTableBucketStorageClassCommand, GetTableCommand, GetTableEncryptionCommand, GetTableRecordExpirationConfigurationCommand,
  GetTableStorageClassCommand, ListTagsForResourceCommand, PutTableBucketEncryptionCommand, PutTableBucketMetricsConfigurationCommand,
  PutTableBucketReplicationCommand, PutTableBucketStorageClassCommand, S3TablesClient, TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-s3tables';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { rejectsWith } from './helpers/tables.js';
import { CAIRN_BIN, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const arnOf = (bucket: string): string => `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/${bucket}`;
const KMS_ARN_PREFIX = `arn:aws:kms:${TEST_REGION}:${ACCOUNT}:key/`;

describe('S3 Tables: encryption, storage class, metrics and tags', () => {
  let server: RunningServer;
  let s3: S3Client;
  let tables: S3TablesClient;
  let keyArn: string;
  const bucketArn = arnOf('settings');
  const table = (name: string) => ({ tableBucketARN: bucketArn, namespace: 'ns', name });

  /** Writes a file into a table's warehouse location through S3 and answers how it is stored. */
  async function fileEncryption(name: string): Promise<{ sse?: string; keyId?: string }> {
    const { warehouseLocation } = await tables.send(new GetTableCommand(table(name)));
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.+)$/.exec(warehouseLocation!)!;
    const key = `${prefix}/data/file-${Date.now()}.parquet`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'PAR1 rows PAR1' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { sse: head.ServerSideEncryption, keyId: head.SSEKMSKeyId };
  }

  before(async () => {
    ({ server, s3 } = await openSuite());
    tables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    const created = execFileSync(process.execPath, [CAIRN_BIN, 'admin', 'kms', 'create', '--description', 'tables', '--data', server.dataDirectory], { encoding: 'utf8' });
    keyArn = new RegExp(`^(${KMS_ARN_PREFIX}[0-9a-f-]{36}) `).exec(created)![1]!;
    // The server looks at the key file at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await tables.send(new CreateTableBucketCommand({ name: 'settings' }));
    await tables.send(new CreateNamespaceCommand({ tableBucketARN: bucketArn, namespace: ['ns'] }));
  });
  after(async () => {
    tables?.destroy();
    await closeSuite(server, s3);
  });

  it('a table bucket is SSE-S3 by default; aws:kms with a key is kept, given to tables, and applied to their files', async () => {
    assert.deepEqual((await tables.send(new GetTableBucketEncryptionCommand({ tableBucketARN: bucketArn }))).encryptionConfiguration, { sseAlgorithm: 'AES256' });
    await tables.send(new CreateTableCommand({ ...table('plain'), format: 'ICEBERG' }));
    assert.deepEqual(await fileEncryption('plain'), { sse: 'AES256', keyId: undefined });
    const kms = { sseAlgorithm: 'aws:kms' as const, kmsKeyArn: keyArn };
    await tables.send(new PutTableBucketEncryptionCommand({ tableBucketARN: bucketArn, encryptionConfiguration: kms }));
    assert.deepEqual((await tables.send(new GetTableBucketEncryptionCommand({ tableBucketARN: bucketArn }))).encryptionConfiguration, kms);
    await tables.send(new CreateTableCommand({ ...table('secret'), format: 'ICEBERG' }));
    assert.deepEqual((await tables.send(new GetTableEncryptionCommand(table('secret')))).encryptionConfiguration, kms);
    assert.deepEqual(await fileEncryption('secret'), { sse: 'aws:kms', keyId: keyArn });
    // A table created with its own configuration keeps it.
    await tables.send(new CreateTableCommand({ ...table('own'), format: 'ICEBERG', encryptionConfiguration: { sseAlgorithm: 'AES256' } }));
    assert.deepEqual((await tables.send(new GetTableEncryptionCommand(table('own')))).encryptionConfiguration, { sseAlgorithm: 'AES256' });
    await tables.send(new DeleteTableBucketEncryptionCommand({ tableBucketARN: bucketArn }));
    assert.deepEqual((await tables.send(new GetTableBucketEncryptionCommand({ tableBucketARN: bucketArn }))).encryptionConfiguration, { sseAlgorithm: 'AES256' });
    assert.deepEqual(await fileEncryption('plain'), { sse: 'AES256', keyId: undefined });
  });

  it('refuses bad encryption configurations, storing nothing', async () => {
    const refusals: Array<[unknown, string]> = [
      [{ sseAlgorithm: 'aws:kms' }, 'A kmsKeyArn must be specified with the aws:kms sseAlgorithm.'],
      [{ sseAlgorithm: 'AES256', kmsKeyArn: keyArn }, 'A kmsKeyArn may be specified with the aws:kms sseAlgorithm only.'],
      [{ sseAlgorithm: 'aws:kms', kmsKeyArn: 'not-an-arn' }, 'The kmsKeyArn is not a valid KMS key ARN.'],
      [{ sseAlgorithm: 'aws:kms', kmsKeyArn: `${KMS_ARN_PREFIX}00000000-0000-0000-0000-000000000000` },
        `The specified KMS key does not exist: ${KMS_ARN_PREFIX}00000000-0000-0000-0000-000000000000`],
      [{ sseAlgorithm: 'aws:kms:dsse' }, 'The sseAlgorithm must be AES256 or aws:kms.'],
    ];
    for (const [encryptionConfiguration, message] of refusals) {
      await rejectsWith(tables.send(new PutTableBucketEncryptionCommand({ tableBucketARN: bucketArn, encryptionConfiguration: encryptionConfiguration as never })), 'BadRequestException', 400, message);
      await rejectsWith(tables.send(new CreateTableBucketCommand({ name: 'refused', encryptionConfiguration: encryptionConfiguration as never })), 'BadRequestException', 400, message);
      await rejectsWith(tables.send(new CreateTableCommand({ ...table('refused'), format: 'ICEBERG', encryptionConfiguration: encryptionConfiguration as never })), 'BadRequestException', 400, message);
    }
    assert.deepEqual((await tables.send(new GetTableBucketEncryptionCommand({ tableBucketARN: bucketArn }))).encryptionConfiguration, { sseAlgorithm: 'AES256' });
    await rejectsWith(tables.send(new GetTableBucketEncryptionCommand({ tableBucketARN: arnOf('refused') })), 'NotFoundException', 404);
    await rejectsWith(tables.send(new GetTableCommand(table('refused'))), 'NotFoundException', 404);
    await rejectsWith(tables.send(new GetTableEncryptionCommand(table('missing'))), 'NotFoundException', 404, 'The specified table does not exist.');
  });

  it('storage class: STANDARD by default, the bucket\'s given to new tables, bad classes refused', async () => {
    assert.deepEqual((await tables.send(new GetTableBucketStorageClassCommand({ tableBucketARN: bucketArn }))).storageClassConfiguration, { storageClass: 'STANDARD' });
    await tables.send(new PutTableBucketStorageClassCommand({ tableBucketARN: bucketArn, storageClassConfiguration: { storageClass: 'INTELLIGENT_TIERING' } }));
    assert.deepEqual((await tables.send(new GetTableBucketStorageClassCommand({ tableBucketARN: bucketArn }))).storageClassConfiguration, { storageClass: 'INTELLIGENT_TIERING' });
    assert.deepEqual((await tables.send(new GetTableStorageClassCommand(table('plain')))).storageClassConfiguration, { storageClass: 'INTELLIGENT_TIERING' });
    await tables.send(new CreateTableCommand({ ...table('standard'), format: 'ICEBERG', storageClassConfiguration: { storageClass: 'STANDARD' } }));
    assert.deepEqual((await tables.send(new GetTableStorageClassCommand(table('standard')))).storageClassConfiguration, { storageClass: 'STANDARD' });
    await rejectsWith(tables.send(new PutTableBucketStorageClassCommand({ tableBucketARN: bucketArn, storageClassConfiguration: { storageClass: 'GLACIER' as never } })),
      'BadRequestException', 400, 'The storageClass must be STANDARD or INTELLIGENT_TIERING.');
    assert.deepEqual((await tables.send(new GetTableBucketStorageClassCommand({ tableBucketARN: bucketArn }))).storageClassConfiguration, { storageClass: 'INTELLIGENT_TIERING' });
  });

  it('metrics configuration: put, get, delete', async () => {
    await rejectsWith(tables.send(new GetTableBucketMetricsConfigurationCommand({ tableBucketARN: bucketArn })), 'NotFoundException', 404, 'The metrics configuration does not exist.');
    await tables.send(new PutTableBucketMetricsConfigurationCommand({ tableBucketARN: bucketArn }));
    const got = await tables.send(new GetTableBucketMetricsConfigurationCommand({ tableBucketARN: bucketArn }));
    assert.equal(got.tableBucketARN, bucketArn);
    assert.match(got.id ?? '', /^[0-9a-f-]{36}$/);
    await tables.send(new DeleteTableBucketMetricsConfigurationCommand({ tableBucketARN: bucketArn }));
    await rejectsWith(tables.send(new GetTableBucketMetricsConfigurationCommand({ tableBucketARN: bucketArn })), 'NotFoundException', 404);
    await rejectsWith(tables.send(new DeleteTableBucketMetricsConfigurationCommand({ tableBucketARN: bucketArn })), 'NotFoundException', 404);
  });

  it('tags table buckets and tables (on creation too), untags, and refuses bad tags storing nothing', async () => {
    await tables.send(new CreateTableBucketCommand({ name: 'tagged', tags: { team: 'data' } }));
    assert.deepEqual((await tables.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tagged') }))).tags, { team: 'data' });
    await tables.send(new TagResourceCommand({ resourceArn: arnOf('tagged'), tags: { env: 'prod', team: 'analytics' } }));
    assert.deepEqual((await tables.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tagged') }))).tags, { team: 'analytics', env: 'prod' });
    await tables.send(new UntagResourceCommand({ resourceArn: arnOf('tagged'), tagKeys: ['team', 'absent'] }));
    assert.deepEqual((await tables.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tagged') }))).tags, { env: 'prod' });
    const { tableARN } = await tables.send(new CreateTableCommand({ ...table('labelled'), format: 'ICEBERG', tags: { owner: 'ana' } }));
    assert.deepEqual((await tables.send(new ListTagsForResourceCommand({ resourceArn: tableARN }))).tags, { owner: 'ana' });
    assert.deepEqual((await tables.send(new ListTagsForResourceCommand({ resourceArn: bucketArn }))).tags, {});
    const tagsOf = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, n) => [`k${n}`, 'v']));
    const refusals: Array<[Record<string, string>, string]> = [
      [{ 'aws:owner': 'x' }, 'The tag key prefix aws: is reserved: aws:owner'],
      [{ ['k'.repeat(129)]: 'x' }, `The tag key is not valid: ${'k'.repeat(129)}`],
      [{ key: 'v'.repeat(257) }, 'The tag value of key is not valid.'],
      [{ 'bad#key': 'x' }, 'The tag key is not valid: bad#key'],
      [tagsOf(51), 'A resource can have at most 50 tags.'],
    ];
    for (const [tags, message] of refusals) {
      await rejectsWith(tables.send(new TagResourceCommand({ resourceArn: tableARN, tags })), 'BadRequestException', 400, message);
      await rejectsWith(tables.send(new CreateTableBucketCommand({ name: 'refused', tags })), 'BadRequestException', 400, message);
    }
    // 50 more on a table that has one: 51 in all.
    await rejectsWith(tables.send(new TagResourceCommand({ resourceArn: tableARN, tags: tagsOf(50) })), 'BadRequestException', 400, 'A resource can have at most 50 tags.');
    assert.deepEqual((await tables.send(new ListTagsForResourceCommand({ resourceArn: tableARN }))).tags, { owner: 'ana' });
    await rejectsWith(tables.send(new ListTagsForResourceCommand({ resourceArn: arnOf('refused') })), 'NotFoundException', 404, 'The specified bucket does not exist.');
    await rejectsWith(tables.send(new TagResourceCommand({ resourceArn: `${bucketArn}/table/no-such-table`, tags: { a: 'b' } })), 'NotFoundException', 404, 'The specified table does not exist.');
    // A deleted table's tags go with it.
    await tables.send(new DeleteTableCommand(table('labelled')));
    await rejectsWith(tables.send(new ListTagsForResourceCommand({ resourceArn: tableARN })), 'NotFoundException', 404);
  });

  it('the aws CLI (botocore) sets and reads the same settings', async () => {
    const aws = (args: string[]): string => execFileSync('aws', ['s3tables', ...args, '--endpoint-url', server.endpoint, '--region', TEST_REGION, '--output', 'json'], {
      encoding: 'utf8', env: { ...process.env, AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    aws(['tag-resource', '--resource-arn', bucketArn, '--tags', 'a=1,b=2,c=3']);
    aws(['untag-resource', '--resource-arn', bucketArn, '--tag-keys', 'a', 'c']);
    assert.deepEqual(JSON.parse(aws(['list-tags-for-resource', '--resource-arn', bucketArn])), { tags: { b: '2' } });
    aws(['put-table-bucket-storage-class', '--table-bucket-arn', bucketArn, '--storage-class-configuration', 'storageClass=STANDARD']);
    assert.deepEqual(JSON.parse(aws(['get-table-bucket-storage-class', '--table-bucket-arn', bucketArn])), { storageClassConfiguration: { storageClass: 'STANDARD' } });
    assert.deepEqual(JSON.parse(aws(['get-table-bucket-encryption', '--table-bucket-arn', bucketArn])), { encryptionConfiguration: { sseAlgorithm: 'AES256' } });
  });

  it('answers replication and record expiration, which Cairn cannot honour, with 501', async () => {
    await rejectsWith(tables.send(new PutTableBucketReplicationCommand({
      tableBucketARN: bucketArn, configuration: { role: `arn:aws:iam::${ACCOUNT}:role/r`, rules: [{ destinations: [{ destinationTableBucketARN: arnOf('tagged') }] }] },
    })), 'NotImplemented', 501, 'The S3 Tables operation PutTableBucketReplication is not implemented in Cairn.');
    await rejectsWith(tables.send(new GetTableRecordExpirationConfigurationCommand({ tableArn: `${bucketArn}/table/x` })), 'NotImplemented', 501,
      'The S3 Tables operation GetTableRecordExpirationConfiguration is not implemented in Cairn.');
  });
});
