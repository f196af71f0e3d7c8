// Storage.read with reuseBuffers (the GET path, docs/performance.md "Large objects (session 8)"):
// records are read into two buffers in turn, so a caller done with each chunk before it asks for
// the next gets exact bytes with two allocations per stream instead of one per record. And the
// writer fills two unit buffers in turn: what it wrote reads back exactly.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CHUNK_SIZE_BYTES_MAX, Storage, type Placement, type RecordIdentity } from '../../src/storage/index.js';

const MIB = CHUNK_SIZE_BYTES_MAX;
const directories: string[] = [];
after(async () => {
  for (const directory of directories) await fs.rm(directory, { recursive: true, force: true });
});

async function openStorage(): Promise<Storage> {
  const drivePath = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-read-reuse-'));
  directories.push(drivePath);
  return Storage.open({ drivePath, logger: () => undefined });
}

async function put(storage: Storage, id: RecordIdentity, data: Buffer): Promise<Placement> {
  const writer = storage.createWriter(id);
  // Socket-sized pieces of an odd size, so pieces straddle the units.
  for (let offset = 0; offset < data.length; offset += 65_537) await writer.write(data.subarray(offset, offset + 65_537));
  const placement = await writer.finish({});
  writer.release();
  return placement;
}

test('a reader that reuses buffers returns exact bytes from two buffers, whole and in ranges', async () => {
  const storage = await openStorage();
  const id = { bucket: 'bucket-a', key: 'large', versionId: 'v1' };
  const data = randomBytes(6 * MIB + 777);
  const placement = await put(storage, id, data);
  assert.equal(placement.chunks.length, 7);
  for (const range of [undefined, { startByte: MIB - 5, endByteInclusive: 5 * MIB + 4 }, { startByte: 3, endByteInclusive: data.length - 1 }]) {
    const copies: Buffer[] = [];
    const backing = new Set<ArrayBufferLike>();
    for await (const chunk of storage.read(id, placement, range, { reuseBuffers: true })) {
      backing.add(chunk.buffer);
      copies.push(Buffer.from(chunk));
    }
    const expected = range === undefined ? data : data.subarray(range.startByte, range.endByteInclusive + 1);
    assert.ok(Buffer.concat(copies).equals(expected));
    assert.equal(backing.size, 2, 'every record read into one of two buffers');
  }
  // Without the option, chunks stay the caller's to keep: one buffer per record.
  const kept: Buffer[] = [];
  for await (const chunk of storage.read(id, placement)) kept.push(chunk);
  assert.ok(Buffer.concat(kept).equals(data));
  assert.equal(new Set(kept.map((chunk) => chunk.buffer)).size, kept.length);
  await storage.close();
});
