// SSE-KMS with the built-in key service, through the JS SDK and `cairn admin kms`: the default key
// and named keys (id or ARN), encryption context and bucket-key headers, ranges, multipart, copies,
// a disabled key (400 KMS.DisabledException), rotation, DSSE-KMS, the bucket default, bad input with
// nothing stored, and no plaintext on the drives.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { CAIRN_BIN, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';
import { filesContaining } from './helpers/files-containing.js';

const BUCKET = 'kms';
const ARN_PREFIX = 'arn:aws:kms:us-east-1:000000000000:key/';
const CHUNK = 64 * 1024;

describe('SSE-KMS with the built-in key service', () => {
  let server: RunningServer;
  let s3: S3Client;
  let keyArn: string;
  const kms = (...args: string[]) => execFileSync(process.execPath, [CAIRN_BIN, 'admin', 'kms', ...args, '--data', server.dataDirectory], { encoding: 'utf8' });
  const read = async (Key: string, extra: Record<string, unknown> = {}) => {
    const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key, ...extra }));
    return { body: Buffer.from(await answer.Body!.transformToByteArray()), sse: answer.ServerSideEncryption, keyId: answer.SSEKMSKeyId, bucketKey: answer.BucketKeyEnabled };
  };
  // The server looks at the key file at most once a second.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1100));

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
    const created = kms('create', '--description', 'test key');
    const match = new RegExp(`^(${ARN_PREFIX}[0-9a-f-]{36})  Enabled  versions 1  "test key"\\n$`).exec(created);
    assert.ok(match !== null, created);
    keyArn = match[1]!;
    await settle();
  });
  after(async () => closeSuite(server, s3));

  it('cairn admin kms list shows the default key (aws/s3) and the created one', () => {
    const lines = kms('list').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines.some((line) => line.endsWith('"aws/s3"')), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith(keyArn)), lines.join('\n'));
  });

  it('aws:kms without a key id uses the default key; with a key id (or its ARN), that key; ranges across chunks', async () => {
    const body = randomBytes(3 * CHUNK + 11);
    const byDefault = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'default', Body: body, ServerSideEncryption: 'aws:kms' }));
    assert.equal(byDefault.ServerSideEncryption, 'aws:kms');
    assert.match(byDefault.SSEKMSKeyId!, new RegExp(`^${ARN_PREFIX}`));
    assert.notEqual(byDefault.SSEKMSKeyId, keyArn);
    const context = Buffer.from(JSON.stringify({ project: 'cairn' })).toString('base64');
    const named = await s3.send(new PutObjectCommand({
      Bucket: BUCKET, Key: 'named', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn.slice(ARN_PREFIX.length),
      SSEKMSEncryptionContext: context, BucketKeyEnabled: true,
    }));
    assert.equal(named.SSEKMSKeyId, keyArn);
    assert.equal(named.BucketKeyEnabled, true);
    const got = await read('named');
    assert.ok(got.body.equals(body));
    assert.equal(got.sse, 'aws:kms');
    assert.equal(got.keyId, keyArn);
    assert.equal(got.bucketKey, true);
    const ranged = await read('default', { Range: `bytes=${CHUNK - 5}-${2 * CHUNK + 5}` });
    assert.ok(ranged.body.equals(body.subarray(CHUNK - 5, 2 * CHUNK + 6)));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'named' }));
    assert.equal(head.SSEKMSKeyId, keyArn);
    const dsse = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dsse', Body: body, ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: keyArn }));
    assert.equal(dsse.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal((await read('dsse')).sse, 'aws:kms:dsse');
  });

  it('multipart and copies with SSE-KMS', async () => {
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    assert.equal(created.SSEKMSKeyId, keyArn);
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const uploaded = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: created.UploadId, PartNumber: index + 1, Body: part }));
      assert.equal(uploaded.SSEKMSKeyId, keyArn);
      etags.push(uploaded.ETag!);
    }
    const completed = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'mp', UploadId: created.UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
    }));
    assert.equal(completed.ServerSideEncryption, 'aws:kms');
    assert.equal(completed.SSEKMSKeyId, keyArn);
    assert.ok((await read('mp')).body.equals(Buffer.concat(parts)));

    const toS3 = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'mp-as-s3', CopySource: `${BUCKET}/mp`, ServerSideEncryption: 'AES256' }));
    assert.equal(toS3.ServerSideEncryption, 'AES256');
    assert.ok((await read('mp-as-s3')).body.equals(Buffer.concat(parts)));
    const toKms = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'named-copy', CopySource: `${BUCKET}/named`, ServerSideEncryption: 'aws:kms' }));
    assert.equal(toKms.ServerSideEncryption, 'aws:kms');
    assert.equal((await read('named-copy')).body.byteLength, 3 * CHUNK + 11);
  });

  it('a disabled key: GET answers 400 KMS.DisabledException, HEAD still answers, new writes with it are refused; enabled again, all reads', async () => {
    const keyId = keyArn.slice(ARN_PREFIX.length);
    assert.match(kms('disable', keyArn), /Disabled/);
    await settle();
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'named' })), 'KMS.DisabledException', 400);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'named' }))).SSEKMSKeyId, keyArn);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'refused', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId })), 'KMS.DisabledException', 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'refused' })), 'NotFound', 404);
    assert.match(kms('enable', keyId), /Enabled/);
    await settle();
    assert.equal((await read('named')).body.byteLength, 3 * CHUNK + 11);
  });

  it('rotation: new material for new objects, older objects still open', async () => {
    assert.match(kms('rotate', keyArn), /versions 2/);
    await settle();
    const body = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after-rotation', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    assert.ok((await read('after-rotation')).body.equals(body));
    assert.equal((await read('named')).body.byteLength, 3 * CHUNK + 11);
  });

  it('bad input: unknown key 400 KMS.NotFoundException, bad context 400 InvalidArgument, bad bucket-key value 400 InvalidArgument; nothing stored', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['unknown-key', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': `${ARN_PREFIX}00000000-0000-0000-0000-000000000000` }, 'KMS.NotFoundException'],
      ['not-a-key-id', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'not-a-key' }, 'KMS.NotFoundException'],
      ['bad-context', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': Buffer.from('[1,2]').toString('base64') }, 'InvalidArgument'],
      ['bad-bucket-key', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-bucket-key-enabled': 'maybe' }, 'InvalidArgument'],
    ];
    for (const [key, headers, code] of cases) {
      expectErrorResponse(await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/bad-${key}`, headers, body: 'refused' }), 400, code);
      assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/bad-${key}` })).status, 404, key);
    }
  });

  it('the bucket default aws:kms with a KMSMasterKeyID encrypts new objects with that key', async () => {
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: BUCKET, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
    }));
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'by-bucket-default', Body: 'x' }));
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, keyArn);
  });

  it('no plaintext of an SSE-KMS object appears under the data directory', async () => {
    const marker = Buffer.from(`KMS-PLAINTEXT-MARKER-${randomBytes(8).toString('hex')}`);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marker', Body: Buffer.concat(Array.from({ length: 2000 }, () => marker)), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    assert.deepEqual(filesContaining(server.dataDirectory, marker), []);
  });
});
