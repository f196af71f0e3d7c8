// The durability audit end to end: a real server on six temporary drives (and one on a standalone
// drive), bytes flipped in the volume files behind its back, reads over the AWS SDK, the real
// `cairn admin audit` CLI, and /_cairn/metrics.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RECORD_TYPE_TOMBSTONE } from '../src/storage/constants.js';
import { scanVolume } from '../src/storage/scan.js';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { drivePathsUnder } from './helpers/faults.js';

const DRIVES = 6;
/** 6 drives: STANDARD is 3+3 (small objects: 4 copies), so any 3 shards of a stripe may be damaged. */
const PARITY_SHARDS = 3;
const FLIPS = 1000;
const BUCKET = 'audited';
const COMMAND_TIMEOUT_MS = 30_000;
const FIXED_HEADER_BYTES = 24;
/** A little more than the interval at which each process drains and publishes its repair queue. */
const REPAIR_PUBLISH_WAIT_MS = 1200;
/** Only a hang detector. */
const REPAIR_SETTLE_DEADLINE_MS = 60_000;

interface StoredRecord {
  path: string;
  offsetBytes: number;
  sizeBytes: number;
  headerBytes: number;
  stripe: string;
}


/** Every record of every volume of the drives, verified: the test's map of what lies where. */
async function scanDrives(drives: string[]): Promise<Array<StoredRecord & { valid: boolean; isData: boolean }>> {
  const records: Array<StoredRecord & { valid: boolean; isData: boolean }> = [];
  for (const drive of drives) {
    const volumes = join(drive, 'volumes');
    for (const name of readdirSync(volumes).filter((name) => name.endsWith('.vol')).sort()) {
      const path = join(volumes, name);
      const handle = await fs.open(path, 'r');
      try {
        for await (const record of scanVolume(handle, 0, (await handle.stat()).size)) {
          const header = record.header as { b?: string; k?: string; v?: string; st?: number };
          records.push({
            path, offsetBytes: record.recordOffsetBytes, valid: record.valid, isData: record.type !== RECORD_TYPE_TOMBSTONE,
            headerBytes: FIXED_HEADER_BYTES + record.headerJsonLengthBytes,
            sizeBytes: FIXED_HEADER_BYTES + record.headerJsonLengthBytes + record.payloadLengthBytes,
            stripe: JSON.stringify([header.b, header.k, header.v, header.st ?? 0]),
          });
        }
      } finally {
        await handle.close();
      }
    }
  }
  return records;
}

/** XOR with a non-zero value: the byte always changes. */
async function xorByte(path: string, positionBytes: number): Promise<void> {
  const handle = await fs.open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, positionBytes);
    byte[0] = byte[0]! ^ randomInt(1, 256);
    await handle.write(byte, 0, 1, positionBytes);
  } finally {
    await handle.close();
  }
}

interface AuditResult { code: number | null; run: { state: string; objectsChecked: number; counts: Record<string, number> } }

async function adminAudit(server: RunningServer, args: string[]): Promise<AuditResult> {
  const env = { ...process.env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY } as Record<string, string>;
  const result = await runCommand(process.execPath, [CAIRN_BIN, 'admin', 'audit', '--json', ...args, '--endpoint', server.endpoint], { env, timeoutMs: COMMAND_TIMEOUT_MS });
  assert.ok(result.stdout.trim().length > 0, `no output; stderr: ${result.stderr}`);
  return { code: result.code, run: JSON.parse(result.stdout) as AuditResult['run'] };
}

async function metrics(server: RunningServer): Promise<Map<string, number>> {
  const response = await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' });
  assert.equal(response.status, 200, response.text);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const values = new Map<string, number>();
  for (const line of response.text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

async function readObject(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadlineMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function serverOn(drives: string[], extraArgs: string[], env: Record<string, string> = {}): Promise<{ server: RunningServer; s3: S3Client }> {
  const server = await startServer({ extraArgs: [...drives, ...extraArgs], env });
  cleanups.push(() => server.dispose());
  const s3 = sdkClient(server);
  assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
  return { server, s3 };
}

/**
 * Waits until every process's repair queue is empty and its count unchanged over three samples, so
 * at least one pass has started (and published) since the last read, even on a loaded machine.
 */
async function repairQueueSettled(server: RunningServer): Promise<void> {
  let lastRepaired = -1;
  let unchangedSamples = 0;
  await waitFor('the repair queue to drain', REPAIR_SETTLE_DEADLINE_MS, async () => {
    await new Promise((resolve) => setTimeout(resolve, REPAIR_PUBLISH_WAIT_MS));
    const now = await metrics(server);
    const repaired = now.get('cairn_repair_queue_repaired_total')!;
    unchangedSamples = now.get('cairn_repair_queue_length') === 0 && repaired === lastRepaired ? unchangedSamples + 1 : 0;
    lastRepaired = repaired;
    return unchangedSamples >= 2;
  });
}

describe('durability audit', () => {
  it('detects 1,000 random byte flips, never serves wrong bytes, and repairs every damaged record', async (t) => {
    const drives = drivePathsUnder(temporaryDirectory('audit-drives'), DRIVES);
    const { server, s3 } = await serverOn(drives, ['--workers', '1', '--scrub-rate', '0']);
    // Small objects (copies) and striped ones of one to three stripes.
    const sizes = [...Array.from({ length: 40 }, () => randomInt(1, 16_000)), ...Array.from({ length: 16 }, () => randomInt(20_000, 2_500_000))];
    const bodies = new Map<string, Buffer>();
    for (const [index, sizeBytes] of sizes.entries()) {
      const key = `object-${String(index).padStart(3, '0')}`;
      const body = randomBytes(sizeBytes);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      bodies.set(key, body);
    }
    const records = await scanDrives(drives);
    assert.ok(records.every((record) => record.valid));
    // Data and shard records only: tombstones and event records (bucket created, …) are not the
    // index's to reference, so the audit, which walks the index, never reads them.
    const shardRecords = records.filter((record) => record.isData && JSON.parse(record.stripe)[0] === BUCKET);
    // Damage at most m records of any stripe; a quarter of the flips land in record headers.
    const damagedByStripe = new Map<string, Set<StoredRecord>>();
    const damaged = new Set<StoredRecord>();
    const flipped = new Set<string>();
    let flips = 0;
    while (flips < FLIPS) {
      const record = shardRecords[randomInt(shardRecords.length)]!;
      const inStripe = damagedByStripe.get(record.stripe) ?? new Set();
      if (!inStripe.has(record) && inStripe.size >= PARITY_SHARDS) continue;
      const position = record.offsetBytes + (randomInt(4) === 0 ? randomInt(record.headerBytes) : randomInt(record.sizeBytes));
      if (flipped.has(`${record.path}:${position}`)) continue;
      flipped.add(`${record.path}:${position}`);
      await xorByte(record.path, position);
      inStripe.add(record);
      damagedByStripe.set(record.stripe, inStripe);
      damaged.add(record);
      flips += 1;
    }
    // Every GET answers the exact bytes (no stripe lost more than m shards).
    for (const [key, body] of bodies) assert.ok((await readObject(s3, key)).equals(body), `${key} read back different bytes`);
    // Reads queued the damaged shards they met; the queue drains by itself.
    // Each process publishes its queue once a second: wait until it is empty and the count settled.
    await repairQueueSettled(server);
    const afterReads = await metrics(server);
    const repairedFromQueue = afterReads.get('cairn_repair_queue_repaired_total')!;
    assert.equal(afterReads.get('cairn_repair_queue_unrecoverable_total'), 0);
    const first = await adminAudit(server, ['--repair']);
    assert.equal(first.code, 0);
    assert.equal(first.run.state, 'done');
    assert.equal(first.run.objectsChecked, bodies.size);
    assert.equal(first.run.counts['corruptFound']! + repairedFromQueue, damaged.size, 'every damaged record found by reads or the audit');
    assert.equal(first.run.counts['repaired'], first.run.counts['corruptFound']);
    t.diagnostic(`${damaged.size} records damaged by ${FLIPS} flips: ${repairedFromQueue} repaired from the read queue, ${first.run.counts['corruptFound']} found and repaired by the audit`);
    assert.equal(first.run.counts['unrecoverable'], 0);
    const second = await adminAudit(server, []);
    assert.equal(second.code, 0);
    assert.equal(second.run.counts['corruptFound'], 0);
    assert.equal(second.run.counts['recordsChecked'], first.run.counts['recordsChecked']);
    assert.ok((await scanDrives(drives)).every((record) => record.valid), 'every record verifies again');
    for (const [key, body] of bodies) assert.ok((await readObject(s3, key)).equals(body));
    const final = await metrics(server);
    assert.equal(final.get('cairn_audit_corrupt_found_total'), first.run.counts['corruptFound']);
    assert.equal(final.get('cairn_audit_repaired_total'), first.run.counts['repaired']);
    assert.equal(final.get('cairn_audit_unrecoverable_total'), 0);
    assert.equal(final.get('cairn_audit_records_checked_total'), first.run.counts['recordsChecked']! * 2);
    assert.equal([...final].filter(([name, value]) => name.startsWith('cairn_drive_online{') && value === 1).length, DRIVES);
    // Metrics need the root identity's signature.
    assert.equal((await rawRequest(server, { method: 'GET', path: '/_cairn/metrics', auth: 'none' })).status, 403);
  });

  it('counts a damaged record of a standalone drive unrecoverable, and GET answers InternalError', async () => {
    const dataDirectory = temporaryDirectory('audit-single');
    const server = await startServer({ dataDirectory, extraArgs: ['--workers', '1', '--scrub-rate', '0'] });
    cleanups.push(() => server.dispose());
    const s3 = sdkClient(server);
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
    const body = randomBytes(5000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'only', Body: body }));
    const [record] = (await scanDrives([join(dataDirectory, 'drive')])).filter((found) => JSON.parse(found.stripe)[1] === 'only');
    await xorByte(record!.path, record!.offsetBytes + record!.headerBytes + 100);
    const audit = await adminAudit(server, ['--repair']);
    assert.equal(audit.code, 1);
    assert.deepEqual([audit.run.counts['corruptFound'], audit.run.counts['repaired'], audit.run.counts['unrecoverable']], [1, 0, 1]);
    const got = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/only` });
    assert.equal(got.status, 500);
    assert.equal(got.errorCode, 'InternalError');
    assert.equal(got.body.includes(body.subarray(0, 64)), false);
    assert.equal((await metrics(server)).get('cairn_audit_unrecoverable_total'), 1);
  });

  it('the background scrub finds and repairs a damaged shard on its own (two workers)', async () => {
    const drives = drivePathsUnder(temporaryDirectory('audit-scrub'), DRIVES);
    const { server, s3 } = await serverOn(drives, ['--workers', '2', '--scrub-rate', '1'], { CAIRN_SCRUB_PAUSE_MS: '200' });
    const body = randomBytes(300_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'scrubbed', Body: body }));
    const [record] = (await scanDrives(drives)).filter((found) => JSON.parse(found.stripe)[1] === 'scrubbed');
    await xorByte(record!.path, record!.offsetBytes + record!.sizeBytes - 1);
    await waitFor('the scrub to repair the shard', 20_000, async () => (await metrics(server)).get('cairn_audit_repaired_total') === 1);
    assert.equal((await metrics(server)).get('cairn_audit_corrupt_found_total'), 1);
    assert.ok((await scanDrives(drives)).every((found) => found.valid));
    assert.ok((await readObject(s3, 'scrubbed')).equals(body));
    const audit = await adminAudit(server, []);
    assert.equal(audit.code, 0);
    assert.equal(audit.run.counts['corruptFound'], 0);
  });
});
