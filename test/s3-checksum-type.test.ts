// ChecksumType (FULL_OBJECT / COMPOSITE) on every response S3 returns it on: PutObject, GetObject
// and HeadObject with checksum mode enabled, CopyObject, CreateMultipartUpload (x-amz-checksum-type
// requested and echoed), UploadPart (not echoed), ListParts, ListMultipartUploads,
// CompleteMultipartUpload and GetObjectAttributes.
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand, GetObjectCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'checksum-type';

describe('ChecksumType on responses', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
  });
  after(() => closeSuite(server, s3));

  it('PutObject, GetObject/HeadObject (checksum mode), CopyObject and GetObjectAttributes say FULL_OBJECT', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'single', Body: 'hello', ChecksumAlgorithm: 'CRC32' }));
    assert.deepEqual([put.ChecksumCRC32, put.ChecksumType], ['NhCmhg==', 'FULL_OBJECT']);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'single', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC32, head.ChecksumType], ['NhCmhg==', 'FULL_OBJECT']);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'single', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumType, 'FULL_OBJECT');
    assert.equal(await got.Body!.transformToString(), 'hello');
    // Without checksum mode, no checksum headers at all.
    const plain = await s3.send(new HeadObjectCommand({ Bucket, Key: 'single' }));
    assert.deepEqual([plain.ChecksumCRC32, plain.ChecksumType], [undefined, undefined]);
    const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy', CopySource: `${Bucket}/single` }));
    assert.deepEqual([copy.CopyObjectResult?.ChecksumCRC32, copy.CopyObjectResult?.ChecksumType], ['NhCmhg==', 'FULL_OBJECT']);
    const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'single', ObjectAttributes: ['Checksum'] }));
    assert.deepEqual([attributes.Checksum?.ChecksumCRC32, attributes.Checksum?.ChecksumType], ['NhCmhg==', 'FULL_OBJECT']);
  });

  for (const ChecksumType of ['COMPOSITE', 'FULL_OBJECT'] as const) {
    it(`a multipart upload with x-amz-checksum-type ${ChecksumType} reports it at every step`, async () => {
      const Key = `multipart-${ChecksumType}`;
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32', ChecksumType }));
      assert.deepEqual([created.ChecksumAlgorithm, created.ChecksumType], ['CRC32', ChecksumType]);
      const { UploadId } = created;
      const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'hello', ChecksumAlgorithm: 'CRC32' }));
      assert.equal(part.ChecksumCRC32, 'NhCmhg==');
      const parts = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
      assert.deepEqual([parts.ChecksumAlgorithm, parts.ChecksumType], ['CRC32', ChecksumType]);
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }));
      assert.deepEqual(uploads.Uploads?.map((upload) => [upload.ChecksumAlgorithm, upload.ChecksumType]), [['CRC32', ChecksumType]]);
      const completed = await s3.send(new CompleteMultipartUploadCommand({
        Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }));
      assert.equal(completed.ChecksumType, ChecksumType);
      // COMPOSITE: CRC32 of the part digests, with the part count; FULL_OBJECT: the whole object's CRC32.
      assert.equal(completed.ChecksumCRC32, ChecksumType === 'COMPOSITE' ? 'FKTmaw==-1' : 'NhCmhg==');
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.equal(head.ChecksumType, ChecksumType);
      const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum'] }));
      assert.equal(attributes.Checksum?.ChecksumType, ChecksumType);
    });
  }

  it('refuses a bad x-amz-checksum-type on CreateMultipartUpload, creating no upload', async () => {
    const bad = await rawRequest(server, { method: 'POST', path: `/${Bucket}/bad-type`, query: { uploads: '' }, headers: { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'PARTIAL' } });
    expectErrorResponse(bad, 400, 'InvalidRequest');
    const withoutAlgorithm = await rawRequest(server, { method: 'POST', path: `/${Bucket}/bad-type`, query: { uploads: '' }, headers: { 'x-amz-checksum-type': 'FULL_OBJECT' } });
    expectErrorResponse(withoutAlgorithm, 400, 'InvalidRequest');
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'bad-type' }))).Uploads, undefined);
  });
});
