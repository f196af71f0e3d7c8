// AWS Backup's tables in the SQLite index, below the front end: the chain of a bucket's recovery
// points (a later point writes only the changed keys, deleting points in any order keeps the others
// whole and frees what no point holds), the placements compaction must count live, and the versions
// a continuous backup keeps after a permanent delete until its window has passed.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import type { ObjectRecord } from '../../src/index/types.js';
import { newTimeOrderedId } from '../../src/util/ids.js';

function version(bucket: string, key: string, body: string): ObjectRecord {
  const dataId = newTimeOrderedId();
  return {
    bucket, key, versionId: dataId, dataId, sizeBytes: body.length, etag: body, lastModifiedMs: Date.now(), storageClass: 'STANDARD',
    headers: { contentType: 'x' }, userMetadata: {}, placement: Buffer.from(dataId),
  };
}

async function openIndex(): Promise<SqliteIndex> {
  const index = SqliteIndex.open(path.join(await mkdtemp(path.join(tmpdir(), 'cairn-backup-index-')), 'index.db'));
  await index.createBucket({ name: 'b', createdAtMs: 1, region: 'us-east-1', ownerId: 'owner', versioning: 'Enabled' });
  return index;
}

async function pointContents(index: SqliteIndex, id: string): Promise<Record<string, string>> {
  return Object.fromEntries((await index.listRecoveryPointObjects(id, '', 1000)).map((object) => [object.key, object.etag]));
}

async function livePlacements(index: SqliteIndex): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const page of index.scanPlacements(100)) for (const entry of page) found.add(Buffer.from(entry.placement).toString());
  return found;
}

test('a chain of recovery points: changes only, deletes in any order, nothing held past its last point', async () => {
  const index = await openIndex();
  try {
    for (const key of ['k1', 'k2', 'k3']) await index.putObject(version('b', key, `${key}@1`));
    assert.deepEqual(await index.snapshotBucketForRecoveryPoint('p1', 'b'), { objects: 3, sizeBytes: 12, rowsWritten: 3 });
    assert.deepEqual(await index.snapshotBucketForRecoveryPoint('p1', 'b'), { objects: 3, sizeBytes: 12, rowsWritten: 3 }, 'taken again: nothing more written');
    const overwrite = version('b', 'k1', 'k1@2!');
    await index.putObject(overwrite);
    await index.deleteObject('b', 'k2');
    assert.deepEqual(await index.snapshotBucketForRecoveryPoint('p2', 'b'), { objects: 2, sizeBytes: 9, rowsWritten: 3 });
    assert.deepEqual(await index.snapshotBucketForRecoveryPoint('p3', 'b'), { objects: 2, sizeBytes: 9, rowsWritten: 0 }, 'no change: no row');
    await index.putObject(version('b', 'k2', 'k2@3'));
    assert.deepEqual(await index.snapshotBucketForRecoveryPoint('p4', 'b'), { objects: 3, sizeBytes: 13, rowsWritten: 1 });

    await index.deleteVersion('b', 'k1', overwrite.versionId);
    // The version p2 to p4 hold is gone from the bucket; its placement is still live for them.
    assert.ok((await livePlacements(index)).has(overwrite.dataId));
    await index.deleteRecoveryPointObjects('p2');
    await index.deleteRecoveryPointObjects('p3');
    assert.ok((await livePlacements(index)).has(overwrite.dataId), 'p4 still holds it');
    assert.deepEqual(await pointContents(index, 'p1'), { k1: 'k1@1', k2: 'k2@1', k3: 'k3@1' });
    assert.deepEqual(await pointContents(index, 'p4'), { k1: 'k1@2!', k2: 'k2@3', k3: 'k3@1' }, 'k1 as it was at p4, before its permanent delete');
    // The head goes: the chain rewinds to p1, and the next point diffs against it.
    await index.deleteRecoveryPointObjects('p4');
    assert.ok(!(await livePlacements(index)).has(overwrite.dataId), 'no point holds it any more');
    assert.deepEqual(await index.snapshotBucketForRecoveryPoint('p5', 'b'), { objects: 3, sizeBytes: 12, rowsWritten: 2 });
    assert.deepEqual(await pointContents(index, 'p5'), { k1: 'k1@1', k2: 'k2@3', k3: 'k3@1' });
    await index.deleteRecoveryPointObjects('p1');
    await index.deleteRecoveryPointObjects('p5');
    assert.deepEqual(await pointContents(index, 'p5'), {});
    const placements = await livePlacements(index);
    assert.equal(placements.size, 4, 'only the bucket\'s own versions are live (k1@1, k2@1, k2@3, k3@1)');
  } finally {
    await index.close();
  }
});

test('a continuous backup keeps permanently deleted versions and delete markers for its window, then frees them', async () => {
  const index = await openIndex();
  try {
    const first = version('b', 'gone', 'gone@1');
    await index.putObject(first);
    await index.deleteVersion('b', 'gone', first.versionId);
    assert.deepEqual(await index.listRetainedVersions('b', '', '', 10), [], 'no continuous backup: nothing kept');

    await index.setContinuousBackup('b', 60_000);
    const kept = version('b', 'kept', 'kept@1');
    await index.putObject(kept);
    const marker = await index.deleteObject('b', 'kept');
    await index.deleteVersion('b', 'kept', marker.deleteMarkerVersionId!);
    await index.deleteVersion('b', 'kept', kept.versionId);
    const retained = await index.listRetainedVersions('b', '', '', 10);
    assert.deepEqual(retained.map((entry) => [entry.key, entry.versionId, entry.isDeleteMarker]), [
      ['kept', marker.deleteMarkerVersionId, true], ['kept', kept.versionId, false],
    ]);
    assert.ok(retained.every((entry) => Math.abs(entry.deletedMs - Date.now()) < 10_000));
    assert.ok((await livePlacements(index)).has(kept.dataId), 'compaction counts a kept version live');
    assert.equal(await index.expireRetainedVersions(Date.now()), 0, 'within the window');
    assert.equal(await index.expireRetainedVersions(Date.now() + 61_000), 2);
    assert.deepEqual(await index.listRetainedVersions('b', '', '', 10), []);
    assert.ok(!(await livePlacements(index)).has(kept.dataId));

    // A bucket no longer covered: what it kept goes at the next sweep.
    const again = version('b', 'again', 'again@1');
    await index.putObject(again);
    await index.deleteVersion('b', 'again', again.versionId);
    assert.equal((await index.listRetainedVersions('b', '', '', 10)).length, 1);
    await index.setContinuousBackup('b', undefined);
    assert.equal(await index.expireRetainedVersions(Date.now()), 1);
  } finally {
    await index.close();
  }
});
