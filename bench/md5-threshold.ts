// Where does MD5 on the hasher thread (src/storage/md5-hasher.ts) start to pay? Writes bodies of
// several sizes through a real Storage (a temporary standalone drive), as 64 KiB socket-sized pieces
// with an event-loop turn between them, either with the MD5 inline (createHash per piece, as
// IncomingPayload does below the threshold) or with the writer hashing its units on the thread
// (WriterOptions.hashMd5 + bodyMd5()). Alternated phases; per size and mode: the main thread's CPU
// per body (from /proc, over many bodies), the process's CPU per body, and the wait for the MD5 after
// the last byte (inline: digest(); thread: bodyMd5(), the extra latency the hand-off adds).
//
//   npx tsc -p tsconfig.json && node dist/bench/md5-threshold.js [--rounds 4] [--sizes-mib 1,2,4,8,16]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '../src/storage/index.js';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const MIB = 1024 * 1024;
const PIECE_BYTES = 64 * 1024;
const ROUNDS = Number(argument('rounds', '4'));
const SIZES_MIB = argument('sizes-mib', '1,2,4,8,16').split(',').map(Number);
/** Bytes per phase: enough main-thread CPU that /proc's 10 ms ticks are a few percent of it. */
const PHASE_BYTES = 96 * MIB;
const CLOCK_TICKS_PER_SECOND = 100;

function cpuMs(): { main: number; all: number } {
  const ticks = (path: string) => {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  };
  return { main: ticks(`/proc/self/task/${process.pid}/stat`), all: ticks('/proc/self/stat') };
}

const directory = mkdtempSync(join(tmpdir(), 'md5-threshold-'));
const storage = await Storage.open({ drivePath: directory });
const piece = randomBytes(PIECE_BYTES);
let counter = 0;

/** One body; returns the ms from its last byte to its MD5. */
async function body(sizeBytes: number, offload: boolean): Promise<number> {
  const writer = storage.createWriter({ bucket: 'b', key: `k${counter}`, versionId: `v${counter++}` }, { hashMd5: offload });
  const md5 = offload ? undefined : createHash('md5');
  for (let offset = 0; offset < sizeBytes; offset += PIECE_BYTES) {
    md5?.update(piece);
    await writer.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const startMs = performance.now();
  const digest = md5 === undefined ? await writer.bodyMd5() : md5.digest();
  const waitMs = performance.now() - startMs;
  await writer.finish({ etag: digest.toString('hex') });
  writer.release();
  return waitMs;
}

const results = new Map<string, { mainMs: number[]; allMs: number[]; waitMs: number[] }>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const sizeMib of SIZES_MIB) {
      for (const offload of round % 2 === 0 ? [false, true] : [true, false]) {
        const bodies = Math.max(2, Math.round(PHASE_BYTES / (sizeMib * MIB)));
        const before = cpuMs();
        const waits: number[] = [];
        for (let index = 0; index < bodies; index++) waits.push(await body(sizeMib * MIB, offload));
        const after = cpuMs();
        const name = `${String(sizeMib).padStart(3)} MiB ${offload ? 'thread' : 'inline'}`;
        const entry = results.get(name) ?? { mainMs: [], allMs: [], waitMs: [] };
        results.set(name, entry);
        entry.mainMs.push((after.main - before.main) / bodies);
        entry.allMs.push((after.all - before.all) / bodies);
        entry.waitMs.push(waits.sort((a, b) => a - b)[Math.floor(waits.length / 2)]!);
      }
    }
  }
} finally {
  await storage.close();
  rmSync(directory, { recursive: true, force: true });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`${ROUNDS} alternated rounds, medians per body (CPU from /proc, 10 ms ticks over ~${PHASE_BYTES / MIB} MiB per phase)`);
for (const [name, entry] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${name}   main thread CPU ${median(entry.mainMs).toFixed(2).padStart(7)} ms   process CPU ${median(entry.allMs).toFixed(2).padStart(7)} ms   MD5 wait after last byte ${median(entry.waitMs).toFixed(3).padStart(7)} ms`);
}
