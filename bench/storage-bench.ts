// Storage layer benchmark: durable 4 KiB PUTs with 32 concurrent writers, 4 KiB GETs, and 1 MiB
// object write/read throughput, each beside a raw-filesystem baseline measured in the same run.
// No assertions: it prints a table.
//
//   npx tsc -p tsconfig.json && node dist/bench/storage-bench.js [--seconds 3] [--dir /path]

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Storage, type Placement, type RecordIdentity } from '../src/storage/index.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const SMALL_SIZE_BYTES = 4 * KIB;
const SMALL_WRITERS = 32;
const LARGE_SIZE_BYTES = 1 * MIB;
const LARGE_WRITERS = 4;
const LARGE_TOTAL_BYTES = 512 * MIB;

interface Row { what: string; rate: string; detail: string }

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1]! : fallback;
}

function percentileMs(samplesMs: number[], fraction: number): string {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0).toFixed(2);
}

/** Runs `workers` loops of `op` for `seconds`; returns ops/s and per-op latencies. */
async function runFor(seconds: number, workers: number, op: (worker: number, index: number) => Promise<void>) {
  const latenciesMs: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await op(worker, count++);
      latenciesMs.push(performance.now() - t0);
    }
  }));
  const elapsedS = (performance.now() - started) / 1000;
  return { opsPerS: latenciesMs.length / elapsedS, latenciesMs, ops: latenciesMs.length };
}

async function put(storage: Storage, id: RecordIdentity, body: Buffer): Promise<Placement> {
  const writer = storage.createWriter(id);
  await writer.write(body);
  return writer.finish({ etag: 'bench' });
}

async function baselineSmallFsync(dir: string, seconds: number): Promise<Row> {
  const handle = await fs.open(path.join(dir, 'baseline-small'), 'wx');
  const body = randomBytes(SMALL_SIZE_BYTES);
  let offsetBytes = 0;
  const result = await runFor(seconds, 1, async () => {
    await handle.write(body, 0, body.length, offsetBytes);
    offsetBytes += body.length;
    await handle.datasync();
  });
  await handle.close();
  return { what: 'baseline: 4 KiB pwrite + fdatasync each, serial', rate: `${result.opsPerS.toFixed(0)} /s`, detail: `p50 ${percentileMs(result.latenciesMs, 0.5)} ms` };
}

interface Stored { id: RecordIdentity; placement: Placement }

async function benchSmallPuts(storage: Storage, seconds: number): Promise<{ row: Row; stored: Stored[] }> {
  const body = randomBytes(SMALL_SIZE_BYTES);
  const before = storage.stats;
  const stored: Stored[] = [];
  const result = await runFor(seconds, SMALL_WRITERS, async (worker, index) => {
    const id = { bucket: 'bench', key: `small-${worker}-${index}`, versionId: 'v' };
    stored.push({ id, placement: await put(storage, id, body) });
  });
  const syncs = storage.stats.fdatasyncCount - before.fdatasyncCount;
  const writevs = storage.stats.writevCount - before.writevCount;
  return {
    stored,
    row: {
      what: `storage: 4 KiB PUT, ${SMALL_WRITERS} writers, durable`,
      rate: `${result.opsPerS.toFixed(0)} /s`,
      detail: `p50 ${percentileMs(result.latenciesMs, 0.5)} ms, p99 ${percentileMs(result.latenciesMs, 0.99)} ms; ` +
        `${(result.ops / Math.max(syncs, 1)).toFixed(1)} PUTs/fdatasync, ${(result.ops / Math.max(writevs, 1)).toFixed(1)} PUTs/writev`,
    },
  };
}

async function benchSmallGets(storage: Storage, stored: Stored[], seconds: number): Promise<Row> {
  const result = await runFor(seconds, SMALL_WRITERS, async (_, index) => {
    const { id, placement } = stored[index % stored.length]!;
    for await (const _part of storage.read(id, placement)) { /* drain */ }
  });
  return { what: `storage: 4 KiB GET, ${SMALL_WRITERS} readers (page cache)`, rate: `${result.opsPerS.toFixed(0)} /s`, detail: `p50 ${percentileMs(result.latenciesMs, 0.5)} ms, p99 ${percentileMs(result.latenciesMs, 0.99)} ms` };
}

async function baselineLargeWrite(dir: string): Promise<Row> {
  const handle = await fs.open(path.join(dir, 'baseline-large'), 'wx');
  const body = randomBytes(LARGE_SIZE_BYTES);
  const t0 = performance.now();
  for (let offsetBytes = 0; offsetBytes < LARGE_TOTAL_BYTES; offsetBytes += body.length) {
    await handle.write(body, 0, body.length, offsetBytes);
  }
  await handle.datasync();
  const seconds = (performance.now() - t0) / 1000;
  await handle.close();
  return { what: 'baseline: 1 MiB pwrites, one fdatasync at the end', rate: `${(LARGE_TOTAL_BYTES / MIB / seconds).toFixed(0)} MiB/s`, detail: `${LARGE_TOTAL_BYTES / MIB} MiB` };
}

async function benchLarge(storage: Storage): Promise<Row[]> {
  const body = randomBytes(LARGE_SIZE_BYTES);
  const count = LARGE_TOTAL_BYTES / LARGE_SIZE_BYTES;
  const placements: Array<{ id: RecordIdentity; placement: Placement }> = [];
  let next = 0;
  const w0 = performance.now();
  await Promise.all(Array.from({ length: LARGE_WRITERS }, async () => {
    while (next < count) {
      const id = { bucket: 'bench', key: `large-${next++}`, versionId: 'v' };
      placements.push({ id, placement: await put(storage, id, body) });
    }
  }));
  const writeS = (performance.now() - w0) / 1000;
  const r0 = performance.now();
  let readBytes = 0;
  next = 0;
  await Promise.all(Array.from({ length: LARGE_WRITERS }, async () => {
    while (next < placements.length) {
      const { id, placement } = placements[next++]!;
      for await (const part of storage.read(id, placement)) readBytes += part.length;
    }
  }));
  const readS = (performance.now() - r0) / 1000;
  const mib = LARGE_TOTAL_BYTES / MIB;
  return [
    { what: `storage: 1 MiB PUT, ${LARGE_WRITERS} writers, durable`, rate: `${(mib / writeS).toFixed(0)} MiB/s`, detail: `${count} objects, ${(count / writeS).toFixed(0)} PUT/s` },
    { what: `storage: 1 MiB GET, ${LARGE_WRITERS} readers (page cache)`, rate: `${(readBytes / MIB / readS).toFixed(0)} MiB/s`, detail: `${count} objects, verified CRC32C` },
  ];
}

function printTable(rows: Row[]): void {
  const widths = [Math.max(...rows.map((r) => r.what.length)), Math.max(...rows.map((r) => r.rate.length))];
  for (const row of rows) console.log(`${row.what.padEnd(widths[0]!)}  ${row.rate.padStart(widths[1]!)}  ${row.detail}`);
}

async function main(): Promise<void> {
  const seconds = Number(argument('seconds', '3'));
  const parent = argument('dir', os.tmpdir());
  const dir = await fs.mkdtemp(path.join(parent, 'cairn-storage-bench-'));
  try {
    const storage = await Storage.open({ drivePath: path.join(dir, 'drive'), logger: () => {} });
    const rows: Row[] = [await baselineSmallFsync(dir, seconds)];
    const small = await benchSmallPuts(storage, seconds);
    rows.push(small.row);
    rows.push(await benchSmallGets(storage, small.stored, seconds));
    rows.push(await baselineLargeWrite(dir));
    rows.push(...(await benchLarge(storage)));
    await storage.close();
    console.log(`storage bench: ${os.cpus().length} vCPU, Node ${process.version}, drive under ${parent}`);
    printTable(rows);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
