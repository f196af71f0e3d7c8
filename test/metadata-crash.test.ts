// kill -9 and the journal: a change and its journal row commit together, and a Parquet file becomes
// visible in the same index transaction that removes its rows, so a crash anywhere — between a change
// and its export, or between storing a file and committing it — loses no row and doubles none.
import { CreateBucketCommand, CreateBucketMetadataConfigurationCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { sql, waitFor } from './helpers/metadata.js';
import { startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const ROUNDS = Number(process.env['CAIRN_METADATA_CRASH_ROUNDS'] ?? 6);
const WRITERS = 8;
const KILL_AFTER_MS_MIN = 200;
const KILL_AFTER_MS_MAX = 2500;
const EXPORT_PAUSE_MS = 4000;
const EXPORT_TIMEOUT_MS = 30_000;

async function prepareBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket: bucket, MetadataConfiguration: {
    JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
  } }));
}

/** Rows in the bucket's exported journal files (each file's x-amz-meta-rows). */
async function exportedRows(s3: S3Client, bucket: string): Promise<number> {
  let rows = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'cairn-metadata', Prefix: `${bucket}/journal/data/`, ContinuationToken: token }));
    for (const file of page.Contents ?? []) {
      rows += Number((await s3.send(new HeadObjectCommand({ Bucket: 'cairn-metadata', Key: file.Key! }))).Metadata?.['rows'] ?? 0);
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return rows;
}

/** Waits until every journal row is in a file, then returns how often each key appears. */
async function exportedKeyCounts(server: RunningServer, s3: S3Client, bucket: string): Promise<Map<string, number>> {
  await waitFor('every journal row to be exported', async () => {
    const [{ n }] = (await sql(server, `SELECT count(*) AS n FROM journal."${bucket}"`)) as [{ n: number }];
    return n > 0 && (await exportedRows(s3, bucket)) === n ? true : undefined;
  }, EXPORT_TIMEOUT_MS);
  const [totals] = await sql(server, `SELECT count(*) AS n, count(DISTINCT sequence_number) AS sequences FROM journal."${bucket}"`);
  assert.equal(totals!['n'], totals!['sequences'], 'every sequence number appears once');
  const rows = await sql(server, `SELECT key, count(*) AS n FROM journal."${bucket}" GROUP BY key`);
  return new Map(rows.map((row) => [row['key'] as string, row['n'] as number]));
}

describe('S3 Metadata across kill -9', () => {
  it('keeps every row exactly once when killed between storing a file and committing it', async () => {
    const dataDirectory = temporaryDirectory('metadata-crash');
    const bucket = 'paused-export';
    try {
      let server = await startServer({ dataDirectory, env: { CAIRN_FAULT_METADATA_EXPORT_PAUSE_MS: String(EXPORT_PAUSE_MS) } });
      let s3 = sdkClient(server);
      await prepareBucket(s3, bucket);
      const keys = Array.from({ length: 50 }, (_, index) => `object-${index}`);
      await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));
      await waitFor('the export to store its file and pause', async () => (server.stderr().includes('fault injection: pausing') ? true : undefined), EXPORT_TIMEOUT_MS);
      s3.destroy();
      await server.kill();
      server = await startServer({ dataDirectory });
      s3 = sdkClient(server);
      const counts = await exportedKeyCounts(server, s3, bucket);
      assert.deepEqual([...counts].sort(), keys.map((key) => [key, 1]).sort());
      s3.destroy();
      await server.kill();
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });

  it(`keeps every acknowledged change exactly once across ${ROUNDS} rounds of kill -9 at random moments`, { timeout: 10 * 60_000 }, async () => {
    const dataDirectory = temporaryDirectory('metadata-crash');
    const bucket = 'random-kills';
    const acknowledged = new Set<string>();
    const inFlight = new Set<string>();
    try {
      let server = await startServer({ dataDirectory });
      await prepareBucket(sdkClient(server), bucket);
      for (let round = 0; round < ROUNDS; round += 1) {
        const s3 = sdkClient(server, { maxAttempts: 1 });
        let stopped = false;
        const writers = Array.from({ length: WRITERS }, async (_, writer) => {
          for (let sequence = 0; !stopped; sequence += 1) {
            const key = `r${round}/w${writer}/${sequence}`;
            inFlight.add(key);
            try {
              await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
            } catch {
              return;
            }
            inFlight.delete(key);
            acknowledged.add(key);
          }
        });
        await new Promise((resolve) => setTimeout(resolve, randomInt(KILL_AFTER_MS_MIN, KILL_AFTER_MS_MAX)));
        await server.kill();
        stopped = true;
        await Promise.all(writers);
        s3.destroy();
        server = await startServer({ dataDirectory });
      }
      const s3 = sdkClient(server);
      const counts = await exportedKeyCounts(server, s3, bucket);
      for (const key of acknowledged) assert.equal(counts.get(key), 1, `acknowledged ${key} must be in the journal once`);
      for (const [key, count] of counts) {
        assert.ok(acknowledged.has(key) || inFlight.has(key), `${key} was never written`);
        assert.equal(count, 1, `${key} must be in the journal at most once`);
      }
      assert.ok(acknowledged.size > ROUNDS * WRITERS, `expected many acknowledged writes, got ${acknowledged.size}`);
      s3.destroy();
      await server.kill();
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});
