// Server-side encryption through the JS SDK against a real server: SSE-S3 (AES256) and SSE-C on
// PUT/GET/HEAD with ranges inside and across the 64 KiB encryption chunks, multipart uploads, copies
// between every pair of plain/SSE-S3/SSE-C, master-key rotation, the exact errors of bad or missing
// keys with nothing stored, and no plaintext anywhere under the data directory.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { CAIRN_BIN, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';
import { filesContaining } from './helpers/files-containing.js';

const BUCKET = 'sse';
const KIB = 1024;
const MIB = 1024 * KIB;
/** The server's encryption chunk (ENCRYPTION_CHUNK_PLAINTEXT_BYTES): ranges are chosen around it. */
const CHUNK = 64 * KIB;

const customerKey = randomBytes(32);
const otherCustomerKey = randomBytes(32);
const sseC = (key: Buffer) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') });
const copySourceSseC = (key: Buffer) => ({ CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key.toString('base64') });
const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');
const md5Base64 = (data: Buffer) => createHash('md5').update(data).digest('base64');

/** A body whose every 16-byte window is unique, so a misplaced chunk cannot pass for the right one. */
function patterned(sizeBytes: number, seed: number): Buffer {
  const body = Buffer.alloc(sizeBytes);
  for (let offset = 0; offset + 4 <= sizeBytes; offset += 4) body.writeUInt32BE((offset * 2654435761 + seed) >>> 0, offset);
  return body;
}

async function getBytes(s3: S3Client, key: string, extra: Record<string, unknown> = {}): Promise<{ body: Buffer; sse?: string; customerMd5?: string; contentRange?: string }> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...extra }));
  return {
    body: Buffer.from(await answer.Body!.transformToByteArray()),
    sse: answer.ServerSideEncryption,
    customerMd5: answer.SSECustomerKeyMD5,
    contentRange: answer.ContentRange,
  };
}

describe('server-side encryption', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET, { extraArgs: ['--insecure-sse-c'] }));
  });
  after(async () => closeSuite(server, s3));

  it('SSE-S3: PUT answers AES256 and the plaintext MD5 ETag; GET and HEAD answer AES256 with the bytes', async () => {
    const body = patterned(3 * CHUNK + 1000, 1);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3/whole', Body: body, ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ETag, `"${md5Hex(body)}"`);
    const got = await getBytes(s3, 's3/whole');
    assert.equal(got.sse, 'AES256');
    assert.ok(got.body.equals(body));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 's3/whole' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    assert.equal(head.ContentLength, body.byteLength);
    assert.equal(head.ETag, `"${md5Hex(body)}"`);
  });

  it('SSE-S3: ranges inside one chunk, across chunk boundaries, a whole chunk, the suffix and the last byte', async () => {
    const body = patterned(4 * CHUNK, 2);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3/ranges', Body: body, ServerSideEncryption: 'AES256' }));
    const ranges: Array<[number, number]> = [
      [0, 0], [10, 20], [CHUNK - 1, CHUNK], [CHUNK - 100, 3 * CHUNK + 5], [CHUNK, 2 * CHUNK - 1], [4 * CHUNK - 1, 4 * CHUNK - 1], [0, 4 * CHUNK - 1],
    ];
    for (const [first, last] of ranges) {
      const got = await getBytes(s3, 's3/ranges', { Range: `bytes=${first}-${last}` });
      assert.ok(got.body.equals(body.subarray(first, last + 1)), `bytes=${first}-${last}`);
      assert.equal(got.contentRange, `bytes ${first}-${last}/${body.byteLength}`);
    }
    const suffix = await getBytes(s3, 's3/ranges', { Range: 'bytes=-70000' });
    assert.ok(suffix.body.equals(body.subarray(body.byteLength - 70000)));
  });

  it('SSE-S3: an empty object round-trips', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3/empty', Body: Buffer.alloc(0), ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    const got = await getBytes(s3, 's3/empty');
    assert.equal(got.body.byteLength, 0);
    assert.equal(got.sse, 'AES256');
  });

  it('SSE-C: the key is needed to read; wrong key 403, no key 400; right key gets the bytes and the echoed key MD5', async () => {
    const body = patterned(2 * CHUNK + 7, 3);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'c/object', Body: body, ...sseC(customerKey) }));
    assert.equal(put.SSECustomerAlgorithm, 'AES256');
    assert.equal(put.SSECustomerKeyMD5, md5Base64(customerKey));
    assert.equal(put.ServerSideEncryption, undefined);
    // As on S3, an SSE-C object's ETag is not the MD5 of its data (no digest of the plaintext is kept).
    assert.match(put.ETag!, /^"[0-9a-f]{32}"$/);
    assert.notEqual(put.ETag, `"${md5Hex(body)}"`);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'c/object' })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'c/object', ...sseC(otherCustomerKey) })), 'AccessDenied', 403);
    // HEAD answers carry no body: the status says it.
    const wrongHead = await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/c/object`, headers: {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': otherCustomerKey.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': md5Base64(otherCustomerKey),
    } });
    assert.equal(wrongHead.status, 403);
    assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/c/object` })).status, 400);
    const got = await getBytes(s3, 'c/object', sseC(customerKey));
    assert.ok(got.body.equals(body));
    assert.equal(got.customerMd5, md5Base64(customerKey));
    const ranged = await getBytes(s3, 'c/object', { ...sseC(customerKey), Range: `bytes=${CHUNK - 3}-${CHUNK + 3}` });
    assert.ok(ranged.body.equals(body.subarray(CHUNK - 3, CHUNK + 4)));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'c/object', ...sseC(customerKey) }));
    assert.equal(head.SSECustomerKeyMD5, md5Base64(customerKey));
    assert.equal(head.ContentLength, body.byteLength);
    assert.equal(head.ETag, put.ETag);
  });

  it('multipart: SSE-S3 and SSE-C uploads, parts sealed with the upload key, reads across the part boundary', async () => {
    const parts = [patterned(5 * MIB, 4), patterned(100 * KIB + 3, 5)];
    const whole = Buffer.concat(parts);
    for (const [key, options] of [['mp/s3', { ServerSideEncryption: 'AES256' as const }], ['mp/c', sseC(customerKey)]] as const) {
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...options }));
      const partOptions = 'SSECustomerKey' in options ? options : {};
      if ('SSECustomerKey' in options) assert.equal(created.SSECustomerKeyMD5, md5Base64(customerKey));
      else assert.equal(created.ServerSideEncryption, 'AES256');
      const etags: string[] = [];
      for (const [index, part] of parts.entries()) {
        const uploaded = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: index + 1, Body: part, ...partOptions }));
        if ('SSECustomerKey' in options) assert.equal(uploaded.SSECustomerKeyMD5, md5Base64(customerKey));
        else assert.equal(uploaded.ServerSideEncryption, 'AES256');
        etags.push(uploaded.ETag!);
      }
      if ('SSECustomerKey' in options) {
        // A part sent without the upload's key, or with another key, is refused and not stored.
        await expectS3Error(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: 3, Body: parts[1] })), 'InvalidRequest', 400);
        await expectS3Error(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: 3, Body: parts[1], ...sseC(otherCustomerKey) })), 'AccessDenied', 403);
      }
      const completed = await s3.send(new CompleteMultipartUploadCommand({
        Bucket: BUCKET, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }));
      if (!('SSECustomerKey' in options)) assert.equal(completed.ServerSideEncryption, 'AES256');
      const got = await getBytes(s3, key, partOptions);
      assert.ok(got.body.equals(whole), key);
      const first = 5 * MIB - 70_000;
      const last = 5 * MIB + 70_000;
      const ranged = await getBytes(s3, key, { ...partOptions, Range: `bytes=${first}-${last}` });
      assert.ok(ranged.body.equals(whole.subarray(first, last + 1)), `${key} across the part boundary`);
      const partTwo = await getBytes(s3, key, { ...partOptions, PartNumber: 2 });
      assert.ok(partTwo.body.equals(parts[1]!));
    }
  });

  it('CopyObject between every pair of plain, SSE-S3 and SSE-C, the copy encrypted as the request says', async () => {
    const body = patterned(CHUNK + 500, 6);
    const kinds = {
      plain: { put: {}, read: {}, source: {} },
      s3: { put: { ServerSideEncryption: 'AES256' as const }, read: {}, source: {} },
      c: { put: sseC(customerKey), read: sseC(customerKey), source: copySourceSseC(customerKey) },
    };
    for (const [from, source] of Object.entries(kinds)) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `copy/${from}`, Body: body, ...source.put }));
      for (const [to, target] of Object.entries(kinds)) {
        const key = `copy/${from}-to-${to}`;
        const copied = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/copy/${from}`, ...source.source, ...target.put }));
        assert.equal(copied.ServerSideEncryption, to === 's3' ? 'AES256' : undefined, key);
        assert.equal(copied.SSECustomerKeyMD5, to === 'c' ? md5Base64(customerKey) : undefined, key);
        if (to !== 'c') assert.equal(copied.CopyObjectResult?.ETag, `"${md5Hex(body)}"`, key);
        const got = await getBytes(s3, key, target.read);
        assert.ok(got.body.equals(body), key);
        assert.equal(got.sse, to === 's3' ? 'AES256' : undefined, key);
      }
    }
    // An SSE-C source without its key (or with a wrong one) is refused, and no copy is made.
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/refused', CopySource: `${BUCKET}/copy/c` })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/refused', CopySource: `${BUCKET}/copy/c`, ...copySourceSseC(otherCustomerKey) })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/refused' })), 'NotFound', 404);
    // Copying an object onto itself only to encrypt it is allowed (S3 counts encryption as a change).
    const ontoItself = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/plain', CopySource: `${BUCKET}/copy/plain`, ServerSideEncryption: 'AES256' }));
    assert.equal(ontoItself.ServerSideEncryption, 'AES256');
  });

  it('UploadPartCopy from an SSE-C source into an SSE-S3 upload, with a range across chunks', async () => {
    const source = patterned(5 * MIB + 10, 7);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'upc/source', Body: source, ...sseC(customerKey) }));
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'upc/target', ServerSideEncryption: 'AES256' }));
    const first = await s3.send(new UploadPartCopyCommand({
      Bucket: BUCKET, Key: 'upc/target', UploadId: created.UploadId, PartNumber: 1, CopySource: `${BUCKET}/upc/source`, ...copySourceSseC(customerKey),
    }));
    assert.equal(first.ServerSideEncryption, 'AES256');
    const second = await s3.send(new UploadPartCopyCommand({
      Bucket: BUCKET, Key: 'upc/target', UploadId: created.UploadId, PartNumber: 2, CopySource: `${BUCKET}/upc/source`,
      CopySourceRange: `bytes=${CHUNK - 10}-${2 * CHUNK + 10}`, ...copySourceSseC(customerKey),
    }));
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'upc/target', UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ ETag: first.CopyPartResult!.ETag, PartNumber: 1 }, { ETag: second.CopyPartResult!.ETag, PartNumber: 2 }] },
    }));
    const got = await getBytes(s3, 'upc/target');
    assert.ok(got.body.equals(Buffer.concat([source, source.subarray(CHUNK - 10, 2 * CHUNK + 11)])));
    assert.equal(got.sse, 'AES256');
  });

  it('GetObjectAttributes answers for an encrypted object (with its SSE-C key)', async () => {
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'c/object', ObjectAttributes: ['ETag', 'ObjectSize'], ...sseC(customerKey) }));
    assert.equal(attributes.ObjectSize, 2 * CHUNK + 7);
    const plain = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 's3/whole', ObjectAttributes: ['ObjectSize'] }));
    assert.equal(plain.ObjectSize, 3 * CHUNK + 1000);
  });

  it('bad encryption headers: S3 errors, nothing stored', async () => {
    const key = customerKey.toString('base64');
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['unknown method', { 'x-amz-server-side-encryption': 'AES128' }, 400, 'InvalidArgument'],
      ['KMS key id without aws:kms', { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': 'some-key' }, 400, 'InvalidArgument'],
      ['KMS key id alone', { 'x-amz-server-side-encryption-aws-kms-key-id': 'some-key' }, 400, 'InvalidArgument'],
      ['SSE-C and AES256 together', {
        'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': key, 'x-amz-server-side-encryption-customer-key-md5': md5Base64(customerKey),
      }, 400, 'InvalidArgument'],
      ['SSE-C key MD5 wrong', {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': key,
        'x-amz-server-side-encryption-customer-key-md5': md5Base64(otherCustomerKey),
      }, 400, 'InvalidArgument'],
      ['SSE-C key MD5 missing', { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': key }, 400, 'InvalidArgument'],
      ['SSE-C key missing', { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }, 400, 'InvalidArgument'],
      ['SSE-C key too short', {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': randomBytes(16).toString('base64'),
        'x-amz-server-side-encryption-customer-key-md5': md5Base64(randomBytes(16)),
      }, 400, 'InvalidArgument'],
      ['SSE-C algorithm not AES256', {
        'x-amz-server-side-encryption-customer-algorithm': 'AES128', 'x-amz-server-side-encryption-customer-key': key,
        'x-amz-server-side-encryption-customer-key-md5': md5Base64(customerKey),
      }, 400, 'InvalidArgument'],
    ];
    for (const [label, headers, status, code] of cases) {
      const answer = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/bad/${label.replace(/[^a-zA-Z0-9]+/g, '-')}`, headers, body: 'refused' });
      expectErrorResponse(answer, status, code);
      const head = await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/bad/${label.replace(/[^a-zA-Z0-9]+/g, '-')}` });
      assert.equal(head.status, 404, label);
    }
    // GET takes no x-amz-server-side-encryption header; SSE-C headers on an object that is not SSE-C are refused.
    expectErrorResponse(await rawRequest(server, { method: 'GET', path: `/${BUCKET}/s3/whole`, headers: { 'x-amz-server-side-encryption': 'AES256' } }), 400, 'InvalidArgument');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 's3/whole', ...sseC(customerKey) })), 'InvalidRequest', 400);
  });

  it('the master key file is mode 0600 outside the index; a rotation keeps old objects readable and wraps new ones with the new key', async () => {
    const keyFile = join(server.dataDirectory, 'keys', 'master.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const before = JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string };
    const output = execFileSync(process.execPath, [CAIRN_BIN, 'admin', 'kms', 'rotate-master', '--data', server.dataDirectory], { encoding: 'utf8' });
    const after = JSON.parse(readFileSync(keyFile, 'utf8')) as { current: string; keys: unknown[] };
    assert.notEqual(after.current, before.current);
    assert.equal(after.keys.length, 2);
    assert.match(output, new RegExp(`${before.current} -> ${after.current}`));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    // The server looks for a rotation at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const body = patterned(CHUNK + 1, 8);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3/after-rotation', Body: body, ServerSideEncryption: 'AES256' }));
    assert.ok((await getBytes(s3, 's3/after-rotation')).body.equals(body));
    assert.ok((await getBytes(s3, 's3/whole')).body.equals(patterned(3 * CHUNK + 1000, 1)));
    const listed = execFileSync(process.execPath, [CAIRN_BIN, 'admin', 'kms', 'list-master', '--data', server.dataDirectory], { encoding: 'utf8' });
    assert.equal(listed, `${after.current}  current\n${before.current}\n`);
  });

  it('no plaintext of an encrypted object appears anywhere under the data directory', async () => {
    const marker = (label: string) => Buffer.from(`CAIRN-PLAINTEXT-MARKER-${label}-${randomBytes(8).toString('hex')}`);
    const markers = { s3: marker('s3'), c: marker('c'), multipart: marker('mp'), plain: marker('plain') };
    const withMarker = (label: Buffer) => Buffer.concat(Array.from({ length: 3000 }, () => label));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marker/s3', Body: withMarker(markers.s3), ServerSideEncryption: 'AES256' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marker/c', Body: withMarker(markers.c), ...sseC(customerKey) }));
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'marker/mp', ServerSideEncryption: 'AES256' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'marker/mp', UploadId: created.UploadId, PartNumber: 1, Body: withMarker(markers.multipart) }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'marker/mp', UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }));
    // The control: an object stored as sent is found, so the search does look where the bytes are.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marker/plain', Body: withMarker(markers.plain) }));
    assert.notDeepEqual(filesContaining(server.dataDirectory, markers.plain), []);
    for (const [kind, value] of Object.entries(markers)) {
      if (kind !== 'plain') assert.deepEqual(filesContaining(server.dataDirectory, value), [], `plaintext of the ${kind} object on disk`);
    }
    assert.ok((await getBytes(s3, 'marker/mp')).body.equals(withMarker(markers.multipart)));
  });
});

describe('SSE-C needs TLS unless --insecure-sse-c', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(async () => closeSuite(server, s3));

  it('refuses SSE-C over plain HTTP with 400 InvalidRequest, and stores nothing', async () => {
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'c/refused', Body: 'x', ...sseC(customerKey) })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'c/refused' })), 'NotFound', 404);
    // SSE-S3 needs no TLS.
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3/ok', Body: 'x', ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
  });
});
