// Fault injection through the admin API and `cairn admin fault`, on a real 6-drive server (STANDARD
// 3+3, write quorum 4): failed, slow, read-only and corrupted drives; experiment templates; bad
// input; and a 2-worker server where a fault injected through one worker affects the other.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { adminCall, countInLog, injectFault, stopFault, waitForDriveLog } from './helpers/faults.js';
import { closeDriveSet, openDriveSet, putSizedObjects } from './helpers/drive-set.js';
import { cairnAdmin } from './helpers/iam.js';
import type { RunningServer } from './helpers/server.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const DRIVES = 6;
const BUCKET = 'faulty';
/** Striped (over 16 KiB) and small (m+1 copies) STANDARD objects. */
const SIZES = [0, 100, 20 * KIB, MIB + 7, 2 * MIB + 3];
const LARGE_BYTES = 2 * MIB;

async function getBytes(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function putRaw(server: RunningServer, key: string, body: Buffer) {
  return rawRequest(server, { method: 'PUT', path: `/${BUCKET}/${key}`, body });
}

async function assertAllIdentical(s3: S3Client, stored: Map<string, Buffer>): Promise<void> {
  for (const [key, body] of stored) assert.deepEqual(await getBytes(s3, key), body, key);
}

describe('fault injection on a 6-drive server', () => {
  let root: string;
  let drives: string[];
  let server: RunningServer;
  let s3: S3Client;
  const stored = new Map<string, Buffer>();

  before(async () => {
    ({ root, drives, server, s3 } = await openDriveSet('faults', DRIVES, 1, BUCKET));
    await putSizedObjects(s3, BUCKET, SIZES, stored);
  });

  after(async () => {
    await closeDriveSet({ root, drives, server, s3 });
  });

  it('bad input: 400 with a JSON error naming the problem; nothing injected', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['not json', /valid JSON/],
      [[1, 2], /JSON object/],
      [{ action: 'fail' }, /"drive".*missing/],
      [{ drive: 0, action: 'fail' }, /"drive" must be an integer from 1 to 6/],
      [{ drive: 7, action: 'fail' }, /"drive" must be an integer from 1 to 6/],
      [{ drive: 1.5, action: 'fail' }, /"drive"/],
      [{ drive: 1, action: 'explode' }, /"action" must be one of fail, slow, read-only, corrupt/],
      [{ drive: 1 }, /"action"/],
      [{ drive: 1, action: 'fail', durationSeconds: 0 }, /"durationSeconds" must be an integer from 1 to 86400/],
      [{ drive: 1, action: 'fail', durationSeconds: '10' }, /"durationSeconds"/],
      [{ drive: 1, action: 'fail', latencyMs: 5 }, /"latencyMs" applies only to the action slow/],
      [{ drive: 1, action: 'slow', latencyMs: 0 }, /"latencyMs" must be an integer from 1 to 60000/],
      [{ drive: 1, action: 'slow', bytes: 3 }, /"bytes" applies only to the action corrupt/],
      [{ drive: 1, action: 'corrupt', bytes: 100000 }, /"bytes" must be an integer from 1 to 1024/],
      [{ drive: 1, action: 'corrupt', durationSeconds: 5 }, /does not apply to corrupt/],
      [{ drive: 1, action: 'fail', color: 'red' }, /unknown field\(s\) "color"/],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await adminCall(server, 'POST', '/faults', body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(json.error.code, 'InvalidInput', JSON.stringify(body));
      assert.match(json.error.message, message, JSON.stringify(body));
    }
    assert.deepEqual((await adminCall(server, 'GET', '/faults')).json, { faults: [] });
    const missing = await adminCall(server, 'DELETE', '/faults/00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NoSuchFault');
    assert.equal((await adminCall(server, 'PATCH', '/faults')).status, 405);
    assert.doesNotMatch(server.stderr(), /OFFLINE/);
  });

  it('fail m=3 drives: every GET byte-identical, STANDARD PUTs 503 and nothing visible; stopped: writes work again', async () => {
    const ids = [];
    for (const drive of [1, 2, 3]) ids.push(await injectFault(server, { drive, action: 'fail', durationSeconds: 120 }));
    await waitForDriveLog(server, drives.slice(0, 3), 'is OFFLINE');
    const listed = (await adminCall(server, 'GET', '/faults')).json.faults;
    assert.deepEqual(listed.map((fault: { drive: number; action: string }) => [fault.drive, fault.action]), [[1, 'fail'], [2, 'fail'], [3, 'fail']]);
    await assertAllIdentical(s3, stored);
    for (const sizeBytes of [10, LARGE_BYTES]) {
      expectErrorResponse(await putRaw(server, `refused-${sizeBytes}`, randomBytes(sizeBytes)), 503, 'ServiceUnavailable');
      assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/refused-${sizeBytes}` })).status, 404);
    }
    for (const id of ids) await stopFault(server, id);
    await waitForDriveLog(server, drives.slice(0, 3), 'is back online');
    const body = randomBytes(LARGE_BYTES);
    assert.equal((await putRaw(server, 'after-fail', body)).status, 200);
    assert.deepEqual(await getBytes(s3, 'after-fail'), body);
    stored.set('after-fail', body);
  });

  it('slow drive: requests still succeed (latency measured, not asserted tightly)', async () => {
    const started = Date.now();
    await getBytes(s3, `object-${2 * MIB + 3}`);
    const baselineMs = Date.now() - started;
    const id = await injectFault(server, { drive: 1, action: 'slow', latencyMs: 150, durationSeconds: 60 });
    const slowStarted = Date.now();
    const body = randomBytes(LARGE_BYTES);
    assert.equal((await putRaw(server, 'slow-put', body)).status, 200);
    await assertAllIdentical(s3, new Map([...stored, ['slow-put', body]]));
    const slowMs = Date.now() - slowStarted;
    await stopFault(server, id);
    stored.set('slow-put', body);
    // A PUT on drive 1 waits for its append and its fdatasync: at least one injected delay.
    assert.ok(slowMs >= 150, `slowed requests took ${slowMs} ms (one GET unslowed: ${baselineMs} ms)`);
  });

  it('read-only drive: writes succeed on the others (shard missing, queued for repair); 3 read-only drives: STANDARD PUT 503', async () => {
    const one = await injectFault(server, { drive: 4, action: 'read-only', durationSeconds: 60 });
    const body = randomBytes(LARGE_BYTES);
    assert.equal((await putRaw(server, 'read-only-1', body)).status, 200);
    assert.deepEqual(await getBytes(s3, 'read-only-1'), body);
    stored.set('read-only-1', body);
    // Drive 4 is driveIndex 3 in the log.
    assert.match(server.stderr(), /DAMAGED shard \d of stripe 0 on drive 3 \(bucket "faulty" key "read-only-1".*not written.*queued for repair/);
    const more = [await injectFault(server, { drive: 5, action: 'read-only' }), await injectFault(server, { drive: 6, action: 'read-only' })];
    expectErrorResponse(await putRaw(server, 'read-only-3', randomBytes(LARGE_BYTES)), 503, 'ServiceUnavailable');
    assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${BUCKET}/read-only-3` })).status, 404);
    // Reads are unaffected.
    await assertAllIdentical(s3, stored);
    for (const id of [one, ...more]) await stopFault(server, id);
    assert.equal((await putRaw(server, 'read-only-after', body)).status, 200);
  });

  it('corrupt 64 random bytes on each of two drives: every GET returns the right bytes (CRCs catch every flip)', async () => {
    for (const drive of [2, 5]) {
      const { status, json } = await adminCall(server, 'POST', '/faults', { drive, action: 'corrupt', bytes: 64 });
      assert.equal(status, 201);
      assert.equal(json.action, 'corrupt');
      assert.equal(json.corrupted.length, 64);
    }
    assert.deepEqual((await adminCall(server, 'GET', '/faults')).json, { faults: [] });
    await assertAllIdentical(s3, stored);
  });

  it('an experiment template is saved, read back and run by name; bad templates are refused', async () => {
    const template = { targets: { drives: [2, 3] }, actions: [{ action: 'slow', latencyMs: 20 }], durationSeconds: 30, stopCondition: { maxDrivesOffline: 1 } };
    assert.equal((await adminCall(server, 'PUT', '/fault-templates/slow-pair', template)).status, 204);
    assert.deepEqual((await adminCall(server, 'GET', '/fault-templates/slow-pair')).json, template);
    const ran = await adminCall(server, 'POST', '/fault-templates/slow-pair/run');
    assert.equal(ran.status, 201);
    assert.equal(ran.json.experiment, 'slow-pair');
    assert.deepEqual(ran.json.injected.map((fault: { drive: number; action: string; latencyMs: number }) => [fault.drive, fault.action, fault.latencyMs]), [[2, 'slow', 20], [3, 'slow', 20]]);
    const listed = (await adminCall(server, 'GET', '/faults')).json.faults;
    assert.deepEqual(listed.map((fault: { experiment: string }) => fault.experiment), ['slow-pair', 'slow-pair']);
    await assertAllIdentical(s3, new Map([...stored].slice(0, 2)));
    for (const fault of listed) await stopFault(server, fault.id);
    const bad: Array<[string, unknown, RegExp]> = [
      ['t1', { targets: { drives: [] }, actions: [{ action: 'fail' }], durationSeconds: 5 }, /"targets"/],
      ['t2', { targets: { drives: [9] }, actions: [{ action: 'fail' }], durationSeconds: 5 }, /"drive" must be an integer from 1 to 6/],
      ['t3', { targets: { drives: [1] }, actions: [{ action: 'melt' }], durationSeconds: 5 }, /template action 1: "action"/],
      ['t4', { targets: { drives: [1] }, actions: [{ action: 'fail' }] }, /"durationSeconds"/],
      ['t5', { targets: { drives: [1] }, actions: [{ action: 'fail' }], durationSeconds: 5, stopCondition: { errorRate: 1 } }, /unknown field/],
      ['n'.repeat(65), { targets: { drives: [1] }, actions: [{ action: 'fail' }], durationSeconds: 5 }, /template name/],
    ];
    for (const [name, body, message] of bad) {
      const { status, json } = await adminCall(server, 'PUT', `/fault-templates/${encodeURIComponent(name)}`, body);
      assert.equal(status, 400, name);
      assert.match(json.error.message, message, name);
    }
    const missing = await adminCall(server, 'GET', '/fault-templates/t1');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NoSuchTemplate');
    assert.equal((await adminCall(server, 'POST', '/fault-templates/nothing/run')).status, 404);
    assert.deepEqual((await adminCall(server, 'GET', '/faults')).json, { faults: [] });
  });

  it('a template stop condition: failing 2 drives with maxDrivesOffline 1 stops the experiment', async () => {
    const template = { targets: { drives: [5, 6] }, actions: [{ action: 'fail' }], durationSeconds: 60, stopCondition: { maxDrivesOffline: 1 } };
    assert.equal((await adminCall(server, 'PUT', '/fault-templates/too-far', template)).status, 204);
    assert.equal((await adminCall(server, 'POST', '/fault-templates/too-far/run')).status, 201);
    await waitForDriveLog(server, drives.slice(4, 6), 'is OFFLINE');
    // Only a hang detector: the experiment would run for 60 s if the condition were not applied.
    const deadline = Date.now() + 20_000;
    while ((await adminCall(server, 'GET', '/faults')).json.faults.length > 0) {
      assert.ok(Date.now() < deadline, 'experiment was not stopped');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(server.stderr(), /experiment too-far: stop condition met/);
    await waitForDriveLog(server, drives.slice(4, 6), 'is back online');
  });

  it('cairn admin fault inject / list / stop / template', async () => {
    const injected = await cairnAdmin(server, ['fault', 'inject', '--drive', '2', '--action', 'slow', '--latency-ms', '5', '--duration', '30', '--json']);
    assert.equal(injected.code, 0, injected.stderr);
    const fault = JSON.parse(injected.stdout);
    assert.equal(fault.action, 'slow');
    const listed = await cairnAdmin(server, ['fault', 'list']);
    assert.match(listed.stdout, new RegExp(`${fault.id}  drive 2  slow \\+5 ms`));
    assert.equal((await cairnAdmin(server, ['fault', 'stop', fault.id])).code, 0);
    assert.match((await cairnAdmin(server, ['fault', 'list'])).stdout, /no active faults/);
    const refused = await cairnAdmin(server, ['fault', 'inject', '--drive', '9', '--action', 'fail']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /InvalidInput: "drive" must be an integer from 1 to 6/);
    assert.equal((await cairnAdmin(server, ['fault', 'inject', '--action', 'fail'])).code, 2);
    const put = await cairnAdmin(server, ['fault', 'template', 'put', 'cli-t', '-'], JSON.stringify({ targets: { drives: [1] }, actions: [{ action: 'corrupt', bytes: 2 }], durationSeconds: 1 }));
    assert.equal(put.code, 0, put.stderr);
    const ran = await cairnAdmin(server, ['fault', 'template', 'run', 'cli-t']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /experiment cli-t:\n {2}corrupted 2 byte\(s\) on drive 1/);
    await assertAllIdentical(s3, stored);
  });
});

describe('fault injection with --workers 2', () => {
  let root: string;
  let drives: string[];
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ root, drives, server, s3 } = await openDriveSet('faults-cluster', DRIVES, 2, BUCKET));
  });

  after(async () => {
    await closeDriveSet({ root, drives, server, s3 });
  });

  it('a fault injected through one worker takes effect in both; listing and stopping work from either', async () => {
    const body = randomBytes(LARGE_BYTES);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'shared', Body: body }));
    const ids = [];
    for (const drive of [1, 2, 3]) ids.push(await injectFault(server, { drive, action: 'fail', durationSeconds: 120 }));
    // Each worker has its own DriveStores: each logs the drive going offline.
    await waitForDriveLog(server, drives.slice(0, 3), 'is OFFLINE', 2);
    for (let attempt = 0; attempt < 6; attempt++) {
      assert.equal((await adminCall(server, 'GET', '/faults')).json.faults.length, 3);
      assert.deepEqual(await getBytes(s3, 'shared'), body);
      expectErrorResponse(await putRaw(server, `refused-${attempt}`, randomBytes(LARGE_BYTES)), 503, 'ServiceUnavailable');
    }
    for (const id of ids) await stopFault(server, id);
    await waitForDriveLog(server, drives.slice(0, 3), 'is back online', 2);
    for (let attempt = 0; attempt < 4; attempt++) assert.equal((await putRaw(server, `after-${attempt}`, body)).status, 200);
    assert.equal(countInLog(server, 'is OFFLINE'), 6);
  });
});
