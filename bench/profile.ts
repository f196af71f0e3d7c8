// Where the time goes for a 4 KiB PUT and GET: runs Cairn (one worker) under --cpu-prof with the
// bench load generator, then attributes every CPU sample to HTTP, auth, hashing, S3 logic, storage
// or index by walking up its stack to the first frame that belongs to one of them.
//
//   npx tsc -p tsconfig.json && node dist/bench/profile.js [--seconds 5] [--workers 1] [--size-kib 4] [--connections 32] [--put-only]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, runClosedLoop, type NextRequest } from './load.js';
import { CAIRN_BIN, REPO_ROOT } from './paths.js';
import { spawnManaged } from './processes.js';
import { CAIRN_ACCESS_KEY, CAIRN_SECRET_KEY } from './targets/cairn.js';
import { createBucket, s3RequestHead, signerFor } from './targets/s3-requests.js';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const KIB = 1024;
/** `--size-kib 65536 --connections 2 --put-only` profiles the 64 MiB PUT cell. */
const OBJECT_SIZE_BYTES = argument('size-kib', 4) * KIB;
const CONNECTIONS = argument('connections', 32);
const OPERATIONS = process.argv.includes('--put-only') ? (['PUT'] as const) : (['PUT', 'GET'] as const);
const GET_KEYS = 2000;
const SECONDS = argument('seconds', 5);
const WORKERS = argument('workers', 1);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First matching rule, walking from the sampled frame towards the root, names the category. */
const CATEGORY_RULES: Array<[category: string, test: (frame: ProfileNode['callFrame']) => boolean]> = [
  ['hashing (MD5, CRC64NVME, SHA-256 payload)', (frame) => /src\/frontend\/(payload|checksums)\.js/.test(frame.url) || /crc64nvme/.test(frame.url)],
  ['auth (SigV4)', (frame) => frame.url.includes('/src/frontend/auth/')],
  ['storage (records, writev, fdatasync, reads)', (frame) => frame.url.includes('/src/storage/')],
  ['index (SQLite)', (frame) => frame.url.includes('/src/index/') || frame.url.includes('better-sqlite3')],
  ['S3 logic (routing, headers, XML, services)', (frame) => frame.url.includes('/src/frontend/') || frame.url.includes('/src/services/') || frame.url.includes('/src/util/')],
  ['HTTP (node:http, sockets, streams)', (frame) => /^node:(_http|http|net|stream|internal\/(http|stream|streams|net))/.test(frame.url)],
];

function categorize(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totalsMs = new Map<string, number>();
  profile.samples.forEach((sampleId, index) => {
    const deltaMs = (profile.timeDeltas[index] ?? 0) / 1000;
    let category: string | undefined;
    const leaf = byId.get(sampleId)!;
    if (leaf.callFrame.functionName === '(idle)') category = 'idle';
    else if (leaf.callFrame.functionName === '(garbage collector)') category = 'garbage collection';
    for (let id: number | undefined = sampleId; category === undefined && id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      category = CATEGORY_RULES.find(([, test]) => test(frame))?.[0];
    }
    category ??= 'other (event loop, libuv callbacks, native)';
    totalsMs.set(category, (totalsMs.get(category) ?? 0) + deltaMs);
  });
  return totalsMs;
}

async function profileOne(operation: 'PUT' | 'GET'): Promise<{ ops: number; seconds: number; totalsMs: Map<string, number> }> {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'cairn-profile-data-'));
  const profileDirectory = mkdtempSync(join(tmpdir(), 'cairn-profile-'));
  // Cluster workers inherit the profiling flags through execArgv.
  const server = spawnManaged('cairn', process.execPath, [
    '--cpu-prof', `--cpu-prof-dir=${profileDirectory}`, CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', dataDirectory, '--workers', String(WORKERS),
  ], { cwd: REPO_ROOT, env: { ...process.env, CAIRN_ACCESS_KEY, CAIRN_SECRET_KEY } });
  try {
    const origin = (await server.waitForLine(/^\s*endpoint\s+(http:\/\/\S+)\s*$/m))[1]!;
    const head = s3RequestHead(signerFor(origin, { accessKeyId: CAIRN_ACCESS_KEY, secretAccessKey: CAIRN_SECRET_KEY, region: 'us-east-1' }), 'profile');
    await createBucket(origin, head('PUT', ''));
    const client = createClient(origin, CONNECTIONS);
    const body = Buffer.alloc(OBJECT_SIZE_BYTES, 7);
    let sequence = 0;
    const put: NextRequest = () => ({ method: 'PUT', head: head('PUT', `k${sequence++ % 100000}`), body });
    if (operation === 'GET') {
      let written = 0;
      await runClosedLoop(client, CONNECTIONS, 60_000, () => (written < GET_KEYS ? { method: 'PUT', head: head('PUT', `k${written++}`), body } : undefined));
    }
    const get: NextRequest = () => ({ method: 'GET', head: head('GET', `k${sequence++ % GET_KEYS}`) });
    const result = await runClosedLoop(client, CONNECTIONS, SECONDS * 1000, operation === 'PUT' ? put : get);
    await client.close();
    await server.stop();
    const files = readdirSync(profileDirectory).filter((name) => name.endsWith('.cpuprofile'));
    const totalsMs = new Map<string, number>();
    for (const file of files) {
      for (const [category, ms] of categorize(JSON.parse(readFileSync(join(profileDirectory, file), 'utf8')))) {
        totalsMs.set(category, (totalsMs.get(category) ?? 0) + ms);
      }
    }
    return { ops: result.okOps, seconds: result.durationMs / 1000, totalsMs };
  } finally {
    await server.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
    rmSync(profileDirectory, { recursive: true, force: true });
  }
}

for (const operation of OPERATIONS) {
  const { ops, seconds, totalsMs } = await profileOne(operation);
  const busyMs = [...totalsMs].filter(([category]) => category !== 'idle').reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`\n${OBJECT_SIZE_BYTES / KIB} KiB ${operation}, ${WORKERS} worker(s), ${CONNECTIONS} connections: ${Math.round(ops / seconds)} ops/s over ${seconds.toFixed(1)} s`);
  console.log('  category                                        share of busy CPU   µs per op');
  for (const [category, ms] of [...totalsMs].sort((left, right) => right[1] - left[1])) {
    if (category === 'idle') continue;
    console.log(`  ${category.padEnd(48)} ${(100 * ms / busyMs).toFixed(1).padStart(6)} %   ${((ms * 1000) / ops).toFixed(1).padStart(8)}`);
  }
  console.log(`  (server idle ${(totalsMs.get('idle') ?? 0).toFixed(0)} ms of ${(busyMs + (totalsMs.get('idle') ?? 0)).toFixed(0)} ms profiled; the profile covers the whole process life, including the warm-up PUTs before a GET run)`);
}
