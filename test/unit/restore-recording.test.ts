// The index's record of restores: a new restore queues ObjectRestore:Post with the request; each
// later moment (ready: Completed, copy expired: Delete) is recorded exactly once however often or
// late recordRestoreProgress runs; a copy that expired unrecorded is recorded before a new restore
// replaces it; a deleted version's restore ends without events.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import type { ObjectRecord, QueuedEvent } from '../../src/index/types.js';
import { newTimeOrderedId } from '../../src/util/ids.js';

const BUCKET = 'cold';
const LISTENER = 'listen:test';
const ORIGIN = { requester: '111122223333', requestId: 'req-1' };

function glacier(key: string): ObjectRecord {
  return {
    bucket: BUCKET, key, versionId: 'null', dataId: newTimeOrderedId(), sizeBytes: 5, etag: 'e', lastModifiedMs: 1, storageClass: 'GLACIER',
    headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array([1]),
  };
}

function restoreState(readyMs: number, expiresMs: number) {
  return { tier: 'Standard' as const, requestedMs: 0, readyMs, expiresMs };
}

describe('restore recording in the index', () => {
  let directory: string;
  let index: SqliteIndex;
  let seen = 0;
  /** Events queued since the last call: [event name, key, restore expiry, restore class]. */
  const newEvents = async (): Promise<Array<[string, string, number | undefined, string | undefined]>> => {
    const queued: QueuedEvent[] = (await index.readEventQueue(LISTENER, 1000)).slice(seen);
    seen += queued.length;
    return queued.map((event) => [event.eventName, event.key, event.restoreExpiryMs, event.restoreStorageClass]);
  };

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cairn-restore-recording-'));
    index = SqliteIndex.open(join(directory, 'index.db'));
    await index.createBucket({ name: BUCKET, createdAtMs: 1, region: 'us-east-1', ownerId: 'o' });
    await index.putEventListener({ id: LISTENER, bucket: BUCKET, events: ['s3:ObjectRestore:*'], expiresAtMs: Date.now() + 3_600_000 });
  });
  after(async () => {
    await index.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('queues Post with the request, then Completed and Delete once each', async () => {
    const object = glacier('a');
    await index.putObject(object);
    assert.deepEqual(await newEvents(), [], 'a PUT is no ObjectRestore event');
    assert.equal(await index.putObjectRestore(BUCKET, 'a', object.dataId, restoreState(1000, 2000), 0, ORIGIN), true);
    const [post] = await index.readEventQueue(LISTENER, 1);
    assert.equal(post?.requester, ORIGIN.requester);
    assert.deepEqual(await newEvents(), [['ObjectRestore:Post', 'a', undefined, undefined]]);
    assert.equal(await index.recordRestoreProgress(999, 10), 0);
    assert.equal(await index.recordRestoreProgress(1000, 10), 1);
    assert.equal(await index.recordRestoreProgress(1500, 10), 0);
    assert.deepEqual(await newEvents(), [['ObjectRestore:Completed', 'a', 2000, 'GLACIER']]);
    // Restoring the restored copy again moves its expiry: no new Post, no second Completed.
    assert.equal(await index.putObjectRestore(BUCKET, 'a', object.dataId, restoreState(1000, 3000), 1600, ORIGIN), true);
    assert.equal(await index.recordRestoreProgress(2500, 10), 0);
    assert.deepEqual(await newEvents(), []);
    assert.equal(await index.recordRestoreProgress(3000, 10), 1);
    assert.equal(await index.recordRestoreProgress(9000, 10), 0);
    assert.deepEqual(await newEvents(), [['ObjectRestore:Delete', 'a', undefined, undefined]]);
  });

  it('records both moments of a late job in order, and an unrecorded expiry before a new restore', async () => {
    const late = glacier('late');
    await index.putObject(late);
    await index.putObjectRestore(BUCKET, 'late', late.dataId, restoreState(10_000, 20_000), 0, ORIGIN);
    assert.equal(await index.recordRestoreProgress(30_000, 10), 2);
    assert.deepEqual((await newEvents()).map(([name]) => name), ['ObjectRestore:Post', 'ObjectRestore:Completed', 'ObjectRestore:Delete']);

    const again = glacier('again');
    await index.putObject(again);
    await index.putObjectRestore(BUCKET, 'again', again.dataId, restoreState(10_000, 20_000), 0, ORIGIN);
    // The job never ran: the new restore records the old one's moments first, then its own request.
    await index.putObjectRestore(BUCKET, 'again', again.dataId, restoreState(40_000, 50_000), 30_000, ORIGIN);
    assert.deepEqual((await newEvents()).map(([name]) => name),
      ['ObjectRestore:Post', 'ObjectRestore:Completed', 'ObjectRestore:Delete', 'ObjectRestore:Post']);
    assert.deepEqual(await index.getObjectRestore(BUCKET, 'again', again.dataId), restoreState(40_000, 50_000));
    assert.equal(await index.recordRestoreProgress(45_000, 10), 1);
    assert.deepEqual((await newEvents()).map(([name]) => name), ['ObjectRestore:Completed']);
  });

  it('ends the restore of a deleted version without events', async () => {
    const gone = glacier('gone');
    await index.putObject(gone);
    await index.putObjectRestore(BUCKET, 'gone', gone.dataId, restoreState(1000, 2000), 0, ORIGIN);
    await index.deleteObject(BUCKET, 'gone');
    await newEvents();
    assert.equal(await index.recordRestoreProgress(5000, 10), 2);
    assert.equal(await index.recordRestoreProgress(5000, 10), 0);
    assert.deepEqual(await newEvents(), []);
    // A restore of a version that no longer exists records nothing.
    assert.equal(await index.putObjectRestore(BUCKET, 'gone', gone.dataId, restoreState(1000, 2000), 0, ORIGIN), false);
    assert.deepEqual(await newEvents(), []);
  });
});
