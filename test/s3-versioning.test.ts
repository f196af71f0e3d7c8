// Bucket versioning through the AWS SDK for JavaScript v3: versions, delete markers, reads and
// deletes by version id, ListObjectVersions, suspension's null version, and the bad inputs.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

describe('versioning', () => {
  let server: RunningServer;
  let s3: S3Client;
  const read = async (Bucket: string, Key: string, VersionId?: string) =>
    (await (await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body!.transformToString());
  const versionsOf = async (Bucket: string, Prefix?: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix }));
    return {
      versions: (listed.Versions ?? []).map((version) => ({ key: version.Key, id: version.VersionId, latest: version.IsLatest })),
      markers: (listed.DeleteMarkers ?? []).map((marker) => ({ key: marker.Key, id: marker.VersionId, latest: marker.IsLatest })),
    };
  };
  const versioned = async (Bucket: string) => {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  };

  before(async () => {
    ({ server, s3 } = await openSuite());
  });
  after(() => closeSuite(server, s3));

  it('keeps every version; reads the latest or any by id; lists newest first', async () => {
    await versioned('v-basic');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'v-basic' }))).Status, 'Enabled');
    const ids = [];
    for (const body of ['one', 'two', 'three']) ids.push((await s3.send(new PutObjectCommand({ Bucket: 'v-basic', Key: 'k', Body: body }))).VersionId!);
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(await read('v-basic', 'k'), 'three');
    assert.equal(await read('v-basic', 'k', ids[0]), 'one');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'v-basic', Key: 'k', VersionId: ids[1] }))).VersionId, ids[1]);
    assert.deepEqual((await versionsOf('v-basic')).versions, [
      { key: 'k', id: ids[2], latest: true }, { key: 'k', id: ids[1], latest: false }, { key: 'k', id: ids[0], latest: false },
    ]);
  });

  it('DELETE makes a delete marker; a GET of it is 405, of the key 404 with x-amz-delete-marker; removing the marker restores the key', async () => {
    await versioned('v-marker');
    const first = (await s3.send(new PutObjectCommand({ Bucket: 'v-marker', Key: 'k', Body: 'kept' }))).VersionId!;
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: 'v-marker', Key: 'k' }));
    assert.equal(deleted.DeleteMarker, true);
    const marker = deleted.VersionId!;
    assert.notEqual(marker, first);
    const missing = await rawRequest(server, { method: 'GET', path: '/v-marker/k' });
    expectErrorResponse(missing, 404, 'NoSuchKey');
    assert.equal(missing.headers['x-amz-delete-marker'], 'true');
    assert.equal(missing.headers['x-amz-version-id'], marker);
    expectErrorResponse(await rawRequest(server, { method: 'GET', path: '/v-marker/k', query: { versionId: marker } }), 405, 'MethodNotAllowed');
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'v-marker' }))).KeyCount, 0);
    assert.deepEqual(await versionsOf('v-marker'), { versions: [{ key: 'k', id: first, latest: false }], markers: [{ key: 'k', id: marker, latest: true }] });
    assert.equal(await read('v-marker', 'k', first), 'kept', 'the data is still there');
    const undone = await s3.send(new DeleteObjectCommand({ Bucket: 'v-marker', Key: 'k', VersionId: marker }));
    assert.equal(undone.DeleteMarker, true);
    assert.equal(await read('v-marker', 'k'), 'kept');
    assert.deepEqual((await versionsOf('v-marker')).versions, [{ key: 'k', id: first, latest: true }]);
  });

  it('deleting the latest version for good promotes the next newest; DeleteObjects takes version ids', async () => {
    await versioned('v-promote');
    const ids = [];
    for (const body of ['a', 'b', 'c']) ids.push((await s3.send(new PutObjectCommand({ Bucket: 'v-promote', Key: 'k', Body: body }))).VersionId!);
    await s3.send(new DeleteObjectCommand({ Bucket: 'v-promote', Key: 'k', VersionId: ids[2] }));
    assert.equal(await read('v-promote', 'k'), 'b');
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: 'v-promote', Delete: { Objects: [{ Key: 'k', VersionId: ids[0] }, { Key: 'other' }] } }));
    assert.deepEqual(result.Deleted?.map((entry) => [entry.Key, entry.VersionId, entry.DeleteMarker]).sort(), [['k', ids[0], undefined], ['other', undefined, true]]);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'v-promote', Key: 'k', VersionId: ids[0] })), 'NoSuchVersion', 404);
    assert.deepEqual((await versionsOf('v-promote', 'k')).versions, [{ key: 'k', id: ids[1], latest: true }]);
  });

  it('a suspended bucket keeps one null version per key and makes null delete markers', async () => {
    await versioned('v-suspended');
    const kept = (await s3.send(new PutObjectCommand({ Bucket: 'v-suspended', Key: 'k', Body: 'versioned' }))).VersionId!;
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'v-suspended', VersioningConfiguration: { Status: 'Suspended' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'v-suspended' }))).Status, 'Suspended');
    await s3.send(new PutObjectCommand({ Bucket: 'v-suspended', Key: 'k', Body: 'null one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'v-suspended', Key: 'k', Body: 'null two' }));
    assert.deepEqual((await versionsOf('v-suspended')).versions, [{ key: 'k', id: 'null', latest: true }, { key: 'k', id: kept, latest: false }]);
    assert.equal(await read('v-suspended', 'k', 'null'), 'null two');
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: 'v-suspended', Key: 'k' }));
    assert.equal(deleted.DeleteMarker, true);
    assert.equal(deleted.VersionId, 'null');
    assert.deepEqual(await versionsOf('v-suspended'), { versions: [{ key: 'k', id: kept, latest: false }], markers: [{ key: 'k', id: 'null', latest: true }] });
  });

  it('copies from a version, completes multipart uploads into new versions, and keeps a bucket with versions from being deleted', async () => {
    await versioned('v-misc');
    const old = (await s3.send(new PutObjectCommand({ Bucket: 'v-misc', Key: 'src', Body: 'old bytes' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket: 'v-misc', Key: 'src', Body: 'new bytes' }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'v-misc', Key: 'dst', CopySource: `v-misc/src?versionId=${old}` }));
    assert.equal(copied.CopySourceVersionId, old);
    assert.match(copied.VersionId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(await read('v-misc', 'dst'), 'old bytes');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'v-misc', Key: 'mp' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'v-misc', Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'v-misc', Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.match(done.VersionId ?? '', /^[0-9a-f]{32}$/);
    await s3.send(new PutObjectCommand({ Bucket: 'v-misc', Key: 'mp', Body: 'over it' }));
    assert.equal(await read('v-misc', 'mp', done.VersionId), 'part', 'a multipart version keeps its parts when superseded');
    for (const key of ['src', 'dst', 'mp']) await s3.send(new DeleteObjectCommand({ Bucket: 'v-misc', Key: key }));
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: 'v-misc' })), 'BucketNotEmpty', 409);
  });

  it('restores an earlier version by copying it onto its own key (COPY directive), keeping every version', async () => {
    await versioned('v-self');
    const old = (await s3.send(new PutObjectCommand({ Bucket: 'v-self', Key: 'k', Body: 'old bytes', ContentType: 'text/old', Metadata: { era: 'old' } }))).VersionId!;
    const current = (await s3.send(new PutObjectCommand({ Bucket: 'v-self', Key: 'k', Body: 'new bytes', ContentType: 'text/new' }))).VersionId!;
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: 'v-self', Key: 'k', CopySource: 'v-self/k' })), 'InvalidRequest', 400);
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'v-self', Key: 'k', CopySource: `v-self/k?versionId=${old}` }));
    assert.equal(copied.CopySourceVersionId, old);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'v-self', Key: 'k' }));
    assert.equal(head.VersionId, copied.VersionId);
    assert.equal(head.ContentType, 'text/old');
    assert.deepEqual(head.Metadata, { era: 'old' });
    assert.equal(await read('v-self', 'k'), 'old bytes');
    assert.deepEqual((await versionsOf('v-self')).versions.map((version) => version.id), [copied.VersionId, current, old]);
  });

  it('pages ListObjectVersions with key and version-id markers, and rolls up common prefixes', async () => {
    await versioned('v-pages');
    for (const key of ['a/1', 'a/2', 'b']) for (let round = 0; round < 3; round += 1) await s3.send(new PutObjectCommand({ Bucket: 'v-pages', Key: key, Body: `${key} ${round}` }));
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'v-pages', MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      seen.push(...(listed.Versions ?? []).map((version) => `${version.Key}@${version.VersionId}`));
      if (!listed.IsTruncated) break;
      keyMarker = listed.NextKeyMarker;
      versionIdMarker = listed.NextVersionIdMarker;
    }
    assert.equal(seen.length, 9);
    assert.equal(new Set(seen).size, 9);
    const rolled = await s3.send(new ListObjectVersionsCommand({ Bucket: 'v-pages', Delimiter: '/' }));
    assert.deepEqual(rolled.CommonPrefixes?.map((prefix) => prefix.Prefix), ['a/']);
    assert.equal(rolled.Versions?.length, 3);
  });

  it('bad input: malformed version ids, unknown versions, malformed configuration, a version marker without a key marker', async () => {
    await versioned('v-bad');
    await s3.send(new PutObjectCommand({ Bucket: 'v-bad', Key: 'k', Body: 'x' }));
    expectErrorResponse(await rawRequest(server, { method: 'GET', path: '/v-bad/k', query: { versionId: 'not-a-version' } }), 400, 'InvalidArgument');
    expectErrorResponse(await rawRequest(server, { method: 'DELETE', path: '/v-bad/k', query: { versionId: '../../etc' } }), 400, 'InvalidArgument');
    expectErrorResponse(await rawRequest(server, { method: 'GET', path: '/v-bad/k', query: { versionId: '0'.repeat(32) } }), 404, 'NoSuchVersion');
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: '/v-bad', query: { versioning: '' }, body: '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>' }), 400, 'MalformedXML');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'v-bad' }))).Status, 'Enabled');
    expectErrorResponse(await rawRequest(server, { method: 'GET', path: '/v-bad', query: { versions: '', 'version-id-marker': 'null' } }), 400, 'InvalidArgument');
    assert.equal(await read('v-bad', 'k'), 'x');
  });
});
