// startCairn in a Jest suite: one server for the file, emptied before each test.
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { startCairn } from 'cairn';

let cairn;
let s3;
beforeAll(async () => {
  cairn = await startCairn({ buckets: ['fixtures'] });
  s3 = new S3Client({ endpoint: cairn.endpoint, region: cairn.region, credentials: cairn.credentials, forcePathStyle: true });
});
beforeEach(() => cairn.reset());
afterAll(async () => {
  s3?.destroy();
  await cairn?.stop();
});

test('PUT then GET returns the same bytes', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'fixtures', Key: 'greeting.txt', Body: 'hello from jest' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'fixtures', Key: 'greeting.txt' }));
  expect(await got.Body.transformToString()).toBe('hello from jest');
});

test('each test starts from the option buckets only, empty', async () => {
  const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets.map((bucket) => bucket.Name);
  expect(buckets).toEqual(['fixtures']);
  await expect(s3.send(new GetObjectCommand({ Bucket: 'fixtures', Key: 'greeting.txt' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
});
