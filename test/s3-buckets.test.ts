// Bucket operations through the AWS SDK for JavaScript v3 (default settings) and raw signed HTTP.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';


describe('buckets', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite());
  });
  after(() => closeSuite(server, s3));

  it('creates, lists, heads, locates and deletes a bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'alpha-bucket' }));
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets?.map((bucket) => bucket.Name), ['alpha-bucket']);
    assert.ok(listed.Buckets![0]!.CreationDate instanceof Date);
    assert.match(listed.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'alpha-bucket' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    assert.equal(head.BucketRegion, 'us-east-1');
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'alpha-bucket' }));
    assert.equal(location.LocationConstraint ?? '', '');
    const deleted = await s3.send(new DeleteBucketCommand({ Bucket: 'alpha-bucket' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: 'alpha-bucket' })), 'NotFound', 404);
  });

  it('answers 200 to a second create in us-east-1, as AWS does, and keeps the bucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'twice-made' }));
    await s3.send(new PutObjectCommand({ Bucket: 'twice-made', Key: 'k', Body: 'kept' }));
    assert.equal((await s3.send(new CreateBucketCommand({ Bucket: 'twice-made' }))).$metadata.httpStatusCode, 200);
    const listing = await rawRequest(server, { method: 'GET', path: '/twice-made', query: { 'list-type': '2' } });
    assert.match(listing.text, /<Key>k<\/Key>/);
  });

  it('refuses to delete a bucket that is not empty, then deletes it once emptied', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'full-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'full-bucket', Key: 'x', Body: 'x' }));
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: 'full-bucket' })), 'BucketNotEmpty', 409);
    await s3.send(new HeadBucketCommand({ Bucket: 'full-bucket' }));
    const removed = await rawRequest(server, { method: 'DELETE', path: '/full-bucket/x' });
    assert.equal(removed.status, 204);
    await s3.send(new DeleteBucketCommand({ Bucket: 'full-bucket' }));
  });

  it('answers NoSuchBucket for operations on a missing bucket', async () => {
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: 'never-made' })), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new GetBucketLocationCommand({ Bucket: 'never-made' })), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: 'never-made', Key: 'k', Body: 'b' })), 'NoSuchBucket', 404);
  });

  const invalidNames = ['ab', 'a'.repeat(64), 'Upper-Case', 'under_score', '-leading', 'trailing-', 'two..dots', '192.168.5.4', 'xn--punycode', 'sthree-x', 'name-s3alias', 'name--x-s3', 'name.mrap'];
  for (const name of invalidNames) {
    it(`refuses the bucket name ${JSON.stringify(name)} with InvalidBucketName and creates nothing`, async () => {
      const response = await rawRequest(server, { method: 'PUT', path: `/${encodeURIComponent(name)}` });
      assert.equal(response.status, 400);
      assert.equal(response.errorCode, 'InvalidBucketName');
      const listed = await s3.send(new ListBucketsCommand({}));
      assert.ok(!(listed.Buckets ?? []).some((bucket) => bucket.Name === name));
    });
  }

  it('accepts a LocationConstraint equal to the server region and refuses another', async () => {
    const sameRegion = '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>';
    const ok = await rawRequest(server, { method: 'PUT', path: '/located-bucket', body: sameRegion });
    assert.equal(ok.status, 200);
    const otherRegion = '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>';
    const refused = await rawRequest(server, { method: 'PUT', path: '/elsewhere-bucket', body: otherRegion });
    assert.equal(refused.status, 400);
    assert.equal(refused.errorCode, 'IllegalLocationConstraintException');
    const head = await rawRequest(server, { method: 'HEAD', path: '/elsewhere-bucket' });
    assert.equal(head.status, 404);
  });

  it('answers MalformedXML for a broken CreateBucketConfiguration and creates nothing', async () => {
    const response = await rawRequest(server, { method: 'PUT', path: '/broken-config', body: '<CreateBucketConfiguration><LocationConstraint>' });
    assert.equal(response.status, 400);
    assert.equal(response.errorCode, 'MalformedXML');
    assert.equal((await rawRequest(server, { method: 'HEAD', path: '/broken-config' })).status, 404);
  });

  it('every response carries x-amz-request-id, errors an S3 XML body with RequestId and Resource', async () => {
    const response = await rawRequest(server, { method: 'GET', path: '/no-such-bucket-here', query: { 'list-type': '2' } });
    assert.equal(response.status, 404);
    const requestId = response.headers['x-amz-request-id'];
    assert.match(String(requestId), /^[0-9A-F]{16}$/);
    assert.match(response.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchBucket<\/Code><Message>[^<]+<\/Message>/);
    assert.match(response.text, new RegExp(`<RequestId>${requestId}</RequestId>`));
    assert.match(response.text, /<Resource>\/no-such-bucket-here<\/Resource>/);
  });

  it('answers 501 NotImplemented for sub-resources not built yet, never 500', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'subresources' }));
    for (const query of [{ analytics: '' }, { inventory: '' }, { metrics: '' }] as Array<Record<string, string>>) {
      const response = await rawRequest(server, { method: 'PUT', path: '/subresources', query, body: '<Configuration/>' });
      assert.equal(response.status, 501, JSON.stringify(query));
      assert.equal(response.errorCode, 'NotImplemented');
    }
    const put = await rawRequest(server, { method: 'PUT', path: '/subresources/object', query: { torrent: '' }, body: '<Torrent/>' });
    assert.equal(put.status, 501);
  });
});
