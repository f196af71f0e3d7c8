// startCairn() with node:test and the AWS SDK: an in-process server on a free port, buckets from the
// options, reset() between tests, stop() removing the data directory — and the same through
// startCairn({ childProcess: true }), which runs `cairn server --ephemeral`.
import {
  AbortMultipartUploadCommand, CreateBucketCommand, GetBucketOwnershipControlsCommand, GetPublicAccessBlockCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand,
  ListBucketsCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand,
  S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../../src/cli/embed/index.js';

function clientFor(cairn: RunningCairn, secretAccessKey = cairn.credentials.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: cairn.endpoint, region: cairn.region, forcePathStyle: true,
    credentials: { accessKeyId: cairn.credentials.accessKeyId, secretAccessKey },
  });
}

async function bucketNames(s3: S3Client): Promise<string[]> {
  return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name ?? '').sort();
}

async function rejection(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof S3ServiceException, `expected an S3 error, got ${String(error)}`);
  return error;
}

describe('startCairn (in process)', () => {
  let cairn: RunningCairn;
  let s3: S3Client;
  before(async () => {
    cairn = await startCairn({ buckets: ['fixtures', 'uploads'] });
    s3 = clientFor(cairn);
  });
  after(async () => {
    s3.destroy();
    await cairn.stop();
  });

  it('serves on a free loopback port with the option buckets made', async () => {
    assert.match(cairn.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(cairn.region, 'us-east-1');
    assert.deepEqual(await bucketNames(s3), ['fixtures', 'uploads']);
    await s3.send(new PutObjectCommand({ Bucket: 'fixtures', Key: 'a/b.txt', Body: 'hello, cairn' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'fixtures', Key: 'a/b.txt' }));
    assert.equal(await got.Body?.transformToString(), 'hello, cairn');
  });

  it('enforces signatures by default: a wrong secret is 403 SignatureDoesNotMatch', async () => {
    const wrong = clientFor(cairn, 'not-the-secret-not-the-secret-not-the-sec');
    const error = await rejection(wrong.send(new ListBucketsCommand({})));
    wrong.destroy();
    assert.equal(error.$metadata.httpStatusCode, 403);
    assert.equal(error.name, 'SignatureDoesNotMatch');
  });

  it('reset() removes every bucket, version, delete marker and upload, and makes the option buckets again', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'made-by-a-test' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'uploads', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'k', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'k', Body: 'two' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'k' }));
    await s3.send(new PutObjectCommand({ Bucket: 'made-by-a-test', Key: 'x', Body: 'x' }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'fixtures', Key: 'big' }));
    const started = performance.now();
    await cairn.reset();
    const resetMs = performance.now() - started;
    assert.deepEqual(await bucketNames(s3), ['fixtures', 'uploads']);
    const missing = await rejection(s3.send(new HeadBucketCommand({ Bucket: 'made-by-a-test' })));
    assert.equal(missing.$metadata.httpStatusCode, 404);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'fixtures' }))).KeyCount, 0);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'uploads' }));
    assert.equal(versions.Versions, undefined);
    assert.equal(versions.DeleteMarkers, undefined);
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'fixtures' }))).Uploads, undefined);
    const aborted = await rejection(s3.send(new AbortMultipartUploadCommand({ Bucket: 'fixtures', Key: 'big', UploadId: upload.UploadId })));
    assert.equal(aborted.name, 'NoSuchUpload');
    // The option buckets come back with default settings: versioning is off again.
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'k', Body: 'three' }));
    assert.equal((await s3.send(new ListObjectVersionsCommand({ Bucket: 'uploads' }))).Versions?.[0]?.VersionId, 'null');
    // Not a timing assertion: the figure is for the reader (bench/embed-start.ts measures it).
    process.stdout.write(`# reset() took ${resetMs.toFixed(1)} ms\n`);
  });

  it('stop() closes the port and removes the data directory', async () => {
    const other = await startCairn();
    assert.ok(existsSync(other.dataDirectory));
    await other.stop();
    assert.equal(existsSync(other.dataDirectory), false);
    const refused = await fetch(other.endpoint).then(() => 'answered', () => 'refused');
    assert.equal(refused, 'refused');
  });

  it('keeps buckets private by default: an unsigned PUT is 403 AccessDenied', async () => {
    const response = await fetch(`${cairn.endpoint}/fixtures/anonymous.txt`, { method: 'PUT', body: 'anonymous' });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /<Code>AccessDenied<\/Code>/);
  });

  it('refuses a bucket name S3 refuses, before starting anything', async () => {
    await assert.rejects(startCairn({ buckets: ['Not_Valid'] }), { name: 'InvalidBucketOptionError' });
  });
});

describe('startCairn({ publicBuckets: true })', () => {
  it('lets unsigned requests use the option buckets (also after reset), and no other bucket', async () => {
    const cairn = await startCairn({ buckets: ['open-fixtures'], publicBuckets: true });
    const s3 = clientFor(cairn);
    try {
      for (const round of ['before reset', 'after reset']) {
        const put = await fetch(`${cairn.endpoint}/open-fixtures/k.txt`, { method: 'PUT', body: `unsigned ${round}` });
        assert.equal(put.status, 200, round);
        const get = await fetch(`${cairn.endpoint}/open-fixtures/k.txt`);
        assert.equal(get.status, 200, round);
        assert.equal(await get.text(), `unsigned ${round}`);
        await cairn.reset();
      }
      // A wrong signature is still refused: the switch opens the buckets, it does not skip checks.
      const wrong = clientFor(cairn, 'not-the-secret-not-the-secret-not-the-sec');
      const error = await rejection(wrong.send(new PutObjectCommand({ Bucket: 'open-fixtures', Key: 'k', Body: 'x' })));
      wrong.destroy();
      assert.equal(error.name, 'SignatureDoesNotMatch');
      await s3.send(new CreateBucketCommand({ Bucket: 'private-bucket' }));
      const refused = await fetch(`${cairn.endpoint}/private-bucket/k.txt`, { method: 'PUT', body: 'x' });
      assert.equal(refused.status, 403);
      // ListBuckets is never anonymous, as in S3.
      assert.equal((await fetch(`${cairn.endpoint}/`)).status, 403);
    } finally {
      s3.destroy();
      await cairn.stop();
    }
  });
});

describe("startCairn({ newBucketDefaults: 'legacy' })", () => {
  it('makes the option buckets, and those created later, ObjectWriter without Block Public Access (also after reset)', async () => {
    const cairn = await startCairn({ buckets: ['legacy-fixtures'], newBucketDefaults: 'legacy' });
    const s3 = clientFor(cairn);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'legacy-later' }));
      for (const Bucket of ['legacy-fixtures', 'legacy-later']) {
        const controls = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
        assert.equal(controls.OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'ObjectWriter', Bucket);
        assert.equal((await rejection(s3.send(new GetPublicAccessBlockCommand({ Bucket })))).name, 'NoSuchPublicAccessBlockConfiguration', Bucket);
      }
      await cairn.reset();
      await s3.send(new PutObjectCommand({ Bucket: 'legacy-fixtures', Key: 'open.txt', Body: 'open', ACL: 'public-read' }));
      const read = await fetch(`${cairn.endpoint}/legacy-fixtures/open.txt`);
      assert.equal(read.status, 200);
      assert.equal(await read.text(), 'open');
    } finally {
      s3.destroy();
      await cairn.stop();
    }
  });
});

describe('startCairn({ childProcess: true }): cairn server --ephemeral', () => {
  it('serves given credentials, resets and stops, removing its data directory', async () => {
    const credentials = { accessKeyId: 'CAIRNEMBEDTESTKEY001', secretAccessKey: 'embed-test-secret-0123456789abcdefghijklm' };
    const cairn = await startCairn({ childProcess: true, buckets: ['fixtures'], credentials, region: 'eu-west-1' });
    const s3 = clientFor(cairn);
    try {
      assert.deepEqual(cairn.credentials, credentials);
      assert.equal(cairn.region, 'eu-west-1');
      await s3.send(new PutObjectCommand({ Bucket: 'fixtures', Key: 'k', Body: 'child' }));
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'fixtures', Key: 'k' }))).Body?.transformToString(), 'child');
      await s3.send(new CreateBucketCommand({ Bucket: 'scratch-bucket' }));
      await cairn.reset();
      assert.deepEqual(await bucketNames(s3), ['fixtures']);
      assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'fixtures' }))).KeyCount, 0);
    } finally {
      s3.destroy();
      await cairn.stop();
    }
    assert.equal(existsSync(cairn.dataDirectory), false);
  });
});
