// S3 Metadata configuration through the SDK (V2 and the older V1 operations) and raw signed XML:
// AWS's response shapes, exact errors for bad input with nothing stored, what deleting does (recording
// stops, rows stay), and the system bucket that holds the tables (readable, never writable).
import {
  CreateBucketCommand,
  CreateBucketMetadataConfigurationCommand,
  CreateBucketMetadataTableConfigurationCommand,
  DeleteBucketCommand,
  DeleteBucketMetadataConfigurationCommand,
  DeleteBucketMetadataTableConfigurationCommand,
  GetBucketMetadataConfigurationCommand,
  GetBucketMetadataTableConfigurationCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UpdateBucketMetadataInventoryTableConfigurationCommand,
  UpdateBucketMetadataJournalTableConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { sql, waitForActiveInventory } from './helpers/metadata.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'meta-config';
const TABLE_ARN_PATTERN = /^arn:aws:s3tables:us-east-1:000000000000:bucket\/aws-s3\/table\/[0-9a-f-]{36}$/;
const NAMESPACE = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const INVENTORY_ACTIVE_TIMEOUT_MS = 20_000;

function configurationXml(journal: string, inventory = ''): string {
  return `<MetadataConfiguration ${NAMESPACE}><JournalTableConfiguration>${journal}</JournalTableConfiguration>${inventory}</MetadataConfiguration>`;
}

describe('S3 Metadata configuration', () => {
  let server: RunningServer;
  let s3: S3Client;
  const get = (bucket = Bucket) => s3.send(new GetBucketMetadataConfigurationCommand({ Bucket: bucket }));
  const postConfiguration = (body: string, bucket = Bucket) =>
    rawRequest(server, { method: 'POST', path: `/${bucket}`, query: { metadataConfiguration: '' }, body });

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
  });
  after(() => closeSuite(server, s3));

  it('answers MetadataConfigurationNotFound without a configuration, NoSuchBucket without a bucket', async () => {
    await expectS3Error(get(), 'MetadataConfigurationNotFound', 404);
    await expectS3Error(s3.send(new DeleteBucketMetadataConfigurationCommand({ Bucket })), 'MetadataConfigurationNotFound', 404);
    await expectS3Error(s3.send(new GetBucketMetadataTableConfigurationCommand({ Bucket })), 'MetadataConfigurationNotFound', 404);
    await expectS3Error(get('no-such-bucket-here'), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new CreateBucketMetadataConfigurationCommand({
      Bucket: 'no-such-bucket-here', MetadataConfiguration: { JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } } },
    })), 'NoSuchBucket', 404);
    const missing = await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { metadataJournalTable: '' },
      body: `<JournalTableConfiguration ${NAMESPACE}><RecordExpiration><Expiration>DISABLED</Expiration></RecordExpiration></JournalTableConfiguration>` });
    expectErrorResponse(missing, 404, 'MetadataConfigurationNotFound');
  });

  it('refuses bad configurations with AWS errors and stores nothing', async () => {
    const cases: Array<[body: string, status: number, code: string]> = [
      ['<MetadataConfiguration><JournalTableConfiguration>', 400, 'MalformedXML'],
      [`<JournalTableConfiguration ${NAMESPACE}/>`, 400, 'MalformedXML'],
      [`<MetadataConfiguration ${NAMESPACE}></MetadataConfiguration>`, 400, 'MalformedXML'],
      [configurationXml(''), 400, 'MalformedXML'],
      [configurationXml('<RecordExpiration><Expiration>ON</Expiration></RecordExpiration>'), 400, 'MalformedXML'],
      [configurationXml('<RecordExpiration><Expiration>ENABLED</Expiration></RecordExpiration>'), 400, 'InvalidArgument'],
      [configurationXml('<RecordExpiration><Expiration>ENABLED</Expiration><Days>6</Days></RecordExpiration>'), 400, 'InvalidArgument'],
      [configurationXml('<RecordExpiration><Expiration>ENABLED</Expiration><Days>2147483648</Days></RecordExpiration>'), 400, 'InvalidArgument'],
      [configurationXml('<RecordExpiration><Expiration>ENABLED</Expiration><Days>seven</Days></RecordExpiration>'), 400, 'InvalidArgument'],
      [configurationXml('<RecordExpiration><Expiration>DISABLED</Expiration></RecordExpiration>',
        '<InventoryTableConfiguration><ConfigurationState>YES</ConfigurationState></InventoryTableConfiguration>'), 400, 'MalformedXML'],
      [configurationXml('<RecordExpiration><Expiration>DISABLED</Expiration></RecordExpiration><EncryptionConfiguration><SseAlgorithm>rot13</SseAlgorithm></EncryptionConfiguration>'), 400, 'MalformedXML'],
      [configurationXml('<RecordExpiration><Expiration>DISABLED</Expiration></RecordExpiration><EncryptionConfiguration><SseAlgorithm>aws:kms</SseAlgorithm><KmsKeyArn>arn:aws:kms:us-east-1:000000000000:key/x</KmsKeyArn></EncryptionConfiguration>'), 501, 'NotImplemented'],
    ];
    for (const [body, status, code] of cases) {
      expectErrorResponse(await postConfiguration(body), status, code);
      await expectS3Error(get(), 'MetadataConfigurationNotFound', 404);
    }
    const days = await postConfiguration(configurationXml('<RecordExpiration><Expiration>ENABLED</Expiration><Days>6</Days></RecordExpiration>'));
    assert.match(days.text, /<ArgumentName>Days<\/ArgumentName><ArgumentValue>6<\/ArgumentValue>/);
  });

  it('creates a configuration once and reports it in AWS\'s shape', async () => {
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'ENABLED', Days: 30 }, EncryptionConfiguration: { SseAlgorithm: 'AES256' } },
    } }));
    const result = (await get()).GetBucketMetadataConfigurationResult?.MetadataConfigurationResult;
    assert.deepEqual(result?.DestinationResult, {
      TableBucketType: 'aws', TableBucketArn: 'arn:aws:s3tables:us-east-1:000000000000:bucket/aws-s3', TableNamespace: `b_${Bucket}`,
    });
    const journal = result?.JournalTableConfigurationResult;
    assert.equal(journal?.TableStatus, 'ACTIVE');
    assert.equal(journal?.TableName, 'journal');
    assert.match(journal?.TableArn ?? '', TABLE_ARN_PATTERN);
    assert.deepEqual(journal?.RecordExpiration, { Expiration: 'ENABLED', Days: 30 });
    assert.equal(journal?.Error, undefined);
    assert.deepEqual(result?.InventoryTableConfigurationResult, { ConfigurationState: 'DISABLED' });

    const again = await postConfiguration(configurationXml('<RecordExpiration><Expiration>DISABLED</Expiration></RecordExpiration>'));
    expectErrorResponse(again, 409, 'MetadataConfigurationAlreadyExists');
    assert.deepEqual((await get()).GetBucketMetadataConfigurationResult?.MetadataConfigurationResult?.JournalTableConfigurationResult?.RecordExpiration,
      { Expiration: 'ENABLED', Days: 30 });
  });

  it('updates the journal\'s record expiration; a bad update changes nothing', async () => {
    await s3.send(new UpdateBucketMetadataJournalTableConfigurationCommand({ Bucket, JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } } }));
    const expiration = async () => (await get()).GetBucketMetadataConfigurationResult?.MetadataConfigurationResult?.JournalTableConfigurationResult?.RecordExpiration;
    assert.deepEqual(await expiration(), { Expiration: 'DISABLED' });
    const bad = await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { metadataJournalTable: '' },
      body: `<JournalTableConfiguration ${NAMESPACE}><RecordExpiration><Expiration>ENABLED</Expiration><Days>1</Days></RecordExpiration></JournalTableConfiguration>` });
    expectErrorResponse(bad, 400, 'InvalidArgument');
    assert.deepEqual(await expiration(), { Expiration: 'DISABLED' });
    await s3.send(new UpdateBucketMetadataJournalTableConfigurationCommand({ Bucket, JournalTableConfiguration: { RecordExpiration: { Expiration: 'ENABLED', Days: 7 } } }));
    assert.deepEqual(await expiration(), { Expiration: 'ENABLED', Days: 7 });
  });

  it('enables the inventory table (backfilled to ACTIVE) and disables it', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'before-inventory.txt', Body: 'x' }));
    await s3.send(new UpdateBucketMetadataInventoryTableConfigurationCommand({ Bucket, InventoryTableConfiguration: { ConfigurationState: 'ENABLED' } }));
    const first = (await get()).GetBucketMetadataConfigurationResult?.MetadataConfigurationResult?.InventoryTableConfigurationResult;
    assert.equal(first?.ConfigurationState, 'ENABLED');
    assert.ok(['CREATING', 'BACKFILLING', 'ACTIVE'].includes(first?.TableStatus ?? ''), first?.TableStatus);
    assert.equal(first?.TableName, 'inventory');
    assert.match(first?.TableArn ?? '', TABLE_ARN_PATTERN);
    await waitForActiveInventory(s3, Bucket, INVENTORY_ACTIVE_TIMEOUT_MS);
    const rows = await sql(server, `SELECT key, size FROM inventory."${Bucket}"`);
    assert.deepEqual(rows, [{ key: 'before-inventory.txt', size: 1 }]);

    const bad = await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { metadataInventoryTable: '' },
      body: `<InventoryTableConfiguration ${NAMESPACE}><ConfigurationState>MAYBE</ConfigurationState></InventoryTableConfiguration>` });
    expectErrorResponse(bad, 400, 'MalformedXML');
    await s3.send(new UpdateBucketMetadataInventoryTableConfigurationCommand({ Bucket, InventoryTableConfiguration: { ConfigurationState: 'DISABLED' } }));
    assert.deepEqual((await get()).GetBucketMetadataConfigurationResult?.MetadataConfigurationResult?.InventoryTableConfigurationResult,
      { ConfigurationState: 'DISABLED' });
  });

  it('deleting the configuration stops recording and keeps the rows written', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'recorded.txt', Body: 'a' }));
    await s3.send(new DeleteBucketMetadataConfigurationCommand({ Bucket }));
    await expectS3Error(get(), 'MetadataConfigurationNotFound', 404);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'not-recorded.txt', Body: 'b' }));
    const keys = async () => (await sql(server, `SELECT key FROM journal."${Bucket}" ORDER BY sequence_number`)).map((row) => row['key']);
    assert.deepEqual(await keys(), ['before-inventory.txt', 'recorded.txt']);
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
    } }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'recorded-again.txt', Body: 'c' }));
    assert.deepEqual(await keys(), ['before-inventory.txt', 'recorded.txt', 'recorded-again.txt']);
    await s3.send(new DeleteBucketMetadataConfigurationCommand({ Bucket }));
  });

  it('supports the V1 operations (a journal in the table the client names)', async () => {
    const tableBucketArn = 'arn:aws:s3tables:us-east-1:111122223333:bucket/my-tables';
    const badArn = await rawRequest(server, { method: 'POST', path: `/${Bucket}`, query: { metadataTable: '' },
      body: `<MetadataTableConfiguration ${NAMESPACE}><S3TablesDestination><TableBucketArn>arn:aws:s3:::nope</TableBucketArn><TableName>t</TableName></S3TablesDestination></MetadataTableConfiguration>` });
    expectErrorResponse(badArn, 400, 'InvalidArgument');
    const badName = await rawRequest(server, { method: 'POST', path: `/${Bucket}`, query: { metadataTable: '' },
      body: `<MetadataTableConfiguration ${NAMESPACE}><S3TablesDestination><TableBucketArn>${tableBucketArn}</TableBucketArn><TableName>Bad-Name</TableName></S3TablesDestination></MetadataTableConfiguration>` });
    expectErrorResponse(badName, 400, 'InvalidArgument');
    await expectS3Error(get(), 'MetadataConfigurationNotFound', 404);

    await s3.send(new CreateBucketMetadataTableConfigurationCommand({ Bucket, MetadataTableConfiguration: {
      S3TablesDestination: { TableBucketArn: tableBucketArn, TableName: 'my_journal' },
    } }));
    const v1 = (await s3.send(new GetBucketMetadataTableConfigurationCommand({ Bucket }))).GetBucketMetadataTableConfigurationResult;
    assert.equal(v1?.Status, 'ACTIVE');
    const destination = v1?.MetadataTableConfigurationResult?.S3TablesDestinationResult;
    assert.equal(destination?.TableBucketArn, tableBucketArn);
    assert.equal(destination?.TableName, 'my_journal');
    assert.equal(destination?.TableNamespace, 'aws_s3_metadata');
    assert.match(destination?.TableArn ?? '', /^arn:aws:s3tables:us-east-1:111122223333:bucket\/my-tables\/table\/[0-9a-f-]{36}$/);
    const v2 = (await get()).GetBucketMetadataConfigurationResult?.MetadataConfigurationResult;
    assert.deepEqual(v2?.DestinationResult, { TableBucketType: 'customer', TableBucketArn: tableBucketArn, TableNamespace: 'aws_s3_metadata' });
    assert.equal(v2?.JournalTableConfigurationResult?.TableName, 'my_journal');
    await expectS3Error(s3.send(new CreateBucketMetadataTableConfigurationCommand({ Bucket, MetadataTableConfiguration: {
      S3TablesDestination: { TableBucketArn: tableBucketArn, TableName: 'other' },
    } })), 'MetadataConfigurationAlreadyExists', 409);
    await s3.send(new DeleteBucketMetadataTableConfigurationCommand({ Bucket }));
    await expectS3Error(get(), 'MetadataConfigurationNotFound', 404);
  });

  it('answers 501 for annotation tables', async () => {
    const response = await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { metadataAnnotationTable: '' }, body: '<AnnotationTableConfiguration/>' });
    expectErrorResponse(response, 501, 'NotImplemented');
  });

  it('keeps the tables in a system bucket clients can read but never write', async () => {
    await s3.send(new HeadBucketCommand({ Bucket: 'cairn-metadata' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'cairn-metadata', Prefix: `${Bucket}/journal/data/` }));
    assert.ok((listed.Contents ?? []).every((object) => /^meta-config\/journal\/data\/record_date=\d{4}-\d{2}-\d{2}\/[0-9a-f]{16}-[0-9a-f]{16}-[0-9a-f-]{36}\.parquet$/.test(object.Key!)),
      JSON.stringify(listed.Contents));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: 'cairn-metadata', Key: `${Bucket}/journal/data/x.parquet`, Body: 'x' })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: 'cairn-metadata' })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: 'cairn-metadata' })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket: 'cairn-metadata', MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
    } })), 'AccessDenied', 403);
  });
});
