// What some HTTP clients and sync tools rely on beyond the SDKs' usual requests: PutObject streamed
// with Transfer-Encoding: chunked and no Content-Length (signed payload, UNSIGNED-PAYLOAD, presigned
// URL), `x-amz-tagging-count` on HEAD as on GET, and a repeated CreateBucket answered by AWS's rule
// (200 in us-east-1, 409 BucketAlreadyOwnedByYou in any other region).
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest, sdkClient, sendRaw, sha256Hex } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'compat';
/** Spans several of node's chunks, so the body arrives in many pieces. */
const STREAMED_SIZE_BYTES = 3 * 1024 * 1024 + 11;

describe('client compatibility', () => {
  let server: RunningServer;
  let s3: S3Client;

  async function read(key: string): Promise<Buffer> {
    return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key: key }))).Body!.transformToByteArray());
  }
  async function expectAbsent(key: string): Promise<void> {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket, Key: key })), 'NoSuchKey', 404);
  }
  function putChunked(key: string, body: Buffer, auth: 'signed' | 'unsigned', headers: Record<string, string> = {}) {
    return rawRequest(server, { method: 'PUT', path: `/${Bucket}/${key}`, body, auth, headers: { 'transfer-encoding': 'chunked', ...headers } });
  }

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
  });
  after(() => closeSuite(server, s3));

  it('PutObject with Transfer-Encoding: chunked and no Content-Length stores the bytes (signed and UNSIGNED-PAYLOAD)', async () => {
    for (const auth of ['signed', 'unsigned'] as const) {
      const body = randomBytes(STREAMED_SIZE_BYTES);
      const answer = await putChunked(`chunked-${auth}`, body, auth);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers['etag'], `"${createHash('md5').update(body).digest('hex')}"`);
      const stored = await read(`chunked-${auth}`);
      assert.equal(stored.byteLength, STREAMED_SIZE_BYTES);
      assert.ok(stored.equals(body));
    }
    // An empty chunked body is an empty object.
    const empty = await putChunked('chunked-empty', Buffer.alloc(0), 'unsigned');
    assert.equal(empty.status, 200, empty.text);
    assert.equal((await read('chunked-empty')).byteLength, 0);
  });

  it('a presigned PUT URL takes a chunked body too', async () => {
    const url = new URL(await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: 'presigned-chunked' }), { expiresIn: 60 }));
    const body = Buffer.from('streamed through a presigned URL');
    const answer = await sendRaw(server, 'PUT', url.pathname + url.search, { host: url.host, 'transfer-encoding': 'chunked' }, body);
    assert.equal(answer.status, 200, answer.text);
    assert.ok((await read('presigned-chunked')).equals(body));
  });

  it('a chunked body is verified as any other: a wrong payload hash or Content-MD5, or another coding, stores nothing', async () => {
    const body = Buffer.from('the real body');
    const wrongHash = await putChunked('chunked-bad-sha', body, 'signed', { 'x-amz-content-sha256': sha256Hex('another body') });
    expectErrorResponse(wrongHash, 400, 'XAmzContentSHA256Mismatch');
    await expectAbsent('chunked-bad-sha');
    const wrongMd5 = await putChunked('chunked-bad-md5', body, 'unsigned', { 'content-md5': md5Base64('another body') });
    expectErrorResponse(wrongMd5, 400, 'BadDigest');
    await expectAbsent('chunked-bad-md5');
    // A coding before chunked would have the encoded bytes stored: refused.
    const gzipped = await putChunked('chunked-gzip', body, 'unsigned', { 'transfer-encoding': 'gzip, chunked' });
    expectErrorResponse(gzipped, 501, 'NotImplemented');
    await expectAbsent('chunked-gzip');
  });

  it('x-amz-tagging-count on HEAD as on GET', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 'x', Tagging: 'a=1&b=2' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'untagged', Body: 'x' }));
    for (const method of ['HEAD', 'GET']) {
      const tagged = await rawRequest(server, { method, path: `/${Bucket}/tagged` });
      assert.equal(tagged.status, 200);
      assert.equal(tagged.headers['x-amz-tagging-count'], '2');
      const untagged = await rawRequest(server, { method, path: `/${Bucket}/untagged` });
      assert.equal(untagged.headers['x-amz-tagging-count'], undefined);
    }
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'tagged', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }));
    assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${Bucket}/tagged` })).headers['x-amz-tagging-count'], '1');
  });
});

describe('a repeated CreateBucket outside us-east-1', () => {
  const REGION = 'eu-west-1';
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server } = await openSuite(undefined, { extraArgs: ['--region', REGION] }));
    s3 = sdkClient(server, { region: REGION });
  });
  after(() => closeSuite(server, s3));

  it('answers 409 BucketAlreadyOwnedByYou, as AWS does in every region but us-east-1, and keeps the bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'made-twice', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await s3.send(new PutObjectCommand({ Bucket: 'made-twice', Key: 'k', Body: 'kept' }));
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: 'made-twice', CreateBucketConfiguration: { LocationConstraint: REGION } })), 'BucketAlreadyOwnedByYou', 409);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'made-twice', Key: 'k' }))).Body!.transformToString(), 'kept');
  });
});
