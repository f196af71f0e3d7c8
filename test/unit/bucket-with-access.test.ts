// getBucketWithAccess, the S3 surface's one read of a request's bucket: the same bucket record as
// getBucket, the same access settings as getBucketAccess, and the stored JSON of the request
// settings (lifecycle, logging, encryption, Object Lock) that decodes to what readBucketSetting
// answers, on the SQLite engine, through the threaded engine and on PostgreSQL; undefined for a
// bucket that does not exist.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PostgresIndex } from '../../src/index/postgres-index.js';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { ThreadedSqliteIndex } from '../../src/index/threaded-index.js';
import {
  decodeBucketSetting, REQUEST_SETTING_KINDS, type BucketLoggingSetting, type Index, type LifecycleConfiguration, type StoredBucketEncryption,
} from '../../src/index/types.js';
import { createTestDatabase, dropTestDatabase } from '../helpers/postgres.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [] });
const BLOCK = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false };

async function indexPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'cairn-bucket-access-')), 'index.db');
}

const LIFECYCLE: LifecycleConfiguration = {
  transitionDefaultMinimumObjectSize: 'varies_by_storage_class',
  rules: [{ id: 'expire', enabled: true, filterForm: 'and', match: { prefix: 'logs/', tags: [] }, expiration: { days: 30 }, transitions: [], noncurrentVersionTransitions: [] }],
};
const LOGGING: BucketLoggingSetting = { targetBucket: 'plain', targetPrefix: 'logs/', targetGrants: [] };
const ENCRYPTION: StoredBucketEncryption = { algorithm: 'AES256', bucketKeyEnabled: false };

async function checkEngine(index: Index): Promise<void> {
  assert.equal(await index.createBucket({ name: 'plain', createdAtMs: 1, region: 'us-east-1', ownerId: 'owner-a' }), 'created');
  assert.equal(await index.createBucket({ name: 'guarded', createdAtMs: 2, region: 'eu-west-1', ownerId: 'owner-b', versioning: 'Enabled' }), 'created');
  assert.equal(await index.writeBucketSetting('guarded', 'policy', POLICY), true);
  assert.equal(await index.writeBucketSetting('guarded', 'public-access-block', BLOCK), true);
  assert.equal(await index.setBucketCors('guarded', [{ allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] }]), true);
  assert.equal(await index.setBucketTags('guarded', [{ key: 'team', value: 'storage' }]), true);
  assert.equal(await index.writeBucketSetting('guarded', 'lifecycle', LIFECYCLE), true);
  assert.equal(await index.writeBucketSetting('guarded', 'logging', LOGGING), true);
  assert.equal(await index.writeBucketSetting('guarded', 'encryption', ENCRYPTION), true);
  assert.equal(await index.setObjectLockConfiguration('guarded', { enabled: true }), 'set');
  for (const name of ['plain', 'guarded']) {
    const found = await index.getBucketWithAccess(name);
    assert.deepEqual({ bucket: found?.bucket, access: found?.access }, { bucket: await index.getBucket(name), access: await index.getBucketAccess(name) }, name);
    for (const kind of REQUEST_SETTING_KINDS) {
      const json = found?.settingsJson[kind];
      assert.deepEqual(json === undefined ? undefined : decodeBucketSetting(name, kind, json), await index.readBucketSetting(name, kind), `${name} ${kind}`);
    }
  }
  assert.deepEqual((await index.getBucketWithAccess('plain'))?.settingsJson, {});
  assert.deepEqual(Object.keys((await index.getBucketWithAccess('guarded'))!.settingsJson).sort(), ['encryption', 'lifecycle', 'logging', 'object-lock']);
  const guarded = await index.getBucketWithAccess('guarded');
  assert.deepEqual(guarded?.access, { ownerId: 'owner-b', policy: POLICY, publicAccessBlock: BLOCK, ownershipControls: undefined, acl: undefined });
  assert.equal(guarded?.bucket.versioning, 'Enabled');
  assert.deepEqual((await index.getBucketWithAccess('plain'))?.access, { ownerId: 'owner-a', policy: undefined, publicAccessBlock: undefined, ownershipControls: undefined, acl: undefined });
  assert.equal(await index.getBucketWithAccess('missing'), undefined);
}

describe('getBucketWithAccess', () => {
  it('matches getBucket, getBucketAccess and readBucketSetting on the SQLite engine', async () => {
    const index = SqliteIndex.open(await indexPath());
    try {
      await checkEngine(index);
    } finally {
      await index.close();
    }
  });

  it('matches getBucket, getBucketAccess and readBucketSetting on the PostgreSQL engine', async () => {
    const url = await createTestDatabase();
    try {
      const index = await PostgresIndex.open(url);
      try {
        await checkEngine(index);
      } finally {
        await index.close();
      }
    } finally {
      await dropTestDatabase(url);
    }
  });

  it('matches getBucket, getBucketAccess and readBucketSetting through the threaded engine', async () => {
    const index = await ThreadedSqliteIndex.open(await indexPath());
    try {
      await checkEngine(index);
    } finally {
      await index.close();
    }
  });
});
