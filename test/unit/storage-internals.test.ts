// Unit tests of storage internals whose invariants the public API cannot observe directly:
// group commit never acknowledges bytes a completed fdatasync did not cover; the fd cache is bounded.

import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RECORD_TYPE_DATA, VOLUME_SIZE_BYTES_MAX } from '../../src/storage/constants.js';
import { ReadHandleCache } from '../../src/storage/handle-cache.js';
import { encodeRecord } from '../../src/storage/record.js';
import { Volume, type StorageCounters } from '../../src/storage/volume.js';

/** A FileHandle stand-in whose datasync calls complete only when the test says so. */
class FakeHandle {
  sizeBytes = 0;
  readonly pendingDatasyncs: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  failNextWritev: Error | null = null;

  async writev(buffers: Buffer[], positionBytes: number): Promise<{ bytesWritten: number; buffers: Buffer[] }> {
    if (this.failNextWritev !== null) throw this.failNextWritev;
    assert.equal(positionBytes, this.sizeBytes, 'appends are contiguous');
    const bytesWritten = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    this.sizeBytes += bytesWritten;
    return { bytesWritten, buffers };
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) => this.pendingDatasyncs.push({ resolve, reject }));
  }

  async close(): Promise<void> {}
}

function newVolume(): { volume: Volume; handle: FakeHandle; counters: StorageCounters } {
  const handle = new FakeHandle();
  const counters: StorageCounters = { writevCount: 0, fdatasyncCount: 0, recordsAppendedCount: 0, bytesAppended: 0 };
  const volume = new Volume(1, handle as unknown as FileHandle, VOLUME_SIZE_BYTES_MAX, counters, () => {});
  return { volume, handle, counters };
}

async function appendOne(volume: Volume, text: string): Promise<number> {
  const record = encodeRecord(RECORD_TYPE_DATA, true, { b: 'b', k: text, v: 'v', seq: 0, off: 0 }, Buffer.from(text));
  const { offsetBytes, written } = volume.append(record);
  await written;
  return offsetBytes + record.sizeBytes;
}

/** Lets every pending microtask and I/O callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<void>): { done: () => boolean } {
  let done = false;
  void promise.then(() => { done = true; });
  return { done: () => done };
}

test('group commit: a caller never returns before an fdatasync that started after its write', async () => {
  const { volume, handle, counters } = newVolume();
  const end1 = await appendOne(volume, 'one');
  const sync1 = track(volume.syncThrough(end1));
  await settle();
  assert.equal(handle.pendingDatasyncs.length, 1);

  const end2 = await appendOne(volume, 'two'); // written while fdatasync #1 is in flight
  const sync1Late = track(volume.syncThrough(end1)); // bytes written before #1 started: #1 covers them
  const sync2 = track(volume.syncThrough(end2));
  const sync2b = track(volume.syncThrough(end2));
  await settle();
  assert.equal(handle.pendingDatasyncs.length, 1, 'no second fdatasync while one is in flight');

  handle.pendingDatasyncs.shift()!.resolve();
  await settle();
  assert.ok(sync1.done() && sync1Late.done(), 'fdatasync #1 acknowledges the bytes written before it');
  assert.ok(!sync2.done() && !sync2b.done(), 'bytes written during fdatasync #1 wait for #2');
  assert.equal(handle.pendingDatasyncs.length, 1, 'one fdatasync (#2) for both waiting callers');

  const end3 = await appendOne(volume, 'three');
  const sync3 = track(volume.syncThrough(end3));
  handle.pendingDatasyncs.shift()!.resolve();
  await settle();
  assert.ok(sync2.done() && sync2b.done());
  assert.ok(!sync3.done());
  handle.pendingDatasyncs.shift()!.resolve();
  await settle();
  assert.ok(sync3.done());
  assert.equal(counters.fdatasyncCount, 3);
  await volume.syncThrough(end3); // already durable: no new fdatasync
  assert.equal(handle.pendingDatasyncs.length, 0);
});

test('a failed fdatasync poisons the volume: no retry can acknowledge its bytes', async () => {
  const { volume, handle } = newVolume();
  const end1 = await appendOne(volume, 'one');
  const sync1 = volume.syncThrough(end1);
  await settle();
  handle.pendingDatasyncs.shift()!.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
  await assert.rejects(sync1, /EIO/);
  await assert.rejects(volume.syncThrough(end1), /EIO/);
  assert.equal(handle.pendingDatasyncs.length, 0, 'fdatasync is not retried');
  assert.equal(volume.canAppend(100), false);
});

test('a failed writev rejects its batch and everything queued behind it', async () => {
  const { volume, handle } = newVolume();
  handle.failNextWritev = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  const record = encodeRecord(RECORD_TYPE_DATA, true, { k: 'x' }, Buffer.from('x'));
  const first = volume.append(record);
  const second = volume.append(record);
  await assert.rejects(first.written, /ENOSPC/);
  await assert.rejects(second.written, /ENOSPC/);
  assert.equal(volume.canAppend(1), false);
});

test('the read handle cache stays within its bound once reads finish', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-storage-cache-'));
  try {
    for (let id = 1; id <= 5; id++) await fs.writeFile(path.join(dir, `${id}`), `volume ${id}`);
    const cache = new ReadHandleCache((id) => path.join(dir, `${id}`), 2);
    const readText = (id: number) =>
      cache.withHandle(id, async (handle) => (await handle.readFile('utf8')));
    for (let id = 1; id <= 5; id++) assert.equal(await readText(id), `volume ${id}`);
    assert.equal(cache.sizeEntries, 2);
    // Four reads in flight at once: handles in use are never closed under a reader.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const held = [1, 2, 3, 4].map((id) => cache.withHandle(id, async (handle) => { await gate; return (await handle.stat()).size; }));
    await settle();
    assert.equal(cache.sizeEntries, 4);
    release();
    await Promise.all(held);
    assert.equal(cache.sizeEntries, 2);
    await assert.rejects(cache.withHandle(99, async () => 0), { code: 'ENOENT' });
    assert.equal(cache.sizeEntries, 2, 'a failed open is not cached');
    await cache.closeAll();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
