// ListObjects v1 and v2 through the SDK and raw HTTP: prefixes, delimiters, paging, byte order.
import {
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'listing';
const KEYS = [
  'a.txt', 'photos/2024/jan/1.jpg', 'photos/2024/jan/2.jpg', 'photos/2024/feb/1.jpg', 'photos/2025/mar/1.jpg',
  'photos/cover.jpg', 'z.txt', 'notes/readme.md', 'notes/todo.md', 'ünï/1', 'emoji-😀', 'private-use-\uE000', 'space key',
];

function utf8Sorted(keys: string[]): string[] {
  return [...keys].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
}

describe('listing', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
    await Promise.all(KEYS.map((key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }))));
  });
  after(() => closeSuite(server, s3));

  it('lists every key in UTF-8 byte order with sizes and ETags', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = listed.Contents!.map((entry) => entry.Key!);
    assert.deepEqual(keys, utf8Sorted(KEYS));
    // U+E000 sorts before U+1F600 in UTF-16 but after it in UTF-8: the server must use byte order.
    assert.ok(keys.indexOf('emoji-😀') < keys.indexOf('private-use-\uE000'));
    assert.equal(listed.KeyCount, KEYS.length);
    assert.equal(listed.IsTruncated, false);
    const aTxt = listed.Contents!.find((entry) => entry.Key === 'a.txt')!;
    assert.equal(aTxt.Size, 5);
    assert.match(aTxt.ETag!, /^"[0-9a-f]{32}"$/);
    assert.equal(aTxt.StorageClass, 'STANDARD');
    assert.equal(aTxt.Owner, undefined, 'v2 omits Owner unless fetch-owner=true');
    const withOwner = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, FetchOwner: true, MaxKeys: 1 }));
    assert.match(withOwner.Contents![0]!.Owner!.ID!, /^[0-9a-f]{64}$/);
  });

  it('rolls keys up into common prefixes with a delimiter', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    assert.deepEqual(top.CommonPrefixes!.map((entry) => entry.Prefix), ['notes/', 'photos/', 'ünï/']);
    assert.deepEqual(top.Contents!.map((entry) => entry.Key), utf8Sorted(['a.txt', 'emoji-😀', 'private-use-\uE000', 'space key', 'z.txt']));
    const photos = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'photos/', Delimiter: '/' }));
    assert.deepEqual(photos.CommonPrefixes!.map((entry) => entry.Prefix), ['photos/2024/', 'photos/2025/']);
    assert.deepEqual(photos.Contents!.map((entry) => entry.Key), ['photos/cover.jpg']);
    assert.equal(photos.KeyCount, 3);
    const deep = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'photos/2024/', Delimiter: '/' }));
    assert.deepEqual(deep.CommonPrefixes!.map((entry) => entry.Prefix), ['photos/2024/feb/', 'photos/2024/jan/']);
  });

  it('pages v2 with max-keys and continuation tokens, counting common prefixes as entries', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      pages += 1;
      assert.ok((page.KeyCount ?? 0) <= 2);
      seen.push(...(page.Contents ?? []).map((entry) => entry.Key!), ...(page.CommonPrefixes ?? []).map((entry) => entry.Prefix!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) assert.ok(token);
    } while (token !== undefined);
    assert.equal(pages, 4);
    assert.deepEqual(utf8Sorted(seen), utf8Sorted(['a.txt', 'emoji-😀', 'private-use-\uE000', 'space key', 'z.txt', 'notes/', 'photos/', 'ünï/']));
  });

  it('starts after start-after', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: 'photos/2024/jan/1.jpg' }));
    assert.equal(listed.Contents![0]!.Key, 'photos/2024/jan/2.jpg');
    assert.equal(listed.StartAfter, 'photos/2024/jan/1.jpg');
  });

  it('pages v1 with marker; NextMarker appears only with a delimiter', async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: 3 }));
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextMarker, undefined);
    assert.equal(first.Contents!.length, 3);
    assert.match(first.Contents![0]!.Owner!.ID!, /^[0-9a-f]{64}$/);
    const second = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: 3, Marker: first.Contents![2]!.Key }));
    assert.equal(second.Contents![0]!.Key, utf8Sorted(KEYS)[3]);
    const delimited = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Delimiter: '/', MaxKeys: 2, Prefix: 'photos/' }));
    assert.equal(delimited.IsTruncated, true);
    assert.equal(delimited.NextMarker, 'photos/2025/');
    const rest = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Delimiter: '/', Prefix: 'photos/', Marker: delimited.NextMarker }));
    assert.deepEqual(rest.Contents!.map((entry) => entry.Key), ['photos/cover.jpg']);
    assert.equal(rest.CommonPrefixes, undefined);
  });

  it('URL-encodes names with encoding-type=url', async () => {
    const response = await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', prefix: 'space', 'encoding-type': 'url' } });
    assert.equal(response.status, 200);
    assert.match(response.text, /<Key>space%20key<\/Key>/);
    assert.match(response.text, /<EncodingType>url<\/EncodingType>/);
    const nested = await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', prefix: 'ünï/', 'encoding-type': 'url' } });
    assert.match(nested.text, /<Key>%C3%BCn%C3%AF\/1<\/Key>/);
  });

  it('answers an empty page for a prefix with no keys, and max-keys=0', async () => {
    const none = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'nothing-here/' }));
    assert.equal(none.KeyCount, 0);
    assert.equal(none.Contents, undefined);
    const zero = await rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', 'max-keys': '0' } });
    assert.equal(zero.status, 200);
    assert.match(zero.text, /<KeyCount>0<\/KeyCount>/);
  });
});
