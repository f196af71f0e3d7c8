// What a recovery point of AWS Backup costs in the index, where all of its work is (a point copies no
// bytes): a bucket of N objects (default 100,000) gets a first point (one row per object), then
// rounds of C changes (default 10: overwrites, a delete marker, a new key) each followed by another
// point, which writes rows only for the changed keys. Also times the triggers' cost on a PUT of a
// bucket with a chain (closed loop of group-committed putObject calls), against a bucket without.
// Prints each figure and the ratio of a later point's time to the first's.
//
//   npm run bench:backup [-- --objects 100000 --changes 10 --rounds 5] [--index postgres://…/EMPTY_DATABASE]
// (--index: the PostgreSQL engine, on an empty database made for the run; the tables stay behind.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PostgresIndex } from '../src/index/postgres-index.js';
import { SqliteIndex } from '../src/index/sqlite-index.js';
import type { Index, ObjectRecord } from '../src/index/types.js';
import { newTimeOrderedId } from '../src/util/ids.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    changes: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    index: { type: 'string' },
  },
});
const OBJECTS = Number(values.objects);
const CHANGES = Number(values.changes);
const ROUNDS = Number(values.rounds);
/** putObject calls in flight at once while filling a bucket: the group commit takes them together. */
const FILL_CONCURRENCY = 256;
const PUTS_TIMED = 5000;

function version(bucket: string, key: string): ObjectRecord {
  const dataId = newTimeOrderedId();
  return {
    bucket, key, versionId: dataId, dataId, sizeBytes: 4096, etag: dataId.slice(0, 32), lastModifiedMs: Date.now(), storageClass: 'STANDARD',
    headers: { contentType: 'application/octet-stream' }, userMetadata: {}, placement: Buffer.alloc(40, 1),
  };
}

async function fill(index: Index, bucket: string, keys: string[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, async () => {
    while (next < keys.length) await index.putObject(version(bucket, keys[next++]!));
  }));
  return performance.now() - started;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'cairn-bench-backup-'));
  const index: Index = values.index === undefined ? SqliteIndex.open(join(directory, 'index.db')) : await PostgresIndex.open(values.index);
  console.log(`index: ${values.index === undefined ? 'SQLite' : 'PostgreSQL'}`);
  try {
    for (const bucket of ['chained', 'plain']) await index.createBucket({ name: bucket, createdAtMs: Date.now(), region: 'us-east-1', ownerId: 'bench', versioning: 'Enabled' });
    const keys = Array.from({ length: OBJECTS }, (_, number) => `photos/${String(number).padStart(8, '0')}.jpg`);
    const fillMs = await fill(index, 'chained', keys);
    console.log(`filled ${OBJECTS} objects in ${fillMs.toFixed(0)} ms`);
    const first = await timed(() => index.snapshotBucketForRecoveryPoint('point-0', 'chained'));
    console.log(`first point: ${first.ms.toFixed(1)} ms, ${first.value!.rowsWritten} rows written`);
    const later: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (let change = 0; change < CHANGES - 2; change++) await index.putObject(version('chained', keys[(round * 7919 + change * 104_729) % OBJECTS]!));
      await index.deleteObject('chained', keys[(round * 15_485_863) % OBJECTS]!);
      await index.putObject(version('chained', `new/${round}`));
      const point = await timed(() => index.snapshotBucketForRecoveryPoint(`point-${round}`, 'chained'));
      later.push(point.ms);
      console.log(`point after ${CHANGES} changes: ${point.ms.toFixed(2)} ms, ${point.value!.rowsWritten} rows written, ${point.value!.objects} objects`);
    }
    const median = later.sort((a, b) => a - b)[Math.floor(later.length / 2)]!;
    console.log(`later point / first point (median of ${ROUNDS}): ${(median / first.ms).toFixed(5)} (${median.toFixed(2)} ms vs ${first.ms.toFixed(1)} ms)`);
    const putKeys = (prefix: string) => Array.from({ length: PUTS_TIMED }, (_, number) => `${prefix}/${number}`);
    const plainMs = await fill(index, 'plain', putKeys('timed'));
    const chainedMs = await fill(index, 'chained', putKeys('timed'));
    console.log(`${PUTS_TIMED} putObject: ${(PUTS_TIMED / (plainMs / 1000)).toFixed(0)}/s without a chain, ${(PUTS_TIMED / (chainedMs / 1000)).toFixed(0)}/s with one (ratio ${(plainMs / chainedMs).toFixed(3)})`);
  } finally {
    await index.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
