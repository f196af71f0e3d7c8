// The index's typed bucket settings: every kind round-trips through its typed accessors (directly and
// through the writer thread); a value of the wrong shape is refused before it is written; a stored
// value that does not parse as its kind answers BucketSettingCorruptError wherever it is read.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { ThreadedSqliteIndex } from '../../src/index/threaded-index.js';
import {
  BUCKET_SETTING_KIND_NAMES,
  BucketSettingCorruptError,
  BucketSettingInvalidError,
  type BucketSettingKind,
  type BucketSettingValue,
  type Index,
  type LifecycleConfiguration,
  type WritableBucketSettingKind,
} from '../../src/index/types.js';

const BUCKET = 'settings-bucket';

/** One valid value of each kind a client can write, as the front end and services store them. */
const SAMPLES: { [K in WritableBucketSettingKind]: BucketSettingValue<K> } = {
  lifecycle: {
    transitionDefaultMinimumObjectSize: 'varies_by_storage_class',
    rules: [{
      id: 'archive', enabled: true, filterForm: 'and', match: { prefix: 'logs/', tags: [{ key: 'k', value: 'v' }], sizeGreaterThanBytes: 10 },
      expiration: { days: 30 }, transitions: [{ days: 7, storageClass: 'GLACIER' }],
      noncurrentVersionExpiration: { noncurrentDays: 5, newerNoncurrentVersions: 2 },
      noncurrentVersionTransitions: [{ noncurrentDays: 1, storageClass: 'STANDARD_IA' }],
      abortIncompleteMultipartUpload: { daysAfterInitiation: 3 },
    }],
  },
  policy: '{"Version":"2012-10-17","Statement":[]}',
  'public-access-block': { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false },
  'ownership-controls': { ObjectOwnership: 'BucketOwnerEnforced' },
  acl: { ownerId: 'a'.repeat(64), grants: [{ grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' }] },
  notification: {
    rules: [{ id: 'created', kind: 'Queue', arn: 'arn:aws:sqs:us-east-1:000000000000:hook', target: 'hook', events: ['s3:ObjectCreated:*'], prefix: 'logs/' }],
  },
  metadata: {
    apiVersion: 'V2', createdAtMs: 1_700_000_000_000,
    journal: { tableId: 'journal-table', recordExpiration: { enabled: true, days: 7 } },
    inventory: { enabled: true, tableId: 'inventory-table', enabledAtMs: 1_700_000_000_000 },
  },
  website: {
    indexDocumentSuffix: 'index.html', errorDocumentKey: 'error.html',
    routingRules: [{ condition: { keyPrefixEquals: 'docs/' }, redirect: { replaceKeyPrefixWith: 'documents/', httpRedirectCode: 302 } }],
  },
  logging: {
    targetBucket: 'log-target', targetPrefix: 'logs/', keyFormat: { kind: 'partitioned', dateSource: 'EventTime' },
    targetGrants: [{ granteeType: 'CanonicalUser', grantee: 'abc', displayName: 'someone', permission: 'READ' }],
  },
  encryption: { algorithm: 'AES256', bucketKeyEnabled: true },
  replication: {
    role: 'arn:aws:iam::000000000000:role/replicate', target: 'remote',
    rules: [{
      id: 'all', priority: 1, status: 'Enabled', prefix: 'logs/', tags: [{ key: 'k', value: 'v' }], filtered: true,
      deleteMarkerReplication: 'Enabled', existingObjectReplication: 'Disabled',
      destination: { bucket: 'copy', bucketArn: 'arn:aws:s3:::copy', storageClass: 'STANDARD_IA' },
    }],
  },
};

async function indexPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'cairn-typed-settings-')), 'index.db');
}

async function roundTripEveryKind(index: Index): Promise<void> {
  assert.equal(await index.createBucket({ name: BUCKET, createdAtMs: 1, region: 'us-east-1', ownerId: 'owner', versioning: 'Enabled' }), 'created');
  const kinds = Object.keys(SAMPLES) as WritableBucketSettingKind[];
  for (const kind of kinds) {
    assert.equal(await index.readBucketSetting(BUCKET, kind), undefined, `${kind}: unset at first`);
    assert.equal(await index.writeBucketSetting(BUCKET, kind, SAMPLES[kind]), true, kind);
    assert.deepEqual(await index.readBucketSetting(BUCKET, kind), SAMPLES[kind], kind);
    assert.deepEqual(await index.listBucketsWithSetting(kind), [{ bucket: BUCKET, value: SAMPLES[kind] }], kind);
    assert.equal(await index.writeBucketSetting('no-such-bucket', kind, SAMPLES[kind]), false, `${kind}: no bucket, no setting`);
  }
  assert.equal(await index.setObjectLockConfiguration(BUCKET, { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 2 } }), 'set');
  assert.deepEqual(await index.readBucketSetting(BUCKET, 'object-lock'), { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 2 } });
  assert.deepEqual(await index.getBucketAccess(BUCKET), {
    ownerId: 'owner', policy: SAMPLES.policy, publicAccessBlock: SAMPLES['public-access-block'], ownershipControls: SAMPLES['ownership-controls'], acl: SAMPLES.acl,
  });
  for (const kind of kinds) {
    assert.equal(await index.writeBucketSetting(BUCKET, kind, undefined), true, `${kind}: removed`);
    assert.equal(await index.readBucketSetting(BUCKET, kind), undefined, `${kind}: gone`);
  }
}

describe('typed bucket settings', () => {
  it('the registry names every kind the settings table holds', () => {
    assert.deepEqual([...BUCKET_SETTING_KIND_NAMES].sort(), ['acl', 'encryption', 'lifecycle', 'logging', 'metadata', 'notification', 'object-lock', 'ownership-controls', 'policy', 'public-access-block', 'replication', 'website']);
  });

  it('every kind round-trips through the typed accessors of the SQLite engine', async () => {
    const index = SqliteIndex.open(await indexPath());
    try {
      await roundTripEveryKind(index);
    } finally {
      await index.close();
    }
  });

  it('every kind round-trips through the writer thread, and a refused value comes back as its typed error code', async () => {
    const index = await ThreadedSqliteIndex.open(await indexPath());
    try {
      await roundTripEveryKind(index);
      const wrongShape: unknown = { rules: [{ id: 'x' }], transitionDefaultMinimumObjectSize: 'all_storage_classes_128K' };
      await assert.rejects(index.writeBucketSetting(BUCKET, 'lifecycle', wrongShape as LifecycleConfiguration), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'BucketSettingInvalid');
        assert.match(error.message, /rules\[0\]\.enabled is not a boolean/);
        return true;
      });
      assert.equal(await index.readBucketSetting(BUCKET, 'lifecycle'), undefined, 'nothing was written');
    } finally {
      await index.close();
    }
  });

  it('a value of the wrong shape is refused before it is written', async () => {
    const index = SqliteIndex.open(await indexPath());
    try {
      await index.createBucket({ name: BUCKET, createdAtMs: 1, region: 'us-east-1', ownerId: 'owner' });
      const wrongShape: unknown = { BlockPublicAcls: 'yes' };
      await assert.rejects(
        index.writeBucketSetting(BUCKET, 'public-access-block', wrongShape as BucketSettingValue<'public-access-block'>),
        (error: unknown) => error instanceof BucketSettingInvalidError && error.kind === 'public-access-block' && /BlockPublicAcls is not a boolean/.test(error.message),
      );
      assert.equal(await index.getBucketSetting(BUCKET, 'public-access-block'), undefined, 'nothing stored');
      await assert.rejects(index.createBucket({ name: 'other', createdAtMs: 1, region: 'us-east-1', ownerId: 'o' }, { policy: wrongShape as string }), BucketSettingInvalidError);
      assert.equal(await index.getBucket('other'), undefined, 'the bucket and its settings are one transaction');
    } finally {
      await index.close();
    }
  });

  it('a stored value that does not parse answers BucketSettingCorruptError, naming the bucket, the kind and the field', async () => {
    const file = await indexPath();
    const index = SqliteIndex.open(file);
    try {
      await index.createBucket({ name: BUCKET, createdAtMs: 1, region: 'us-east-1', ownerId: 'owner', versioning: 'Enabled' }, { 'object-lock': { enabled: true } });
      await index.setBucketSetting(BUCKET, 'lifecycle', { rules: [1] });
      await index.setBucketSetting(BUCKET, 'policy', { Statement: [] });
      await index.setBucketSetting(BUCKET, 'metadata', { apiVersion: 'V3' });
      const isCorrupt = (kind: BucketSettingKind, reason: RegExp) => (error: unknown) => {
        assert.ok(error instanceof BucketSettingCorruptError, String(error));
        assert.deepEqual([error.code, error.bucket, error.kind], ['BucketSettingCorrupt', BUCKET, kind]);
        assert.match(error.reason, reason);
        return true;
      };
      await assert.rejects(index.readBucketSetting(BUCKET, 'lifecycle'), isCorrupt('lifecycle', /^rules\[0\] is not an object$/));
      await assert.rejects(index.listBucketsWithSetting('lifecycle'), isCorrupt('lifecycle', /rules\[0\]/));
      await assert.rejects(index.readBucketSetting(BUCKET, 'policy'), isCorrupt('policy', /the value is not a string/));
      await assert.rejects(index.getBucketAccess(BUCKET), isCorrupt('policy', /not a string/));
      await assert.rejects(index.readBucketSetting(BUCKET, 'metadata'), isCorrupt('metadata', /apiVersion is not one of V1, V2/));

      // Damage below the index (a row edited by hand, a torn tool): not even JSON.
      const db = new Database(file);
      db.prepare("UPDATE bucket_settings SET value_json = '{\"enabled\": tru' WHERE bucket = ? AND name = 'object-lock'").run(BUCKET);
      db.close();
      await assert.rejects(index.readBucketSetting(BUCKET, 'object-lock'), isCorrupt('object-lock', /^not JSON/));
      // The engine reads the setting inside a write too: the write fails with the typed error, and changes nothing.
      const record = {
        bucket: BUCKET, key: 'k', versionId: 'v', dataId: 'd', sizeBytes: 1, etag: 'e', lastModifiedMs: 1, storageClass: 'STANDARD',
        headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array([1]),
      };
      await assert.rejects(index.putObject(record), isCorrupt('object-lock', /^not JSON/));
      assert.equal(await index.getObject(BUCKET, 'k'), undefined);
    } finally {
      await index.close();
    }
  });
});
