// Multipart upload through @aws-sdk/lib-storage (every checksum algorithm) and through explicit
// SDK calls: parts, copy of parts, listings, part reads, attributes, abort, the sweeper, and every
// bad input the issue names — each checked for its exact error and that nothing changed.
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectS3Error } from './helpers/assertions.js';
import { eventually } from './helpers/eventually.js';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'multipart';
const MIB = 1024 * 1024;
const LARGE_UPLOAD_BYTES = 100 * MIB;
const SWEEP_DEADLINE_MS = 60_000;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function multipartEtag(parts: Buffer[]): string {
  const md5 = createHash('md5');
  for (const part of parts) md5.update(createHash('md5').update(part).digest());
  return `"${md5.digest('hex')}-${parts.length}"`;
}


describe('multipart upload', () => {
  let server: RunningServer;
  let s3: S3Client;
  const readAll = async (key: string, extra: Record<string, unknown> = {}) => {
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...extra }));
    return { response, bytes: Buffer.from(await response.Body!.transformToByteArray()) };
  };
  const startUpload = async (key: string, extra: Record<string, unknown> = {}) =>
    (await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...extra }))).UploadId!;
  const sendPart = async (key: string, uploadId: string, partNumber: number, body: Buffer) =>
    (await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }))).ETag!;
  const partsOf = async (key: string, uploadId: string) =>
    (await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }))).Parts ?? [];
  const expectAbsent = async (key: string) => expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })), 'NotFound', 404);

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(() => closeSuite(server, s3));

  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
    it(`lib-storage Upload of 100 MiB with ${algorithm} reads back byte-identical with its checksum`, { timeout: 180_000 }, async () => {
      const body = randomBytes(LARGE_UPLOAD_BYTES);
      const key = `big/${algorithm}.bin`;
      const upload = new Upload({ client: s3, params: { Bucket: BUCKET, Key: key, Body: body, ChecksumAlgorithm: ChecksumAlgorithm[algorithm] }, partSize: 8 * MIB, queueSize: 4 });
      const result = await upload.done();
      assert.match(result.ETag ?? '', /^"[0-9a-f]{32}-13"$/);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(head.ContentLength, LARGE_UPLOAD_BYTES);
      const checksum = (head as unknown as Record<string, string | undefined>)[`Checksum${algorithm}`];
      assert.ok(checksum, `HEAD returns the ${algorithm} checksum`);
      assert.equal(head.ChecksumType, algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
      if (head.ChecksumType === 'COMPOSITE') assert.match(checksum!, /-13$/);
      const { bytes } = await readAll(key);
      assert.equal(sha256(bytes), sha256(body));
    });
  }

  it('assembles parts: ETag is the MD5 of part MD5s with -N, parts read back by partNumber', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(1234)];
    const uploadId = await startUpload('assembled', { ContentType: 'application/x-test', Metadata: { origin: 'parts' } });
    const etags = [];
    for (const [index, part] of parts.entries()) etags.push(await sendPart('assembled', uploadId, index + 1, part));
    const completed = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'assembled', UploadId: uploadId,
      MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
    }));
    assert.equal(completed.ETag, multipartEtag(parts));
    const { response, bytes } = await readAll('assembled');
    assert.ok(bytes.equals(Buffer.concat(parts)));
    assert.equal(response.ContentType, 'application/x-test');
    assert.deepEqual(response.Metadata, { origin: 'parts' });
    const second = await readAll('assembled', { PartNumber: 2 });
    assert.ok(second.bytes.equals(parts[1]!));
    assert.equal(second.response.PartsCount, 3);
    assert.equal(second.response.ContentRange, `bytes ${5 * MIB}-${10 * MIB - 1}/${10 * MIB + 1234}`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'assembled', PartNumber: 3 }));
    assert.equal(head.ContentLength, 1234);
    assert.equal(head.PartsCount, 3);
    const ranged = await readAll('assembled', { Range: `bytes=${5 * MIB - 10}-${5 * MIB + 9}` });
    assert.ok(ranged.bytes.equals(Buffer.concat(parts).subarray(5 * MIB - 10, 5 * MIB + 10)), 'a range across a part boundary');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'assembled', PartNumber: 4 })), 'InvalidPartNumber', 416);
  });

  it('re-uploading a part number replaces it; completing a subset of parts drops the others', async () => {
    const uploadId = await startUpload('replaced');
    await sendPart('replaced', uploadId, 1, Buffer.alloc(5 * MIB, 1));
    const second = Buffer.alloc(5 * MIB, 2);
    const secondEtag = await sendPart('replaced', uploadId, 1, second);
    const lastEtag = await sendPart('replaced', uploadId, 3, Buffer.from('tail'));
    await sendPart('replaced', uploadId, 2, Buffer.from('never completed'));
    const listed = await partsOf('replaced', uploadId);
    assert.deepEqual(listed.map((part) => part.PartNumber), [1, 2, 3]);
    assert.equal(listed[0]!.ETag, secondEtag);
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'replaced', UploadId: uploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: secondEtag }, { PartNumber: 3, ETag: lastEtag }] },
    }));
    assert.ok((await readAll('replaced')).bytes.equals(Buffer.concat([second, Buffer.from('tail')])));
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'replaced', UploadId: uploadId })), 'NoSuchUpload', 404);
  });

  it('UploadPartCopy copies a source range, honouring copy-source conditions', async () => {
    const source = randomBytes(6 * MIB);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-source', Body: source }));
    const uploadId = await startUpload('copied');
    const first = await s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'copied', UploadId: uploadId, PartNumber: 1, CopySource: `${BUCKET}/copy-source`, CopySourceRange: `bytes=0-${5 * MIB - 1}` }));
    const second = await s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'copied', UploadId: uploadId, PartNumber: 2, CopySource: `${BUCKET}/copy-source`, CopySourceIfMatch: put.ETag }));
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'copied', UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy-source`, CopySourceIfNoneMatch: put.ETag })), 'PreconditionFailed', 412);
    await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'copied', UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy-source`, CopySourceRange: `bytes=0-${6 * MIB}` })), 'InvalidRange', 416);
    assert.deepEqual((await partsOf('copied', uploadId)).map((part) => part.PartNumber), [1, 2]);
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'copied', UploadId: uploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.CopyPartResult!.ETag }, { PartNumber: 2, ETag: second.CopyPartResult!.ETag }] },
    }));
    assert.ok((await readAll('copied')).bytes.equals(Buffer.concat([source.subarray(0, 5 * MIB), source])));
  });

  it('ListParts pages with max-parts and part-number-marker', async () => {
    const uploadId = await startUpload('paged-parts');
    for (let partNumber = 1; partNumber <= 5; partNumber += 1) await sendPart('paged-parts', uploadId, partNumber, Buffer.from(`part ${partNumber}`));
    const first = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'paged-parts', UploadId: uploadId, MaxParts: 2 }));
    assert.deepEqual(first.Parts!.map((part) => part.PartNumber), [1, 2]);
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextPartNumberMarker, '2');
    const rest = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'paged-parts', UploadId: uploadId, PartNumberMarker: first.NextPartNumberMarker }));
    assert.deepEqual(rest.Parts!.map((part) => part.PartNumber), [3, 4, 5]);
    assert.equal(rest.IsTruncated, false);
    assert.equal(rest.Parts![0]!.Size, 6);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'paged-parts', UploadId: uploadId }));
  });

  it('ListMultipartUploads with prefix, delimiter and markers; abort removes an upload', async () => {
    const ids: Record<string, string> = {};
    for (const key of ['list/a', 'list/a', 'list/b', 'list/sub/c', 'list/sub/d', 'other']) ids[`${key}#${Object.keys(ids).length}`] = await startUpload(key);
    const top = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/' }));
    assert.deepEqual(top.Uploads!.map((upload) => upload.Key), ['list/a', 'list/a', 'list/b']);
    assert.deepEqual(top.CommonPrefixes!.map((entry) => entry.Prefix), ['list/sub/']);
    const firstPage = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/', MaxUploads: 1 }));
    assert.equal(firstPage.IsTruncated, true);
    assert.equal(firstPage.NextKeyMarker, 'list/a');
    const secondPage = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/', MaxUploads: 1, KeyMarker: firstPage.NextKeyMarker, UploadIdMarker: firstPage.NextUploadIdMarker }));
    assert.equal(secondPage.Uploads![0]!.Key, 'list/a');
    assert.notEqual(secondPage.Uploads![0]!.UploadId, firstPage.Uploads![0]!.UploadId);
    for (const [label, uploadId] of Object.entries(ids)) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: label.split('#')[0]!, UploadId: uploadId }));
    }
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/' }));
    assert.equal(after.Uploads, undefined);
    await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'list/a', UploadId: ids['list/a#0']! })), 'NoSuchUpload', 404);
  });

  it('GetObjectAttributes returns ETag, checksum, paged parts, storage class and size', async () => {
    const uploadId = await startUpload('attributes', { ChecksumAlgorithm: 'SHA256' });
    const parts = [randomBytes(5 * MIB), randomBytes(100)];
    const etags = [];
    for (const [index, part] of parts.entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'attributes', UploadId: uploadId, PartNumber: index + 1, Body: part, ChecksumAlgorithm: 'SHA256' }))));
    }
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'attributes', UploadId: uploadId,
      MultipartUpload: { Parts: etags.map((part, index) => ({ PartNumber: index + 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 })) },
    }));
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attributes', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'], MaxParts: 1 }));
    assert.equal(`"${attributes.ETag}"`, multipartEtag(parts));
    assert.equal(attributes.ObjectSize, 5 * MIB + 100);
    assert.equal(attributes.StorageClass, 'STANDARD');
    assert.equal(attributes.Checksum?.ChecksumType, 'COMPOSITE');
    const partDigests = Buffer.concat(parts.map((part) => createHash('sha256').update(part).digest()));
    assert.equal(attributes.Checksum?.ChecksumSHA256, `${createHash('sha256').update(partDigests).digest('base64')}-2`);
    assert.equal(attributes.ObjectParts?.TotalPartsCount, 2);
    assert.equal(attributes.ObjectParts?.IsTruncated, true);
    assert.equal(attributes.ObjectParts?.Parts?.[0]?.ChecksumSHA256, createHash('sha256').update(parts[0]!).digest('base64'));
  });

  it('a FULL_OBJECT CRC32 upload stores the CRC of the whole object', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(777)];
    const uploadId = await startUpload('full-object', { ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' });
    const sent = [];
    for (const [index, part] of parts.entries()) {
      sent.push(await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'full-object', UploadId: uploadId, PartNumber: index + 1, Body: part, ChecksumAlgorithm: 'CRC32' })));
    }
    const completed = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'full-object', UploadId: uploadId, ChecksumType: 'FULL_OBJECT',
      MultipartUpload: { Parts: sent.map((part, index) => ({ PartNumber: index + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 })) },
    }));
    const { crc32 } = await import('@node-rs/crc32');
    const whole = Buffer.alloc(4);
    whole.writeUInt32BE(crc32(Buffer.concat(parts)) >>> 0);
    assert.equal(completed.ChecksumCRC32, whole.toString('base64'));
    assert.equal(completed.ChecksumType, 'FULL_OBJECT');
  });

  it('the upload sweeper aborts uploads idle beyond --abandoned-upload-age', { timeout: 120_000 }, async () => {
    const sweeping = await startServer({ extraArgs: ['--abandoned-upload-age', '1'] });
    const client = sdkClient(sweeping);
    try {
      assert.equal((await rawRequest(sweeping, { method: 'PUT', path: '/swept' })).status, 200);
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'swept', Key: 'stale' }));
      // The sweeper runs every second and aborts uploads idle for over a second: polled, not slept, so a
      // loaded machine's late pass is waited for (the deadline only detects a sweeper that never runs).
      await eventually('the sweeper to abort the upload', async () => (/upload sweeper: aborted 1 multipart upload\(s\) idle for over 1 s/.test(sweeping.stderr()) ? true : undefined), SWEEP_DEADLINE_MS);
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: 'swept' }));
      assert.equal(listed.Uploads, undefined);
      await expectS3Error(client.send(new UploadPartCommand({ Bucket: 'swept', Key: 'stale', UploadId, PartNumber: 1, Body: 'late' })), 'NoSuchUpload', 404);
    } finally {
      client.destroy();
      await sweeping.dispose();
    }
  });

  describe('bad input', () => {
    it('a part under 5 MiB that is not the last → 400 EntityTooSmall; the upload is untouched', async () => {
      const uploadId = await startUpload('too-small');
      const small = await sendPart('too-small', uploadId, 1, Buffer.alloc(1024));
      const last = await sendPart('too-small', uploadId, 2, Buffer.alloc(1024));
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'too-small', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: small }, { PartNumber: 2, ETag: last }] } })), 'EntityTooSmall', 400);
      await expectAbsent('too-small');
      assert.equal((await partsOf('too-small', uploadId)).length, 2);
    });

    it('parts out of order → 400 InvalidPartOrder; nothing stored', async () => {
      const uploadId = await startUpload('disordered');
      const first = await sendPart('disordered', uploadId, 1, Buffer.alloc(5 * MIB));
      const second = await sendPart('disordered', uploadId, 2, Buffer.from('end'));
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'disordered', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: second }, { PartNumber: 1, ETag: first }] } })), 'InvalidPartOrder', 400);
      await expectAbsent('disordered');
      assert.equal((await partsOf('disordered', uploadId)).length, 2);
    });

    it('an unknown upload id → 404 NoSuchUpload for every operation; nothing stored', async () => {
      const unknown = '0000000000000000deadbeefdeadbeef';
      await expectS3Error(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'ghost', UploadId: unknown, PartNumber: 1, Body: 'x' })), 'NoSuchUpload', 404);
      await expectS3Error(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'ghost', UploadId: unknown })), 'NoSuchUpload', 404);
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'ghost', UploadId: unknown, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } })), 'NoSuchUpload', 404);
      await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'ghost', UploadId: unknown })), 'NoSuchUpload', 404);
      await expectAbsent('ghost');
    });

    it('part numbers 0 and 10,001 → 400 InvalidArgument; no part stored', async () => {
      const uploadId = await startUpload('numbered');
      for (const partNumber of ['0', '10001', 'abc']) {
        const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/numbered`, query: { partNumber, uploadId }, body: 'x' });
        assert.equal(response.status, 400);
        assert.equal(response.errorCode, 'InvalidArgument');
      }
      assert.equal((await partsOf('numbered', uploadId)).length, 0);
    });

    it('complete with an ETag that does not match → 400 InvalidPart; nothing stored', async () => {
      const uploadId = await startUpload('mismatched');
      await sendPart('mismatched', uploadId, 1, Buffer.from('only part'));
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mismatched', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] } })), 'InvalidPart', 400);
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mismatched', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 7, ETag: '"00000000000000000000000000000000"' }] } })), 'InvalidPart', 400);
      await expectAbsent('mismatched');
      assert.equal((await partsOf('mismatched', uploadId)).length, 1);
    });

    it('malformed Complete XML → 400 MalformedXML; nothing stored', async () => {
      const uploadId = await startUpload('malformed');
      await sendPart('malformed', uploadId, 1, Buffer.from('part'));
      for (const body of ['<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>', '<CompleteMultipartUpload></CompleteMultipartUpload>', '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>']) {
        const response = await rawRequest(server, { method: 'POST', path: `/${BUCKET}/malformed`, query: { uploadId }, body });
        assert.equal(response.status, 400, body);
        assert.equal(response.errorCode, 'MalformedXML', body);
      }
      await expectAbsent('malformed');
      assert.equal((await partsOf('malformed', uploadId)).length, 1);
    });

    it('a part with a wrong checksum → 400 BadDigest; no part stored', async () => {
      const uploadId = await startUpload('bad-part', { ChecksumAlgorithm: 'SHA256' });
      const wrong = createHash('sha256').update('other').digest('base64');
      const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/bad-part`, query: { partNumber: '1', uploadId }, body: 'data', headers: { 'x-amz-checksum-sha256': wrong } });
      assert.equal(response.status, 400);
      assert.equal(response.errorCode, 'BadDigest');
      assert.equal((await partsOf('bad-part', uploadId)).length, 0);
    });

    it('Complete with If-None-Match: * on an existing key → 412; racing a newer write → 409', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'conditional-complete', Body: 'already here' }));
      const uploadId = await startUpload('conditional-complete');
      const etag = await sendPart('conditional-complete', uploadId, 1, Buffer.from('new'));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'conditional-complete', Body: 'written meanwhile' }));
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'conditional-complete', UploadId: uploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] } })), 'ConditionalRequestConflict', 409);
      assert.equal((await readAll('conditional-complete')).bytes.toString(), 'written meanwhile');
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'older', Body: 'old' }));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const laterUpload = await startUpload('older');
      const laterEtag = await sendPart('older', laterUpload, 1, Buffer.from('new'));
      await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'older', UploadId: laterUpload, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: laterEtag }] } })), 'PreconditionFailed', 412);
      assert.equal((await readAll('older')).bytes.toString(), 'old');
    });
  });
});
