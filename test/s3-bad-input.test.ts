// Every bad input named by the foundation issue, over raw HTTP: the exact status and S3 error code,
// and proof that nothing was written (the object is absent, or unchanged).
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { crc32 } from '@node-rs/crc32';
import { connect } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { md5Base64, rawRequest, sdkClient, sendRaw, sha256Hex, signer } from './helpers/clients.js';
import { expectErrorResponse as expectError } from './helpers/assertions.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, type RunningServer } from './helpers/server.js';

const BUCKET = 'bad-input';

function crc32Base64(data: Buffer | string): string {
  const digest = Buffer.alloc(4);
  digest.writeUInt32BE(crc32(Buffer.from(data)) >>> 0);
  return digest.toString('base64');
}


describe('bad input', () => {
  let server: RunningServer;
  const get = (key: string) => rawRequest(server, { method: 'GET', path: `/${BUCKET}/${key}` });
  const expectAbsent = async (key: string) => expectError(await get(key), 404, 'NoSuchKey');
  const expectBody = async (key: string, body: string) => {
    const response = await get(key);
    assert.equal(response.status, 200);
    assert.equal(response.text, body);
  };
  const put = (key: string, body: string, headers: Record<string, string> = {}) =>
    rawRequest(server, { method: 'PUT', path: `/${BUCKET}/${key}`, body, headers });

  before(async () => {
    server = await startServer();
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
    assert.equal((await put('existing', 'original')).status, 200);
  });
  after(() => server.dispose());

  it('Content-MD5 that does not match → 400 BadDigest, nothing stored or changed', async () => {
    expectError(await put('md5-new', 'payload', { 'content-md5': md5Base64('other') }), 400, 'BadDigest');
    await expectAbsent('md5-new');
    expectError(await put('existing', 'replacement', { 'content-md5': md5Base64('other') }), 400, 'BadDigest');
    await expectBody('existing', 'original');
  });

  it('Content-MD5 that is not a base64 MD5 → 400 InvalidDigest, nothing stored', async () => {
    expectError(await put('md5-garbage', 'payload', { 'content-md5': 'not-md5' }), 400, 'InvalidDigest');
    await expectAbsent('md5-garbage');
  });

  it('a correct Content-MD5 is accepted', async () => {
    assert.equal((await put('md5-good', 'payload', { 'content-md5': md5Base64('payload') })).status, 200);
    await expectBody('md5-good', 'payload');
  });

  it('body that does not match the signed x-amz-content-sha256 → 400 XAmzContentSHA256Mismatch', async () => {
    const response = await put('sha-mismatch', 'actual body', { 'x-amz-content-sha256': sha256Hex('claimed body') });
    expectError(response, 400, 'XAmzContentSHA256Mismatch');
    await expectAbsent('sha-mismatch');
  });

  it('x-amz-checksum-crc32 that does not match → 400 BadDigest; a matching one is stored and echoed', async () => {
    expectError(await put('crc-bad', 'data', { 'x-amz-checksum-crc32': crc32Base64('other') }), 400, 'BadDigest');
    await expectAbsent('crc-bad');
    const good = await put('crc-good', 'data', { 'x-amz-checksum-crc32': crc32Base64('data') });
    assert.equal(good.status, 200);
    assert.equal(good.headers['x-amz-checksum-crc32'], crc32Base64('data'));
    const head = await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/crc-good`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    assert.equal(head.headers['x-amz-checksum-crc32'], crc32Base64('data'));
  });

  it('aws-chunked body whose CRC32 trailer does not match → 400 BadDigest, nothing stored', async () => {
    const data = 'chunked payload';
    const framed = (checksum: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`;
    const headers = (body: string) => ({
      'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': String(Buffer.byteLength(data)),
      'content-length': String(Buffer.byteLength(body)),
    });
    const bad = framed(crc32Base64('different'));
    expectError(await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/chunked-bad`, body: bad, headers: headers(bad) }), 400, 'BadDigest');
    await expectAbsent('chunked-bad');
    const good = framed(crc32Base64(data));
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/chunked-good`, body: good, headers: headers(good) })).status, 200);
    await expectBody('chunked-good', data);
  });

  it('key over 1,024 bytes → 400 KeyTooLongError, nothing stored', async () => {
    const longKey = 'k'.repeat(1025);
    expectError(await put(longKey, 'x'), 400, 'KeyTooLongError');
    const listing = await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', prefix: 'kkkk' } });
    assert.match(listing.text, /<KeyCount>0<\/KeyCount>/);
    assert.equal((await put(encodeURIComponent('ü'.repeat(512)), 'x')).status, 200, '1,024 bytes of UTF-8 is allowed');
    expectError(await put(encodeURIComponent('ü'.repeat(513)), 'x'), 400, 'KeyTooLongError');
  });

  it('user metadata over 2 KiB → 400 MetadataTooLarge, nothing stored or changed', async () => {
    const big = { 'x-amz-meta-big': 'v'.repeat(2048) };
    expectError(await put('meta-new', 'x', big), 400, 'MetadataTooLarge');
    await expectAbsent('meta-new');
    expectError(await put('existing', 'replacement', big), 400, 'MetadataTooLarge');
    await expectBody('existing', 'original');
    assert.equal((await put('meta-fits', 'x', { 'x-amz-meta-ok': 'v'.repeat(2040) })).status, 200);
  });

  it('wrong signature → 403 SignatureDoesNotMatch, nothing stored', async () => {
    const tampered = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/tampered`, body: 'x', headers: { 'content-type': 'text/plain' }, afterSigning: { 'content-type': 'text/evil' } });
    const wrongSecret = new SignatureV4({ credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: 'wrong-secret' }, region: TEST_REGION, service: 's3', sha256: (signer as any).sha256, uriEscapePath: false, applyChecksum: false });
    const forged = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/forged`, body: 'x', signerOverride: wrongSecret });
    expectError(forged, 403, 'SignatureDoesNotMatch');
    await expectAbsent('forged');
    // content-type was signed, so changing it after signing must be caught.
    expectError(tampered, 403, 'SignatureDoesNotMatch');
    await expectAbsent('tampered');
  });

  it('unknown access key → 403 InvalidAccessKeyId, nothing stored', async () => {
    const stranger = new SignatureV4({ credentials: { accessKeyId: 'AKIDUNKNOWN000000000', secretAccessKey: 'whatever' }, region: TEST_REGION, service: 's3', sha256: (signer as any).sha256, uriEscapePath: false, applyChecksum: false });
    expectError(await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/stranger`, body: 'x', signerOverride: stranger }), 403, 'InvalidAccessKeyId');
    await expectAbsent('stranger');
  });

  it('request signed 20 minutes ago → 403 RequestTimeTooSkewed, nothing stored', async () => {
    const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/skewed`, body: 'x', signingDate: new Date(Date.now() - 20 * 60_000) });
    expectError(response, 403, 'RequestTimeTooSkewed');
    await expectAbsent('skewed');
  });

  it('anonymous request → 403 AccessDenied, nothing stored', async () => {
    expectError(await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/anonymous`, body: 'x', auth: 'none' }), 403, 'AccessDenied');
    await expectAbsent('anonymous');
    expectError(await rawRequest(server, { method: 'GET', path: `/${BUCKET}/existing`, auth: 'none' }), 403, 'AccessDenied');
  });

  it('presigned URLs (from @aws-sdk/s3-request-presigner) work until X-Amz-Expires, then → 403 AccessDenied', async () => {
    const s3 = sdkClient(server);
    const presign = async (command: GetObjectCommand | PutObjectCommand, expiresIn: number, signingDate?: Date) => {
      const url = new URL(await getSignedUrl(s3, command, { expiresIn, signingDate }));
      return url.pathname + url.search;
    };
    const host = `127.0.0.1:${server.port}`;
    const putPath = await presign(new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned' }), 60);
    assert.equal((await sendRaw(server, 'PUT', putPath, { host, 'content-length': '9' }, Buffer.from('presigned'))).status, 200);
    const fetched = await sendRaw(server, 'GET', await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned' }), 60), { host }, undefined);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.text, 'presigned');
    const longAgo = new Date(Date.now() - 120_000);
    const expiredGet = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned' }), 60, longAgo);
    expectError(await sendRaw(server, 'GET', expiredGet, { host }, undefined), 403, 'AccessDenied');
    const expiredPut = await presign(new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned' }), 60, longAgo);
    expectError(await sendRaw(server, 'PUT', expiredPut, { host, 'content-length': '5' }, Buffer.from('later')), 403, 'AccessDenied');
    const tamperedPath = (await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned' }), 60)).replace('X-Amz-Expires=60', 'X-Amz-Expires=600');
    expectError(await sendRaw(server, 'GET', tamperedPath, { host }, undefined), 403, 'SignatureDoesNotMatch');
    await expectBody('presigned', 'presigned');
    s3.destroy();
  });

  it('PUT without Content-Length → 411 MissingContentLength, nothing stored', async () => {
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: `/${BUCKET}/no-length`, query: {}, headers: { host: `127.0.0.1:${server.port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    // (Transfer-Encoding: chunked without a length is accepted now: s3-client-compat.test.ts.)
    // node's client always adds a length or chunked framing, so this request is written by hand.
    const head = Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}`).join('\r\n');
    const bareText = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.end(`PUT /${BUCKET}/no-length HTTP/1.1\r\n${head}\r\nconnection: close\r\n\r\n`));
      let received = '';
      socket.on('data', (piece) => { received += piece; });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    assert.match(bareText, /^HTTP\/1\.1 411 /);
    assert.match(bareText, /<Code>MissingContentLength<\/Code>/);
    await expectAbsent('no-length');
  });

  it('a request line with a fragment (#) → 400 InvalidURI: what is signed is what is routed', async () => {
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: `/${BUCKET}/fragment`, query: {}, headers: { host: `127.0.0.1:${server.port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '1' } });
    const head = Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}`).join('\r\n');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.end(`PUT /${BUCKET}/fragment#&partNumber=7&uploadId=x HTTP/1.1\r\n${head}\r\nconnection: close\r\n\r\nx`));
      let received = '';
      socket.on('data', (piece) => { received += piece; });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /<Code>InvalidURI<\/Code>/);
    await expectAbsent('fragment');
  });

  it('unknown storage class → 400 InvalidStorageClass, nothing stored', async () => {
    expectError(await put('classy', 'x', { 'x-amz-storage-class': 'PLATINUM' }), 400, 'InvalidStorageClass');
    await expectAbsent('classy');
  });

  it('malformed copy source → 400 InvalidArgument, nothing stored', async () => {
    const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/copy-target`, headers: { 'x-amz-copy-source': 'just-a-bucket' } });
    expectError(response, 400, 'InvalidArgument');
    await expectAbsent('copy-target');
  });

  it('invalid list parameters → 400 InvalidArgument', async () => {
    expectError(await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', 'max-keys': '-1' } }), 400, 'InvalidArgument');
    expectError(await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', 'encoding-type': 'base64' } }), 400, 'InvalidArgument');
    expectError(await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', 'continuation-token': 'garbage' } }), 400, 'InvalidArgument');
  });

  describe('DeleteObjects', () => {
    const deleteBody = (keys: string[], quiet = false) =>
      `<Delete>${quiet ? '<Quiet>true</Quiet>' : ''}${keys.map((key) => `<Object><Key>${key}</Key></Object>`).join('')}</Delete>`;
    const post = (body: string, headers: Record<string, string> = { 'content-md5': md5Base64(body) }) =>
      rawRequest(server, { method: 'POST', path: `/${BUCKET}`, query: { delete: '' }, body, headers });

    it('deletes many keys, reports each; quiet mode reports only errors', async () => {
      for (const key of ['d1', 'd2', 'd3']) assert.equal((await put(key, key)).status, 200);
      const loud = await post(deleteBody(['d1', 'd2', 'never-existed']));
      assert.equal(loud.status, 200);
      assert.equal((loud.text.match(/<Deleted>/g) ?? []).length, 3);
      await expectAbsent('d1');
      await expectAbsent('d2');
      const quiet = await post(deleteBody(['d3'], true));
      assert.equal(quiet.status, 200);
      assert.doesNotMatch(quiet.text, /<Deleted>/);
      await expectAbsent('d3');
    });

    it('reports a per-key error for a key too long and still deletes the others', async () => {
      assert.equal((await put('d4', 'd4')).status, 200);
      const response = await post(deleteBody(['d4', 'x'.repeat(1025)]));
      assert.equal(response.status, 200);
      assert.match(response.text, /<Deleted><Key>d4<\/Key><\/Deleted>/);
      assert.match(response.text, /<Error><Key>x+<\/Key><Code>KeyTooLongError<\/Code>/);
      await expectAbsent('d4');
    });

    it('malformed XML → 400 MalformedXML, nothing deleted', async () => {
      expectError(await post('<Delete><Object><Key>existing</Key>'), 400, 'MalformedXML');
      expectError(await post('<Delete></Delete>'), 400, 'MalformedXML');
      await expectBody('existing', 'original');
    });

    it('more than 1,000 keys → 400 MalformedXML, nothing deleted', async () => {
      const keys = Array.from({ length: 1001 }, (_, index) => `k${index}`);
      keys[0] = 'existing';
      expectError(await post(deleteBody(keys)), 400, 'MalformedXML');
      await expectBody('existing', 'original');
    });

    it('no Content-MD5 or checksum → 400 InvalidRequest, nothing deleted', async () => {
      expectError(await post(deleteBody(['existing']), {}), 400, 'InvalidRequest');
      await expectBody('existing', 'original');
    });

    it('Content-MD5 that does not match → 400 BadDigest, nothing deleted', async () => {
      expectError(await post(deleteBody(['existing']), { 'content-md5': md5Base64('other') }), 400, 'BadDigest');
      await expectBody('existing', 'original');
    });
  });
});
