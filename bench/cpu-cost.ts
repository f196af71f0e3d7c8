// Server CPU per request: the CPU time (user + system, every thread of every process of the
// server's process group, from /proc) charged to each operation of a closed-loop phase. Unlike
// ops/s this barely moves when other jobs share the machine, so it is what proves a hot-path change.
//
//   npx tsc -p tsconfig.json && node dist/bench/cpu-cost.js [--seconds 3] [--workers 1] [--only PUT,GET,HEAD,LIST,PUT1M,GET1M,PUT64M,GET64M] [--profile-dir DIR] [--node-arg X]
import { groupCpuSeconds } from './cpu-cost-measure.js';
import { createClient, runClosedLoop, type LoadClient, type NextRequest } from './load.js';
import { startCairn } from './targets/cairn.js';
import type { Target } from './targets/target.js';
import { KeyPool, LIST_KEY_COUNT, listPopulateSource, listSource, putSource, readSource } from './workloads.js';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const SECONDS = Number(argument('seconds', '3'));
const WORKERS = Number(argument('workers', '1'));
const ONLY = argument('only', 'PUT,GET,HEAD,LIST').split(',');
const SMALL_CONNECTIONS = 32;
const LARGE_CONNECTIONS = 8;
/** The bench's 64 MiB cells use 2 connections. */
const HUGE_CONNECTIONS = 2;
const LIST_CONNECTIONS = 8;
const KIB = 1024;
const MIB = 1024 * KIB;
const LIST_POPULATE_TIMEOUT_MS = 120_000;

async function measure(label: string, groupId: number, client: LoadClient, connections: number, source: NextRequest): Promise<void> {
  await runClosedLoop(client, connections, 500, source);
  const beforeSeconds = groupCpuSeconds(groupId);
  const phase = await runClosedLoop(client, connections, SECONDS * 1000, source);
  const cpuSeconds = groupCpuSeconds(groupId) - beforeSeconds;
  const failed = phase.completedOps - phase.okOps;
  const perOpUs = (cpuSeconds * 1e6) / Math.max(1, phase.okOps);
  console.log(`${label.padEnd(10)} ${String(Math.round(phase.okOps / (phase.durationMs / 1000))).padStart(6)} ops/s   server CPU ${perOpUs.toFixed(0).padStart(6)} µs/op`
    + `   (${cpuSeconds.toFixed(2)} CPU s, ${phase.okOps} ops${failed > 0 ? `, ${failed} FAILED` : ''})`);
}

async function sizePhases(target: Target, groupId: number, sizeBytes: number, suffix: string, connections: number): Promise<void> {
  if (!ONLY.includes(`PUT${suffix}`) && !ONLY.includes(`GET${suffix}`) && !ONLY.includes(`HEAD${suffix}`)) return;
  const client = createClient(target.origin, connections);
  const keys = new KeyPool();
  try {
    const puts = putSource(target, `obj-${sizeBytes}/`, sizeBytes, keys);
    if (ONLY.includes(`PUT${suffix}`)) await measure(`PUT${suffix || ' 4K'}`, groupId, client, connections, puts);
    else await runClosedLoop(client, connections, 1000, puts);
    if (ONLY.includes(`GET${suffix}`)) await measure(`GET${suffix || ' 4K'}`, groupId, client, connections, readSource(target, 'GET', keys));
    if (ONLY.includes(`HEAD${suffix}`)) await measure(`HEAD${suffix || ' 4K'}`, groupId, client, connections, readSource(target, 'HEAD', keys));
  } finally {
    await client.close();
  }
}

async function listPhase(target: Target, groupId: number): Promise<void> {
  if (!ONLY.includes('LIST')) return;
  const populate = createClient(target.origin, SMALL_CONNECTIONS);
  const written = new KeyPool();
  await runClosedLoop(populate, SMALL_CONNECTIONS, LIST_POPULATE_TIMEOUT_MS, listPopulateSource(target, written));
  await populate.close();
  if (written.size < LIST_KEY_COUNT) throw new Error(`only ${written.size} LIST keys written`);
  const client = createClient(target.origin, LIST_CONNECTIONS);
  try {
    await measure('LIST 1000', groupId, client, LIST_CONNECTIONS, listSource(target, { pages: 0, keys: 0, shortPages: 0 }));
  } finally {
    await client.close();
  }
}

const PROFILE_DIRECTORY = argument('profile-dir', '');
// With --profile-dir the server (and its workers) writes V8 CPU profiles there.
const nodeArgs = PROFILE_DIRECTORY === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIRECTORY}`];
// --node-arg X (repeatable): more options for the server's node (`--import` of a tracer…).
process.argv.forEach((value, at) => { if (value === '--node-arg') nodeArgs.push(process.argv[at + 1]!); });
const target = await startCairn('cairn', `Cairn w${WORKERS}`, WORKERS, { nodeArgs });
try {
  const groupId = target.process.child.pid!;
  console.log(`Cairn --workers ${WORKERS}, ${SECONDS} s per phase; CPU of process group ${groupId}`);
  await sizePhases(target, groupId, 4 * KIB, '', SMALL_CONNECTIONS);
  await sizePhases(target, groupId, MIB, '1M', LARGE_CONNECTIONS);
  await sizePhases(target, groupId, 64 * MIB, '64M', HUGE_CONNECTIONS);
  await listPhase(target, groupId);
} finally {
  await target.stop();
}
