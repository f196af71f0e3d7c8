// How fast Cairn is ready inside a test suite, and how fast reset() empties it:
// - import: loading the package entry (dist/src/cli/embed/index.js) in a fresh process;
// - startCairn(): ready time in process (first start in this process, then the median of warm starts);
// - reset() with N objects in two buckets;
// - `cairn server --ephemeral`: spawn to the JSON ready line (a child process, as pytest would);
// - `cairn server` with its default workers (a cluster: the primary and a worker per core, as every
//   test server of the suite): spawn to the banner, once every worker listens.
// Fresh-process figures are the median of --spawns runs. Prints milliseconds; the target for a warm in-process start is ≤ 300 ms. Not a test: no assertion.
//
//   npm run build && node dist/bench/embed-start.js [-- --starts 10 --objects 200 --spawns 5]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CAIRN_BIN } from './paths.js';
import { SigV4Signer } from './sigv4-client.js';

const REGION = 'us-east-1';
const ENTRY = new URL('../src/cli/embed/index.js', import.meta.url).href;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Milliseconds from spawn to a line on stdout, in a fresh process running `args`. */
async function msToFirstLine(args: string[], stdin: 'pipe' | 'ignore'): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: [stdin, 'pipe', 'ignore'] });
  await new Promise<void>((resolveLine) => createInterface({ input: child.stdout! }).once('line', () => resolveLine()));
  const elapsedMs = performance.now() - started;
  child.kill('SIGTERM');
  await new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return elapsedMs;
}

/** The median of `runs` measurements, taken one after another. */
async function medianOf(runs: number, measure: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) times.push(await measure());
  return median(times);
}

/** `cairn server` on a fresh data directory and any port: spawn to the banner's first line. */
async function msToClusterBanner(): Promise<number> {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'cairn-bench-start-'));
  try {
    return await msToFirstLine([CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', dataDirectory], 'ignore');
  } finally {
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

async function putObjects(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, count: number): Promise<void> {
  const url = new URL(endpoint);
  const signer = new SigV4Signer({ ...credentials, region: REGION }, url.host);
  for (let index = 0; index < count; index += 1) {
    const path = `/${index % 2 === 0 ? 'bench-one' : 'bench-two'}/object-${index}`;
    const { pathAndQuery, headers } = signer.sign('PUT', path);
    const pairs: [string, string][] = [];
    for (let at = 0; at + 1 < headers.length; at += 2) if (headers[at] !== 'host') pairs.push([headers[at]!, headers[at + 1]!]);
    const response = await fetch(new URL(pathAndQuery, endpoint), { method: 'PUT', headers: pairs, body: `object ${index}` });
    if (response.status !== 200) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { starts: { type: 'string', default: '10' }, objects: { type: 'string', default: '200' }, spawns: { type: 'string', default: '5' } } });
  const starts = Number(values.starts);
  const objects = Number(values.objects);
  const spawns = Number(values.spawns);
  const importMs = await medianOf(spawns, () => msToFirstLine(['--input-type=module', '-e', `await import(${JSON.stringify(ENTRY)}); console.log('loaded')`], 'ignore'));
  const ephemeralMs = await medianOf(spawns, () => msToFirstLine([CAIRN_BIN, 'server', '--ephemeral'], 'pipe'));
  const clusterMs = await medianOf(spawns, msToClusterBanner);

  const importStarted = performance.now();
  const { startCairn } = await import(ENTRY) as typeof import('../src/cli/embed/index.js');
  const inProcessImportMs = performance.now() - importStarted;
  const times: number[] = [];
  for (let run = 0; run <= starts; run += 1) {
    const started = performance.now();
    const cairn = await startCairn({ buckets: ['bench-one', 'bench-two'] });
    times.push(performance.now() - started);
    if (run === starts) {
      await putObjects(cairn.endpoint, cairn.credentials, objects);
      const resetStarted = performance.now();
      await cairn.reset();
      console.log(`reset() of ${objects} objects in 2 buckets:       ${(performance.now() - resetStarted).toFixed(1)} ms`);
    }
    await cairn.stop();
  }
  const [first, ...warm] = times;
  console.log(`import of the package entry (fresh process): ${importMs.toFixed(0)} ms (in this process: ${inProcessImportMs.toFixed(0)} ms)`);
  console.log(`startCairn() ready, first in this process:   ${first?.toFixed(0)} ms`);
  console.log(`startCairn() ready, median of ${warm.length} warm starts: ${median(warm).toFixed(0)} ms (min ${Math.min(...warm).toFixed(0)}, max ${Math.max(...warm).toFixed(0)})`);
  console.log(`cairn server --ephemeral, spawn to JSON line: ${ephemeralMs.toFixed(0)} ms`);
  console.log(`cairn server (a cluster), spawn to the banner: ${clusterMs.toFixed(0)} ms`);
}

await main();
