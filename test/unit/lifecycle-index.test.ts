// The index methods the lifecycle worker relies on: a version scan in bounded batches that agrees
// with ListObjectVersions, and writes that only act on the version the worker saw.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import type { ObjectRecord, ScannedVersion } from '../../src/index/types.js';
import { newTimeOrderedId } from '../../src/util/ids.js';
import { prefixSuccessor } from '../../src/util/utf8.js';

function record(bucket: string, key: string, extra: Partial<ObjectRecord> = {}): ObjectRecord {
  const dataId = newTimeOrderedId();
  return {
    bucket, key, versionId: 'null', dataId, sizeBytes: 1, etag: 'e', lastModifiedMs: Date.now(), storageClass: 'STANDARD',
    headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array([1]), ...extra,
  };
}

async function scanAll(index: SqliteIndex, bucket: string, prefix: string, batch: number): Promise<ScannedVersion[]> {
  const rows: ScannedVersion[] = [];
  let cursor: { key: string; dataId: string } | undefined;
  for (;;) {
    const page = await index.scanVersions({ bucket, fromKey: prefix, toKey: prefixSuccessor(prefix) ?? undefined, after: cursor, limit: batch });
    rows.push(...page);
    if (page.length < batch) return rows;
    cursor = { key: page[page.length - 1]!.key, dataId: page[page.length - 1]!.dataId };
  }
}

describe('index support for lifecycle', () => {
  let directory: string;
  let index: SqliteIndex;
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cairn-lifecycle-index-'));
    index = SqliteIndex.open(join(directory, 'index.db'));
    for (const name of ['versioned', 'plain']) await index.createBucket({ name, createdAtMs: 1, region: 'us-east-1', ownerId: 'o' });
    await index.setBucketVersioning('versioned', 'Enabled');
  });
  after(async () => {
    await index.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('scanVersions: keys descending, newest first, tags included, the same versions as ListObjectVersions in any batch size', async () => {
    for (const key of ['a/1', 'a/2', 'a/2', 'a/3', 'b/1', 'a/2']) await index.putObject(record('versioned', key, { tags: key === 'a/3' ? [{ key: 't', value: 'v' }] : undefined }));
    await index.deleteObject('versioned', 'a/1');
    const listed = (await index.listObjectVersions({ bucket: 'versioned', prefix: 'a/', delimiter: '', maxEntries: 1000 })).versions;
    const expected = [...listed].sort((left, right) => (left.key < right.key ? 1 : left.key > right.key ? -1 : 0))
      .map((version) => [version.key, version.versionId, version.isLatest, version.isDeleteMarker]);
    for (const batch of [1, 2, 3, 1000]) {
      const scanned = await scanAll(index, 'versioned', 'a/', batch);
      assert.deepEqual(scanned.map((version) => [version.key, version.versionId, version.isLatest, version.isDeleteMarker]), expected, `batch ${batch}`);
    }
    const [newest] = await index.scanVersions({ bucket: 'versioned', fromKey: 'a/3', toKey: 'a/4', limit: 1 });
    assert.deepEqual(newest?.tags, [{ key: 't', value: 'v' }]);
    assert.deepEqual(await index.scanVersions({ bucket: 'versioned', fromKey: 'c', limit: 10 }), []);
  });

  it('deleteObject with ifDataId deletes only the version it names', async () => {
    const first = record('plain', 'k');
    await index.putObject(first);
    const second = record('plain', 'k');
    await index.putObject(second);
    assert.equal((await index.deleteObject('plain', 'k', { ifDataId: first.dataId })).failure, 'precondition-failed');
    assert.equal((await index.getObject('plain', 'k'))?.dataId, second.dataId);
    assert.equal((await index.deleteObject('plain', 'k', { ifDataId: second.dataId })).failure, undefined);
    assert.equal(await index.getObject('plain', 'k'), undefined);
    assert.equal((await index.deleteObject('plain', 'k', { ifDataId: second.dataId })).failure, 'no-such-key');
  });

  it('deleteVersion with a condition: a replaced null version and a marker that is no longer alone are kept', async () => {
    await index.setBucketVersioning('plain', 'Suspended');
    const seen = record('plain', 'n');
    await index.putObject(seen);
    const replacement = record('plain', 'n');
    await index.putObject(replacement);
    assert.equal((await index.deleteVersion('plain', 'n', 'null', { condition: { ifDataId: seen.dataId } })).failure, 'precondition-failed');
    assert.equal((await index.getObject('plain', 'n'))?.dataId, replacement.dataId, 'the newer null version stays');

    await index.setBucketVersioning('plain', 'Enabled');
    const marker = await index.deleteObject('plain', 'lone');
    const markerRow = (await index.scanVersions({ bucket: 'plain', fromKey: 'lone', toKey: 'lonf', limit: 10 }))[0]!;
    assert.equal(markerRow.versionId, marker.deleteMarkerVersionId);
    await index.putObject(record('plain', 'lone'));
    assert.equal((await index.deleteVersion('plain', 'lone', markerRow.versionId, { condition: { ifDataId: markerRow.dataId, ifSoleDeleteMarker: true } })).failure, 'precondition-failed');
    const alone = await index.deleteObject('plain', 'alone');
    const aloneRow = (await index.scanVersions({ bucket: 'plain', fromKey: 'alone', toKey: 'alonf', limit: 10 }))[0]!;
    const removed = await index.deleteVersion('plain', 'alone', alone.deleteMarkerVersionId!, { condition: { ifDataId: aloneRow.dataId, ifSoleDeleteMarker: true } });
    assert.equal(removed.failure, undefined);
    assert.equal(removed.wasDeleteMarker, true);
    assert.equal(await index.getLatestDeleteMarker('plain', 'alone'), undefined);
  });

  it('setStorageClass relabels the version it names, current or noncurrent, and nothing else', async () => {
    const old = record('versioned', 's', { sizeBytes: 7 });
    await index.putObject(old);
    const current = record('versioned', 's');
    await index.putObject(current);
    assert.equal(await index.setStorageClass('versioned', 's', old.dataId, 'GLACIER'), true);
    assert.equal((await index.getObjectVersion('versioned', 's', old.dataId))?.storageClass, 'GLACIER');
    assert.equal((await index.getObject('versioned', 's'))?.storageClass, 'STANDARD');
    assert.equal(await index.setStorageClass('versioned', 's', current.dataId, 'DEEP_ARCHIVE'), true);
    assert.equal((await index.getObject('versioned', 's'))?.storageClass, 'DEEP_ARCHIVE');
    assert.equal(await index.setStorageClass('versioned', 's', newTimeOrderedId(), 'GLACIER'), false);
  });
});
