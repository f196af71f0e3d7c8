// Bucket replication end to end: Put/Get/DeleteBucketReplication (round trip and S3's errors, with
// nothing stored), replication to a bucket of the same server, and to a second Cairn server started
// here: a mixed workload (puts, overwrites, deletes, multipart, tags) with the destination stopped
// for part of the run converges to identical version lists (ids, order, bytes, tags, metadata), with
// PENDING/COMPLETED on the source and REPLICA on the copy; and batch replication of existing objects.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketReplicationCommand, DeleteObjectCommand,
  GetBucketReplicationCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketReplicationCommand,
  PutBucketVersioningCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client, S3ServiceException, UploadPartCommand,
  type ReplicationConfiguration,
} from '@aws-sdk/client-s3';
import { startServer, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { sdkClient } from './helpers/clients.js';
import { IamClient } from '../src/cli/admin/iam-client.js';

const ENV = { CAIRN_REPLICATION_BACKOFF_BASE_MS: '20' };
const ROLE_LOCAL = 'arn:aws:iam::000000000000:role/replication';
const TARGET = 'site-b';
const OPERATIONS = 1000;
const CONVERGE_TIMEOUT_MS = 120_000;

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  assert.fail('expected an S3 error');
}

function adminOf(server: RunningServer): IamClient {
  return new IamClient(server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
}

async function versionedBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

function rule(destination: string, extra: Partial<NonNullable<ReplicationConfiguration['Rules']>[number]> = {}): NonNullable<ReplicationConfiguration['Rules']>[number] {
  return {
    ID: `to-${destination}`, Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Enabled' },
    Destination: { Bucket: `arn:aws:s3:::${destination}` }, ...extra,
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = CONVERGE_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Replication queues of the server are empty. */
async function drained(server: RunningServer): Promise<void> {
  await waitFor('the replication queues to drain', async () => {
    const state = await adminOf(server).json<{ queues: Array<{ pending: number }> }>('GET', '/replication');
    return state.queues.every((queue) => queue.pending === 0) ? true : undefined;
  });
}

interface VersionPicture { key: string; versionId: string; isLatest: boolean; deleteMarker: boolean; etag?: string }

async function versionList(s3: S3Client, bucket: string): Promise<VersionPicture[]> {
  const all: VersionPicture[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const entries = [
      ...(page.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, isLatest: v.IsLatest!, deleteMarker: false, etag: v.ETag })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId!, isLatest: m.IsLatest!, deleteMarker: true })),
    ];
    // Versions and markers come in two lists: put back their one order (key, then newest first).
    entries.sort((a, b) => (a.key === b.key ? (a.versionId < b.versionId ? 1 : -1) : a.key < b.key ? -1 : 1));
    all.push(...entries);
    if (page.IsTruncated !== true) return all;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

/** Bytes, user metadata, content type, tags and replication status of one version. */
async function versionContent(s3: S3Client, bucket: string, key: string, versionId: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray()).toString('base64');
  const tags = (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).TagSet ?? [];
  return { bytes, metadata: object.Metadata, contentType: object.ContentType, etag: object.ETag, tags, status: object.ReplicationStatus };
}

async function assertConverged(source: S3Client, destination: S3Client, sourceBucket: string, destinationBucket: string): Promise<number> {
  const [sourceVersions, destinationVersions] = [await versionList(source, sourceBucket), await versionList(destination, destinationBucket)];
  assert.deepEqual(destinationVersions, sourceVersions);
  for (const version of sourceVersions.filter((entry) => !entry.deleteMarker)) {
    const [mine, theirs] = [await versionContent(source, sourceBucket, version.key, version.versionId), await versionContent(destination, destinationBucket, version.key, version.versionId)];
    assert.equal(mine.status, 'COMPLETED', `${version.key} ${version.versionId}`);
    assert.equal(theirs.status, 'REPLICA');
    assert.deepEqual({ ...theirs, status: undefined }, { ...mine, status: undefined }, `${version.key} ${version.versionId}`);
  }
  return sourceVersions.length;
}

describe('bucket replication', () => {
  let siteA: RunningServer;
  let siteB: RunningServer;
  let a: S3Client;
  let b: S3Client;

  before(async () => {
    [siteA, siteB] = await Promise.all([startServer({ env: ENV }), startServer({ env: ENV })]);
    a = sdkClient(siteA);
    b = sdkClient(siteB);
    await adminOf(siteA).json('POST', '/targets', {
      name: TARGET, type: 's3', settings: { url: siteB.endpoint, accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    });
  });

  after(async () => {
    a?.destroy();
    b?.destroy();
    await Promise.all([siteA?.dispose(), siteB?.dispose()]);
  });

  it('refuses bad configurations with S3\'s errors and stores nothing', async () => {
    await a.send(new CreateBucketCommand({ Bucket: 'plain-source' }));
    await versionedBucket(a, 'bad-source');
    await a.send(new CreateBucketCommand({ Bucket: 'plain-copy' }));
    await versionedBucket(a, 'good-copy');
    const cases: Array<[string, string, ReplicationConfiguration, string, string?]> = [
      ['unversioned source', 'plain-source', { Role: ROLE_LOCAL, Rules: [rule('good-copy')] }, 'InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration"],
      ['unversioned destination', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('plain-copy')] }, 'InvalidRequest', 'Destination bucket must have versioning enabled.'],
      ['missing destination', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('no-such-copy')] }, 'InvalidRequest', 'Destination bucket must exist.'],
      ['V2 without DeleteMarkerReplication', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('good-copy', { DeleteMarkerReplication: undefined })] }, 'InvalidRequest'],
      ['V1 with DeleteMarkerReplication', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('good-copy', { Filter: undefined, Priority: undefined, Prefix: '' })] }, 'InvalidRequest'],
      ['same priority twice', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('good-copy'), rule('good-copy', { ID: 'other', Filter: { Prefix: 'x/' } })] }, 'InvalidRequest'],
      ['no Destination', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('good-copy', { Destination: undefined })] }, 'MalformedXML'],
      ['no Role', 'bad-source', { Role: undefined, Rules: [rule('good-copy')] } as unknown as ReplicationConfiguration, 'MalformedXML'],
      ['bad status', 'bad-source', { Role: ROLE_LOCAL, Rules: [rule('good-copy', { Status: 'On' as never })] }, 'MalformedXML'],
    ];
    for (const [name, bucket, configuration, code, message] of cases) {
      const error = await s3Error(a.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: configuration })));
      assert.equal(error.name, code, name);
      assert.equal(error.$metadata.httpStatusCode, 400, name);
      if (message !== undefined) assert.equal(error.message, message, name);
      const missing = await s3Error(a.send(new GetBucketReplicationCommand({ Bucket: bucket })));
      assert.equal(missing.name, 'ReplicationConfigurationNotFoundError', name);
      assert.equal(missing.$metadata.httpStatusCode, 404);
    }
    const noBucket = await s3Error(a.send(new PutBucketReplicationCommand({ Bucket: 'no-such-source', ReplicationConfiguration: { Role: ROLE_LOCAL, Rules: [rule('good-copy')] } })));
    assert.equal(noBucket.name, 'NoSuchBucket');
  });

  it('round-trips a configuration and replicates to a bucket of the same server', async () => {
    await versionedBucket(a, 'local-source');
    await versionedBucket(a, 'local-copy');
    const configuration: ReplicationConfiguration = {
      Role: ROLE_LOCAL,
      Rules: [rule('local-copy', { ID: 'docs', Priority: 2, Filter: { Prefix: 'docs/' }, Destination: { Bucket: 'arn:aws:s3:::local-copy', StorageClass: 'STANDARD_IA' } })],
    };
    await a.send(new PutBucketReplicationCommand({ Bucket: 'local-source', ReplicationConfiguration: configuration }));
    const read = await a.send(new GetBucketReplicationCommand({ Bucket: 'local-source' }));
    assert.deepEqual(read.ReplicationConfiguration, {
      Role: ROLE_LOCAL,
      Rules: [{ ID: 'docs', Priority: 2, Filter: { Prefix: 'docs/' }, Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::local-copy', StorageClass: 'STANDARD_IA' }, DeleteMarkerReplication: { Status: 'Enabled' } }],
    });
    const put = await a.send(new PutObjectCommand({ Bucket: 'local-source', Key: 'docs/a.txt', Body: 'hello', Metadata: { colour: 'blue' }, Tagging: 'k=v' }));
    await a.send(new PutObjectCommand({ Bucket: 'local-source', Key: 'other.txt', Body: 'not replicated' }));
    await drained(siteA);
    const copy = await a.send(new HeadObjectCommand({ Bucket: 'local-copy', Key: 'docs/a.txt' }));
    assert.equal(copy.VersionId, put.VersionId);
    assert.equal(copy.ReplicationStatus, 'REPLICA');
    assert.equal(copy.StorageClass, 'STANDARD_IA');
    assert.deepEqual(copy.Metadata, { colour: 'blue' });
    assert.equal((await a.send(new HeadObjectCommand({ Bucket: 'local-source', Key: 'docs/a.txt' }))).ReplicationStatus, 'COMPLETED');
    assert.equal((await a.send(new HeadObjectCommand({ Bucket: 'local-source', Key: 'other.txt' }))).ReplicationStatus, undefined);
    assert.equal((await s3Error(a.send(new HeadObjectCommand({ Bucket: 'local-copy', Key: 'other.txt' })))).$metadata.httpStatusCode, 404);
    await a.send(new DeleteBucketReplicationCommand({ Bucket: 'local-source' }));
    assert.equal((await s3Error(a.send(new GetBucketReplicationCommand({ Bucket: 'local-source' })))).name, 'ReplicationConfigurationNotFoundError');
  });

  it('converges on a second server after a mixed workload, with the destination down for part of it', async () => {
    await versionedBucket(a, 'mixed-source');
    await versionedBucket(b, 'mixed-copy');
    await a.send(new PutBucketReplicationCommand({
      Bucket: 'mixed-source', ReplicationConfiguration: { Role: `arn:aws:iam::000000000000:role/${TARGET}`, Rules: [rule('mixed-copy')] },
    }));
    const keys = Array.from({ length: 60 }, (_, i) => `k/${String(i).padStart(3, '0')}`);
    const part = Buffer.alloc(5 * 1024 * 1024, 7);
    const startedAtMs = Date.now();
    for (let operation = 0; operation < OPERATIONS; operation++) {
      if (operation === Math.floor(OPERATIONS / 3)) await siteB.stop();
      if (operation === Math.floor((2 * OPERATIONS) / 3)) {
        siteB = await startServer({ env: ENV, dataDirectory: siteB.dataDirectory, address: `127.0.0.1:${siteB.port}` });
      }
      const key = keys[(operation * 7919) % keys.length]!;
      const kind = operation % 10;
      if (kind <= 5) {
        await a.send(new PutObjectCommand({ Bucket: 'mixed-source', Key: key, Body: `body ${operation} of ${key}`, Metadata: { op: String(operation) }, ContentType: 'text/plain' }));
      } else if (kind <= 7) {
        await a.send(new DeleteObjectCommand({ Bucket: 'mixed-source', Key: key }));
      } else if (kind === 8) {
        await a.send(new PutObjectTaggingCommand({ Bucket: 'mixed-source', Key: key, Tagging: { TagSet: [{ Key: 'op', Value: String(operation) }] } })).catch(() => undefined);
      } else if (operation % 100 === 9) {
        const upload = await a.send(new CreateMultipartUploadCommand({ Bucket: 'mixed-source', Key: key, Metadata: { op: String(operation) } }));
        const one = await a.send(new UploadPartCommand({ Bucket: 'mixed-source', Key: key, UploadId: upload.UploadId, PartNumber: 1, Body: part }));
        const two = await a.send(new UploadPartCommand({ Bucket: 'mixed-source', Key: key, UploadId: upload.UploadId, PartNumber: 2, Body: `tail ${operation}` }));
        await a.send(new CompleteMultipartUploadCommand({
          Bucket: 'mixed-source', Key: key, UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }, { PartNumber: 2, ETag: two.ETag }] },
        }));
      } else {
        await a.send(new PutObjectCommand({ Bucket: 'mixed-source', Key: key, Body: Buffer.alloc(operation, 1), Tagging: `t=${operation}` }));
      }
    }
    const writtenMs = Date.now() - startedAtMs;
    b.destroy();
    b = sdkClient(siteB);
    await drained(siteA);
    const versions = await assertConverged(a, b, 'mixed-source', 'mixed-copy');
    assert.ok(versions > OPERATIONS / 2, `${versions} versions`);
    console.log(`# ${OPERATIONS} operations written in ${writtenMs} ms; ${versions} versions and markers converged`);
  });

  it('replicates existing objects in a batch, with progress', async () => {
    await versionedBucket(a, 'existing-source');
    await versionedBucket(b, 'existing-copy');
    for (let i = 0; i < 30; i++) await a.send(new PutObjectCommand({ Bucket: 'existing-source', Key: `old/${i % 10}`, Body: `old ${i}` }));
    await a.send(new DeleteObjectCommand({ Bucket: 'existing-source', Key: 'old/3' }));
    await a.send(new PutBucketReplicationCommand({
      Bucket: 'existing-source',
      ReplicationConfiguration: { Role: `arn:aws:iam::000000000000:role/${TARGET}`, Rules: [rule('existing-copy', { ExistingObjectReplication: { Status: 'Enabled' } })] },
    }));
    const started = await adminOf(siteA).send('POST', '/replication/existing-source/existing');
    assert.equal(started.status, 202);
    const progress = await waitFor('the batch to finish', async () => {
      const now = await adminOf(siteA).json<{ state: string; versionsScanned: number; versionsReplicated: number }>('GET', '/replication/existing-source/existing');
      return now.state === 'running' ? undefined : now;
    });
    assert.equal(progress.state, 'done');
    assert.equal(progress.versionsScanned, 31);
    assert.equal(progress.versionsReplicated, 31);
    await assertConverged(a, b, 'existing-source', 'existing-copy');
  });
});
