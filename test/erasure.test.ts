// Erasure coding across drives, end to end: a real server on six temporary drives, driven over HTTP
// with the AWS SDK and raw signed requests. Objects survive m removed drives and corrupt shards;
// a lost write quorum is a 503 with nothing visible; bad drives are refused at start, untouched.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type StorageClass,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse } from './helpers/assertions.js';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { closeDriveSet, openDriveSet } from './helpers/drive-set.js';
import { drivePathsUnder } from './helpers/faults.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const MIB = 1024 * 1024;
const STRIPE_BYTES = MIB;
const DRIVES = 6;
/** 6 drives: STANDARD is 3+3, the write quorum 4. */
const PARITY_DRIVES = 3;
const BUCKET = 'striped';
/** STANDARD objects up to this size are m+1 copies rather than stripes (SMALL_OBJECT_COPIES_SIZE_BYTES_MAX). */
const SMALL_OBJECT_BYTES_MAX = 16 * 1024;
const SIZES = [0, 1, STRIPE_BYTES - 1, STRIPE_BYTES, STRIPE_BYTES + 1];
const CLASSES: StorageClass[] = ['STANDARD', 'REDUCED_REDUNDANCY', 'EXPRESS_ONEZONE'];
const OFFLINE_WAIT_MS = 10_000;
const START_TIMEOUT_MS = 20_000;


async function readBody(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Flips the byte at `needle`'s first occurrence in any volume of any drive; returns the drive. */
function flipByteOnDrives(drives: string[], needle: Buffer): string {
  for (const drive of drives) {
    const volumes = join(drive, 'volumes');
    for (const name of readdirSync(volumes).filter((name) => name.endsWith('.vol'))) {
      const path = join(volumes, name);
      const position = readFileSync(path).indexOf(needle);
      if (position < 0) continue;
      const descriptor = openSync(path, 'r+');
      try {
        writeSync(descriptor, Buffer.from([needle[0]! ^ 0xff]), 0, 1, position);
      } finally {
        closeSync(descriptor);
      }
      return drive;
    }
  }
  throw new Error('the bytes were not found on any drive');
}

async function waitForOffline(server: RunningServer, drives: string[]): Promise<void> {
  const deadline = Date.now() + OFFLINE_WAIT_MS;
  for (;;) {
    const log = server.stderr();
    if (drives.every((drive) => log.includes(`(${drive}) is OFFLINE`))) return;
    if (Date.now() > deadline) throw new Error(`drives not reported offline:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a 6-drive erasure set over HTTP', () => {
  let root: string;
  let drives: string[];
  let server: RunningServer;
  let s3: S3Client;
  const stored = new Map<string, { body: Buffer; storageClass: StorageClass }>();

  before(async () => {
    ({ root, drives, server, s3 } = await openDriveSet('erasure', DRIVES, 1, BUCKET));
  });

  after(async () => {
    await closeDriveSet({ root, drives, server, s3 });
  });

  it('forms the set: every drive has a format.json with the set id, its index and the drive count', () => {
    const formats = drives.map((drive) => JSON.parse(readFileSync(join(drive, 'format.json'), 'utf8')));
    assert.equal(new Set(formats.map((format) => format.set.id)).size, 1);
    assert.deepEqual(formats.map((format) => [format.formatVersion, format.set.driveIndex, format.set.driveCount]), drives.map((_, index) => [2, index, DRIVES]));
    assert.match(server.stdout(), /drives\s+6 in an erasure set \(STANDARD 3\+3, REDUCED_REDUNDANCY\/EXPRESS_ONEZONE 1\+1\)/);
  });

  it('PUT/GET of 0 B, 1 B and around a stripe in every class: byte-identical, class reported on HEAD/GET/LIST', async () => {
    for (const storageClass of CLASSES) {
      for (const sizeBytes of SIZES) {
        const key = `${storageClass}/${sizeBytes}`;
        const body = randomBytes(sizeBytes);
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, StorageClass: storageClass }));
        stored.set(key, { body, storageClass });
        const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body, key);
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        // S3 omits the header for STANDARD.
        assert.equal(head.StorageClass, storageClass === 'STANDARD' ? undefined : storageClass, key);
        assert.equal(got.StorageClass, head.StorageClass, key);
      }
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    for (const entry of listed.Contents ?? []) assert.equal(entry.StorageClass, stored.get(entry.Key!)!.storageClass, entry.Key);
    assert.equal(listed.Contents?.length, stored.size);
    // Every drive took shards.
    for (const drive of drives) {
      const volumeBytes = readdirSync(join(drive, 'volumes')).filter((name) => name.endsWith('.vol')).reduce((sum, name) => sum + statSync(join(drive, 'volumes', name)).size, 0);
      assert.ok(volumeBytes > 0, `${drive} holds records`);
    }
  });

  it('a 20 MiB multipart upload in STANDARD and in EXPRESS_ONEZONE, and a copy into REDUCED_REDUNDANCY', async () => {
    for (const storageClass of ['STANDARD', 'EXPRESS_ONEZONE'] as const) {
      const key = `multipart/${storageClass}`;
      const parts = Array.from({ length: 4 }, () => randomBytes(5 * MIB));
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, StorageClass: storageClass }));
      const etags: string[] = [];
      for (const [index, part] of parts.entries()) {
        etags.push((await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: index + 1, Body: part }))).ETag!);
      }
      await s3.send(new CompleteMultipartUploadCommand({
        Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }));
      const body = Buffer.concat(parts);
      stored.set(key, { body, storageClass });
      assert.deepEqual(await readBody(s3, key), body);
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).StorageClass, storageClass === 'STANDARD' ? undefined : storageClass);
      const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=${5 * MIB - 3}-${5 * MIB + 2}` }));
      assert.deepEqual(Buffer.from(await ranged.Body!.transformToByteArray()), body.subarray(5 * MIB - 3, 5 * MIB + 3));
    }
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/multipart/STANDARD`, StorageClass: 'REDUCED_REDUNDANCY' }));
    stored.set('copied', { body: stored.get('multipart/STANDARD')!.body, storageClass: 'REDUCED_REDUNDANCY' });
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copied' }))).StorageClass, 'REDUCED_REDUNDANCY');
    assert.deepEqual(await readBody(s3, 'copied'), stored.get('copied')!.body);
  });

  it('an unknown storage class is 400 InvalidStorageClass and stores nothing', async () => {
    const response = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/bogus-class`, body: 'x', headers: { 'x-amz-storage-class': 'PLATINUM' } });
    expectErrorResponse(response, 400, 'InvalidStorageClass');
    assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/bogus-class` })).status, 404);
  });

  it('a flipped byte in a data shard: GET still byte-identical, the damage logged', async () => {
    const body = randomBytes(2 * STRIPE_BYTES);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'to-damage', Body: body }));
    stored.set('to-damage', { body, storageClass: 'STANDARD' });
    // Data shard 0 of stripe 0 holds the object's first third of a MiB verbatim.
    flipByteOnDrives(drives, body.subarray(1000, 1064));
    assert.deepEqual(await readBody(s3, 'to-damage'), body);
    assert.match(server.stderr(), /DAMAGED shard 0 of stripe 0 .*payload CRC32C mismatch; queued for repair/);
  });

  it(`${PARITY_DRIVES} drive directories removed while serving: every GET byte-identical; STANDARD writes 503, nothing visible`, async () => {
    const removed = [drives[0]!, drives[2]!, drives[4]!];
    for (const drive of removed) rmSync(drive, { recursive: true, force: true });
    // At once, before any health check noticed…
    for (const [key, { body }] of stored) assert.deepEqual(await readBody(s3, key), body, `${key} right after the removal`);
    // …and once the drives are known to be offline (reads then rebuild from parity).
    await waitForOffline(server, removed);
    for (const [key, { body }] of stored) assert.deepEqual(await readBody(s3, key), body, `${key} with the drives offline`);
    // Three drives left: below STANDARD's write quorum of four.
    const refused = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/not-stored`, body: randomBytes(3000) });
    expectErrorResponse(refused, 503, 'ServiceUnavailable');
    assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/not-stored` })).status, 404, 'nothing visible');
    const refusedUpload = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/not-stored-either`, body: randomBytes(3 * MIB) });
    expectErrorResponse(refusedUpload, 503, 'ServiceUnavailable');
    assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/not-stored-either` })).status, 404);
    // Two copies need two drives: the reduced-redundancy class still takes writes.
    const small = randomBytes(5000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'still-writable', Body: small, StorageClass: 'REDUCED_REDUNDANCY' }));
    assert.deepEqual(await readBody(s3, 'still-writable'), small);
  });

  it('one drive more than m: striped reads fail with 503 ServiceUnavailable, never wrong bytes', async () => {
    rmSync(drives[1]!, { recursive: true, force: true });
    await waitForOffline(server, [drives[1]!]);
    let refused = 0;
    for (const [key, { body, storageClass }] of stored) {
      const response = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/${key}` });
      // Small objects are copies on m+1 drives (or two, reduced class): one may have survived.
      if (response.status === 200) {
        assert.ok(storageClass !== 'STANDARD' || body.length <= SMALL_OBJECT_BYTES_MAX, `${key} cannot have k shards left`);
        assert.deepEqual(response.body, body, key);
        continue;
      }
      expectErrorResponse(response, 503, 'ServiceUnavailable');
      // (A body of a few bytes could appear in any XML by chance: check the ones long enough to tell.)
      assert.ok(body.length < 64 || !response.body.includes(body.subarray(0, 64)), `${key}: no object bytes in the error`);
      refused += 1;
    }
    assert.ok(refused >= [...stored.values()].filter(({ body, storageClass }) => storageClass === 'STANDARD' && body.length > SMALL_OBJECT_BYTES_MAX).length);
    assert.match(server.stderr(), /503: storage unavailable: stripe 0 of .* good shards of 6, 3 needed \(drives offline\)/);
  });
});

describe('cluster mode on an erasure set', () => {
  it('--workers 2: each worker appends to its own volume on every drive; objects read from either', { timeout: 180_000 }, async () => {
    const root = temporaryDirectory('erasure-cluster');
    const drives = drivePathsUnder(root, DRIVES);
    const server = await startServer({ extraArgs: [...drives, '--workers', '2'] });
    const s3 = sdkClient(server);
    try {
      assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
      const bodies = Array.from({ length: 24 }, (_, index) => randomBytes(1000 + index * 50_000));
      await Promise.all(bodies.map((body, index) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `k${index}`, Body: body }))));
      for (const [index, body] of bodies.entries()) assert.deepEqual(await readBody(s3, `k${index}`), body);
      for (const drive of drives) assert.equal(readdirSync(join(drive, 'volumes')).filter((name) => name.endsWith('.vol')).length, 2, `${drive}: one volume per worker`);
    } finally {
      s3.destroy();
      await server.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('bad drives at start', () => {
  function treeHash(paths: string[]): string {
    const hash = createHash('sha256');
    const walk = (at: string): void => {
      let stat;
      try {
        stat = statSync(at);
      } catch {
        hash.update(`${at}: missing\n`);
        return;
      }
      if (stat.isDirectory()) {
        hash.update(`${at}: dir\n`);
        for (const name of readdirSync(at).sort()) walk(join(at, name));
      } else {
        hash.update(`${at}: ${stat.size} ${stat.mtimeMs}\n`);
        hash.update(readFileSync(at));
      }
    };
    for (const path of paths) walk(path);
    return hash.digest('hex');
  }

  async function startCairn(drives: string[], home: string): Promise<{ code: number | null; stderr: string }> {
    const env = { ...process.env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY } as Record<string, string>;
    return runCommand(process.execPath, [CAIRN_BIN, 'server', ...drives, '--data', home, '--address', '127.0.0.1:0', '--workers', '1'], { env, timeoutMs: START_TIMEOUT_MS });
  }

  /** Forms a set on `drives` by starting and stopping a server on them. */
  async function formSet(drives: string[]): Promise<void> {
    const home = temporaryDirectory('erasure-home');
    const server = await startServer({ dataDirectory: home, extraArgs: [...drives, '--workers', '1'] });
    assert.equal(await server.stop(), 0);
    rmSync(home, { recursive: true, force: true });
  }

  async function assertRefused(drives: string[], message: RegExp): Promise<void> {
    const home = join(temporaryDirectory('erasure-refused'), 'home');
    const before = treeHash(drives);
    const outcome = await startCairn(drives, home);
    assert.notEqual(outcome.code, 0, 'exits non-zero');
    assert.match(outcome.stderr, message);
    assert.equal(treeHash(drives), before, 'no drive was touched');
    assert.throws(() => statSync(home), /ENOENT/, 'not even the data directory was created');
  }

  let setA: string[];
  let setB: string[];
  before(async () => {
    setA = drivePathsUnder(temporaryDirectory('erasure-set-a'), 4);
    setB = drivePathsUnder(temporaryDirectory('erasure-set-b'), 4);
    await formSet(setA);
    await formSet(setB);
  });

  it('a drive from another set', async () => {
    await assertRefused([setA[0]!, setA[1]!, setA[2]!, setB[3]!], /cannot open the erasure set:\n.*\/d4: it belongs to another erasure set/);
  });

  it('a drive with a newer format version', async () => {
    const formatPath = join(setA[1]!, 'format.json');
    const original = readFileSync(formatPath, 'utf8');
    writeFileSync(formatPath, JSON.stringify({ ...JSON.parse(original), formatVersion: 3 }));
    try {
      await assertRefused(setA, /\/d2: the drive has formatVersion 3, newer than this Cairn supports \(2\); upgrade Cairn/);
    } finally {
      writeFileSync(formatPath, original);
    }
  });

  it('a drive path that is a file', async () => {
    const root = temporaryDirectory('erasure-file');
    const drives = drivePathsUnder(root, 4);
    mkdirSync(drives[0]!);
    writeFileSync(drives[2]!, 'not a drive');
    await assertRefused(drives, /\/d3: the path is a file, not a directory/);
  });

  it('a duplicate drive path', async () => {
    await assertRefused([setA[0]!, setA[1]!, setA[2]!, setA[1]!], /drive .*\/d2 is given twice/);
  });

  it('the set still starts with its own drives', async () => {
    const home = temporaryDirectory('erasure-ok');
    const server = await startServer({ dataDirectory: home, extraArgs: [...setA, '--workers', '1'] });
    assert.equal(await server.stop(), 0);
    await server.dispose();
  });
});
