// The index writer's cost per PutObject, this build beside another (a `git archive` of a base commit,
// built in its own directory): both SqliteIndex engines in one process, rounds alternated, CPU time
// per PUT (process.cpuUsage: user + system, the WAL fsync's system time included) and better-sqlite3
// statement calls per PUT (counted on each build's Statement prototype). Writes go 32 per turn, as
// the bench's 32 connections hand them to the group commit, or 1 per commit with --batch 1.
//
//   npx tsc -p tsconfig.json && node dist/bench/writer-ab.js --base /tmp/base [--puts 3200] [--rounds 5] [--batch 32]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectRecord } from '../src/index/types.js';
import { newTimeOrderedId } from '../src/util/ids.js';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const BASE = argument('base', '');
const PUTS = Number(argument('puts', '3200'));
const ROUNDS = Number(argument('rounds', '5'));
const BATCH = Number(argument('batch', '32'));
const BUCKET = 'bench';
const PLACEMENT_BYTES = 96;

interface Engine {
  putObject(object: ObjectRecord): Promise<unknown>;
  createBucket(bucket: { name: string; createdAtMs: number; region: string; ownerId: string }): Promise<unknown>;
  close(): Promise<void>;
}
interface Build { name: string; engine: Engine; calls: { count: number } }

function record(key: string): ObjectRecord {
  return {
    bucket: BUCKET, key, versionId: 'null', dataId: newTimeOrderedId(), sizeBytes: 4096, etag: '"0123456789abcdef0123456789abcdef"',
    lastModifiedMs: Date.now(), storageClass: 'STANDARD', headers: { contentType: 'application/octet-stream' }, userMetadata: {},
    placement: new Uint8Array(PLACEMENT_BYTES).fill(7),
  };
}

/** Counts get/all/run/iterate calls on every statement of the better-sqlite3 module at `modulePath`. */
async function countCalls(modulePath: string): Promise<{ count: number }> {
  const { default: Database } = await import(modulePath) as { default: new (path: string) => { prepare(sql: string): object; close(): void } };
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...values: unknown[]) => unknown>;
  probe.close();
  const calls = { count: 0 };
  for (const method of ['get', 'all', 'run', 'iterate']) {
    const original = prototype[method]!;
    prototype[method] = function counted(this: unknown, ...values: unknown[]) {
      calls.count++;
      return original.apply(this, values);
    };
  }
  return calls;
}

async function open(name: string, root: string, directory: string): Promise<Build> {
  const calls = await countCalls(join(root, 'node_modules/better-sqlite3/lib/index.js'));
  const module = await import(join(root, 'dist/src/index/sqlite-index.js')) as { SqliteIndex: { open(path: string, options: object): Engine } };
  const engine = module.SqliteIndex.open(join(directory, `${name}.db`), { checkpointInBackground: true });
  await engine.createBucket({ name: BUCKET, createdAtMs: Date.now(), region: 'us-east-1', ownerId: 'bench' });
  return { name, engine, calls };
}

async function round(build: Build, roundNumber: number): Promise<{ cpuUs: number; calls: number }> {
  const callsBefore = build.calls.count;
  const before = process.cpuUsage();
  for (let put = 0; put < PUTS; put += BATCH) {
    const batch: Array<Promise<unknown>> = [];
    for (let at = put; at < Math.min(PUTS, put + BATCH); at++) batch.push(build.engine.putObject(record(`r${roundNumber}/obj-${at}`)));
    await Promise.all(batch);
  }
  const used = process.cpuUsage(before);
  return { cpuUs: (used.user + used.system) / PUTS, calls: (build.calls.count - callsBefore) / PUTS };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  if (BASE === '') throw new Error('--base DIR: a built copy of the base commit (with node_modules)');
  const directory = mkdtempSync(join(tmpdir(), 'cairn-writer-ab-'));
  const here = join(new URL('.', import.meta.url).pathname, '../..');
  try {
    const builds = [await open('base', BASE, directory), await open('this', here, directory)];
    console.log(`${PUTS} PutObject per round, ${BATCH} per turn, synchronous=FULL; ${ROUNDS} rounds alternated (plus one warm-up)`);
    const results = new Map<string, Array<{ cpuUs: number; calls: number }>>(builds.map((build) => [build.name, []]));
    for (let roundNumber = 0; roundNumber <= ROUNDS; roundNumber++) {
      for (const build of roundNumber % 2 === 0 ? builds : [...builds].reverse()) {
        const result = await round(build, roundNumber);
        if (roundNumber > 0) results.get(build.name)!.push(result);
      }
    }
    for (const [name, rounds] of results) {
      console.log(`${name.padEnd(5)} CPU per PUT ${rounds.map((r) => r.cpuUs.toFixed(1)).join(' · ')} µs (median ${median(rounds.map((r) => r.cpuUs)).toFixed(1)}); `
        + `statement calls per PUT ${median(rounds.map((r) => r.calls)).toFixed(2)}`);
    }
    for (const build of builds) await build.engine.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
