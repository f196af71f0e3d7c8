// Object Lock in the SQLite index itself, below the front end: the rules hold inside the write
// transactions whatever the caller, and no path discards a protected version.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import type { ObjectRecord, ObjectRetention } from '../../src/index/types.js';
import { newTimeOrderedId } from '../../src/util/ids.js';

const HOUR_MS = 60 * 60 * 1000;

function version(bucket: string, key: string, retention?: ObjectRetention): ObjectRecord {
  const dataId = newTimeOrderedId();
  return {
    bucket, key, versionId: dataId, dataId, sizeBytes: 1, etag: dataId, lastModifiedMs: Date.now(), storageClass: 'STANDARD',
    headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array([1]), retention,
  };
}

async function openIndex(): Promise<SqliteIndex> {
  return SqliteIndex.open(path.join(await mkdtemp(path.join(tmpdir(), 'cairn-lock-')), 'index.db'));
}

test('object lock in the index: enable, default retention, refusals, and a setting only its own method writes', async () => {
  const index = await openIndex();
  try {
    await index.createBucket({ name: 'plain', createdAtMs: 1, region: 'us-east-1', ownerId: 'owner' });
    assert.equal(await index.setObjectLockConfiguration('plain', { enabled: true }), 'versioning-not-enabled');
    assert.equal(await index.setObjectLockConfiguration('missing', { enabled: true }), 'no-such-bucket');
    await assert.rejects(index.setBucketSetting('plain', 'object-lock', undefined), /only by setObjectLockConfiguration/);
    await assert.rejects(index.putObject(version('plain', 'k', { mode: 'GOVERNANCE', retainUntilMs: Date.now() + HOUR_MS })), /no Object Lock/);

    await index.createBucket({ name: 'locked', createdAtMs: 1, region: 'us-east-1', ownerId: 'owner', versioning: 'Enabled' }, { 'object-lock': { enabled: true } });
    assert.equal(await index.setBucketVersioning('locked', 'Suspended'), 'object-lock-enabled');
    assert.equal((await index.getBucket('locked'))?.versioning, 'Enabled');
    assert.equal(await index.setObjectLockConfiguration('locked', { enabled: true, defaultRetention: { mode: 'COMPLIANCE', days: 1 } }), 'set');
    const put = await index.putObject(version('locked', 'k'));
    assert.ok(put.stored);
    const stored = await index.getObjectVersion('locked', 'k', put.versionId);
    assert.equal(stored?.retention?.mode, 'COMPLIANCE');
    assert.ok(Math.abs(stored!.retention!.retainUntilMs - (stored!.lastModifiedMs + 24 * HOUR_MS)) < 1);

    assert.deepEqual(await index.deleteVersion('locked', 'k', put.versionId, { bypassGovernance: true }), { failure: 'locked', discardedDataIds: [] });
    assert.equal(await index.setObjectRetention('locked', 'k', put.versionId, undefined, { bypassGovernance: true }), 'locked');
    assert.equal(await index.setObjectRetention('locked', 'k', put.versionId, { mode: 'COMPLIANCE', retainUntilMs: Date.now() + 48 * HOUR_MS }), 'set');
    assert.equal(await index.setObjectLegalHold('locked', 'k', '0'.repeat(32), 'ON'), 'no-such-version');
    assert.equal(await index.setObjectRetention('plain', 'k', put.versionId, undefined), 'object-lock-not-enabled');
    assert.equal((await index.getObject('locked', 'k'))?.versionId, put.versionId, 'still there and still the latest');
  } finally {
    await index.close();
  }
});

test('object lock in the index: a protected version is never discarded, even in a state the API cannot reach', async () => {
  const index = await openIndex();
  try {
    // Forced past the API's checks: Object Lock on a suspended bucket, where a new write would
    // replace the key's null version for good.
    await index.createBucket({ name: 'forced', createdAtMs: 1, region: 'us-east-1', ownerId: 'owner', versioning: 'Suspended' }, { 'object-lock': { enabled: true } });
    const first = await index.putObject(version('forced', 'k', { mode: 'GOVERNANCE', retainUntilMs: Date.now() + HOUR_MS }));
    assert.ok(first.stored);
    const firstDataId = (await index.getObject('forced', 'k'))!.dataId;
    await assert.rejects(index.putObject(version('forced', 'k')), /refusing to discard/);
    await assert.rejects(index.deleteObject('forced', 'k'), /refusing to discard/);
    const kept = await index.getObject('forced', 'k');
    assert.equal(kept?.dataId, firstDataId, 'the rolled-back writes left the locked version in place');
    assert.equal(kept?.retention?.mode, 'GOVERNANCE');
  } finally {
    await index.close();
  }
});
