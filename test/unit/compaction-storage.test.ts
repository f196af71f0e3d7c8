// The storage half of compaction (docs/storage-format.md, "Compaction"): when a volume counts as
// sealed (its .active marker, the writers' leases, the newest volume), copying a placement's records
// (verified, same bytes; a damaged record is never copied), and copying a volume's tombstones.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { RECORD_TYPE_TOMBSTONE, Storage, VOLUME_SIZE_BYTES_MIN, VolumeLease, volumeKey, volumePath, type Placement, type RecordIdentity } from '../../src/storage/index.js';

const tempDirs: string[] = [];
after(async () => {
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

async function openStorage(): Promise<{ storage: Storage; drivePath: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-compaction-test-'));
  tempDirs.push(dir);
  const drivePath = path.join(dir, 'drive');
  // The smallest volumes: two 1 MiB records fill one.
  return { storage: await Storage.open({ drivePath, logger: () => undefined, volumeSizeBytesMax: VOLUME_SIZE_BYTES_MIN }), drivePath };
}

function identity(key: string): RecordIdentity {
  return { bucket: 'b', key, versionId: `v-${key}` };
}

/** Writes an object; the writer is returned unreleased, as a request holds it until its index commit. */
async function write(storage: Storage, key: string, data: Buffer): Promise<{ placement: Placement; release: () => void }> {
  const writer = storage.createWriter(identity(key));
  await writer.write(data);
  const placement = await writer.finish({});
  return { placement, release: () => writer.release() };
}

async function readAll(storage: Storage, key: string, placement: Placement): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of storage.read(identity(key), placement)) parts.push(part);
  return Buffer.concat(parts);
}

async function sealedVolumeIds(storage: Storage): Promise<number[]> {
  const [drive] = await storage.listVolumes();
  return drive!.volumes.filter((volume) => volume.sealed).map((volume) => volume.volumeId);
}

/** Only a hang detector for the background sealing below. */
const SEALED_DEADLINE_MS = 10_000;

/** The storage retires volumes in the background: wait until the expected ones are sealed. */
async function waitForSealed(storage: Storage, expected: number[]): Promise<void> {
  const deadlineMs = Date.now() + SEALED_DEADLINE_MS;
  while (Date.now() < deadlineMs) {
    if (JSON.stringify(await sealedVolumeIds(storage)) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(await sealedVolumeIds(storage), expected);
}

describe('sealed volumes', () => {
  test('a full volume is sealed only once its writer released it, and the newest volume never is', async () => {
    const { storage, drivePath } = await openStorage();
    const big = randomBytes(1_000_000);
    const first = await write(storage, 'a', big);
    const second = await write(storage, 'b', big);
    // Volume 1 holds a's record and rolled over when b's did not fit; b is in volume 2.
    assert.equal(first.placement.chunks[0]!.volumeId, 1);
    assert.equal(second.placement.chunks[0]!.volumeId, 2);
    await fs.access(path.join(drivePath, 'volumes', '0000000001.active'));
    assert.deepEqual(await sealedVolumeIds(storage), [], 'volume 1 is pinned by the unreleased writer');
    first.release();
    // Closed (rolled over) and released: its marker goes, and volume 2 is newer, so 1 is sealed.
    await waitForSealed(storage, [1]);
    second.release();
    await write(storage, 'c', big).then(({ release }) => release());
    await waitForSealed(storage, [1, 2]);
    const listed = (await storage.listVolumes())[0]!.volumes;
    assert.equal(listed.at(-1)!.sealed, false, 'the newest volume is never sealed');
    await storage.close();
  });

  test('the marker of a process that is gone is stale: its volume is sealed and the marker removed', async () => {
    const { storage, drivePath } = await openStorage();
    await write(storage, 'a', randomBytes(1000)).then(({ release }) => release());
    await storage.close();
    // A volume of a killed process: a marker naming a pid that does not run.
    const volumes = path.join(drivePath, 'volumes');
    await fs.writeFile(path.join(volumes, '0000000001.active'), JSON.stringify({ pid: 2 ** 22 + 12345, startTicks: 1 }));
    const reopened = await Storage.open({ drivePath, logger: () => undefined, volumeSizeBytesMax: VOLUME_SIZE_BYTES_MIN });
    assert.deepEqual(await sealedVolumeIds(reopened), [1]);
    await assert.rejects(fs.access(path.join(volumes, '0000000001.active')), 'the stale marker was removed');
    await reopened.close();
  });

  test('deleteVolume refuses a volume that is not sealed', async () => {
    const { storage } = await openStorage();
    await assert.rejects(storage.deleteVolume(0, 1), /not sealed/);
    await storage.close();
  });
});

describe('relocating records', () => {
  test('copies the records in the given volumes, same bytes, and the new placement reads back', async () => {
    const { storage } = await openStorage();
    const data = randomBytes(1_500_000);
    const written = await write(storage, 'a', data);
    written.release();
    const lease = new VolumeLease();
    const moved = await storage.relocateRecords('v-a', written.placement, new Set([volumeKey(0, written.placement.chunks[0]!.volumeId)]), lease);
    lease.release();
    assert.equal(moved.recordsMoved, 1);
    assert.equal(moved.recordsDamaged, 0);
    assert.notDeepEqual(moved.placement!.chunks[0], written.placement.chunks[0]);
    assert.deepEqual(moved.placement!.chunks[1], written.placement.chunks[1], 'records outside the volumes stay');
    assert.deepEqual(await readAll(storage, 'a', moved.placement!), data);
    assert.deepEqual(await readAll(storage, 'a', written.placement), data, 'the old records are untouched');
    await storage.close();
  });

  test('a damaged record is not copied, and a record of another object is not taken for this one', async () => {
    const { storage, drivePath } = await openStorage();
    const written = await write(storage, 'a', randomBytes(5000));
    written.release();
    const chunk = written.placement.chunks[0]!;
    const volumes = new Set([volumeKey(0, chunk.volumeId)]);
    const lease = new VolumeLease();
    const wrongObject = await storage.relocateRecords('v-other', written.placement, volumes, lease);
    assert.equal(wrongObject.recordsDamaged, 1);
    assert.equal(wrongObject.placement, null);
    const handle = await fs.open(volumePath(drivePath, chunk.volumeId), 'r+');
    await handle.write(Buffer.from([0x5a]), 0, 1, chunk.recordOffsetBytes + 24 + chunk.headerJsonLengthBytes + 100);
    await handle.close();
    const damaged = await storage.relocateRecords('v-a', written.placement, volumes, lease);
    lease.release();
    assert.equal(damaged.recordsDamaged, 1);
    assert.equal(damaged.placement, null, 'nothing moved: the placement keeps the damaged record for repair');
    await storage.close();
  });

  test('copyTombstones copies every tombstone of a volume and nothing else', async () => {
    const { storage, drivePath } = await openStorage();
    await write(storage, 'a', randomBytes(300)).then(({ release }) => release());
    await storage.writeTombstone(identity('a'));
    await storage.writeTombstone(identity('gone'), { kind: 'delete-marker' });
    const copied = await storage.copyTombstones(0, 1);
    assert.equal(copied.tombstonesCopied, 2);
    let tombstones = 0;
    for await (const record of storage.scanRecords()) if (record.valid && record.type === RECORD_TYPE_TOMBSTONE) tombstones += 1;
    assert.equal(tombstones, 4, 'the originals and their copies');
    assert.ok((await fs.stat(volumePath(drivePath, 1))).size > 0);
    await storage.close();
  });
});
