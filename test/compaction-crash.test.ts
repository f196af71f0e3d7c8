// A crash mid-compaction loses nothing (DESIGN.md §2): a 4-drive server with 2 MiB volumes compacts
// continuously (a pass every 0.2 s, copying at 2 MB/s, so a pass lasts long enough to be caught)
// while writers PUT new objects and DELETE old ones, and is killed with SIGKILL at a random moment,
// round after round on the same drives. After each restart every acknowledged PUT reads back
// byte-identical, every acknowledged DELETE stays deleted, and a write in flight at the kill is absent
// or whole. At the end half of the objects are deleted and the server compacts with no grace period
// until nothing is left to do (space must have been reclaimed), and the index is rebuilt from the
// drives and checked once more.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException, CreateBucketCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { runCompactionPass, volumeBytes } from './helpers/compaction.js';
import { drivePathsUnder } from './helpers/faults.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, discardIndexOf, startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const ROUNDS = Number(process.env['CAIRN_COMPACTION_CRASH_ROUNDS'] ?? 8);
const DRIVES = 4;
const WRITERS = 6;
const BUCKET = 'churn';
const OBJECT_BYTES_MIN = 20 * 1024;
const OBJECT_BYTES_MAX = 200 * 1024;
/** Each PUT is followed by a DELETE of an older object with this probability: most data becomes garbage. */
const DELETE_PROBABILITY = 0.8;
const KILL_AFTER_MS_MIN = 800;
const KILL_AFTER_MS_MAX = 2500;
const VERIFY_CONCURRENCY = 8;
const ROUND_TIMEOUT_MS = 60_000;
const REBUILD_TIMEOUT_MS = 120_000;
const SETTLE_PASSES_MAX = 6;
const SERVER_ARGS = ['--volume-size', '2', '--compaction-interval', '0.2', '--compaction-rate', '2', '--compaction-grace', '0.5'];

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Ledger {
  acknowledged: Map<string, string>;
  inFlight: Map<string, string>;
  deleted: Set<string>;
  deleting: Set<string>;
  /**
   * Deletes in flight at a kill that the index had committed: gone since. Their tombstone follows
   * the commit, so the kill may have lost it and an index rebuilt from the drives may bring the object
   * back (docs/rebuild-index.md): key → the bytes it may come back with.
   */
  deletedUnacknowledged: Map<string, string>;
  /** Acknowledged keys no writer has claimed for deletion yet. */
  deletable: string[];
}

async function writer(s3: S3Client, round: number, index: number, ledger: Ledger, stopped: () => boolean): Promise<void> {
  for (let sequence = 0; !stopped(); sequence++) {
    const key = `r${round}/w${index}/${sequence}`;
    const body = randomBytes(randomInt(OBJECT_BYTES_MIN, OBJECT_BYTES_MAX));
    ledger.inFlight.set(key, sha(body));
    try {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    } catch {
      return;
    }
    ledger.inFlight.delete(key);
    ledger.acknowledged.set(key, sha(body));
    ledger.deletable.push(key);
    if (Math.random() >= DELETE_PROBABILITY || ledger.deletable.length < 2) continue;
    const victim = ledger.deletable.splice(randomInt(ledger.deletable.length - 1), 1)[0]!;
    ledger.deleting.add(victim);
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: victim }));
    } catch {
      return;
    }
    ledger.deleting.delete(victim);
    ledger.acknowledged.delete(victim);
    ledger.deleted.add(victim);
  }
}

async function readSha(s3: S3Client, key: string): Promise<string | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return sha(Buffer.from(await got.Body!.transformToByteArray()));
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Checks the ledger against the server; settles what was in flight (absent or whole) into it. */
async function verify(server: RunningServer, ledger: Ledger, when: string, rebuilt = false): Promise<void> {
  const s3 = sdkClient(server);
  const checks: Array<() => Promise<void>> = [];
  for (const [key, digest] of ledger.acknowledged) {
    if (ledger.deleting.has(key)) continue;
    checks.push(async () => assert.equal(await readSha(s3, key), digest, `${when}: acknowledged ${key} must read back byte-identical`));
  }
  for (const key of ledger.deleted) checks.push(async () => assert.equal(await readSha(s3, key), undefined, `${when}: deleted ${key} must stay deleted`));
  for (const [key, digest] of ledger.deletedUnacknowledged) {
    checks.push(async () => {
      const stored = await readSha(s3, key);
      if (rebuilt) assert.ok(stored === undefined || stored === digest, `${when}: ${key}, deleted in flight, must be gone or whole`);
      else assert.equal(stored, undefined, `${when}: ${key}, deleted in flight and found gone, must stay gone`);
    });
  }
  for (const key of ledger.deleting) {
    checks.push(async () => {
      const stored = await readSha(s3, key);
      assert.ok(stored === undefined || stored === ledger.acknowledged.get(key), `${when}: ${key}, deleted in flight, must be whole or gone`);
      if (stored === undefined) {
        ledger.deletedUnacknowledged.set(key, ledger.acknowledged.get(key)!);
        ledger.acknowledged.delete(key);
      } else {
        ledger.deletable.push(key);
      }
    });
  }
  for (const [key, digest] of ledger.inFlight) {
    checks.push(async () => {
      const stored = await readSha(s3, key);
      assert.ok(stored === undefined || stored === digest, `${when}: ${key}, written in flight, must be absent or whole`);
      if (stored !== undefined) ledger.acknowledged.set(key, stored);
    });
  }
  try {
    for (let start = 0; start < checks.length; start += VERIFY_CONCURRENCY) {
      await Promise.all(checks.slice(start, start + VERIFY_CONCURRENCY).map((check) => check()));
    }
  } finally {
    s3.destroy();
  }
  ledger.inFlight.clear();
  ledger.deleting.clear();
}

/** Deletes every other acknowledged object (acknowledged deletes, recorded in the ledger). */
async function deleteHalf(server: RunningServer, ledger: Ledger): Promise<void> {
  const s3 = sdkClient(server);
  try {
    const victims = [...ledger.acknowledged.keys()].filter((key, position) => position % 2 === 0 && !ledger.deleting.has(key));
    for (let start = 0; start < victims.length; start += VERIFY_CONCURRENCY) {
      await Promise.all(victims.slice(start, start + VERIFY_CONCURRENCY).map((key) => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))));
    }
    for (const key of victims) {
      ledger.acknowledged.delete(key);
      ledger.deleted.add(key);
    }
    ledger.deletable = ledger.deletable.filter((key) => ledger.acknowledged.has(key));
  } finally {
    s3.destroy();
  }
}

function compactionRunning(dataDirectory: string): boolean {
  const path = join(dataDirectory, 'compaction', 'status.json');
  return existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as { state: string }).state === 'running';
}

describe('kill -9 during compaction', () => {
  it(`keeps every acknowledged write and delete across ${ROUNDS} kills while compaction runs`, { timeout: ROUNDS * ROUND_TIMEOUT_MS + REBUILD_TIMEOUT_MS }, async (t) => {
    const root = temporaryDirectory('compaction-crash');
    const dataDirectory = join(root, 'data');
    const drives = drivePathsUnder(root, DRIVES);
    const ledger: Ledger = { acknowledged: new Map(), inFlight: new Map(), deleted: new Set(), deleting: new Set(), deletedUnacknowledged: new Map(), deletable: [] };
    let server = await startServer({ dataDirectory, extraArgs: [...SERVER_ARGS, ...drives] });
    let killedMidPass = 0;
    try {
      await sdkClient(server).send(new CreateBucketCommand({ Bucket: BUCKET }));
      for (let round = 0; round < ROUNDS; round++) {
        const s3 = sdkClient(server, { maxAttempts: 1 });
        let stopped = false;
        const writers = Array.from({ length: WRITERS }, (_, index) => writer(s3, round, index, ledger, () => stopped));
        await new Promise((resolve) => setTimeout(resolve, randomInt(KILL_AFTER_MS_MIN, KILL_AFTER_MS_MAX)));
        if (compactionRunning(dataDirectory)) killedMidPass += 1;
        await server.kill();
        stopped = true;
        await Promise.all(writers);
        s3.destroy();
        server = await startServer({ dataDirectory, extraArgs: [...SERVER_ARGS, ...drives] });
        await verify(server, ledger, `round ${round}`);
      }
      assert.ok(killedMidPass >= 1, `at least one kill should land during a compaction pass (${killedMidPass} of ${ROUNDS})`);
      // Settle: no grace period, passes until nothing is left to do; the space must come back.
      await server.stop();
      server = await startServer({ dataDirectory, extraArgs: ['--volume-size', '2', '--compaction-interval', '0', '--compaction-grace', '0', ...drives] });
      // The rounds' own passes (every 0.2 s, grace 0.5 s) go on while each round is verified, and on a
      // loaded machine may have reclaimed all their garbage by now: garbage this settling must reclaim
      // is made here, on a server that compacts only when asked.
      await deleteHalf(server, ledger);
      const bytesBefore = drives.reduce((sum, drive) => sum + volumeBytes(drive), 0);
      for (let pass = 0; pass < SETTLE_PASSES_MAX; pass++) {
        const counts = await runCompactionPass(server);
        if (counts.volumesCompacted === 0 && counts.volumesDeleted === 0) break;
      }
      const bytesAfter = drives.reduce((sum, drive) => sum + volumeBytes(drive), 0);
      assert.ok(bytesAfter < bytesBefore, `compaction reclaims space: ${bytesBefore} → ${bytesAfter} bytes`);
      t.diagnostic(`${killedMidPass} of ${ROUNDS} kills during a pass; ${ledger.acknowledged.size} objects, ${ledger.deleted.size} deleted; settling took ${bytesBefore} → ${bytesAfter} volume bytes`);
      await verify(server, ledger, 'after settling');
      // The drives alone still describe everything: rebuild the index from them.
      await server.stop();
      const rebuildArgs = await discardIndexOf(dataDirectory);
      const rebuilt = await runCommand(process.execPath, [CAIRN_BIN, 'admin', 'rebuild-index', ...rebuildArgs, ...drives], { timeoutMs: REBUILD_TIMEOUT_MS });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      server = await startServer({ dataDirectory, extraArgs: [...SERVER_ARGS, ...drives] });
      await verify(server, ledger, 'after rebuild-index', true);
    } finally {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
