// `cairn admin rebuild-index`: a varied workload (buckets with and without versioning, a suspended
// one, delete markers, removed markers, multipart objects, tags set at PUT and later, metadata), the
// server stopped, index.db deleted, the index rebuilt from the drives alone, the server started:
// ListBuckets, ListObjectVersions, HEAD, GET bytes and tags must be exactly what they were, except
// the documented losses (docs/rebuild-index.md): here, the multipart upload still in progress.
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand,
  GetBucketVersioningCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListBucketsCommand,
  ListMultipartUploadsCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, PutObjectTaggingCommand,
  S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { runCommand, type CommandResult } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';
import { testIndexIsPostgres } from './helpers/postgres.js';

/**
 * Its cases are the SQLite file's (index.db deleted and rebuilt, index.db.bak kept, the file lock
 * held by a running server); test/rebuild-index-postgres.test.ts rebuilds a PostgreSQL index.
 */
const SQLITE_ONLY = testIndexIsPostgres() ? 'SQLite-specific by design (index.db, its .bak and lock): rebuild-index-postgres covers PostgreSQL' : false;

const CLI_TIMEOUT_MS = 60_000;
const PART_SIZE_BYTES = 5 * 1024 * 1024;

function rebuild(args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [CAIRN_BIN, 'admin', 'rebuild-index', ...args], { timeoutMs: CLI_TIMEOUT_MS, env: { ...process.env, CAIRN_PROGRESS_INTERVAL_MS: '1' } as Record<string, string> });
}

async function put(s3: S3Client, bucket: string, key: string, body: Buffer | string, extra: Record<string, unknown> = {}): Promise<string | undefined> {
  return (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }))).VersionId;
}

async function multipart(s3: S3Client, bucket: string, key: string, complete: boolean): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/x-parts', Metadata: { origin: 'parts' } }));
  const bodies = complete ? [randomBytes(PART_SIZE_BYTES), randomBytes(1000)] : [randomBytes(2000)];
  const parts = [];
  for (const [index, body] of bodies.entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: body }));
    parts.push({ PartNumber: index + 1, ETag });
  }
  if (complete) await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

async function workload(s3: S3Client): Promise<void> {
  for (const bucket of ['alpha', 'beta', 'gamma', 'empty', 'gone']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new DeleteBucketCommand({ Bucket: 'gone' }));
  // alpha: never versioned.
  await put(s3, 'alpha', 'a.txt', 'hello', { ContentType: 'text/plain', Metadata: { color: 'blue' }, Tagging: 'k=v', CacheControl: 'no-cache' });
  await s3.send(new PutObjectTaggingCommand({ Bucket: 'alpha', Key: 'a.txt', Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } }));
  await put(s3, 'alpha', 'b', 'first');
  await put(s3, 'alpha', 'b', 'second');
  await put(s3, 'alpha', 'c', 'deleted soon');
  await s3.send(new DeleteObjectCommand({ Bucket: 'alpha', Key: 'c' }));
  await put(s3, 'alpha', 'big', randomBytes(2_500_000), { StorageClass: 'REDUCED_REDUNDANCY' });
  await multipart(s3, 'alpha', 'm', true);
  await multipart(s3, 'alpha', 'pending', false);
  // beta: versioned, with delete markers, a removed marker and a removed version.
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'beta', VersioningConfiguration: { Status: 'Enabled' } }));
  for (const body of ['v1', 'v2', 'v3']) await put(s3, 'beta', 'k', body, { Metadata: { body } });
  await s3.send(new DeleteObjectCommand({ Bucket: 'beta', Key: 'k' }));
  await put(s3, 'beta', 'd', 'back again');
  const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'beta', Key: 'd' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'beta', Key: 'd', VersionId: marker.VersionId }));
  const older = await put(s3, 'beta', 'e', 'older');
  await put(s3, 'beta', 'e', 'newer');
  await s3.send(new DeleteObjectCommand({ Bucket: 'beta', Key: 'e', VersionId: older }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'beta', Key: 'gone-key' }));
  await multipart(s3, 'beta', 'mp', true);
  await s3.send(new PutObjectTaggingCommand({ Bucket: 'beta', Key: 'mp', Tagging: { TagSet: [{ Key: 'after', Value: 'complete' }] } }));
  // gamma: versioned, then suspended: a 'null' version, then a 'null' delete marker over it.
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'gamma', VersioningConfiguration: { Status: 'Enabled' } }));
  await put(s3, 'gamma', 'n', 'versioned');
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'gamma', VersioningConfiguration: { Status: 'Suspended' } }));
  await put(s3, 'gamma', 'n', 'null version');
  await put(s3, 'gamma', 'o', 'null, then a null marker');
  await s3.send(new DeleteObjectCommand({ Bucket: 'gamma', Key: 'o' }));
}

/** Everything a client can see, as one JSON-able value. */
async function snapshot(s3: S3Client): Promise<Record<string, unknown>> {
  const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => ({ name: bucket.Name, created: bucket.CreationDate?.toISOString() }));
  const state: Record<string, unknown> = { buckets };
  for (const { name } of buckets) {
    const bucket = name!;
    const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.notEqual(listing.IsTruncated, true);
    const versions = [];
    for (const version of listing.Versions ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }));
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }));
      const bytes = Buffer.from(await body.Body!.transformToByteArray());
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }));
      versions.push({
        key: version.Key, versionId: version.VersionId, latest: version.IsLatest, etag: version.ETag, size: version.Size,
        lastModified: version.LastModified?.toISOString(), storageClass: version.StorageClass,
        contentType: head.ContentType, cacheControl: head.CacheControl, metadata: head.Metadata, contentLength: head.ContentLength,
        sha256: createHash('sha256').update(bytes).digest('hex'), tags: tags.TagSet,
      });
    }
    const markers = (listing.DeleteMarkers ?? []).map((entry) => ({ key: entry.Key, versionId: entry.VersionId, latest: entry.IsLatest, lastModified: entry.LastModified?.toISOString() }));
    const versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status ?? 'never';
    const uploads = ((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).map((upload) => upload.Key);
    state[bucket] = { versioning, versions, markers, uploads };
  }
  return state;
}

async function checkRebuild(topology: { dataDirectory: string; serverArgs: string[]; rebuildArgs: string[]; indexPath: string }): Promise<void> {
  const start = () => startServer({ dataDirectory: topology.dataDirectory, extraArgs: topology.serverArgs });
  let server: RunningServer = await start();
  const s3 = sdkClient(server);
  await workload(s3);
  const before = await snapshot(s3);
  s3.destroy();

  const refused = await rebuild(topology.rebuildArgs);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /is in use: stop the server/);
  assert.equal(existsSync(`${topology.indexPath}.bak`), false, 'a refused rebuild changes nothing');
  await server.stop();

  const indexBytes = readFileSync(topology.indexPath);
  const dryRun = await rebuild([...topology.rebuildArgs, '--dry-run']);
  assert.equal(dryRun.code, 0, dryRun.stderr);
  assert.match(dryRun.stdout, /dry run: the index was not changed/);
  assert.deepEqual(readFileSync(topology.indexPath), indexBytes);

  rmSync(topology.indexPath);
  const rebuilt = await rebuild(topology.rebuildArgs);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /records scanned/);
  assert.match(rebuilt.stderr, /records/, 'progress is reported on stderr');
  server = await start();
  const s3After = sdkClient(server);
  const after = await snapshot(s3After);
  s3After.destroy();
  // The one documented difference in this workload: an upload in progress is not on the drives.
  const expected = structuredClone(before) as Record<string, { uploads: string[] }>;
  assert.deepEqual(expected['alpha']!.uploads, ['pending']);
  expected['alpha']!.uploads = [];
  assert.deepEqual(after, expected);
  await server.stop();

  // Rebuilding over an existing index keeps it as index.db.bak.
  const again = await rebuild(topology.rebuildArgs);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(existsSync(`${topology.indexPath}.bak`));
  server = await start();
  const s3Again = sdkClient(server);
  assert.deepEqual(await snapshot(s3Again), expected);
  s3Again.destroy();
  await server.stop();
}

describe('cairn admin rebuild-index', { skip: SQLITE_ONLY }, () => {
  it('rebuilds a single-drive server exactly (but for uploads in progress)', { timeout: 180_000 }, async () => {
    const dataDirectory = temporaryDirectory('rebuild');
    try {
      await checkRebuild({ dataDirectory, serverArgs: ['--workers', '1'], rebuildArgs: ['--data', dataDirectory], indexPath: join(dataDirectory, 'index.db') });
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });

  it('rebuilds a 6-drive erasure set served by 2 workers', { timeout: 180_000 }, async () => {
    const dataDirectory = temporaryDirectory('rebuild-set');
    const drives = Array.from({ length: 6 }, (_, index) => join(dataDirectory, `d${index + 1}`));
    try {
      await checkRebuild({
        dataDirectory, serverArgs: [...drives, '--workers', '2'], rebuildArgs: [...drives, '--data', dataDirectory], indexPath: join(dataDirectory, 'index.db'),
      });
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });

  it('refuses a wrong command line and a path that is not a drive, changing nothing', async () => {
    const dataDirectory = temporaryDirectory('rebuild-bad');
    try {
      const none = await rebuild([]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /expected --data DIR/);
      const notDrive = await rebuild(['--data', dataDirectory]);
      assert.equal(notDrive.code, 1);
      assert.match(notDrive.stderr, /is not a Cairn drive \(no format.json\)/);
      assert.equal(existsSync(join(dataDirectory, 'index.db')), false);
      assert.equal(existsSync(join(dataDirectory, 'drive')), false);
      const help = await rebuild(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /does not talk to a server/);
      assert.doesNotMatch(help.stdout, /--endpoint URL/);
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});
