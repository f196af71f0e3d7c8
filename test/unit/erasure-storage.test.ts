// The storage layer over an erasure set, driven directly: striping math, placement encoding,
// round trips in both redundancy classes, reads that rebuild missing or corrupt shards, write
// quorum, and the refusals when the drives cannot form one set.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  decodePlacement,
  encodePlacement,
  ErasureSetError,
  Storage,
  StorageCorruptionError,
  StorageUnavailableError,
  volumePath,
  type ByteRange,
  type Placement,
  type RecordIdentity,
  type Redundancy,
} from '../../src/storage/index.js';
import { RECORD_FIXED_HEADER_SIZE_BYTES, SMALL_OBJECT_COPIES_SIZE_BYTES_MAX, STRIPE_DATA_SIZE_BYTES } from '../../src/storage/constants.js';
import { dataShardsCovering, driveOfShard, layoutFor, shardSizeBytes, standardParityShards, stripeCountOf, stripeDataBytesOf, writeQuorum } from '../../src/storage/erasure/geometry.js';

const MIB = 1024 * 1024;
const tempDirs: string[] = [];

after(async () => {
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-erasure-test-'));
  tempDirs.push(dir);
  return dir;
}

async function drivePaths(count: number): Promise<string[]> {
  const root = await tempDir();
  return Array.from({ length: count }, (_, index) => path.join(root, `d${index + 1}`));
}

async function openSet(paths: string[]): Promise<{ storage: Storage; logLines: string[] }> {
  const logLines: string[] = [];
  // Health checks are driven by the tests (checkHealth()), not by a timer.
  const storage = await Storage.open({ drivePaths: paths, logger: (line) => logLines.push(line), healthCheckIntervalMs: 3_600_000 });
  return { storage, logLines };
}

function identity(key: string): RecordIdentity {
  return { bucket: 'bucket-e', key, versionId: `v-${key}` };
}

async function put(storage: Storage, id: RecordIdentity, data: Buffer, redundancy: Redundancy = 'standard', pieceSizeBytes = 100_003): Promise<Placement> {
  const writer = storage.createWriter(id, { redundancy });
  for (let offset = 0; offset < data.length; offset += pieceSizeBytes) await writer.write(data.subarray(offset, offset + pieceSizeBytes));
  return writer.finish({ etag: 'x' });
}

async function get(storage: Storage, id: RecordIdentity, placement: Placement, range?: ByteRange): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of storage.read(id, placement, range)) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Flips one payload byte of a shard record, found through the placement. */
async function corruptShard(paths: string[], placement: Placement, stripeIndex: number, shardIndex: number): Promise<void> {
  const erasure = placement.erasure!;
  const location = erasure.stripes[stripeIndex]![shardIndex]!;
  const drive = paths[driveOfShard(erasure.drives, stripeIndex, shardIndex)]!;
  const handle = await fs.open(volumePath(drive, location.volumeId), 'r+');
  try {
    const position = location.recordOffsetBytes + RECORD_FIXED_HEADER_SIZE_BYTES + location.headerJsonLengthBytes + 3;
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, position);
    one[0] = one[0]! ^ 0xff;
    await handle.write(one, 0, 1, position);
  } finally {
    await handle.close();
  }
}

describe('geometry and striping math', () => {
  test('parity per set size follows DESIGN.md §3, k = N − m, m ≤ N/2', () => {
    const expected: Record<number, number> = { 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 7: 3, 8: 4, 12: 4, 16: 4 };
    for (const [drives, parity] of Object.entries(expected)) assert.equal(standardParityShards(Number(drives)), parity, `${drives} drives`);
    assert.deepEqual(layoutFor('standard', 6), { dataShards: 3, parityShards: 3 });
    assert.deepEqual(layoutFor('reduced', 6), { dataShards: 1, parityShards: 1 });
    assert.equal(writeQuorum(layoutFor('standard', 6)), 4, '3+3: m = N/2, so k+1');
    assert.equal(writeQuorum(layoutFor('standard', 5)), 3);
    assert.equal(writeQuorum(layoutFor('standard', 12)), 8);
    assert.equal(writeQuorum(layoutFor('reduced', 6)), 2, 'both copies');
  });

  test('shard sizes, stripe counts and the data shards a range touches', () => {
    assert.equal(shardSizeBytes(MIB, 3), 349_528, '⌈1 MiB / 3⌉ rounded up to 8 bytes');
    assert.equal(shardSizeBytes(MIB, 4), MIB / 4);
    assert.equal(shardSizeBytes(1, 4), 8);
    assert.equal(shardSizeBytes(0, 4), 0);
    assert.equal(shardSizeBytes(12_345, 1), 12_345, 'a copy is not padded');
    assert.equal(stripeCountOf(0, MIB), 1);
    assert.equal(stripeCountOf(MIB, MIB), 1);
    assert.equal(stripeCountOf(MIB + 1, MIB), 2);
    assert.equal(stripeDataBytesOf(2 * MIB + 5, MIB, 2), 5);
    assert.equal(stripeDataBytesOf(2 * MIB + 5, MIB, 1), MIB);
    assert.deepEqual(dataShardsCovering(0, 1, 1000), { first: 0, last: 0 });
    assert.deepEqual(dataShardsCovering(999, 1001, 1000), { first: 0, last: 1 });
    assert.deepEqual(dataShardsCovering(2000, 3000, 1000), { first: 2, last: 2 });
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((shard) => driveOfShard([4, 5, 0, 1, 2, 3], 1, shard)), [5, 0, 1, 2, 3, 4], 'slots rotate per stripe');
  });
});

describe('erasure placement encoding', () => {
  test('round-trips, stays compact, and rejects malformed input', async () => {
    const paths = await drivePaths(6);
    const { storage } = await openSet(paths);
    const small = await put(storage, identity('small'), randomBytes(4096));
    const large = await put(storage, identity('large'), randomBytes(5 * MIB + 17));
    for (const placement of [small, large]) {
      const encoded = encodePlacement(placement);
      assert.equal(encoded[0], 2, 'placement format version 2');
      assert.deepEqual(decodePlacement(new Uint8Array(encoded)), placement);
    }
    assert.ok(encodePlacement(small).length <= 60, `4 KiB object (4 copies): ${encodePlacement(small).length} bytes`);
    assert.ok(encodePlacement(large).length <= 20 + 6 * 6 * 8, `6-stripe object: ${encodePlacement(large).length} bytes`);
    const encoded = encodePlacement(small);
    for (const bad of [encoded.subarray(0, encoded.length - 1), Buffer.concat([encoded, Buffer.from([0])]), Buffer.from([2, 0, 1])]) {
      assert.throws(() => decodePlacement(bad), RangeError);
    }
    const missingTooMany: Placement = structuredClone(small);
    missingTooMany.erasure!.stripes[0] = [null, null, null, null, ...missingTooMany.erasure!.stripes[0]!.slice(4)];
    assert.throws(() => encodePlacement(missingTooMany), /fewer than k/);
    await storage.close();
  });
});

describe('erasure set round trips', () => {
  const sizes = [0, 1, 4096, SMALL_OBJECT_COPIES_SIZE_BYTES_MAX, SMALL_OBJECT_COPIES_SIZE_BYTES_MAX + 1, STRIPE_DATA_SIZE_BYTES - 1, STRIPE_DATA_SIZE_BYTES, STRIPE_DATA_SIZE_BYTES + 1, 3.5 * MIB];
  for (const redundancy of ['standard', 'reduced'] as const) {
    test(`${redundancy}: objects of ${sizes.join(', ')} bytes and ranges`, async () => {
      const { storage } = await openSet(await drivePaths(6));
      for (const sizeBytes of sizes) {
        const data = randomBytes(sizeBytes);
        const id = identity(`${redundancy}-${sizeBytes}`);
        const placement = await put(storage, id, data, redundancy);
        assert.equal(placement.sizeBytes, sizeBytes);
        // Small STANDARD objects are m+1 = 4 copies; larger ones 3+3 stripes; the reduced class 2 copies.
        const small = sizeBytes <= SMALL_OBJECT_COPIES_SIZE_BYTES_MAX;
        const expected = redundancy === 'reduced' ? { dataShards: 1, parityShards: 1 } : small ? { dataShards: 1, parityShards: 3 } : { dataShards: 3, parityShards: 3 };
        assert.equal(placement.erasure!.dataShards, expected.dataShards);
        assert.equal(placement.erasure!.parityShards, expected.parityShards);
        assert.ok(placement.erasure!.stripes.every((shards) => shards.every((shard) => shard !== null)), 'every shard written');
        assert.deepEqual(await get(storage, id, placement), data, `${sizeBytes} bytes`);
        if (sizeBytes > 2) {
          for (const [startByte, endByteInclusive] of [[0, 0], [1, sizeBytes - 2], [sizeBytes - 1, sizeBytes - 1], [Math.floor(sizeBytes / 3), Math.floor(sizeBytes / 2)]] as const) {
            assert.deepEqual(await get(storage, id, placement, { startByte, endByteInclusive }), data.subarray(startByte, endByteInclusive + 1));
          }
        }
      }
      await storage.close();
    });
  }

  test('small STANDARD objects are copies: one record per read, any m drives may go', async () => {
    const paths = await drivePaths(6);
    const { storage } = await openSet(paths);
    const data = randomBytes(SMALL_OBJECT_COPIES_SIZE_BYTES_MAX);
    const placement = await put(storage, identity('small-copies'), data);
    assert.deepEqual([placement.erasure!.dataShards, placement.erasure!.parityShards, placement.erasure!.drives.length], [1, 3, 4]);
    const before = storage.stats.readsCount;
    assert.deepEqual(await get(storage, identity('small-copies'), placement), data);
    assert.equal(storage.stats.readsCount - before, 1);
    for (const driveIndex of placement.erasure!.drives.slice(0, 3)) await fs.rm(paths[driveIndex]!, { recursive: true });
    await storage.erasureSet!.checkHealth();
    assert.deepEqual(await get(storage, identity('small-copies'), placement), data, 'the fourth copy');
    await storage.close();
  });

  test('a small ranged read touches only the data shard it needs', async () => {
    const { storage } = await openSet(await drivePaths(6));
    const data = randomBytes(3 * MIB);
    const placement = await put(storage, identity('ranged'), data);
    const before = storage.stats.readsCount;
    assert.deepEqual(await get(storage, identity('ranged'), placement, { startByte: MIB + 10, endByteInclusive: MIB + 4000 }), data.subarray(MIB + 10, MIB + 4001));
    assert.equal(storage.stats.readsCount - before, 1);
    await storage.close();
  });
});

describe('reads rebuild what is missing or damaged', () => {
  test('up to m corrupt shards per stripe: correct bytes, damage logged and queued', async () => {
    const paths = await drivePaths(6);
    const { storage, logLines } = await openSet(paths);
    const data = randomBytes(2 * MIB + 100);
    const id = identity('damaged');
    const placement = await put(storage, id, data);
    await corruptShard(paths, placement, 0, 0);
    await corruptShard(paths, placement, 0, 1);
    await corruptShard(paths, placement, 0, 4);
    await corruptShard(paths, placement, 2, 2);
    assert.deepEqual(await get(storage, id, placement), data);
    const stats = storage.stats.erasure!;
    assert.equal(stats.repairQueue.pendingCount, 4);
    assert.ok(stats.degradedStripeReadsCount >= 2);
    assert.ok(logLines.some((line) => /DAMAGED shard 0 of stripe 0/.test(line) && /payload CRC32C mismatch/.test(line)));
    // One more corrupt shard in stripe 0 is more than m = 3: an error, never wrong bytes.
    await corruptShard(paths, placement, 0, 2);
    await assert.rejects(get(storage, id, placement, { startByte: 0, endByteInclusive: 10 }), StorageCorruptionError);
    assert.deepEqual(await get(storage, id, placement, { startByte: MIB, endByteInclusive: 2 * MIB + 99 }), data.subarray(MIB), 'other stripes still read');
    await storage.close();
  });

  test('reduced redundancy: a corrupt copy is read from the other one', async () => {
    const paths = await drivePaths(6);
    const { storage } = await openSet(paths);
    const data = randomBytes(1.5 * MIB);
    const placement = await put(storage, identity('copies'), data, 'reduced');
    await corruptShard(paths, placement, 0, 0);
    await corruptShard(paths, placement, 1, 0);
    assert.deepEqual(await get(storage, identity('copies'), placement), data);
    await storage.close();
  });

  test('m drives removed: reads rebuild; writes go on while the quorum holds; one drive more is 503', async () => {
    const paths = await drivePaths(6);
    const { storage, logLines } = await openSet(paths);
    const bodies = [randomBytes(10), randomBytes(MIB + 3), randomBytes(4 * MIB)];
    const placements = await Promise.all(bodies.map((body, index) => put(storage, identity(`keep-${index}`), body)));
    const reduced = await put(storage, identity('keep-reduced'), bodies[1]!, 'reduced');
    await fs.rm(paths[1]!, { recursive: true });
    await storage.erasureSet!.checkHealth();
    assert.ok(logLines.some((line) => /drive 1 .* is OFFLINE/.test(line)), logLines.join('\n'));
    assert.deepEqual(await get(storage, identity('keep-reduced'), reduced), bodies[1]);
    const afterOne = await put(storage, identity('after-one'), bodies[2]!);
    assert.ok(afterOne.erasure!.stripes.every((shards) => shards.filter((shard) => shard === null).length === 1), 'the offline drive has no shards');
    await fs.rm(paths[3]!, { recursive: true });
    await fs.rm(paths[5]!, { recursive: true });
    await storage.erasureSet!.checkHealth();
    assert.equal(storage.stats.erasure!.drivesOnlineCount, 3);
    for (const [index, placement] of placements.entries()) assert.deepEqual(await get(storage, identity(`keep-${index}`), placement), bodies[index]);
    assert.deepEqual(await get(storage, identity('after-one'), afterOne), bodies[2]);
    assert.throws(() => storage.createWriter(identity('refused')), StorageUnavailableError);
    assert.ok(await put(storage, identity('reduced-still'), randomBytes(100), 'reduced'), 'two copies need two drives');
    await fs.rm(paths[0]!, { recursive: true });
    await storage.erasureSet!.checkHealth();
    await assert.rejects(get(storage, identity('keep-2'), placements[2]!), StorageUnavailableError);
    await storage.close();
  });

  test('a drive that goes away and comes back is written and read again', async () => {
    const paths = await drivePaths(4);
    const { storage, logLines } = await openSet(paths);
    await fs.rename(paths[2]!, `${paths[2]!}.away`);
    await storage.erasureSet!.checkHealth();
    assert.equal(storage.stats.erasure!.drivesOnlineCount, 3);
    const whileAway = randomBytes(MIB + 9);
    const awayPlacement = await put(storage, identity('while-away'), whileAway);
    assert.equal(storage.stats.erasure!.shardsSkippedOfflineCount, 2, 'one shard of each of the 2 stripes was for the missing drive');
    await fs.rename(`${paths[2]!}.away`, paths[2]!);
    await storage.erasureSet!.checkHealth();
    assert.ok(logLines.some((line) => /drive 2 .* is back online/.test(line)), logLines.join('\n'));
    const back = randomBytes(5000);
    const backPlacement = await put(storage, identity('back'), back);
    assert.ok(backPlacement.erasure!.stripes[0]!.every((shard) => shard !== null), 'all four drives took a shard');
    assert.deepEqual(await get(storage, identity('back'), backPlacement), back);
    assert.deepEqual(await get(storage, identity('while-away'), awayPlacement), whileAway);
    await storage.close();
  });

  test('a drive removed without a health check: writes into it fail at fdatasync, not acknowledged', async () => {
    const paths = await drivePaths(4);
    const { storage } = await openSet(paths);
    await put(storage, identity('warm'), randomBytes(100));
    await Promise.all([fs.rm(paths[0]!, { recursive: true }), fs.rm(paths[1]!, { recursive: true })]);
    // A striped 2+2 write needs 3 shards durable; two volumes are unlinked, so the fdatasync check refuses them.
    await assert.rejects(put(storage, identity('lost'), randomBytes(100_000)), StorageUnavailableError);
    await storage.close();
  });
});

describe('forming and reopening a set', () => {
  async function treeHash(paths: string[]): Promise<string> {
    const hash = createHash('sha256');
    for (const root of paths) {
      const walk = async (at: string): Promise<void> => {
        const stat = await fs.stat(at).catch(() => null);
        hash.update(`${at}:${stat === null ? 'missing' : stat.isDirectory() ? 'dir' : stat.size}\n`);
        if (stat?.isDirectory()) for (const name of (await fs.readdir(at)).sort()) await walk(path.join(at, name));
        else if (stat?.isFile()) hash.update(await fs.readFile(at));
      };
      await walk(root);
    }
    return hash.digest('hex');
  }

  async function assertRefused(paths: string[], message: RegExp): Promise<void> {
    const before = await treeHash(paths);
    await assert.rejects(Storage.open({ drivePaths: paths, logger: () => {} }), (error: unknown) => error instanceof ErasureSetError && message.test(error.message));
    assert.equal(await treeHash(paths), before, 'no drive was touched');
  }

  test('formats empty drives with set fields; reopens in any order; data survives', async () => {
    const paths = await drivePaths(5);
    const first = await openSet(paths);
    const data = randomBytes(MIB + 5);
    const placement = await put(first.storage, identity('kept'), data);
    await first.storage.close();
    const formats = await Promise.all(paths.map(async (drive) => JSON.parse(await fs.readFile(path.join(drive, 'format.json'), 'utf8'))));
    assert.equal(new Set(formats.map((format) => format.set.id)).size, 1);
    assert.deepEqual(formats.map((format) => [format.formatVersion, format.set.driveIndex, format.set.driveCount]), [0, 1, 2, 3, 4].map((index) => [2, index, 5]));
    const second = await openSet([...paths].reverse());
    assert.deepEqual(await get(second.storage, identity('kept'), placement), data);
    await second.storage.close();
  });

  test('refuses, untouched: a drive of another set, a newer format, a file, a duplicate, a standalone drive', async () => {
    const setA = await drivePaths(4);
    const setB = await drivePaths(4);
    await (await openSet(setA)).storage.close();
    await (await openSet(setB)).storage.close();
    await assertRefused([...setA.slice(0, 3), setB[0]!], /belongs to another erasure set/);
    const newer = await drivePaths(4);
    await (await openSet(newer)).storage.close();
    const format = JSON.parse(await fs.readFile(path.join(newer[2]!, 'format.json'), 'utf8'));
    await fs.writeFile(path.join(newer[2]!, 'format.json'), JSON.stringify({ ...format, formatVersion: 3 }));
    await assertRefused(newer, /formatVersion 3, newer than this Cairn supports \(2\)/);
    const withFile = await drivePaths(4);
    await fs.mkdir(path.dirname(withFile[0]!), { recursive: true });
    await fs.writeFile(withFile[3]!, 'not a drive');
    await assertRefused(withFile, /is a file, not a directory/);
    await assertRefused([setA[0]!, setA[1]!, setA[2]!, setA[2]!], /is given twice/);
    const standalone = await tempDir();
    await (await Storage.open({ drivePath: standalone, logger: () => {} })).close();
    await assertRefused([...setA.slice(0, 3), standalone], /standalone drive/);
    await assertRefused(setA.slice(0, 3), /has 4 drives, but 3 were given/);
  });

  test('a standalone server refuses a drive of a set', async () => {
    const paths = await drivePaths(2);
    await (await openSet(paths)).storage.close();
    await assert.rejects(Storage.open({ drivePath: paths[0]!, logger: () => {} }), /belongs to erasure set .* \(drive 1 of 2\); start Cairn with all 2 drives/);
  });
});
