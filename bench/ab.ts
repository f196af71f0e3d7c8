// This build against a baseline build, alternated in one process: both servers run side by side
// (one worker each unless --workers says otherwise), and short closed-loop phases take turns, so
// the machine's load falls on both alike. Per phase: ops/s, MB/s and the server's CPU per operation
// (cpu-cost.ts's measure, from /proc; and of the processes' main threads alone, the event loops); the summary gives the median of each over the rounds and
// this build's median rate over the baseline's.
//
//   npx tsc -p tsconfig.json && node dist/bench/ab.js --baseline DIR [--op PUT|GET|HEAD|LIST]
//     [--size-mib 64 | --size-kib 4] [--connections 2] [--seconds 3] [--rounds 4] [--workers 1]
// LIST walks a prefix of 10,000 16-byte objects in pages of 1,000 keys (the bench's LIST cell).
// DIR holds another build's bin/ and dist/ (e.g. `git worktree add DIR <commit> && cd DIR && npm run build`,
// or a copy of bin/, dist/ and package.json with node_modules linked).
import { join } from 'node:path';
import { groupCpuSeconds } from './cpu-cost-measure.js';
import { createClient, runClosedLoop, type LoadClient } from './load.js';
import { startCairn, type CairnTarget } from './targets/cairn.js';
import { KeyPool, LIST_KEY_COUNT, LIST_OBJECT_SIZE_BYTES, listPopulateSource, listSource, putSource, readSource, type ListTally } from './workloads.js';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const BASELINE = argument('baseline', '');
const OPERATION = argument('op', 'PUT');
const SIZE_BYTES = OPERATION === 'LIST'
  ? LIST_OBJECT_SIZE_BYTES
  : process.argv.includes('--size-kib') ? Number(argument('size-kib', '4')) * 1024 : Number(argument('size-mib', '64')) * 1024 * 1024;
const CONNECTIONS = Number(argument('connections', '2'));
const SECONDS = Number(argument('seconds', '3'));
const ROUNDS = Number(argument('rounds', '4'));
const WORKERS = Number(argument('workers', '1'));
/** GET and HEAD phases read objects written before the first round: enough for every connection to cycle. */
const READ_OBJECTS = Math.max(8, CONNECTIONS * 4);
if (BASELINE === '' || !['PUT', 'GET', 'HEAD', 'LIST'].includes(OPERATION)) {
  console.error('usage: node dist/bench/ab.js --baseline DIR [--op PUT|GET|HEAD|LIST] [--size-mib 64 | --size-kib 4] [--connections 2] [--seconds 3] [--rounds 4] [--workers 1]');
  process.exit(2);
}

interface Side { name: string; target: CairnTarget; client: LoadClient; keys: KeyPool; rates: number[]; cpuUs: number[]; mainCpuUs: number[] }

async function side(name: string, bin: string | undefined): Promise<Side> {
  const target = await startCairn('cairn', name, WORKERS, bin === undefined ? {} : { bin });
  const client = createClient(target.origin, CONNECTIONS);
  const keys = new KeyPool();
  if (OPERATION === 'GET' || OPERATION === 'HEAD') await runClosedLoop(client, CONNECTIONS, 120_000, putSource(target, 'ab/', SIZE_BYTES, keys, READ_OBJECTS));
  if (OPERATION === 'LIST') await runClosedLoop(client, CONNECTIONS, 120_000, listPopulateSource(target, new KeyPool()));
  return { name, target, client, keys, rates: [], cpuUs: [], mainCpuUs: [] };
}

async function phase(entry: Side, round: number): Promise<void> {
  const tally: ListTally = { pages: 0, keys: 0, shortPages: 0 };
  const source = OPERATION === 'PUT' ? putSource(entry.target, `ab${round}/`, SIZE_BYTES, entry.keys)
    : OPERATION === 'LIST' ? listSource(entry.target, tally)
      : readSource(entry.target, OPERATION as 'GET' | 'HEAD', entry.keys);
  const groupId = entry.target.process.child.pid!;
  const beforeSeconds = groupCpuSeconds(groupId);
  const beforeMainSeconds = groupCpuSeconds(groupId, { mainThreads: true });
  const result = await runClosedLoop(entry.client, CONNECTIONS, SECONDS * 1000, source);
  const cpuSeconds = groupCpuSeconds(groupId) - beforeSeconds;
  const mainCpuSeconds = groupCpuSeconds(groupId, { mainThreads: true }) - beforeMainSeconds;
  const rate = result.okOps / (result.durationMs / 1000);
  const cpuUs = (cpuSeconds * 1e6) / Math.max(1, result.okOps);
  entry.rates.push(rate);
  entry.cpuUs.push(cpuUs);
  entry.mainCpuUs.push((mainCpuSeconds * 1e6) / Math.max(1, result.okOps));
  const failed = result.completedOps - result.okOps;
  if (OPERATION === 'LIST' && tally.shortPages > tally.pages / 5) console.log(`  ${entry.name}: ${tally.shortPages} of ${tally.pages} pages were short (${tally.keys} keys)`);
  console.log(`round ${round} ${entry.name.padEnd(9)} ${rate.toFixed(2).padStart(8)} ops/s ${((rate * SIZE_BYTES) / 1e6).toFixed(0).padStart(6)} MB/s`
    + `   server CPU ${cpuUs.toFixed(0).padStart(8)} µs/op (main threads ${entry.mainCpuUs.at(-1)!.toFixed(0).padStart(8)})${failed > 0 ? `   ${failed} FAILED` : ''}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sides = [await side('baseline', join(BASELINE, 'bin', 'cairn.js')), await side('this', undefined)];
try {
  const size = OPERATION === 'LIST' ? `pages of 1,000 keys over ${LIST_KEY_COUNT}` : SIZE_BYTES >= 1024 * 1024 ? `${SIZE_BYTES / 1024 / 1024} MiB` : `${SIZE_BYTES / 1024} KiB`;
  console.log(`${OPERATION} ${size}, ${CONNECTIONS} connection(s), ${SECONDS} s phases, ${ROUNDS} rounds, ${WORKERS} worker(s) each`);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so neither always follows the other's page-cache churn.
    for (const entry of round % 2 === 0 ? sides : [...sides].reverse()) await phase(entry, round);
  }
  console.log(`this ÷ baseline, median rates: ${(median(sides[1]!.rates) / median(sides[0]!.rates)).toFixed(2)}×; server CPU per op: ${(median(sides[1]!.cpuUs) / median(sides[0]!.cpuUs)).toFixed(2)}×`);
  for (const entry of sides) {
    console.log(`median ${entry.name.padEnd(9)} ${median(entry.rates).toFixed(2).padStart(8)} ops/s ${((median(entry.rates) * SIZE_BYTES) / 1e6).toFixed(0).padStart(6)} MB/s   server CPU ${median(entry.cpuUs).toFixed(0).padStart(8)} µs/op (main threads ${median(entry.mainCpuUs).toFixed(0).padStart(8)})`);
  }
} finally {
  for (const entry of sides) {
    await entry.client.close();
    await entry.target.stop();
  }
}
