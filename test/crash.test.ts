// Crash safety (DESIGN.md §2.1): concurrent PUTs and DELETEs, `kill -9` at a random moment, restart,
// then every acknowledged PUT reads back byte-identical, every acknowledged DELETE stays deleted, and
// every write in flight at the kill is either absent or complete — never torn. Repeated for
// CAIRN_CRASH_ROUNDS rounds (default 20) on the same data directory, so damage would accumulate.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const ROUNDS = Number(process.env['CAIRN_CRASH_ROUNDS'] ?? 20);
const WRITERS = 12;
const BUCKET = 'crash';
const KILL_AFTER_MS_MIN = 80;
const KILL_AFTER_MS_MAX = 600;
const SMALL_OBJECT_BYTES_MAX = 64 * 1024;
const LARGE_OBJECT_BYTES_MAX = 3 * 1024 * 1024;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Ledger {
  /** key → sha256 of the acknowledged bytes. */
  acknowledged: Map<string, string>;
  /** key → sha256 of bytes sent but not acknowledged when the server died. */
  inFlight: Map<string, string>;
  acknowledgedDeletes: Set<string>;
  /** Deletes sent but not acknowledged: the key may be present (with its acknowledged bytes) or absent. */
  inFlightDeletes: Set<string>;
}

function randomBody(): Buffer {
  // One object in ten spans several 1 MiB storage records.
  const sizeBytes = randomInt(10) === 0 ? randomInt(LARGE_OBJECT_BYTES_MAX) : randomInt(SMALL_OBJECT_BYTES_MAX);
  return randomBytes(sizeBytes);
}

async function writerLoop(s3: S3Client, writer: number, round: number, ledger: Ledger, stopped: () => boolean): Promise<void> {
  for (let sequence = 0; !stopped(); sequence += 1) {
    const key = `r${round}/w${writer}/${sequence}`;
    const body = randomBody();
    const digest = sha256(body);
    ledger.inFlight.set(key, digest);
    try {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      ledger.inFlight.delete(key);
      ledger.acknowledged.set(key, digest);
    } catch {
      return;
    }
    // Now and then delete an acknowledged key from an earlier step.
    if (sequence > 0 && sequence % 5 === 0) {
      const victim = `r${round}/w${writer}/${sequence - 1}`;
      ledger.inFlightDeletes.add(victim);
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: victim }));
        ledger.inFlightDeletes.delete(victim);
        ledger.acknowledged.delete(victim);
        ledger.acknowledgedDeletes.add(victim);
      } catch {
        return;
      }
    }
  }
}

async function readDigest(s3: S3Client, key: string): Promise<string | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return sha256(Buffer.from(await response.Body!.transformToByteArray()));
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function verify(server: RunningServer, ledger: Ledger, round: number): Promise<void> {
  const s3 = sdkClient(server);
  try {
    for (const [key, digest] of ledger.acknowledged) {
      const stored = await readDigest(s3, key);
      if (ledger.inFlightDeletes.has(key) && stored === undefined) {
        ledger.acknowledged.delete(key);
        continue;
      }
      assert.equal(stored, digest, `round ${round}: acknowledged ${key} must read back byte-identical`);
    }
    for (const key of ledger.acknowledgedDeletes) {
      assert.equal(await readDigest(s3, key), undefined, `round ${round}: acknowledged delete of ${key} must stay deleted`);
    }
    for (const [key, digest] of ledger.inFlight) {
      const stored = await readDigest(s3, key);
      assert.ok(stored === undefined || stored === digest, `round ${round}: in-flight ${key} must be absent or complete`);
      // From now on it is known either way: keep it in the ledger as what it turned out to be.
      if (stored !== undefined) ledger.acknowledged.set(key, stored);
    }
    ledger.inFlight.clear();
    ledger.inFlightDeletes.clear();
  } finally {
    s3.destroy();
  }
}

describe('crash safety', () => {
  it(`keeps every acknowledged write across ${ROUNDS} rounds of kill -9`, { timeout: 20 * 60_000 }, async () => {
    const dataDirectory = temporaryDirectory('crash');
    const ledger: Ledger = { acknowledged: new Map(), inFlight: new Map(), acknowledgedDeletes: new Set(), inFlightDeletes: new Set() };
    try {
      let server = await startServer({ dataDirectory });
      assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
      let killedWithWritesInFlight = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        const s3 = sdkClient(server, { maxAttempts: 1 });
        let stopped = false;
        const writers = Array.from({ length: WRITERS }, (_, writer) => writerLoop(s3, writer, round, ledger, () => stopped));
        await new Promise((resolve) => setTimeout(resolve, randomInt(KILL_AFTER_MS_MIN, KILL_AFTER_MS_MAX)));
        if (ledger.inFlight.size > 0) killedWithWritesInFlight += 1;
        await server.kill();
        stopped = true;
        await Promise.all(writers);
        s3.destroy();
        server = await startServer({ dataDirectory });
        await verify(server, ledger, round);
      }
      assert.ok(ledger.acknowledged.size > ROUNDS * WRITERS, `expected many acknowledged writes, got ${ledger.acknowledged.size}`);
      assert.ok(killedWithWritesInFlight >= ROUNDS / 2, 'most kills should land while writes are in flight');
      await server.kill();
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});
