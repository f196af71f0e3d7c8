// Object and bucket tagging through the AWS SDK for JavaScript v3, and every bad tag set S3 refuses,
// each checked for its error and that the stored tags did not change.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  PutBucketVersioningCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  S3Client,
  UploadPartCommand,
  type Tag,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'tagging';

describe('tagging', () => {
  let server: RunningServer;
  let s3: S3Client;
  const tagsOf = async (key: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }))).TagSet ?? [];
  const asPairs = (tags: Tag[]) => tags.map((tag) => [tag.Key, tag.Value]);

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(() => closeSuite(server, s3));

  it('stores x-amz-tagging with PutObject, counts it on GET, replaces and deletes it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tagged', Body: 'x', Tagging: 'project=cairn&stage=test%20run' }));
    assert.deepEqual(asPairs(await tagsOf('tagged')), [['project', 'cairn'], ['stage', 'test run']]);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'tagged' }));
    assert.equal(got.TagCount, 2);
    await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged', Tagging: { TagSet: [{ Key: 'ünïcode key', Value: 'välue/+=.:_@-' }] } }));
    assert.deepEqual(asPairs(await tagsOf('tagged')), [['ünïcode key', 'välue/+=.:_@-']]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged' }));
    assert.deepEqual(await tagsOf('tagged'), []);
    assert.equal((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'tagged' }))).TagCount, undefined);
  });

  it('CopyObject copies tags by default and replaces them with x-amz-tagging-directive REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-source', Body: 'x', Tagging: 'a=1' }));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-kept', CopySource: `${BUCKET}/copy-source` }));
    assert.deepEqual(asPairs(await tagsOf('copy-kept')), [['a', '1']]);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-replaced', CopySource: `${BUCKET}/copy-source`, TaggingDirective: 'REPLACE', Tagging: 'b=2' }));
    assert.deepEqual(asPairs(await tagsOf('copy-replaced')), [['b', '2']]);
  });

  it('a multipart upload created with x-amz-tagging completes into a tagged object', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-tagged', Tagging: 'kind=multipart' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp-tagged', UploadId, PartNumber: 1, Body: 'only part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-tagged', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.deepEqual(asPairs(await tagsOf('mp-tagged')), [['kind', 'multipart']]);
  });

  it('tags a noncurrent version by versionId, leaving the current one alone; delete markers and unknown versions are refused', async () => {
    const Bucket = 'tagging-versions';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const first = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', Tagging: 'v=1' }))).VersionId!;
    const second = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', Tagging: 'v=2' }))).VersionId!;
    const tagsOfVersion = async (VersionId?: string) => asPairs((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId }))).TagSet ?? []);

    const put = await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: first, Tagging: { TagSet: [{ Key: 'old', Value: 'yes' }] } }));
    assert.equal(put.VersionId, first);
    assert.deepEqual(await tagsOfVersion(first), [['old', 'yes']]);
    assert.deepEqual(await tagsOfVersion(second), [['v', '2']], 'the current version keeps its tags');
    assert.deepEqual(await tagsOfVersion(), [['v', '2']]);
    const deleted = await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId: first }));
    assert.equal(deleted.VersionId, first);
    assert.deepEqual(await tagsOfVersion(first), []);
    assert.deepEqual(await tagsOfVersion(second), [['v', '2']]);
    assert.equal((await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'now', Value: '1' }] } }))).VersionId, second);

    const unknown = '0'.repeat(32);
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: unknown, Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } })), 'NoSuchVersion', 404);
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }))).VersionId!;
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: marker, Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } })), 'MethodNotAllowed', 405);
    assert.deepEqual(await tagsOfVersion(first), [], 'refused requests changed nothing');
    assert.deepEqual(await tagsOfVersion(second), [['now', '1']]);
  });

  it('bucket tagging: put, get, delete; NoSuchTagSet when there is none', async () => {
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })), 'NoSuchTagSet', 404);
    await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'team', Value: 'storage' }, { Key: 'cost', Value: '42' }] } }));
    assert.deepEqual(asPairs((await s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET }))).TagSet!), [['team', 'storage'], ['cost', '42']]);
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: BUCKET }));
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })), 'NoSuchTagSet', 404);
  });

  describe('bad tag sets → 400 InvalidTag (or MalformedXML), nothing changed', () => {
    const tagging = (tags: Array<[string, string]>) =>
      `<Tagging><TagSet>${tags.map(([key, value]) => `<Tag><Key>${key}</Key><Value>${value}</Value></Tag>`).join('')}</TagSet></Tagging>`;
    const putTagging = (path: string, body: string) =>
      rawRequest(server, { method: 'PUT', path, query: { tagging: '' }, body, headers: { 'content-md5': md5Base64(body) } });
    const cases: Array<[string, Array<[string, string]>]> = [
      ['11 tags on an object', Array.from({ length: 11 }, (_, index) => [`k${index}`, 'v'])],
      ['a key of 129 characters', [['k'.repeat(129), 'v']]],
      ['a value of 257 characters', [['k', 'v'.repeat(257)]]],
      ['the same key twice', [['k', '1'], ['k', '2']]],
      ['a key starting with aws:', [['aws:reserved', 'v']]],
      ['a key with a forbidden character', [['semi;colon', 'v']]],
      ['an empty key', [['', 'v']]],
    ];
    before(async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'guarded', Body: 'x', Tagging: 'keep=me' }));
    });
    for (const [label, tags] of cases) {
      it(`${label}: PutObjectTagging is refused and the tags stay`, async () => {
        expectErrorResponse(await putTagging(`/${BUCKET}/guarded`, tagging(tags)), 400, 'InvalidTag');
        assert.deepEqual(asPairs(await tagsOf('guarded')), [['keep', 'me']]);
      });
    }
    it('the same rules for x-amz-tagging on PutObject: refused, nothing stored', async () => {
      const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/header-tags`, body: 'x', headers: { 'x-amz-tagging': Array.from({ length: 11 }, (_, index) => `k${index}=v`).join('&') } });
      expectErrorResponse(response, 400, 'InvalidTag');
      expectErrorResponse(await rawRequest(server, { method: 'GET', path: `/${BUCKET}/header-tags` }), 404, 'NoSuchKey');
    });
    it('51 tags on a bucket are refused; 50 are accepted', async () => {
      const many = (count: number) => Array.from({ length: count }, (_, index): [string, string] => [`k${index}`, 'v']);
      expectErrorResponse(await putTagging(`/${BUCKET}`, tagging(many(51))), 400, 'InvalidTag');
      await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })), 'NoSuchTagSet', 404);
      assert.equal((await putTagging(`/${BUCKET}`, tagging(many(50)))).status, 204);
      await s3.send(new DeleteBucketTaggingCommand({ Bucket: BUCKET }));
    });
    it('malformed XML → MalformedXML; tags on a missing key → NoSuchKey', async () => {
      expectErrorResponse(await putTagging(`/${BUCKET}/guarded`, '<Tagging><TagSet>'), 400, 'MalformedXML');
      assert.deepEqual(asPairs(await tagsOf('guarded')), [['keep', 'me']]);
      expectErrorResponse(await putTagging(`/${BUCKET}/missing`, tagging([['a', 'b']])), 404, 'NoSuchKey');
    });
  });
});
