// Simulated power loss in the storage layer: writers append concurrently (group commit), the power
// is "cut" at a seeded moment (every byte not covered by a completed fdatasync may be lost, the last
// write torn at a random byte, garbage after it), and the storage is reopened from that image.
// Checked after each cut: every acknowledged object reads back byte-exact and every acknowledged
// tombstone is on the drives (no acknowledged write lost); the scan finds a damaged record only in
// bytes no fdatasync covered, and every record a placement names is a valid record of that object
// (no torn record returned; the index — here, the acknowledged placements — consistent with the
// drives); and the reopened storage takes and returns new writes. The seed comes from the commit
// (CAIRN_POWER_LOSS_SEED replays one), the number of cuts from CAIRN_POWER_LOSS_CUTS.
// What this covers and what it does not (the SQLite index, directories): docs/reliability.md.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RECORD_TYPE_TOMBSTONE, Storage, VOLUME_SIZE_BYTES_MIN, type Placement, type RecordIdentity, type ScannedRecord } from '../src/storage/index.js';
import { SyncTracker, type PowerCutImage } from './helpers/power-cut.js';
import { envCount, SeededRandom, suiteSeed } from './helpers/seeded-random.js';

const CUTS_DEFAULT = 240;
/** The default run stops early (and says so) past this, so a slow machine cannot stall CI. */
const TIME_BUDGET_MS = 75_000;
const WRITERS_MAX = 8;
const ACKS_BEFORE_CUT_MAX = 24;
const BUCKET = 'power-bucket';

interface Acknowledged {
  identity: RecordIdentity;
  data: Buffer;
  placement: Placement;
}

interface CutRun {
  objects: Acknowledged[];
  tombstones: RecordIdentity[];
  image: PowerCutImage;
  startedKeys: Set<string>;
}

const tracker = new SyncTracker();
const roots: string[] = [];
before(() => tracker.arm());
after(() => {
  tracker.disarm();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function drivePaths(root: string, driveCount: number): string[] {
  return Array.from({ length: driveCount }, (_, index) => join(root, `d${index + 1}`));
}

async function openStorage(paths: string[]): Promise<Storage> {
  return Storage.open({ drivePaths: paths, logger: () => {}, volumeSizeBytesMax: VOLUME_SIZE_BYTES_MIN, healthCheckIntervalMs: 60_000 });
}

/** Mostly small objects (many per group commit), now and then one of several chunks. */
function objectSizeBytes(random: SeededRandom): number {
  if (random.chance(0.03)) return random.int(1_048_577, 2_500_000);
  if (random.chance(0.1)) return 0;
  return random.int(1, 70_000);
}

async function writeOne(storage: Storage, identity: RecordIdentity, data: Buffer, random: SeededRandom): Promise<Placement> {
  const writer = storage.createWriter(identity);
  const pieceBytes = random.int(1, 300_000);
  for (let offset = 0; offset < data.length; offset += pieceBytes) await writer.write(data.subarray(offset, offset + pieceBytes));
  return writer.finish({ etag: 'power' });
}

/**
 * Runs writers until the seeded moment, then cuts the power (the image goes to `imageRoot`),
 * lets the writers stop, and closes the live storage.
 */
async function runUntilCut(paths: string[], root: string, imageRoot: string, random: SeededRandom): Promise<CutRun> {
  const storage = await openStorage(paths);
  const acksBeforeCut = random.int(0, ACKS_BEFORE_CUT_MAX);
  const ticksAfterAck = random.int(0, 3);
  const run: CutRun = { objects: [], tombstones: [], image: { volumes: [] }, startedKeys: new Set() };
  let acks = 0;
  let cut = false;
  let cutDone!: () => void;
  const cutHappened = new Promise<void>((resolve) => { cutDone = resolve; });
  const doCut = () => {
    if (cut) return;
    cut = true;
    // Copies of what was acknowledged at this instant: later acks do not count.
    run.objects = [...run.objects];
    run.tombstones = [...run.tombstones];
    run.image = tracker.cut(root, imageRoot, random.fork());
    cutDone();
  };
  const acknowledged = () => {
    acks++;
    if (acks === acksBeforeCut) void delayTicks(ticksAfterAck).then(doCut);
  };
  const writer = async (writerIndex: number, writerRandom: SeededRandom) => {
    for (let sequence = 0; !cut; sequence++) {
      const identity = { bucket: BUCKET, key: `w${writerIndex}/o${sequence}`, versionId: `v${writerIndex}-${sequence}` };
      run.startedKeys.add(identity.key);
      if (writerRandom.chance(0.1)) {
        await storage.writeTombstone(identity, { kind: 'delete' });
        if (!cut) run.tombstones.push(identity);
      } else {
        const data = writerRandom.bytes(objectSizeBytes(writerRandom));
        const placement = await writeOne(storage, identity, data, writerRandom);
        if (!cut) run.objects.push({ identity, data, placement });
      }
      if (!cut) acknowledged();
    }
  };
  if (acksBeforeCut === 0) doCut();
  const writers = Array.from({ length: random.int(1, WRITERS_MAX) }, (_, index) => writer(index, random.fork()));
  await cutHappened;
  await Promise.all(writers);
  await storage.close();
  return run;
}

function delayTicks(ticks: number): Promise<void> {
  let chain = Promise.resolve();
  for (let tick = 0; tick < ticks; tick++) chain = chain.then(() => new Promise((resolve) => setImmediate(resolve)));
  return chain;
}

async function readAll(storage: Storage, identity: RecordIdentity, placement: Placement): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of storage.read(identity, placement)) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

function checkScan(records: ScannedRecord[], run: CutRun, driveCount: number, label: string): void {
  const syncedByVolume = new Map(run.image.volumes.map((volume) => [volume.relativePath, volume.syncedBytes]));
  for (const record of records) {
    const relativePath = join(`d${(record.driveIndex ?? 0) + 1}`, 'volumes', `${String(record.volumeId).padStart(10, '0')}.vol`);
    const synced = syncedByVolume.get(relativePath) ?? 0;
    if (!record.valid) {
      assert(record.recordOffsetBytes >= synced, `${label}: damaged record at ${relativePath}@${record.recordOffsetBytes} inside the ${synced} synced bytes (${record.reason})`);
      continue;
    }
    const key = record.header['k'];
    assert(typeof key === 'string' && run.startedKeys.has(key), `${label}: a valid record of a key nobody wrote: ${String(key)}`);
  }
  for (const tombstone of run.tombstones) {
    const found = records.filter((record) => record.valid && record.type === RECORD_TYPE_TOMBSTONE && record.header['v'] === tombstone.versionId);
    // A tombstone goes to every online drive of a set: at least a write quorum of them.
    assert(found.length >= Math.min(driveCount, 2) || (driveCount === 1 && found.length === 1), `${label}: acknowledged tombstone ${tombstone.key} lost (${found.length} copies)`);
  }
  if (driveCount === 1) {
    const valid = new Map(records.filter((record) => record.valid).map((record) => [`${record.volumeId}@${record.recordOffsetBytes}`, record]));
    for (const object of run.objects) {
      for (const chunk of object.placement.chunks) {
        const record = valid.get(`${chunk.volumeId}@${chunk.recordOffsetBytes}`);
        assert(record !== undefined && record.header['v'] === object.identity.versionId, `${label}: ${object.identity.key} names no valid record at ${chunk.volumeId}@${chunk.recordOffsetBytes}`);
      }
    }
  }
}

async function checkAfterRestart(imagePaths: string[], run: CutRun, random: SeededRandom, label: string): Promise<void> {
  const storage = await openStorage(imagePaths);
  try {
    for (const object of run.objects) {
      const bytes = await readAll(storage, object.identity, object.placement);
      assert(bytes.equals(object.data), `${label}: acknowledged ${object.identity.key} (${object.data.length} bytes) read back as ${bytes.length} other bytes`);
    }
    const records: ScannedRecord[] = [];
    for await (const record of storage.scanRecords()) records.push(record);
    checkScan(records, run, imagePaths.length, label);
    const identity = { bucket: BUCKET, key: 'after-restart', versionId: 'after' };
    const data = random.bytes(objectSizeBytes(random));
    const placement = await writeOne(storage, identity, data, random);
    assert((await readAll(storage, identity, placement)).equals(data), `${label}: a write after the restart does not read back`);
  } finally {
    await storage.close();
  }
}

test('power cuts at seeded moments lose no acknowledged write and return no torn record', async () => {
  const { seed, source } = suiteSeed('CAIRN_POWER_LOSS_SEED', 'power-loss');
  const cutsWanted = envCount('CAIRN_POWER_LOSS_CUTS', CUTS_DEFAULT);
  // A run asked for explicitly (CAIRN_POWER_LOSS_CUTS) runs all its cuts.
  const timeBudgetMs = process.env['CAIRN_POWER_LOSS_CUTS'] === undefined ? TIME_BUDGET_MS : Number.POSITIVE_INFINITY;
  console.log(`power-loss: seed ${seed} (${source}); replay with CAIRN_POWER_LOSS_SEED=${seed}; ${cutsWanted} cuts`);
  const random = new SeededRandom(seed);
  const startedAt = Date.now();
  let cuts = 0;
  let acknowledged = 0;
  let tornVolumes = 0;
  for (; cuts < cutsWanted && Date.now() - startedAt < timeBudgetMs; cuts++) {
    const cutRandom = random.fork();
    // One cut in four on an erasure set of three drives (k=2, m=1), the rest on a standalone drive.
    const driveCount = cutRandom.chance(0.25) ? 3 : 1;
    const label = `cut ${cuts} (seed ${seed}, ${driveCount} drive(s))`;
    const root = mkdtempSync(join(tmpdir(), 'cairn-power-live-'));
    const imageRoot = mkdtempSync(join(tmpdir(), 'cairn-power-image-'));
    roots.push(root, imageRoot);
    const run = await runUntilCut(drivePaths(root, driveCount), root, imageRoot, cutRandom);
    rmSync(root, { recursive: true, force: true });
    await checkAfterRestart(drivePaths(imageRoot, driveCount), run, cutRandom, label);
    rmSync(imageRoot, { recursive: true, force: true });
    acknowledged += run.objects.length + run.tombstones.length;
    tornVolumes += run.image.volumes.filter((volume) => volume.keptBytes < volume.sizeAtCutBytes).length;
  }
  const elapsedMs = Date.now() - startedAt;
  console.log(`power-loss: ${cuts} cuts, ${acknowledged} acknowledged writes checked, ${tornVolumes} volumes torn, ${elapsedMs} ms`);
  assert(cuts >= Math.min(cutsWanted, 20), `only ${cuts} cuts ran within ${timeBudgetMs} ms`);
});
