// S3's additional checksums on PutObject (headers and aws-chunked trailers, signed and unsigned),
// the CRC64NVME stored by default, and conditional writes.
import { ChecksumAlgorithm, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32, crc32c } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sendChunked } from './helpers/chunked.js';
import { rawRequest } from './helpers/clients.js';
import { expectErrorResponse as expectError } from './helpers/assertions.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'checksums';

async function referenceDigest(algorithm: string, data: Buffer): Promise<string> {
  switch (algorithm) {
    case 'CRC32':
    case 'CRC32C': {
      const digest = Buffer.alloc(4);
      digest.writeUInt32BE((algorithm === 'CRC32' ? crc32(data) : crc32c(data)) >>> 0);
      return digest.toString('base64');
    }
    case 'CRC64NVME': {
      const hash = new Crc64Nvme();
      hash.update(data);
      return Buffer.from(await hash.digest()).toString('base64');
    }
    default:
      return createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256').update(data).digest('base64');
  }
}


describe('checksums and conditional writes', () => {
  let server: RunningServer;
  let s3: S3Client;
  const get = (key: string) => rawRequest(server, { method: 'GET', path: `/${BUCKET}/${key}`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
  const expectAbsent = async (key: string) => expectError(await get(key), 404, 'NoSuchKey');

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(() => closeSuite(server, s3));

  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
    it(`stores and returns a ${algorithm} checksum sent by the SDK`, async () => {
      const body = randomBytes(200_000);
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `sdk-${algorithm}`, Body: body, ChecksumAlgorithm: ChecksumAlgorithm[algorithm] }));
      const expected = await referenceDigest(algorithm, body);
      assert.equal((put as unknown as Record<string, unknown>)[`Checksum${algorithm}`], expected);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `sdk-${algorithm}`, ChecksumMode: 'ENABLED' }));
      assert.equal((head as unknown as Record<string, unknown>)[`Checksum${algorithm}`], expected);
      assert.equal(head.ChecksumType, 'FULL_OBJECT');
      // The SDK validates the returned checksum against the bytes it receives.
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `sdk-${algorithm}`, ChecksumMode: 'ENABLED' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
    });
  }

  it('stores a CRC64NVME when the client sends no checksum', async () => {
    const body = randomBytes(70_000);
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/no-checksum`, body })).status, 200);
    const head = await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/no-checksum`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    assert.equal(head.headers['x-amz-checksum-crc64nvme'], await referenceDigest('CRC64NVME', body));
    assert.equal(head.headers['x-amz-checksum-type'], 'FULL_OBJECT');
    const plain = await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/no-checksum` });
    assert.equal(plain.headers['x-amz-checksum-crc64nvme'], undefined, 'checksums only with x-amz-checksum-mode: ENABLED');
  });

  it('wrong checksum value in a header → 400 BadDigest, nothing stored', async () => {
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256']) {
      const wrong = await referenceDigest(algorithm.toUpperCase(), Buffer.from('something else'));
      const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/wrong-${algorithm}`, body: 'payload', headers: { [`x-amz-checksum-${algorithm}`]: wrong } });
      expectError(response, 400, 'BadDigest');
      await expectAbsent(`wrong-${algorithm}`);
    }
  });

  it('two checksum headers, or a malformed value → 400 InvalidRequest, nothing stored', async () => {
    const two = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/two`, body: 'x', headers: { 'x-amz-checksum-crc32': await referenceDigest('CRC32', Buffer.from('x')), 'x-amz-checksum-sha1': await referenceDigest('SHA1', Buffer.from('x')) } });
    expectError(two, 400, 'InvalidRequest');
    const malformed = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/malformed`, body: 'x', headers: { 'x-amz-checksum-sha256': 'bm90LWEtZGlnZXN0' } });
    expectError(malformed, 400, 'InvalidRequest');
    await expectAbsent('two');
    await expectAbsent('malformed');
  });

  describe('aws-chunked bodies', () => {
    const chunks = [randomBytes(64 * 1024), randomBytes(64 * 1024), randomBytes(1000)];
    const whole = Buffer.concat(chunks);

    it('signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are stored', async () => {
      const response = await sendChunked(server, { path: `/${BUCKET}/signed`, chunks, mode: 'signed' });
      assert.equal(response.status, 200, response.text);
      assert.ok((await get('signed')).body.equals(whole));
    });

    it('signed chunks with a signed CRC32C trailer are stored, and the checksum kept', async () => {
      const checksum = await referenceDigest('CRC32C', whole);
      const response = await sendChunked(server, { path: `/${BUCKET}/signed-trailer`, chunks, mode: 'signed', trailer: ['x-amz-checksum-crc32c', checksum] });
      assert.equal(response.status, 200, response.text);
      const fetched = await get('signed-trailer');
      assert.ok(fetched.body.equals(whole));
      assert.equal(fetched.headers['x-amz-checksum-crc32c'], checksum);
    });

    it('unsigned chunks with a SHA256 trailer are stored', async () => {
      const checksum = await referenceDigest('SHA256', whole);
      const response = await sendChunked(server, { path: `/${BUCKET}/unsigned-trailer`, chunks, mode: 'unsigned', trailer: ['x-amz-checksum-sha256', checksum] });
      assert.equal(response.status, 200, response.text);
      assert.equal((await get('unsigned-trailer')).headers['x-amz-checksum-sha256'], checksum);
    });

    it('a wrong chunk signature → 403 SignatureDoesNotMatch, nothing stored', async () => {
      for (const corruptChunkSignature of [0, 1, 3]) {
        const response = await sendChunked(server, { path: `/${BUCKET}/bad-chunk-${corruptChunkSignature}`, chunks, mode: 'signed', corruptChunkSignature });
        expectError(response, 403, 'SignatureDoesNotMatch');
        await expectAbsent(`bad-chunk-${corruptChunkSignature}`);
      }
    });

    it('a wrong trailer signature → 403 SignatureDoesNotMatch, nothing stored', async () => {
      const checksum = await referenceDigest('CRC32', whole);
      const response = await sendChunked(server, { path: `/${BUCKET}/bad-trailer`, chunks, mode: 'signed', trailer: ['x-amz-checksum-crc32', checksum], corruptTrailerSignature: true });
      expectError(response, 403, 'SignatureDoesNotMatch');
      await expectAbsent('bad-trailer');
    });

    it('a wrong trailer checksum → 400 BadDigest, nothing stored', async () => {
      const wrong = await referenceDigest('CRC64NVME', Buffer.from('not the body'));
      const response = await sendChunked(server, { path: `/${BUCKET}/bad-trailer-value`, chunks, mode: 'signed', trailer: ['x-amz-checksum-crc64nvme', wrong] });
      expectError(response, 400, 'BadDigest');
      await expectAbsent('bad-trailer-value');
    });

    it('a truncated aws-chunked body → 400 IncompleteBody, nothing stored', async () => {
      const response = await sendChunked(server, { path: `/${BUCKET}/truncated`, chunks, mode: 'signed', truncateToBytes: 70_000 });
      expectError(response, 400, 'IncompleteBody');
      await expectAbsent('truncated');
    });

    it('a decoded length that does not match the chunks → 400 IncompleteBody, nothing stored', async () => {
      const response = await sendChunked(server, { path: `/${BUCKET}/short`, chunks, mode: 'unsigned', declaredDecodedLengthBytes: whole.byteLength + 10 });
      expectError(response, 400, 'IncompleteBody');
      await expectAbsent('short');
    });
  });

  describe('conditional writes', () => {
    it('20 concurrent If-None-Match: * PUTs of one key: exactly one succeeds, and its bytes are stored', async () => {
      const bodies = Array.from({ length: 20 }, (_, writer) => Buffer.from(`writer ${writer} ${randomBytes(8).toString('hex')}`));
      const responses = await Promise.all(bodies.map((body) => rawRequest(server, { method: 'PUT', path: `/${BUCKET}/race`, body, headers: { 'if-none-match': '*' } })));
      const winners = responses.flatMap((response, writer) => (response.status === 200 ? [writer] : []));
      assert.equal(winners.length, 1, `statuses: ${responses.map((response) => response.status).join(',')}`);
      for (const response of responses) {
        if (response.status !== 200) assert.ok(response.errorCode === 'PreconditionFailed' || response.errorCode === 'ConditionalRequestConflict', response.text);
      }
      assert.ok((await get('race')).body.equals(bodies[winners[0]!]!));
    });

    it('If-Match PUT replaces only the version with that ETag; 404 when the key is absent', async () => {
      const first = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/cas`, body: 'v1' });
      expectError(await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/cas`, body: 'v2', headers: { 'if-match': '"00000000000000000000000000000000"' } }), 412, 'PreconditionFailed');
      assert.equal((await get('cas')).text, 'v1');
      const second = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/cas`, body: 'v2', headers: { 'if-match': String(first.headers.etag) } });
      assert.equal(second.status, 200);
      assert.equal((await get('cas')).text, 'v2');
      expectError(await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/cas-missing`, body: 'x', headers: { 'if-match': String(first.headers.etag) } }), 404, 'NoSuchKey');
      await expectAbsent('cas-missing');
    });

    it('DeleteObject with If-Match deletes only the matching version', async () => {
      const put = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/guarded`, body: 'keep me' });
      expectError(await rawRequest(server, { method: 'DELETE', path: `/${BUCKET}/guarded`, headers: { 'if-match': '"ffffffffffffffffffffffffffffffff"' } }), 412, 'PreconditionFailed');
      assert.equal((await get('guarded')).text, 'keep me');
      assert.equal((await rawRequest(server, { method: 'DELETE', path: `/${BUCKET}/guarded`, headers: { 'if-match': String(put.headers.etag) } })).status, 204);
      await expectAbsent('guarded');
    });
  });
});
