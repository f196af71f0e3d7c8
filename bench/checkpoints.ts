// Index commit latency with SQLite's own autocheckpoint (a checkpoint inside every ~1,000th page's
// commit) beside checkpoints in a thread of their own (src/index/sqlite/checkpointer.ts): the same
// PutObject writes, one per commit as at light load, alternated round by round in one process.
// Besides latency it counts what each commit waited for: commits slower than COMMIT_SLOW_MS.
//
//   npm run build && node dist/bench/checkpoints.js [--writes 3000] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteIndex } from '../src/index/sqlite-index.js';
import { startCheckpointer } from '../src/index/sqlite/checkpointer.js';
import type { ObjectRecord } from '../src/index/types.js';
import { newTimeOrderedId } from '../src/util/ids.js';
import { LatencySamples } from './latency.js';

const WRITES_PER_ROUND = Number(process.argv[process.argv.indexOf('--writes') + 1] || 3000);
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3);
const COMMIT_SLOW_MS = 10;
const NS_PER_MS = 1e6;
const PLACEMENT_BYTES = 96;
const BUCKET = 'bench';

type Mode = 'autocheckpoint' | 'checkpointer thread';

function record(key: string): ObjectRecord {
  return {
    bucket: BUCKET, key, versionId: 'null', dataId: newTimeOrderedId(), sizeBytes: 4096, etag: '"0123456789abcdef0123456789abcdef"',
    lastModifiedMs: Date.now(), storageClass: 'STANDARD', headers: { contentType: 'application/octet-stream' }, userMetadata: {},
    placement: new Uint8Array(PLACEMENT_BYTES).fill(7),
  };
}

async function round(mode: Mode, directory: string, roundNumber: number): Promise<LatencySamples> {
  const path = join(directory, `${mode === 'autocheckpoint' ? 'auto' : 'thread'}-${roundNumber}.db`);
  const index = SqliteIndex.open(path, { checkpointInBackground: mode !== 'autocheckpoint' });
  await index.createBucket({ name: BUCKET, createdAtMs: Date.now(), region: 'us-east-1', ownerId: 'bench' });
  const checkpointer = mode === 'autocheckpoint' ? undefined : await startCheckpointer(path, (line) => console.log(line));
  const samples = new LatencySamples();
  for (let write = 0; write < WRITES_PER_ROUND; write++) {
    const startNs = process.hrtime.bigint();
    await index.putObject(record(`obj-${write}`));
    samples.add(Number(process.hrtime.bigint() - startNs) / NS_PER_MS);
  }
  await checkpointer?.close();
  await index.close();
  return samples;
}

function describe(mode: Mode, samples: LatencySamples): string {
  const summary = samples.summary();
  let slow = 0;
  for (let position = 0; position < samples.length; position++) if (samples.percentile((position + 1) / samples.length) > COMMIT_SLOW_MS) slow++;
  return `${mode.padEnd(20)} p50 ${summary.p50.toFixed(2)}  p99 ${summary.p99.toFixed(2)}  p999 ${summary.p999.toFixed(2)}  max ${summary.max.toFixed(2)} ms  `
    + `commits > ${COMMIT_SLOW_MS} ms: ${slow} of ${samples.length}`;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'cairn-checkpoints-'));
  try {
    console.log(`${WRITES_PER_ROUND} PutObject commits per round, one at a time, synchronous=FULL; ${ROUNDS} rounds alternated`);
    for (let roundNumber = 0; roundNumber < ROUNDS; roundNumber++) {
      for (const mode of ['autocheckpoint', 'checkpointer thread'] as const) console.log(describe(mode, await round(mode, directory, roundNumber)));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
