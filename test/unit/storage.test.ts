import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  CHUNK_SIZE_BYTES_MAX,
  decodePlacement,
  DriveFormatError,
  encodePlacement,
  RECORD_FIXED_HEADER_SIZE_BYTES,
  RECORD_TYPE_DATA,
  RECORD_TYPE_TOMBSTONE,
  Storage,
  StorageCorruptionError,
  VOLUME_SIZE_BYTES_MIN,
  volumePath,
  type ByteRange,
  type Placement,
  type RecordIdentity,
  type ScannedRecord,
} from '../../src/storage/index.js';

const MIB = CHUNK_SIZE_BYTES_MAX;
const tempDirs: string[] = [];

after(async () => {
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-storage-test-'));
  tempDirs.push(dir);
  return dir;
}

async function openStorage(drivePath: string, volumeSizeBytesMax?: number): Promise<{ storage: Storage; logLines: string[] }> {
  const logLines: string[] = [];
  const storage = await Storage.open({ drivePath, logger: (line) => logLines.push(line), volumeSizeBytesMax });
  return { storage, logLines };
}

function identity(key: string): RecordIdentity {
  return { bucket: 'bucket-a', key, versionId: `v-${key}` };
}

/** Writes `data` in pieces of `pieceSizeBytes` (an odd size, so pieces straddle chunk boundaries). */
async function put(storage: Storage, id: RecordIdentity, data: Buffer, pieceSizeBytes = 100_003): Promise<Placement> {
  const writer = storage.createWriter(id);
  for (let offset = 0; offset < data.length; offset += pieceSizeBytes) {
    await writer.write(data.subarray(offset, offset + pieceSizeBytes));
  }
  assert.equal(writer.bytesWritten, data.length);
  return writer.finish({ contentType: 'application/octet-stream', etag: 'x' });
}

async function get(storage: Storage, id: RecordIdentity, placement: Placement, range?: ByteRange): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of storage.read(id, placement, range)) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

async function scanAll(storage: Storage): Promise<ScannedRecord[]> {
  const records: ScannedRecord[] = [];
  for await (const record of storage.scanRecords()) records.push(record);
  return records;
}

async function flipByte(filePath: string, positionBytes: number): Promise<void> {
  const handle = await fs.open(filePath, 'r+');
  try {
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, positionBytes);
    one[0] = one[0]! ^ 0x5a;
    await handle.write(one, 0, 1, positionBytes);
  } finally {
    await handle.close();
  }
}

describe('storage round trips', () => {
  const sizes = [0, 1, 4096, MIB, MIB + 1, 5.5 * MIB];
  for (const sizeBytes of sizes) {
    test(`${sizeBytes} bytes`, async () => {
      const { storage } = await openStorage(await tempDir());
      const data = randomBytes(sizeBytes);
      const id = identity(`object-${sizeBytes}`);
      const placement = await put(storage, id, data);
      assert.equal(placement.sizeBytes, sizeBytes);
      assert.equal(placement.chunks.length, Math.max(1, Math.ceil(sizeBytes / MIB)));
      assert.deepEqual(await get(storage, id, placement), data);
      const decoded = decodePlacement(encodePlacement(placement));
      assert.deepEqual(decoded, placement);
      assert.deepEqual(await get(storage, id, decoded), data);
      // One write call of the whole body gives the same layout.
      const placement2 = await put(storage, identity(`whole-${sizeBytes}`), data, Math.max(sizeBytes, 1));
      assert.deepEqual(placement2.chunks.map((c) => c.payloadLengthBytes), placement.chunks.map((c) => c.payloadLengthBytes));
      await storage.close();
    });
  }

  test('ranged reads across chunk boundaries touch only their chunks', async () => {
    const { storage } = await openStorage(await tempDir());
    const data = randomBytes(5.5 * MIB);
    const id = identity('ranged');
    const placement = await put(storage, id, data);
    const last = data.length - 1;
    const ranges: Array<[number, number, number]> = [
      [0, 0, 1], [last, last, 1], [MIB - 1, MIB, 2], [MIB, MIB, 1], [MIB - 10, 3 * MIB + 10, 4],
      [0, last, 6], [5 * MIB, last, 1], [2 * MIB + 7, 2 * MIB + 4096, 1],
    ];
    for (const [startByte, endByteInclusive, chunksTouched] of ranges) {
      const readsBefore = storage.stats.readsCount;
      const bytes = await get(storage, id, placement, { startByte, endByteInclusive });
      assert.deepEqual(bytes, data.subarray(startByte, endByteInclusive + 1), `range ${startByte}-${endByteInclusive}`);
      assert.equal(storage.stats.readsCount - readsBefore, chunksTouched, `chunks read for ${startByte}-${endByteInclusive}`);
    }
    for (const bad of [{ startByte: -1, endByteInclusive: 0 }, { startByte: 5, endByteInclusive: 4 }, { startByte: 0, endByteInclusive: data.length }]) {
      await assert.rejects(get(storage, id, placement, bad), RangeError);
    }
    await storage.close();
  });

  test('200 concurrent 4 KiB writers share writevs and fdatasyncs (group commit)', async () => {
    const { storage } = await openStorage(await tempDir());
    const before = storage.stats;
    const bodies = Array.from({ length: 200 }, () => randomBytes(4096));
    const placements = await Promise.all(bodies.map((body, index) => put(storage, identity(`small-${index}`), body)));
    const after = storage.stats;
    const fdatasyncs = after.fdatasyncCount - before.fdatasyncCount;
    const writevs = after.writevCount - before.writevCount;
    assert.ok(fdatasyncs <= 50, `${fdatasyncs} fdatasyncs for 200 writers`);
    assert.ok(writevs < 200, `${writevs} writevs for 200 writers`);
    const locations = new Set(placements.map((p) => `${p.chunks[0]!.volumeId}:${p.chunks[0]!.recordOffsetBytes}`));
    assert.equal(locations.size, 200);
    for (const [index, placement] of placements.entries()) {
      assert.deepEqual(await get(storage, identity(`small-${index}`), placement), bodies[index]);
    }
    await storage.close();
  });

  test('volumes roll over and objects span volumes', async () => {
    const drivePath = await tempDir();
    const { storage } = await openStorage(drivePath, VOLUME_SIZE_BYTES_MIN);
    const firstVolumeId = storage.stats.activeVolumeId;
    const bodies = Array.from({ length: 12 }, (_, index) => randomBytes(300_000 + index * 50_000));
    const placements = await Promise.all(bodies.map((body, index) => put(storage, identity(`roll-${index}`), body)));
    const big = randomBytes(3.5 * MIB);
    const bigPlacement = await put(storage, identity('roll-big'), big);
    assert.ok(storage.stats.activeVolumeId > firstVolumeId + 3, 'several rollovers happened');
    assert.ok(new Set(bigPlacement.chunks.map((c) => c.volumeId)).size > 1, 'the big object spans volumes');
    for (const [index, placement] of placements.entries()) {
      assert.deepEqual(await get(storage, identity(`roll-${index}`), placement), bodies[index]);
    }
    assert.deepEqual(await get(storage, identity('roll-big'), bigPlacement), big);
    await storage.close();
    for (const chunk of [...placements.flatMap((p) => p.chunks), ...bigPlacement.chunks]) {
      const { size } = await fs.stat(volumePath(drivePath, chunk.volumeId));
      assert.ok(size <= VOLUME_SIZE_BYTES_MIN);
    }
  });
});

describe('storage verifies every byte it reads', () => {
  test('a flipped byte in payload, header JSON or fixed header is a StorageCorruptionError', async () => {
    const drivePath = await tempDir();
    const { storage, logLines } = await openStorage(drivePath);
    const data = randomBytes(4096);
    const id = identity('victim');
    const placement = await put(storage, id, data);
    const chunk = placement.chunks[0]!;
    const file = volumePath(drivePath, chunk.volumeId);
    const at = chunk.recordOffsetBytes;
    const jsonAt = at + RECORD_FIXED_HEADER_SIZE_BYTES;
    const payloadAt = jsonAt + chunk.headerJsonLengthBytes;
    const positions = {
      'payload first byte': payloadAt, 'payload middle': payloadAt + 2000, 'payload last byte': payloadAt + 4095,
      'header JSON': jsonAt + 7, 'magic': at, 'header JSON length': at + 7, 'payload length': at + 10, 'type': at + 12,
      'flags': at + 13, 'reserved': at + 15, 'header CRC': at + 17, 'payload CRC': at + 22,
    };
    for (const [what, position] of Object.entries(positions)) {
      await flipByte(file, position);
      const yielded: Buffer[] = [];
      await assert.rejects(
        (async () => { for await (const part of storage.read(id, placement)) yielded.push(part); })(),
        (error: unknown) => error instanceof StorageCorruptionError && error.volumeId === chunk.volumeId && error.offsetBytes === at,
        what,
      );
      assert.equal(yielded.length, 0, `${what}: no bytes yielded`);
      await flipByte(file, position);
      assert.deepEqual(await get(storage, id, placement), data, `${what}: readable again once repaired`);
    }
    assert.ok(logLines.some((line) => line.includes('CORRUPTION') && line.includes('victim')));
    await storage.close();
  });

  test('corruption in one chunk fails only reads that touch it, after the good chunks', async () => {
    const drivePath = await tempDir();
    const { storage } = await openStorage(drivePath);
    const data = randomBytes(3 * MIB + 5);
    const id = identity('three-chunks');
    const placement = await put(storage, id, data);
    const third = placement.chunks[2]!;
    await flipByte(volumePath(drivePath, third.volumeId), third.recordOffsetBytes + RECORD_FIXED_HEADER_SIZE_BYTES + third.headerJsonLengthBytes + 99);
    const yielded: Buffer[] = [];
    await assert.rejects(
      (async () => { for await (const part of storage.read(id, placement)) yielded.push(Buffer.from(part)); })(),
      StorageCorruptionError,
    );
    assert.deepEqual(Buffer.concat(yielded), data.subarray(0, 2 * MIB), 'only the verified chunks were yielded');
    assert.deepEqual(await get(storage, id, placement, { startByte: 10, endByteInclusive: 2 * MIB - 1 }), data.subarray(10, 2 * MIB));
    await assert.rejects(get(storage, id, placement, { startByte: 2 * MIB, endByteInclusive: 2 * MIB }), StorageCorruptionError);
    await storage.close();
  });

  test('a read with the wrong identity or a foreign placement throws', async () => {
    const { storage } = await openStorage(await tempDir());
    const a = await put(storage, identity('a'), randomBytes(2 * MIB + 3));
    const b = await put(storage, identity('b'), randomBytes(100));
    for (const wrong of [{ ...identity('a'), key: 'a2' }, { ...identity('a'), bucket: 'other' }, { ...identity('a'), versionId: 'v2' }]) {
      await assert.rejects(get(storage, wrong, a), (error: unknown) => error instanceof StorageCorruptionError && /another object/.test(error.reason));
    }
    await assert.rejects(get(storage, identity('a'), b), StorageCorruptionError);
    const reordered: Placement = { sizeBytes: a.sizeBytes, chunks: [a.chunks[1]!, a.chunks[0]!, a.chunks[2]!] };
    await assert.rejects(get(storage, identity('a'), reordered), StorageCorruptionError);
    const shifted: Placement = { sizeBytes: 100, chunks: [{ ...b.chunks[0]!, recordOffsetBytes: b.chunks[0]!.recordOffsetBytes + 1 }] };
    await assert.rejects(get(storage, identity('b'), shifted), StorageCorruptionError);
    const pastEnd: Placement = { sizeBytes: 100, chunks: [{ ...b.chunks[0]!, recordOffsetBytes: 100 * MIB }] };
    await assert.rejects(get(storage, identity('b'), pastEnd), (error: unknown) => error instanceof StorageCorruptionError && /past the end/.test(error.reason));
    await storage.close();
  });
});

describe('drives across restarts', () => {
  test('reopen after close: new volume, old objects readable', async () => {
    const drivePath = await tempDir();
    const first = await openStorage(drivePath);
    const data = randomBytes(1.5 * MIB);
    const placement = await put(first.storage, identity('kept'), data);
    const oldVolumeId = first.storage.stats.activeVolumeId;
    await first.storage.close();
    await assert.rejects(async () => first.storage.writeTombstone(identity('kept')), /closed/);
    const second = await openStorage(drivePath);
    assert.ok(second.storage.stats.activeVolumeId > oldVolumeId);
    assert.equal(second.storage.format.driveId, first.storage.format.driveId);
    assert.deepEqual(await get(second.storage, identity('kept'), placement), data);
    await second.storage.close();
  });

  test('a torn tail: scan reports the valid records and stops at the tear; reopen works', async () => {
    const drivePath = await tempDir();
    const first = await openStorage(drivePath);
    const bodies = [randomBytes(1000), randomBytes(MIB + 10), randomBytes(5000)];
    const placements: Placement[] = [];
    for (const [index, body] of bodies.entries()) placements.push(await put(first.storage, identity(`t${index}`), body));
    await first.storage.writeTombstone(identity('t0'));
    const volumeId = first.storage.stats.activeVolumeId;
    await first.storage.close();
    const tornAt = placements[2]!.chunks[0]!.recordOffsetBytes;
    await fs.truncate(volumePath(drivePath, volumeId), tornAt + 30);

    const second = await openStorage(drivePath);
    const records = await scanAll(second.storage);
    assert.deepEqual(
      records.map((r) => [r.volumeId, r.valid, r.type, r.final, r.header.k]),
      [[volumeId, true, RECORD_TYPE_DATA, true, 't0'], [volumeId, true, RECORD_TYPE_DATA, false, 't1'],
        [volumeId, true, RECORD_TYPE_DATA, true, 't1'], [volumeId, false, RECORD_TYPE_DATA, true, undefined]],
    );
    const torn = records[3]!;
    assert.equal(torn.recordOffsetBytes, tornAt);
    assert.match(torn.reason ?? '', /volume ends inside/);
    const final1 = records[2]!;
    assert.deepEqual(
      { ...final1.header },
      { b: 'bucket-a', k: 't1', v: 'v-t1', seq: 1, off: MIB, size: MIB + 10, chunks: 2, meta: { contentType: 'application/octet-stream', etag: 'x' } },
    );
    assert.equal(final1.payloadLengthBytes, 10);
    assert.equal(final1.headerJsonLengthBytes, placements[1]!.chunks[1]!.headerJsonLengthBytes);
    assert.deepEqual(await get(second.storage, identity('t1'), placements[1]!), bodies[1]);
    await assert.rejects(get(second.storage, identity('t2'), placements[2]!), StorageCorruptionError);
    const fresh = randomBytes(777);
    assert.deepEqual(await get(second.storage, identity('fresh'), await put(second.storage, identity('fresh'), fresh)), fresh);
    await second.storage.close();
  });

  test('tombstones are durable, self-describing records', async () => {
    const { storage } = await openStorage(await tempDir());
    const before = Date.now();
    await storage.writeTombstone(identity('gone'));
    const records = await scanAll(storage);
    assert.equal(records.length, 1);
    const [tombstone] = records;
    assert.equal(tombstone!.type, RECORD_TYPE_TOMBSTONE);
    assert.equal(tombstone!.valid, true);
    assert.equal(tombstone!.payloadLengthBytes, 0);
    assert.deepEqual([tombstone!.header.b, tombstone!.header.k, tombstone!.header.v], ['bucket-a', 'gone', 'v-gone']);
    assert.ok((tombstone!.header.at as number) >= before);
    await storage.close();
  });
});

describe('opening a drive', () => {
  test('creates format.json in a missing or empty directory', async () => {
    for (const drivePath of [path.join(await tempDir(), 'missing', 'drive'), await tempDir()]) {
      const { storage } = await openStorage(drivePath);
      const format = JSON.parse(await fs.readFile(path.join(drivePath, 'format.json'), 'utf8'));
      assert.equal(format.format, 'cairn-drive');
      assert.equal(format.formatVersion, 1);
      assert.match(format.driveId, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(format.createdAt)));
      assert.deepEqual((await fs.readdir(drivePath)).sort(), ['format.json', 'volumes']);
      await storage.close();
    }
  });

  test('an empty mount point (lost+found) or a crashed initialisation still counts as empty', async () => {
    const drivePath = await tempDir();
    await fs.mkdir(path.join(drivePath, 'lost+found'));
    await fs.writeFile(path.join(drivePath, '.format.json.tmp-1-crashed'), '{"form');
    const { storage } = await openStorage(drivePath);
    assert.equal(JSON.parse(await fs.readFile(path.join(drivePath, 'format.json'), 'utf8')).format, 'cairn-drive');
    await storage.close();
  });

  test('storages opened at once on one fresh drive agree on its id and get distinct volumes', async () => {
    const drivePath = await tempDir();
    const opened = await Promise.all(Array.from({ length: 4 }, () => openStorage(drivePath)));
    const storages = opened.map((o) => o.storage);
    assert.equal(new Set(storages.map((s) => s.format.driveId)).size, 1);
    assert.equal(new Set(storages.map((s) => s.stats.activeVolumeId)).size, 4);
    const bodies = storages.map(() => randomBytes(5000));
    const placements = await Promise.all(storages.map((s, i) => put(s, identity(`shared-${i}`), bodies[i]!)));
    for (const [i, placement] of placements.entries()) {
      assert.deepEqual(await get(storages[(i + 1) % 4]!, identity(`shared-${i}`), placement), bodies[i]);
    }
    await Promise.all(storages.map((s) => s.close()));
    assert.deepEqual((await fs.readdir(drivePath)).sort(), ['format.json', 'volumes']);
  });

  async function assertRefused(drivePath: string, message: RegExp): Promise<void> {
    const listing = async () => {
      const stat = await fs.stat(drivePath);
      if (!stat.isDirectory()) return [await fs.readFile(drivePath, 'utf8')];
      return Promise.all((await fs.readdir(drivePath)).sort().map(async (name) => `${name}=${await fs.readFile(path.join(drivePath, name), 'utf8')}`));
    };
    const before = await listing();
    await assert.rejects(Storage.open({ drivePath, logger: () => {} }), (error: unknown) => error instanceof DriveFormatError && message.test(error.message));
    assert.deepEqual(await listing(), before, 'the path is untouched');
  }

  test('refuses a path that is a file', async () => {
    const filePath = path.join(await tempDir(), 'a-file');
    await fs.writeFile(filePath, 'not a drive');
    await assertRefused(filePath, /is a file, not a directory/);
  });

  test('refuses a drive from a newer format version', async () => {
    const drivePath = await tempDir();
    await fs.writeFile(path.join(drivePath, 'format.json'), JSON.stringify({ format: 'cairn-drive', formatVersion: 99, driveId: 'x', createdAt: 'y' }));
    await assertRefused(drivePath, /formatVersion 99, newer than this Cairn supports \(1\)/);
  });

  test('refuses a directory that is not a cairn drive', async () => {
    const notEmpty = await tempDir();
    await fs.writeFile(path.join(notEmpty, 'photo.jpg'), 'jpeg');
    await assertRefused(notEmpty, /not a Cairn drive: the directory is not empty/);
    const otherFormat = await tempDir();
    await fs.writeFile(path.join(otherFormat, 'format.json'), JSON.stringify({ format: 'xl' }));
    await assertRefused(otherFormat, /not a Cairn drive/);
    const garbage = await tempDir();
    await fs.writeFile(path.join(garbage, 'format.json'), '{ nope');
    await assertRefused(garbage, /not a Cairn drive: format.json is not valid JSON/);
  });
});

describe('object writers', () => {
  test('abort(): no placement, no final record, nothing visible', async () => {
    const drivePath = await tempDir();
    const { storage } = await openStorage(drivePath);
    const writer = storage.createWriter(identity('aborted'));
    await writer.write(randomBytes(2.5 * MIB));
    writer.abort();
    await assert.rejects(writer.finish({}), /aborted/);
    await assert.rejects(writer.write(Buffer.from('more')), /aborted/);
    // The second chunk's append may still be in flight when abort() returns: close() drains it.
    await storage.close();
    const reopened = await openStorage(drivePath);
    const records = (await scanAll(reopened.storage)).filter((r) => r.header.k === 'aborted');
    assert.equal(records.length, 2, 'the two full chunks were appended before the abort');
    assert.ok(records.every((r) => r.valid && !r.final && r.header.meta === undefined));
    await reopened.storage.close();
  });

  test('concurrent calls on one writer and oversized metadata are refused', async () => {
    const { storage } = await openStorage(await tempDir());
    const writer = storage.createWriter(identity('busy'));
    const data = randomBytes(2 * MIB);
    const first = writer.write(data);
    await assert.rejects(writer.write(Buffer.from('x')), /pending/);
    await first;
    assert.deepEqual(await get(storage, identity('busy'), await writer.finish({})), data);
    const big = storage.createWriter(identity('big-meta'));
    await assert.rejects(big.finish({ blob: 'x'.repeat(100_000) }), RangeError);
    await storage.close();
  });

  test('a writer does not keep a reference to the caller\'s buffer', async () => {
    const { storage } = await openStorage(await tempDir());
    const writer = storage.createWriter(identity('reuse'));
    const scratch = Buffer.alloc(1000, 1);
    await writer.write(scratch);
    scratch.fill(2);
    await writer.write(scratch);
    scratch.fill(3);
    const placement = await writer.finish({});
    assert.deepEqual(await get(storage, identity('reuse'), placement), Buffer.concat([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]));
    await storage.close();
  });
});

describe('placement encoding', () => {
  test('is compact and rejects malformed input', () => {
    const placement: Placement = { sizeBytes: 4096, chunks: [{ volumeId: 3, recordOffsetBytes: 123_456, headerJsonLengthBytes: 90, payloadLengthBytes: 4096 }] };
    const encoded = encodePlacement(placement);
    assert.equal(encoded[0], 1);
    assert.ok(encoded.length <= 16, `${encoded.length} bytes`);
    assert.deepEqual(decodePlacement(new Uint8Array(encoded)), placement);
    for (const bad of [Buffer.from([]), Buffer.from([2, 0, 1]), Buffer.concat([encoded, Buffer.from([0])]), encoded.subarray(0, encoded.length - 1)]) {
      assert.throws(() => decodePlacement(bad), RangeError);
    }
    assert.throws(() => encodePlacement({ sizeBytes: 10, chunks: placement.chunks }), /sum/);
    assert.throws(() => encodePlacement({ sizeBytes: 0, chunks: [] }), RangeError);
  });
});
