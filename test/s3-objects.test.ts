// Object operations through the AWS SDK for JavaScript v3 (default settings: it sends aws-chunked
// bodies with a CRC32 trailer) and raw signed HTTP for the inputs the SDK would not send.
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'objects-bucket';


describe('objects', () => {
  let server: RunningServer;
  let s3: S3Client;
  const getBytes = async (key: string, extra: Record<string, unknown> = {}) => {
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...extra }));
    return { response, bytes: Buffer.from(await response.Body!.transformToByteArray()) };
  };

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(() => closeSuite(server, s3));

  it('round-trips bytes, ETag, metadata and content headers', async () => {
    const body = randomBytes(300_000);
    const put = await s3.send(new PutObjectCommand({
      Bucket: BUCKET, Key: 'dir/photo.jpg', Body: body, ContentType: 'image/jpeg', ContentLanguage: 'en',
      ContentDisposition: 'attachment; filename="p.jpg"', CacheControl: 'max-age=60', ContentEncoding: 'identity',
      Expires: new Date('2030-01-01T00:00:00Z'), Metadata: { colour: 'blue', 'mixed-case': 'Value' },
    }));
    const md5Hex = Buffer.from(md5Base64(body), 'base64').toString('hex');
    assert.equal(put.ETag, `"${md5Hex}"`);
    const { response, bytes } = await getBytes('dir/photo.jpg');
    assert.ok(bytes.equals(body));
    assert.equal(response.ETag, `"${md5Hex}"`);
    assert.equal(response.ContentType, 'image/jpeg');
    assert.equal(response.ContentLanguage, 'en');
    assert.equal(response.ContentDisposition, 'attachment; filename="p.jpg"');
    assert.equal(response.CacheControl, 'max-age=60');
    assert.equal(response.ContentEncoding, 'identity');
    assert.equal(response.ContentLength, body.byteLength);
    assert.deepEqual(response.Metadata, { colour: 'blue', 'mixed-case': 'Value' });
    assert.equal(response.ExpiresString ?? response.Expires?.toUTCString(), 'Tue, 01 Jan 2030 00:00:00 GMT');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/photo.jpg' }));
    assert.equal(head.ContentLength, body.byteLength);
    assert.equal(head.ETag, `"${md5Hex}"`);
    assert.ok(head.LastModified instanceof Date);
  });

  it('stores binary/octet-stream when no Content-Type is given, and a 0-byte object', async () => {
    const put = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/empty`, body: '' });
    assert.equal(put.status, 200);
    assert.equal(put.headers.etag, '"d41d8cd98f00b204e9800998ecf8427e"');
    const head = await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/empty` });
    assert.equal(head.headers['content-type'], 'binary/octet-stream');
    assert.equal(head.headers['content-length'], '0');
    const { bytes } = await getBytes('empty');
    assert.equal(bytes.byteLength, 0);
  });

  it('keeps keys as data: dots, slashes, unicode, spaces and percent signs', async () => {
    const keys = ['../../etc/passwd', 'a//b/./c', 'ünïcødé/ファイル 名.txt', 'percent%20sign', 'plus+and space', 'emoji-😀', 'trailing/'];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
      const { bytes } = await getBytes(key);
      assert.equal(bytes.toString(), `body of ${key}`);
    }
  });

  it('overwrites in place: the new bytes win', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'overwritten', Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'overwritten', Body: 'second' }));
    assert.equal((await getBytes('overwritten')).bytes.toString(), 'second');
  });

  it('serves single byte ranges: closed, open, suffix; 416 beyond the end', async () => {
    const body = Buffer.from('0123456789abcdefghij');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ranged', Body: body }));
    const cases: Array<[string, string, string]> = [
      ['bytes=0-4', '01234', 'bytes 0-4/20'],
      ['bytes=5-', '56789abcdefghij', 'bytes 5-19/20'],
      ['bytes=-3', 'hij', 'bytes 17-19/20'],
      ['bytes=15-100', 'fghij', 'bytes 15-19/20'],
      ['bytes=-50', body.toString(), 'bytes 0-19/20'],
    ];
    for (const [range, expected, contentRange] of cases) {
      const { response, bytes } = await getBytes('ranged', { Range: range });
      assert.equal(bytes.toString(), expected, range);
      assert.equal(response.ContentRange, contentRange, range);
      assert.equal(response.$metadata.httpStatusCode, 206, range);
    }
    const beyond = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/ranged`, headers: { range: 'bytes=20-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.errorCode, 'InvalidRange');
    assert.equal(beyond.headers['content-range'], 'bytes */20');
    const ignored = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/ranged`, headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(ignored.status, 200);
    assert.equal(ignored.text, body.toString());
  });

  it('evaluates If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since like S3', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'conditional', Body: 'cond' }));
    const etag = put.ETag!;
    const past = new Date(Date.now() - 3_600_000).toUTCString();
    const future = new Date(Date.now() + 3_600_000).toUTCString();
    const expectations: Array<[Record<string, string>, number]> = [
      [{ 'if-match': etag }, 200],
      [{ 'if-match': '"0000"' }, 412],
      [{ 'if-match': '*' }, 200],
      [{ 'if-none-match': etag }, 304],
      [{ 'if-none-match': '"0000"' }, 200],
      [{ 'if-modified-since': past }, 200],
      [{ 'if-modified-since': future }, 200],
      [{ 'if-unmodified-since': past }, 412],
      [{ 'if-unmodified-since': future }, 200],
      // If-Match true wins over If-Unmodified-Since false; If-None-Match false wins over If-Modified-Since true.
      [{ 'if-match': etag, 'if-unmodified-since': past }, 200],
      [{ 'if-none-match': etag, 'if-modified-since': past }, 304],
    ];
    for (const [headers, status] of expectations) {
      const response = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/conditional`, headers });
      assert.equal(response.status, status, JSON.stringify(headers));
      if (status === 412) assert.equal(response.errorCode, 'PreconditionFailed');
      if (status === 304) {
        assert.equal(response.body.byteLength, 0);
        assert.equal(response.headers.etag, etag);
      }
      if (status === 200) assert.equal(response.text, 'cond');
    }
    const notModified = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/conditional`, headers: { 'if-modified-since': new Date(Date.now() + 1000).toUTCString() } });
    assert.equal(notModified.status, 200);
  });

  it('applies response-content-* overrides on GET', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'override', Body: 'o', ContentType: 'text/plain' }));
    const { response } = await getBytes('override', {
      ResponseContentType: 'application/json', ResponseContentDisposition: 'inline', ResponseCacheControl: 'no-cache',
      ResponseContentLanguage: 'fr', ResponseContentEncoding: 'gzip', ResponseExpires: new Date('2031-02-03T04:05:06Z'),
    });
    assert.equal(response.ContentType, 'application/json');
    assert.equal(response.ContentDisposition, 'inline');
    assert.equal(response.CacheControl, 'no-cache');
    assert.equal(response.ContentLanguage, 'fr');
    assert.equal(response.ContentEncoding, 'gzip');
  });

  it('answers NoSuchKey for a missing key and deletes idempotently', async () => {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'absent' })), 'NoSuchKey', 404);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'absent' })), 'NotFound', 404);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'to-delete', Body: 'bye' }));
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'to-delete' }))).$metadata.httpStatusCode, 204);
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'to-delete' }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'to-delete' })), 'NoSuchKey', 404);
  });

  it('copies with COPY and REPLACE directives and copy-source conditions', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-src', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-dst', CopySource: `${BUCKET}/copy-src` }));
    assert.equal(copied.CopyObjectResult?.ETag, `"${Buffer.from(md5Base64('copy me'), 'base64').toString('hex')}"`);
    const { response, bytes } = await getBytes('copy-dst');
    assert.equal(bytes.toString(), 'copy me');
    assert.equal(response.ContentType, 'text/plain');
    assert.deepEqual(response.Metadata, { a: '1' });
    await s3.send(new CopyObjectCommand({
      Bucket: BUCKET, Key: 'copy-dst', CopySource: `${BUCKET}/copy-src`, MetadataDirective: 'REPLACE', ContentType: 'text/html', Metadata: { b: '2' },
    }));
    const replaced = await getBytes('copy-dst');
    assert.equal(replaced.response.ContentType, 'text/html');
    assert.deepEqual(replaced.response.Metadata, { b: '2' });
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-dst', CopySource: `${BUCKET}/copy-src`, CopySourceIfMatch: '"nope"' })), 'PreconditionFailed', 412);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-dst', CopySource: `${BUCKET}/copy-src`, CopySourceIfNoneMatch: copied.CopyObjectResult!.ETag })), 'PreconditionFailed', 412);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-dst', CopySource: `${BUCKET}/missing-src` })), 'NoSuchKey', 404);
    assert.equal((await getBytes('copy-dst')).response.ContentType, 'text/html');
  });

  it('copies an object onto itself only with REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'self', Body: 'self', ContentType: 'text/plain' }));
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'self', CopySource: `${BUCKET}/self` })), 'InvalidRequest', 400);
    assert.equal((await getBytes('self')).response.ContentType, 'text/plain');
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'self', CopySource: `${BUCKET}/self`, MetadataDirective: 'REPLACE', ContentType: 'text/csv' }));
    const after = await getBytes('self');
    assert.equal(after.response.ContentType, 'text/csv');
    assert.equal(after.bytes.toString(), 'self');
  });
});
