// getBucketWithAccess, the S3 surface's one read of a request's bucket: the same bucket record as
// getBucket and the same access settings as getBucketAccess, on the SQLite engine and through the
// threaded engine; undefined for a bucket that does not exist.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { ThreadedSqliteIndex } from '../../src/index/threaded-index.js';
import type { Index } from '../../src/index/types.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [] });
const BLOCK = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false };

async function indexPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'cairn-bucket-access-')), 'index.db');
}

async function checkEngine(index: Index): Promise<void> {
  assert.equal(await index.createBucket({ name: 'plain', createdAtMs: 1, region: 'us-east-1', ownerId: 'owner-a' }), 'created');
  assert.equal(await index.createBucket({ name: 'guarded', createdAtMs: 2, region: 'eu-west-1', ownerId: 'owner-b', versioning: 'Enabled' }), 'created');
  assert.equal(await index.writeBucketSetting('guarded', 'policy', POLICY), true);
  assert.equal(await index.writeBucketSetting('guarded', 'public-access-block', BLOCK), true);
  assert.equal(await index.setBucketCors('guarded', [{ allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] }]), true);
  assert.equal(await index.setBucketTags('guarded', [{ key: 'team', value: 'storage' }]), true);
  for (const name of ['plain', 'guarded']) {
    assert.deepEqual(await index.getBucketWithAccess(name), { bucket: await index.getBucket(name), access: await index.getBucketAccess(name) }, name);
  }
  const guarded = await index.getBucketWithAccess('guarded');
  assert.deepEqual(guarded?.access, { ownerId: 'owner-b', policy: POLICY, publicAccessBlock: BLOCK, ownershipControls: undefined, acl: undefined });
  assert.equal(guarded?.bucket.versioning, 'Enabled');
  assert.deepEqual((await index.getBucketWithAccess('plain'))?.access, { ownerId: 'owner-a', policy: undefined, publicAccessBlock: undefined, ownershipControls: undefined, acl: undefined });
  assert.equal(await index.getBucketWithAccess('missing'), undefined);
}

describe('getBucketWithAccess', () => {
  it('matches getBucket and getBucketAccess on the SQLite engine', async () => {
    const index = SqliteIndex.open(await indexPath());
    try {
      await checkEngine(index);
    } finally {
      await index.close();
    }
  });

  it('matches getBucket and getBucketAccess through the threaded engine', async () => {
    const index = await ThreadedSqliteIndex.open(await indexPath());
    try {
      await checkEngine(index);
    } finally {
      await index.close();
    }
  });
});
