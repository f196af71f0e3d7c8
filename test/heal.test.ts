// Heal, end to end on a real 6-drive server (STANDARD 3+3): m=3 drive directories removed while
// serving (every GET still succeeds), recreated empty (formatted for their places, healed in the
// background; `cairn admin heal` shows it), then full redundancy proven by failing the other three
// drives through fault injection: every object must now be served from the healed drives alone.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { adminCall, injectFault, stopFault, waitForDriveLog } from './helpers/faults.js';
import { closeDriveSet, openDriveSet, putSizedObjects } from './helpers/drive-set.js';
import { cairnAdmin } from './helpers/iam.js';
import type { RunningServer } from './helpers/server.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const DRIVES = 6;
const BUCKET = 'healing';
const SIZES = [0, 100, 20 * KIB, MIB + 7, 2 * MIB + MIB / 2];
const PART_BYTES = 5 * MIB;
const HEAL_WAIT_MS = 30_000;

async function getBytes(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Waits until the automatic heal jobs (one or more) have logged healing every one of `driveNumbers`. */
async function waitForHealedDrives(server: RunningServer, driveNumbers: number[]): Promise<void> {
  const deadline = Date.now() + HEAL_WAIT_MS;
  for (;;) {
    const healed = new Set([...server.stderr().matchAll(/heal: drive\(s\) ([\d, ]+) healed/g)].flatMap((match) => match[1]!.split(', ').map(Number)));
    if (driveNumbers.every((drive) => healed.has(drive))) return;
    if (Date.now() > deadline) throw new Error(`drives ${driveNumbers.join(', ')} were not all healed:\n${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('heal of replaced drives on a 6-drive server', () => {
  let root: string;
  let drives: string[];
  let server: RunningServer;
  let s3: S3Client;
  const stored = new Map<string, Buffer>();

  before(async () => {
    ({ root, drives, server, s3 } = await openDriveSet('heal', DRIVES, 1, BUCKET));
    await putSizedObjects(s3, BUCKET, SIZES, stored);
    const parts = [randomBytes(PART_BYTES), randomBytes(KIB)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart' }));
    const etags = [];
    for (const [index, part] of parts.entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multipart', UploadId, PartNumber: index + 1, Body: part }))).ETag);
    }
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'multipart', UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
    }));
    stored.set('multipart', Buffer.concat(parts));
  });

  after(async () => {
    await closeDriveSet({ root, drives, server, s3 });
  });

  it('m=3 drive directories removed while serving: every GET byte-identical', async () => {
    for (const drive of drives.slice(0, 3)) rmSync(drive, { recursive: true, force: true });
    await waitForDriveLog(server, drives.slice(0, 3), 'is OFFLINE');
    for (const [key, body] of stored) assert.deepEqual(await getBytes(s3, key), body, key);
  });

  it('recreated empty: formatted for their places and healed automatically; `cairn admin heal` shows the job', async () => {
    for (const drive of drives.slice(0, 3)) mkdirSync(drive);
    await waitForDriveLog(server, drives.slice(0, 3), 'is back online');
    for (const drive of drives.slice(0, 3)) assert.match(server.stderr(), new RegExp(`${drive} is empty: formatted as drive \\d of 6 .* replacing a lost drive`));
    await waitForHealedDrives(server, [1, 2, 3]);
    // The automatic jobs may have split the drives (one came online first): heal all now, and follow it.
    const healed = await cairnAdmin(server, ['heal', '--start', '--json']);
    assert.equal(healed.code, 0, healed.stderr);
    const status = JSON.parse(healed.stdout);
    assert.equal(status.state, 'done');
    assert.deepEqual(status.drives, [1, 2, 3, 4, 5, 6]);
    assert.equal(status.objectsTotal, stored.size);
    assert.equal(status.objectsDone, stored.size);
    assert.equal(status.shardsUnhealable, 0);
    // Everything was healed by the automatic jobs already: this pass only checked.
    assert.equal(status.shardsHealed, 0);
    assert.ok(status.shardsChecked > 0);
    const shown = await cairnAdmin(server, ['heal']);
    assert.match(shown.stdout, /heal of drive\(s\) 1, 2, 3, 4, 5, 6 done at .*: 6 of 6 objects, 0 shards healed/);
    const healedTotal = [...server.stderr().matchAll(/heal: drive\(s\) [\d, ]+ healed: (\d+) shards rebuilt/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    assert.ok(healedTotal > 0, 'the automatic heal rebuilt shards');
  });

  it('full redundancy: with the other three drives failed, every object is read from the healed drives, byte-identical', async () => {
    const ids = [];
    for (const drive of [4, 5, 6]) ids.push(await injectFault(server, { drive, action: 'fail', durationSeconds: 120 }));
    await waitForDriveLog(server, drives.slice(3, 6), 'is OFFLINE');
    for (const [key, body] of stored) assert.deepEqual(await getBytes(s3, key), body, key);
    for (const id of ids) await stopFault(server, id);
    await waitForDriveLog(server, drives.slice(3, 6), 'is back online');
  });

  it('after the heal, a full audit finds nothing corrupt, missing or unrecoverable', async () => {
    const audited = await cairnAdmin(server, ['audit', '--json']);
    assert.equal(audited.code, 0, audited.stderr);
    const run = JSON.parse(audited.stdout) as { state: string; objectsChecked: number; counts: Record<string, number> };
    assert.equal(run.objectsChecked, stored.size);
    assert.equal(run.counts['corruptFound'], 0, audited.stdout);
    assert.equal(run.counts['unrecoverable'], 0, audited.stdout);
  });

  it('heal: bad input is refused with 400, nothing started', async () => {
    const before = (await adminCall(server, 'GET', '/heal')).json;
    for (const body of [{ drives: [0] }, { drives: [7] }, { drives: 'all' }, { drive: 1 }, 'nope']) {
      const { status, json } = await adminCall(server, 'POST', '/heal', body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(json.error.code, 'InvalidInput');
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual((await adminCall(server, 'GET', '/heal')).json, before);
  });
});

describe('heal with --workers 2', () => {
  let root: string;
  let drives: string[];
  let server: RunningServer;
  let s3: S3Client;
  const stored = new Map<string, Buffer>();

  before(async () => {
    ({ root, drives, server, s3 } = await openDriveSet('heal-cluster', DRIVES, 2, BUCKET));
    await putSizedObjects(s3, BUCKET, [10, 20 * KIB, 2 * MIB + 1], stored);
  });

  after(async () => {
    await closeDriveSet({ root, drives, server, s3 });
  });

  it('one worker formats the replacement, both take it back; healed shards serve reads in every worker', async () => {
    for (const drive of drives.slice(0, 3)) rmSync(drive, { recursive: true, force: true });
    await waitForDriveLog(server, drives.slice(0, 3), 'is OFFLINE', 2);
    for (const [key, body] of stored) assert.deepEqual(await getBytes(s3, key), body, key);
    for (const drive of drives.slice(0, 3)) mkdirSync(drive);
    await waitForDriveLog(server, drives.slice(0, 3), 'is back online', 2);
    // Formatted once, by the background worker alone.
    for (const drive of drives.slice(0, 3)) assert.equal(server.stderr().split(`${drive} is empty: formatted`).length - 1, 1, drive);
    await waitForHealedDrives(server, [1, 2, 3]);
    const ids = [];
    for (const drive of [4, 5, 6]) ids.push(await injectFault(server, { drive, action: 'fail', durationSeconds: 120 }));
    await waitForDriveLog(server, drives.slice(3, 6), 'is OFFLINE', 2);
    for (let round = 0; round < 3; round++) {
      for (const [key, body] of stored) assert.deepEqual(await getBytes(s3, key), body, key);
    }
    for (const id of ids) await stopFault(server, id);
  });
});
