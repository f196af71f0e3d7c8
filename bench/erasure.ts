// `npm run bench:erasure`: erasure coding, measured three ways in one run.
//   1. The Reed–Solomon kernel on one core: encode and decode of 1 MiB stripes, 4+2, 8+4 and 3+3.
//   2. The storage layer in-process on 6 drives: small-object latency, rate and space per layout
//      (3+3 striped, 4 copies, 2 copies) — the measurement behind SMALL_OBJECT_COPIES_SIZE_BYTES_MAX.
//   3. Real servers: PUT and GET throughput with 6 drives (STANDARD and REDUCED_REDUNDANCY) against
//      1 drive, same client, same machine, same run.
//
//   npm run bench:erasure [-- --seconds N] [--parts kernel,layouts,servers]
// Drives are directories under the system temp directory: on one disk, N drives share its bandwidth.
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeParity, reconstructShards } from '../src/storage/erasure/codec.js';
import { shardSizeBytes, type Layout } from '../src/storage/erasure/geometry.js';
import { Storage, type Placement, type RecordIdentity } from '../src/storage/index.js';
import { createClient, runClosedLoop, type PhaseResult } from './load.js';
import { CAIRN_BIN, REPO_ROOT } from './paths.js';
import { makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged } from './processes.js';
import { createBucket, signerFor } from './targets/s3-requests.js';
import { KeyPool, payloadOf } from './workloads.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const STRIPE_BYTES = MIB;
const KERNEL_LAYOUTS: Layout[] = [{ dataShards: 4, parityShards: 2 }, { dataShards: 8, parityShards: 4 }, { dataShards: 3, parityShards: 3 }];
const SET_DRIVES = 6;
const ACCESS_KEY = 'BENCHACCESSKEY0000001';
const SECRET_KEY = 'bench-secret-key-0000000000000000000000';
const REGION = 'us-east-1';
const BUCKET = 'bench';
const ENDPOINT_LINE = /^\s*endpoint\s+(http:\/\/\S+)\s*$/m;

interface HttpCell { sizeBytes: number; connections: number }
const HTTP_CELLS: HttpCell[] = [
  { sizeBytes: 4 * KIB, connections: 1 },
  { sizeBytes: 4 * KIB, connections: 32 },
  { sizeBytes: 64 * KIB, connections: 32 },
  { sizeBytes: 1 * MIB, connections: 8 },
  { sizeBytes: 16 * MIB, connections: 4 },
];

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1]! : fallback;
}

const SECONDS = Number(argument('seconds', '3'));
/** Which measurements to run: kernel, layouts, servers (default: all three). */
const PARTS = new Set(argument('parts', 'kernel,layouts,servers').split(','));

function formatBytes(sizeBytes: number): string {
  return sizeBytes >= MIB ? `${sizeBytes / MIB} MiB` : `${sizeBytes / KIB} KiB`;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Sequential calls (one job in the threadpool at a time): the rate of one core. */
async function kernelRate(run: () => Promise<void>, dataBytes: number): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let calls = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    await run();
    calls += 1;
  }
  return (calls * dataBytes) / ((performance.now() - started) / 1000);
}

async function measureKernel(): Promise<string> {
  const rows: string[][] = [];
  for (const layout of KERNEL_LAYOUTS) {
    const { dataShards, parityShards } = layout;
    const shardBytes = shardSizeBytes(STRIPE_BYTES, dataShards);
    const data = randomBytes(shardBytes * dataShards);
    const parity = Buffer.alloc(shardBytes * parityShards);
    const encodeBytesPerS = await kernelRate(() => encodeParity(dataShards, parityShards, data, parity), STRIPE_BYTES);
    // Worst case: m data shards lost, rebuilt from the other data shards and every parity shard.
    const lost = Array.from({ length: parityShards }, (_, index) => index);
    const present = Array.from({ length: dataShards + parityShards }, (_, index) => index).filter((index) => !lost.includes(index));
    const decodeBytesPerS = await kernelRate(() => reconstructShards(dataShards, parityShards, present, lost, data, parity), STRIPE_BYTES);
    rows.push([`${dataShards}+${parityShards}`, `${(encodeBytesPerS / 1e9).toFixed(2)} GB/s`, `${(decodeBytesPerS / 1e9).toFixed(2)} GB/s (${parityShards} data shards lost)`]);
  }
  return `### Reed–Solomon kernel, one core, 1 MiB stripes (GB/s of object data)\n\n${table(['layout', 'encode', 'decode'], rows)}`;
}

interface LayoutCase { label: string; layout: Layout; sizeBytes: number }

const LAYOUT_SIZES_BYTES = [4 * KIB, 16 * KIB, 64 * KIB];

/**
 * Storage layer on 6 drives: small objects striped 3+3 against m+1 = 4 copies (the choice behind
 * SMALL_OBJECT_COPIES_SIZE_BYTES_MAX) and 2 copies (the reduced class): 1 writer or reader for
 * latency, 32 for the rate.
 */
async function measureSmallObjectLayouts(): Promise<string> {
  const cases: LayoutCase[] = [];
  for (const sizeBytes of LAYOUT_SIZES_BYTES) {
    cases.push({ label: 'striped 3+3', layout: { dataShards: 3, parityShards: 3 }, sizeBytes });
    cases.push({ label: '4 copies', layout: { dataShards: 1, parityShards: 3 }, sizeBytes });
  }
  cases.push({ label: '2 copies (REDUCED_REDUNDANCY)', layout: { dataShards: 1, parityShards: 1 }, sizeBytes: 4 * KIB });
  const root = makeTemporaryDirectory('cairn-erasure-layouts-');
  const rows: string[][] = [];
  try {
    for (const [caseIndex, { label, layout, sizeBytes }] of cases.entries()) {
      const body = randomBytes(sizeBytes);
      const drives = Array.from({ length: SET_DRIVES }, (_, index) => path.join(root, `case${caseIndex}`, `d${index + 1}`));
      const storage = await Storage.open({ drivePaths: drives, logger: () => {} });
      const set = storage.erasureSet!;
      const placements: Array<[RecordIdentity, Placement]> = [];
      let counter = 0;
      const putOne = async () => {
        const identity = { bucket: 'b', key: `k${counter}`, versionId: `v${counter++}` };
        const writer = set.createWriter(identity, 'standard', layout);
        await writer.write(body);
        placements.push([identity, await writer.finish({ etag: 'x' })]);
      };
      const getOne = async (index: number) => {
        const [identity, placement] = placements[index % placements.length]!;
        for await (const _chunk of storage.read(identity, placement)) { /* drain */ }
      };
      const putLatency = await timedLoop(1, putOne);
      const putRate = await timedLoop(32, putOne);
      const getLatency = await timedLoop(1, (index) => getOne(index));
      const getRate = await timedLoop(32, (index) => getOne(index));
      const diskBytesPerObject = storage.stats.bytesAppended / placements.length;
      rows.push([
        formatBytes(sizeBytes), label, ms(putLatency.p50Ms), ms(putLatency.p99Ms), `${Math.round(putRate.opsPerS)}`,
        ms(getLatency.p50Ms), ms(getLatency.p99Ms), `${Math.round(getRate.opsPerS)}`, `${(diskBytesPerObject / KIB).toFixed(1)} KiB`,
      ]);
      await storage.close();
    }
  } finally {
    removeTemporaryDirectory(root);
  }
  return '### Storage layer, 6 drives, small objects (in-process, no HTTP)\n\n'
    + table(['size', 'layout', 'PUT p50 (1 writer)', 'PUT p99', 'PUT/s (32 writers)', 'GET p50 (1 reader)', 'GET p99', 'GET/s (32 readers)', 'on disk per object'], rows);
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

async function timedLoop(workers: number, op: (index: number) => Promise<void>): Promise<{ opsPerS: number; p50Ms: number; p99Ms: number }> {
  const latenciesMs: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let index = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await op(index++);
      latenciesMs.push(performance.now() - t0);
    }
  }));
  latenciesMs.sort((a, b) => a - b);
  const at = (fraction: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(latenciesMs.length * fraction))] ?? 0;
  return { opsPerS: latenciesMs.length / ((performance.now() - started) / 1000), p50Ms: at(0.5), p99Ms: at(0.99) };
}

interface ServerCase { label: string; drives: number; storageClass?: string }

async function startServer(serverCase: ServerCase, root: string) {
  const home = path.join(root, 'home');
  const driveArgs = serverCase.drives === 1 ? [] : Array.from({ length: serverCase.drives }, (_, index) => path.join(root, `d${index + 1}`));
  const server = spawnManaged(serverCase.label, process.execPath, [CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', home, ...driveArgs], {
    cwd: REPO_ROOT, env: { ...process.env, CAIRN_ACCESS_KEY: ACCESS_KEY, CAIRN_SECRET_KEY: SECRET_KEY },
  });
  const origin = (await server.waitForLine(ENDPOINT_LINE))[1]!;
  const signer = signerFor(origin, { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, region: REGION });
  const bucketHead = signer.sign('PUT', `/${BUCKET}`);
  await createBucket(origin, { pathAndQuery: bucketHead.pathAndQuery, headers: bucketHead.headers });
  return { server, origin, signer };
}

function describePhase(result: PhaseResult, sizeBytes: number): { rate: string; p50: string; p99: string; failures: string } {
  const opsPerS = (result.okOps * 1000) / result.durationMs;
  const rate = sizeBytes >= MIB ? `${((opsPerS * sizeBytes) / MIB).toFixed(0)} MiB/s` : `${opsPerS.toFixed(0)} ops/s`;
  const failures = Object.entries({ ...result.statusCounts, ...result.errorCounts }).map(([what, count]) => `${what}×${count}`).join(' ');
  return { rate, p50: ms(result.latencies.percentile(0.5)), p99: ms(result.latencies.percentile(0.99)), failures };
}

async function measureServers(): Promise<string> {
  const cases: ServerCase[] = [
    { label: '1 drive', drives: 1 },
    { label: '6 drives STANDARD (3+3; ≤ 16 KiB: 4 copies)', drives: SET_DRIVES },
    { label: '6 drives REDUCED_REDUNDANCY (2 copies)', drives: SET_DRIVES, storageClass: 'REDUCED_REDUNDANCY' },
  ];
  const results = new Map<string, Map<string, { rate: string; p50: string; p99: string; failures: string }>>();
  for (const serverCase of cases) {
    const root = makeTemporaryDirectory('cairn-erasure-bench-');
    const { server, origin, signer } = await startServer(serverCase, root);
    const perCell = new Map<string, { rate: string; p50: string; p99: string; failures: string }>();
    try {
      const extra: Array<[string, string]> = serverCase.storageClass === undefined ? [] : [['x-amz-storage-class', serverCase.storageClass]];
      for (const cell of HTTP_CELLS) {
        const client = createClient(origin, cell.connections);
        const keys = new KeyPool();
        const body = payloadOf(cell.sizeBytes);
        let counter = 0;
        const prefix = `s${cell.sizeBytes}-c${cell.connections}/`;
        const put = await runClosedLoop(client, cell.connections, SECONDS * 1000, () => {
          const key = `${prefix}${counter++}`;
          const signed = signer.sign('PUT', `/${BUCKET}/${key}`, [], extra);
          return {
            method: 'PUT', head: { pathAndQuery: signed.pathAndQuery, headers: signed.headers }, body,
            onResponse: (status) => { if (status === 200) keys.add(key); },
          };
        });
        const get = await runClosedLoop(client, cell.connections, SECONDS * 1000, () => {
          const key = keys.nextForRead();
          if (key === undefined) return undefined;
          const signed = signer.sign('GET', `/${BUCKET}/${key}`);
          return { method: 'GET', head: { pathAndQuery: signed.pathAndQuery, headers: signed.headers } };
        });
        await client.close();
        perCell.set(`PUT ${formatBytes(cell.sizeBytes)} ×${cell.connections}`, describePhase(put, cell.sizeBytes));
        perCell.set(`GET ${formatBytes(cell.sizeBytes)} ×${cell.connections}`, describePhase(get, cell.sizeBytes));
      }
    } finally {
      await server.stop();
      removeTemporaryDirectory(root);
    }
    results.set(serverCase.label, perCell);
  }
  const rows: string[][] = [];
  const baseline = results.get(cases[0]!.label)!;
  for (const cellName of baseline.keys()) {
    const row = [cellName];
    for (const serverCase of cases) {
      const cell = results.get(serverCase.label)!.get(cellName)!;
      row.push(`${cell.rate} (p50 ${cell.p50}, p99 ${cell.p99})${cell.failures === '' ? '' : ` FAILURES ${cell.failures}`}`);
    }
    const ratio = (label: string) => {
      const parse = (text: string) => Number(text.split(' ')[0]);
      return (parse(results.get(label)!.get(cellName)!.rate) / parse(baseline.get(cellName)!.rate)).toFixed(2);
    };
    row.push(`${ratio(cases[1]!.label)} / ${ratio(cases[2]!.label)}`);
    rows.push(row);
  }
  return `### Cairn over HTTP (default workers), closed loop, ${SECONDS} s per phase\n\n`
    + table(['operation × connections', ...cases.map((serverCase) => serverCase.label), '6 drives ÷ 1 drive (STANDARD / RRS)'], rows);
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  process.stdout.write(`# Erasure coding benchmark\n\n${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${SECONDS} s per measurement, drives under ${os.tmpdir()}\n\n`);
  if (PARTS.has('kernel')) process.stdout.write(`${await measureKernel()}\n\n`);
  if (PARTS.has('layouts')) process.stdout.write(`${await measureSmallObjectLayouts()}\n\n`);
  if (PARTS.has('servers')) process.stdout.write(`${await measureServers()}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
