// A drive formatted to replace a lost one numbers its volumes from 1 again, so the old placements
// name offsets in volumes that now hold other records. Until the heal job has rebuilt the drive, no
// shard on it may be repaired in place: such a "repair" would overwrite the new records (found with
// bench/background.ts: GETs of objects not yet healed queued repairs that corrupted freshly healed
// shards). The drive is marked heal-pending from before its format.json exists until a heal of it
// completes with nothing left unhealable.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { healPlacement } from '../../src/storage/erasure/heal.js';
import { Storage, VolumeLease, type Placement, type RecordIdentity } from '../../src/storage/index.js';

const DRIVES = 4;
const OBJECTS = 20;
const OBJECT_BYTES = 64 * 1024;
const tempDirs: string[] = [];
after(async () => {
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

function identity(key: string): RecordIdentity {
  return { bucket: 'b', key, versionId: `v-${key}` };
}

async function write(storage: Storage, key: string, data: Buffer): Promise<Placement> {
  const writer = storage.createWriter(identity(key));
  await writer.write(data);
  const placement = await writer.finish({});
  writer.release();
  return placement;
}

async function readAll(storage: Storage, key: string, placement: Placement): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of storage.read(identity(key), placement)) parts.push(part);
  return Buffer.concat(parts);
}

function open(paths: string[]): Promise<Storage> {
  return Storage.open({ drivePaths: paths, logger: () => undefined, healthCheckIntervalMs: 3_600_000 });
}

describe('a replaced drive before and after its heal', () => {
  test('no in-place repair on it until healed; the heal then makes every shard good again', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cairn-replacement-'));
    tempDirs.push(root);
    const paths = Array.from({ length: DRIVES }, (_, index) => path.join(root, `d${index + 1}`));
    let storage = await open(paths);
    const before = new Map<string, { data: Buffer; placement: Placement }>();
    for (let index = 0; index < OBJECTS; index++) {
      const data = randomBytes(OBJECT_BYTES);
      before.set(`a${index}`, { data, placement: await write(storage, `a${index}`, data) });
    }
    await storage.close();
    // Drive 1 is lost and replaced by an empty one while the server is down.
    await fs.rm(paths[0]!, { recursive: true });
    await fs.mkdir(paths[0]!);
    storage = await open(paths);
    assert.equal(storage.driveStores[0]!.healPending, true, 'the replacement is marked heal-pending');
    await fs.access(path.join(paths[0]!, 'heal-pending'));
    // New objects fill the new drive's volume 1 over the offsets the old placements name.
    const after = new Map<string, { data: Buffer; placement: Placement }>();
    for (let index = 0; index < OBJECTS; index++) {
      const data = randomBytes(OBJECT_BYTES);
      after.set(`b${index}`, { data, placement: await write(storage, `b${index}`, data) });
    }
    for (const [key, { data, placement }] of before) {
      const counts = await storage.auditObject(identity(key), placement, { repair: true });
      assert.equal(counts.repaired, 0, `${key}: nothing on the heal-pending drive is repaired in place`);
      assert.deepEqual(await readAll(storage, key, placement), data);
    }
    for (const [key, { placement }] of after) {
      const counts = await storage.auditObject(identity(key), placement, { repair: false });
      assert.equal(counts.corruptFound, 0, `${key}: the new drive's records are intact`);
    }
    // The heal rebuilds the old objects' shards on the new drive; then the mark goes.
    for (const [key, entry] of before) {
      const lease = new VolumeLease();
      const outcome = await healPlacement(storage.driveStores, identity(key), entry.placement, new Set([0]), lease);
      lease.release();
      assert.equal(outcome.shardsUnhealable, 0);
      entry.placement = outcome.placement ?? entry.placement;
    }
    await storage.markHealed([0]);
    assert.equal(storage.driveStores[0]!.healPending, false);
    await assert.rejects(fs.access(path.join(paths[0]!, 'heal-pending')));
    for (const [key, { data, placement }] of [...before, ...after]) {
      const counts = await storage.auditObject(identity(key), placement, { repair: false });
      assert.equal(counts.corruptFound, 0, `${key}: every shard is good after the heal`);
      assert.deepEqual(await readAll(storage, key, placement), data);
    }
    await storage.close();
  });
});
