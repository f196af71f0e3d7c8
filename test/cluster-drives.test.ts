// A cluster on one machine: three drive server processes with two drives each (a 6-drive set,
// STANDARD 3+3 as DESIGN.md §3 sets for 6 drives; a host holds 2 ≤ m of them) and two front-end
// processes sharing one PostgreSQL index and one data directory. A wrong cluster secret, an unknown
// drive name and an unreachable drive server are refused at start with nothing written. Objects
// PUT through one front end are read byte-identical through the other; with one drive server
// killed (-9) every GET still succeeds (REDUCED_REDUNDANCY too: its two copies are on distinct
// hosts) and every acknowledged PUT reads back; restarted and healed, the set has full redundancy
// again (an audit finds nothing, and every object reads with another drive server killed).
// Compaction runs over the wire: most objects deleted, bytes freed on the drive servers, the rest
// intact. A front end killed (-9) right after its PUTs loses none of them.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { runCompactionPass, volumeBytes } from './helpers/compaction.js';
import { serveDrives, TEST_CLUSTER_SECRET, type DriveServerProcess } from './helpers/drive-servers.js';
import { cairnAdmin } from './helpers/iam.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { CAIRN_BIN, startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const BUCKET = 'clustered';
const SIZES = [0, 1, 100, 4 * KIB, 20 * KIB, 300 * KIB, MIB + 7, 2 * MIB + 3 * KIB];
const HOSTS = 3;
/** REDUCED_REDUNDANCY objects (two copies): with a host killed, each must still have one. */
const REDUCED_OBJECTS = 12;
const DRIVES_PER_HOST = 2;
const STATE_WAIT_MS = 15_000;
/** Sealed 2 MiB volumes of deleted objects on the six drives: at least this much is reclaimed. */
const COMPACTION_FREED_BYTES_MIN = 6 * MIB;
const FRONT_END_ARGS = ['--workers', '1', '--compaction-interval', '0', '--compaction-grace', '0'];

async function getBytes(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function waitForLog(servers: RunningServer[], pattern: RegExp, count: number): Promise<void> {
  const deadline = Date.now() + STATE_WAIT_MS;
  for (;;) {
    if (servers.every((server) => (server.stderr().match(new RegExp(pattern, 'g')) ?? []).length >= count)) return;
    if (Date.now() > deadline) throw new Error(`not logged ${count} times: ${pattern}\n${servers.map((server) => server.stderr()).join('\n----\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every file under the directories (names and sizes): "nothing written" is this unchanged. */
function treeOf(directories: string[]): string {
  return directories.map((directory) => `${directory}: ${readdirSync(directory, { recursive: true }).sort().join(',')}`).join('\n');
}

describe('a cluster of drive servers and two front ends on PostgreSQL', () => {
  const root = temporaryDirectory('cluster-drives');
  const hostDirectories = Array.from({ length: HOSTS }, (_, host) => Array.from({ length: DRIVES_PER_HOST }, (_, drive) => join(root, `host${host + 1}`, `drive${host + 1}${'ab'[drive]}`)));
  const home = join(root, 'home');
  const hosts: DriveServerProcess[] = [];
  const frontEnds: RunningServer[] = [];
  const clients: S3Client[] = [];
  const stored = new Map<string, Buffer>();
  let indexUrl: string;
  let driveUrls: string[];

  const startFrontEnd = (extraEnv: Record<string, string> = {}) =>
    startServer({ dataDirectory: home, extraArgs: [...driveUrls, '--index', indexUrl, ...FRONT_END_ARGS], env: { CAIRN_CLUSTER_SECRET: TEST_CLUSTER_SECRET, ...extraEnv } });

  /** `cairn server` that must refuse to start: its exit code and standard error. */
  function refusedStart(drives: string[], secret: string): { code: number | null; stderr: string } {
    const outcome = spawnSync(process.execPath, [CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', join(root, 'refused'), '--index', indexUrl, ...drives], {
      env: { ...process.env, CAIRN_CLUSTER_SECRET: secret, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY }, encoding: 'utf8', timeout: 30_000,
    });
    return { code: outcome.status, stderr: outcome.stderr };
  }

  before(async () => {
    indexUrl = await createTestDatabase();
    for (const directories of hostDirectories) {
      for (const directory of directories) mkdirSync(directory, { recursive: true });
      hosts.push(await serveDrives(directories, { extraArgs: ['--volume-size', '2'] }));
    }
    driveUrls = hosts.flatMap((host, index) => hostDirectories[index]!.map((directory) => `${host.baseUrl}/${directory.split('/').at(-1)}`));
  });

  after(async () => {
    for (const client of clients) client.destroy();
    for (const frontEnd of frontEnds) await frontEnd.kill();
    for (const host of hosts) await host.kill();
    if (indexUrl !== undefined) await dropTestDatabase(indexUrl);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a wrong cluster secret, an unknown drive and an unreachable drive server at start, writing nothing', () => {
    const drives = hostDirectories.flat();
    const before = treeOf(drives);
    const wrongSecret = refusedStart(driveUrls, 'not-the-cluster-secret');
    assert.equal(wrongSecret.code, 1, wrongSecret.stderr);
    assert.match(wrongSecret.stderr, /cannot open the erasure set:\n.*drive1a: 401 the signature does not match: a wrong cluster secret/);
    const unknown = refusedStart([...driveUrls.slice(0, 5), `${hosts[2]!.baseUrl}/no-such-drive`], TEST_CLUSTER_SECRET);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /no-such-drive: 404 no drive no-such-drive/);
    const unreachable = refusedStart([...driveUrls.slice(0, 5), 'http://127.0.0.1:1/drive9'], TEST_CLUSTER_SECRET);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(unreachable.stderr, /127\.0\.0\.1:1\/drive9: unreachable: connect ECONNREFUSED/);
    const noSecret = refusedStart(driveUrls, '');
    assert.equal(noSecret.code, 1, noSecret.stderr);
    assert.match(noSecret.stderr, /remote drives need the cluster secret/);
    assert.equal(treeOf(drives), before, 'no drive was touched');
    assert.equal(existsSync(join(root, 'refused')), false, 'no data directory was made');
  });

  it('two front ends serve the same objects: a PUT through one is read byte-identical through the other', async () => {
    frontEnds.push(await startFrontEnd());
    frontEnds.push(await startFrontEnd());
    for (const frontEnd of frontEnds) clients.push(sdkClient(frontEnd));
    assert.match(frontEnds[0]!.stderr(), /erasure set [0-9a-f-]+: 6 drives, 6 online; STANDARD 3\+3/);
    assert.equal((await rawRequest(frontEnds[0]!, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
    await Promise.all(SIZES.flatMap((sizeBytes) => [0, 1].map(async (through) => {
      const key = `object-${sizeBytes}-via-${through}`;
      const body = randomBytes(sizeBytes);
      await clients[through]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      stored.set(key, body);
    })));
    // Two copies each, on distinct hosts (host-first): one of every six would share a host without it.
    for (let index = 0; index < REDUCED_OBJECTS; index++) {
      const key = `reduced-${index}`;
      const body = randomBytes(8 * KIB + index);
      await clients[index % 2]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, StorageClass: 'REDUCED_REDUNDANCY' }));
      stored.set(key, body);
    }
    for (const [key, body] of stored) {
      const through = key.endsWith('via-0') ? 1 : 0;
      assert.deepEqual(await getBytes(clients[through]!, key), body, key);
    }
    // Each front end appends to volumes of its own on every drive.
    for (const directory of hostDirectories.flat()) assert.ok(readdirSync(join(directory, 'volumes')).filter((name) => name.endsWith('.vol')).length >= 2, directory);
  });

  it('kill -9 of a drive server: every GET byte-identical, every acknowledged PUT readable', async () => {
    await hosts[2]!.kill();
    for (const [key, body] of stored) assert.deepEqual(await getBytes(clients[key.length % 2]!, key), body, key);
    const written = new Map<string, Buffer>();
    await Promise.all(SIZES.map(async (sizeBytes, index) => {
      const key = `during-outage-${sizeBytes}`;
      const body = randomBytes(sizeBytes);
      try {
        await clients[index % 2]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        written.set(key, body);
      } catch (error) {
        // A clean failure is allowed (nothing acknowledged); an acknowledged PUT must read back.
        assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 503, String(error));
      }
    }));
    assert.equal(written.size, SIZES.length, 'four of six drives online meet the 3+3 write quorum (k+1)');
    for (const [key, body] of written) {
      assert.deepEqual(await getBytes(clients[0]!, key), body, key);
      assert.deepEqual(await getBytes(clients[1]!, key), body, key);
      stored.set(key, body);
    }
  });

  it('restarted and healed: full redundancy (audit clean, every object read with another drive server killed)', async () => {
    hosts[2] = await serveDrives(hostDirectories[2]!, { port: hosts[2]!.port, extraArgs: ['--volume-size', '2'] });
    await waitForLog(frontEnds, /drive\d? ?\d \(http:\/\/[^)]+\/drive3[ab]\) is back online/, 2);
    const healed = await cairnAdmin(frontEnds[0]!, ['heal', '--start', '--json']);
    assert.equal(healed.code, 0, healed.stderr);
    const status = JSON.parse(healed.stdout) as { state: string; shardsHealed: number; shardsUnhealable: number; objectsDone: number };
    assert.equal(status.state, 'done');
    assert.equal(status.shardsUnhealable, 0);
    assert.ok(status.shardsHealed >= 2 * (SIZES.length - 1), `shards written during the outage were rebuilt: ${healed.stdout}`);
    const audited = await cairnAdmin(frontEnds[1]!, ['audit', '--json']);
    assert.equal(audited.code, 0, audited.stderr);
    const run = JSON.parse(audited.stdout) as { counts: Record<string, number> };
    assert.equal(run.counts['corruptFound'], 0, audited.stdout);
    assert.equal(run.counts['unrecoverable'], 0, audited.stdout);
    await hosts[0]!.kill();
    for (const [key, body] of stored) assert.deepEqual(await getBytes(clients[key.length % 2]!, key), body, key);
    hosts[0] = await serveDrives(hostDirectories[0]!, { port: hosts[0]!.port, extraArgs: ['--volume-size', '2'] });
    await waitForLog(frontEnds, /\(http:\/\/[^)]+\/drive1[ab]\) is back online/, 2);
  });

  it('compaction over the wire: most objects deleted, bytes freed on the drive servers, the rest intact', async () => {
    const kept = new Map([...stored].filter(([key]) => key.includes('via-1') && !key.startsWith('object-2')));
    for (const key of stored.keys()) if (!kept.has(key)) await clients[0]!.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const drives = hostDirectories.flat();
    const bytesBefore = drives.reduce((sum, drive) => sum + volumeBytes(drive), 0);
    await runCompactionPass(frontEnds[0]!);
    await runCompactionPass(frontEnds[0]!);
    const bytesAfter = drives.reduce((sum, drive) => sum + volumeBytes(drive), 0);
    // What stays: the kept objects and each session's active (unsealed) volume, which is never compacted.
    assert.ok(bytesBefore - bytesAfter >= COMPACTION_FREED_BYTES_MIN, `freed: ${bytesBefore} → ${bytesAfter} bytes`);
    for (const [key, body] of kept) {
      assert.deepEqual(await getBytes(clients[0]!, key), body, key);
      assert.deepEqual(await getBytes(clients[1]!, key), body, key);
    }
  });

  it('kill -9 of a front end right after its PUTs: every acknowledged object read through the other', async () => {
    const acknowledged = new Map<string, Buffer>();
    await Promise.all(SIZES.map(async (sizeBytes) => {
      const body = randomBytes(sizeBytes);
      await clients[1]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: `last-${sizeBytes}`, Body: body }));
      acknowledged.set(`last-${sizeBytes}`, body);
    }));
    await frontEnds[1]!.kill();
    for (const [key, body] of acknowledged) assert.deepEqual(await getBytes(clients[0]!, key), body, key);
  });
});
