// The index's generic per-bucket settings: set, replace, remove, listed by name, gone with the bucket.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';

test('bucket settings: set, replace, list by name, remove, and removed with the bucket', async () => {
  const index = SqliteIndex.open(path.join(await mkdtemp(path.join(tmpdir(), 'cairn-settings-')), 'index.db'));
  try {
    assert.equal(await index.setBucketSetting('missing', 'lifecycle', { rules: [] }), false, 'no bucket, no setting');
    for (const name of ['a-bucket', 'b-bucket']) {
      assert.equal(await index.createBucket({ name, createdAtMs: 1, region: 'us-east-1', ownerId: 'owner' }), 'created');
    }
    assert.equal(await index.getBucketSetting('a-bucket', 'lifecycle'), undefined);
    assert.equal(await index.setBucketSetting('a-bucket', 'lifecycle', { rules: [1] }), true);
    assert.equal(await index.setBucketSetting('a-bucket', 'lifecycle', { rules: [2] }), true);
    assert.equal(await index.setBucketSetting('b-bucket', 'lifecycle', { rules: [3] }), true);
    assert.equal(await index.setBucketSetting('b-bucket', 'policy', { Statement: [] }), true);
    assert.deepEqual(await index.getBucketSetting('a-bucket', 'lifecycle'), { rules: [2] });
    assert.deepEqual(await index.listBucketSettings('lifecycle'), [
      { bucket: 'a-bucket', value: { rules: [2] } },
      { bucket: 'b-bucket', value: { rules: [3] } },
    ]);
    assert.equal(await index.setBucketSetting('a-bucket', 'lifecycle', undefined), true);
    assert.equal(await index.getBucketSetting('a-bucket', 'lifecycle'), undefined);
    assert.equal(await index.deleteBucket('b-bucket'), 'deleted');
    assert.deepEqual(await index.listBucketSettings('lifecycle'), []);
    assert.deepEqual(await index.listBucketSettings('policy'), []);
  } finally {
    await index.close();
  }
});
