// Large objects, this build against a baseline build, alternated in one process: both servers run
// side by side (one worker each), and short closed-loop phases take turns, so the machine's load
// falls on both alike. Per phase: ops/s, MB/s and the server's CPU per operation (cpu-cost.ts's
// measure, from /proc); the summary gives the median of each over the rounds.
//
//   npx tsc -p tsconfig.json && node dist/bench/large-ab.js --baseline DIR [--op PUT|GET|HEAD] [--size-mib 64]
//     [--size-kib N (instead of --size-mib: small objects, e.g. 4 with --connections 32)] [--connections 2] [--seconds 3] [--rounds 4]
// DIR holds another build's bin/ and dist/ (e.g. `git worktree add DIR <commit> && cd DIR && npm run build`,
// or a copy of bin/, dist/ and package.json with node_modules linked).
import { join } from 'node:path';
import { groupCpuSeconds } from './cpu-cost-measure.js';
import { createClient, runClosedLoop, type LoadClient } from './load.js';
import { startCairn, type CairnTarget } from './targets/cairn.js';
import { KeyPool, putSource, readSource } from './workloads.js';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const BASELINE = argument('baseline', '');
const OPERATION = argument('op', 'PUT');
const SIZE_BYTES = process.argv.includes('--size-kib') ? Number(argument('size-kib', '4')) * 1024 : Number(argument('size-mib', '64')) * 1024 * 1024;
const CONNECTIONS = Number(argument('connections', '2'));
const SECONDS = Number(argument('seconds', '3'));
const ROUNDS = Number(argument('rounds', '4'));
/** GET and HEAD phases read objects written before the first round: enough for every connection to cycle. */
const GET_OBJECTS = Math.max(8, CONNECTIONS * 8);
if (BASELINE === '' || !['PUT', 'GET', 'HEAD'].includes(OPERATION)) {
  console.error('usage: node dist/bench/large-ab.js --baseline DIR [--op PUT|GET|HEAD] [--size-mib 64 | --size-kib 4] [--connections 2] [--seconds 3] [--rounds 4]');
  process.exit(2);
}

interface Side { name: string; target: CairnTarget; client: LoadClient; keys: KeyPool; rates: number[]; cpuUs: number[] }

async function side(name: string, bin: string | undefined): Promise<Side> {
  const target = await startCairn('cairn', name, 1, bin === undefined ? {} : { bin });
  const client = createClient(target.origin, CONNECTIONS);
  const keys = new KeyPool();
  if (OPERATION !== 'PUT') await runClosedLoop(client, CONNECTIONS, 120_000, putSource(target, 'ab/', SIZE_BYTES, keys, GET_OBJECTS));
  return { name, target, client, keys, rates: [], cpuUs: [] };
}

async function phase(entry: Side, round: number): Promise<void> {
  const source = OPERATION === 'PUT' ? putSource(entry.target, `ab${round}/`, SIZE_BYTES, entry.keys) : readSource(entry.target, OPERATION === 'HEAD' ? 'HEAD' : 'GET', entry.keys);
  const groupId = entry.target.process.child.pid!;
  const beforeSeconds = groupCpuSeconds(groupId);
  const result = await runClosedLoop(entry.client, CONNECTIONS, SECONDS * 1000, source);
  const cpuSeconds = groupCpuSeconds(groupId) - beforeSeconds;
  const rate = result.okOps / (result.durationMs / 1000);
  const cpuUs = (cpuSeconds * 1e6) / Math.max(1, result.okOps);
  entry.rates.push(rate);
  entry.cpuUs.push(cpuUs);
  const failed = result.completedOps - result.okOps;
  console.log(`round ${round} ${entry.name.padEnd(9)} ${rate.toFixed(2).padStart(8)} ops/s ${((rate * SIZE_BYTES) / 1e6).toFixed(0).padStart(6)} MB/s`
    + `   server CPU ${cpuUs.toFixed(0).padStart(7)} µs/op${failed > 0 ? `   ${failed} FAILED` : ''}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sides = [await side('baseline', join(BASELINE, 'bin', 'cairn.js')), await side('this', undefined)];
try {
  console.log(`${OPERATION} ${SIZE_BYTES / 1024} KiB, ${CONNECTIONS} connection(s), ${SECONDS} s phases, ${ROUNDS} rounds, 1 worker each`);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so neither always follows the other's page-cache churn.
    for (const entry of round % 2 === 0 ? sides : [...sides].reverse()) await phase(entry, round);
  }
  for (const entry of sides) {
    console.log(`median ${entry.name.padEnd(9)} ${median(entry.rates).toFixed(2).padStart(8)} ops/s ${((median(entry.rates) * SIZE_BYTES) / 1e6).toFixed(0).padStart(6)} MB/s   server CPU ${median(entry.cpuUs).toFixed(0).padStart(7)} µs/op`);
  }
} finally {
  for (const entry of sides) {
    await entry.client.close();
    await entry.target.stop();
  }
}
