// Does MD5 on a worker thread pay for a large PUT? The per-MiB work of a PUT's event loop, replayed
// in one process on 64 MiB: copy 64 KiB socket-sized pieces into a 1 MiB unit, CRC64NVME of each
// piece (the stored checksum), CRC32C of the unit (the record), and MD5 of the bytes (the ETag) —
// either inline (as the server does) or on a worker thread reading the same unit through a
// SharedArrayBuffer (no copy), handed over unit by unit while the next one fills. Alternated rounds;
// per mode: wall time per 64 MiB, CPU of the main thread and of the whole process, and the digest.
//
//   npx tsc -p tsconfig.json && node dist/bench/md5-offload.js [--rounds 5]
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { crc32c } from '@node-rs/crc32';
import { createChecksummer } from '../src/frontend/checksums.js';

const MIB = 1024 * 1024;
const PIECE_BYTES = 64 * 1024;
const UNITS = 64;
/** Units a writer holds: one filling, one being hashed and appended (the writer's ping-pong). */
const UNIT_BUFFERS = 2;
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 5) || 5;
const CLOCK_TICKS_PER_SECOND = 100;

/** The hasher thread: MD5 over each unit it is told about, the digest when asked. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let md5 = createHash('md5');
parentPort.on('message', (message) => {
  if (message.digest) { parentPort.postMessage({ digest: md5.digest('hex') }); md5 = createHash('md5'); return; }
  md5.update(new Uint8Array(message.shared, 0, message.lengthBytes));
  parentPort.postMessage({ unit: message.unit });
});`;

/** CPU seconds of this process's main thread (its task id is the pid) and of the whole process. */
function cpuSeconds(): { main: number; all: number } {
  const ticks = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  };
  return { main: ticks(`/proc/self/task/${process.pid}/stat`), all: ticks('/proc/self/stat') };
}

const source = Buffer.alloc(PIECE_BYTES);
for (let at = 0; at < PIECE_BYTES; at++) source[at] = (at * 7919) & 0xff;
const units = Array.from({ length: UNIT_BUFFERS }, () => new SharedArrayBuffer(MIB));
const worker = new Worker(WORKER_SOURCE, { eval: true });
const waiting = new Map<number, () => void>();
let digestWaiter: ((hex: string) => void) | undefined;
worker.on('message', (message: { unit?: number; digest?: string }) => {
  if (message.digest !== undefined) digestWaiter?.(message.digest);
  else waiting.get(message.unit!)?.();
});

/** One 64 MiB body; returns the MD5 hex. */
async function body(offload: boolean): Promise<string> {
  const md5 = createHash('md5');
  const crc64 = createChecksummer('CRC64NVME');
  const hashed: Array<Promise<void> | undefined> = [];
  for (let unitIndex = 0; unitIndex < UNITS; unitIndex++) {
    const slot = unitIndex % UNIT_BUFFERS;
    // The buffer is filled again only once the hasher is done with it.
    await hashed[slot];
    const unit = Buffer.from(units[slot]!);
    for (let offset = 0; offset < MIB; offset += PIECE_BYTES) {
      crc64.update(source);
      if (!offload) md5.update(source);
      source.copy(unit, offset);
    }
    crc32c(unit);
    if (offload) {
      hashed[slot] = new Promise((resolve) => waiting.set(unitIndex, resolve));
      worker.postMessage({ unit: unitIndex, shared: units[slot], lengthBytes: MIB });
    }
    // Let the event loop turn, as the server's does between socket reads.
    await new Promise((resolve) => setImmediate(resolve));
  }
  crc64.digest();
  if (!offload) return md5.digest('hex');
  await Promise.all(hashed);
  return new Promise((resolve) => {
    digestWaiter = resolve;
    worker.postMessage({ digest: true });
  });
}

const results: Record<string, { wallMs: number[]; mainMs: number[]; allMs: number[]; digest: string }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const offload of round % 2 === 0 ? [false, true] : [true, false]) {
    const name = offload ? 'MD5 on a worker' : 'MD5 inline';
    const before = cpuSeconds();
    const startMs = performance.now();
    const digest = await body(offload);
    const wallMs = performance.now() - startMs;
    const after = cpuSeconds();
    const entry = (results[name] ??= { wallMs: [], mainMs: [], allMs: [], digest });
    if (entry.digest !== digest) throw new Error(`digests differ: ${entry.digest} / ${digest}`);
    entry.wallMs.push(wallMs);
    entry.mainMs.push((after.main - before.main) * 1000);
    entry.allMs.push((after.all - before.all) * 1000);
  }
}
await worker.terminate();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`64 MiB body, ${ROUNDS} alternated rounds (medians; CPU from /proc at 10 ms resolution)`);
for (const [name, entry] of Object.entries(results)) {
  console.log(`${name.padEnd(16)} wall ${median(entry.wallMs).toFixed(0).padStart(5)} ms   main thread CPU ${median(entry.mainMs).toFixed(0).padStart(5)} ms   process CPU ${median(entry.allMs).toFixed(0).padStart(5)} ms   md5 ${entry.digest}`);
}
if (results['MD5 inline']!.digest !== results['MD5 on a worker']!.digest) throw new Error('the two modes disagree');
