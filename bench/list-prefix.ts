// Listing cost against the number of keys under a prefix. Two prefixes, each listed with
// delimiter "/" and answering the same page of 10 common prefixes: "wide/" holds 100,000 keys
// (10,000 under each common prefix), "narrow/" holds 10 (one under each). With one index seek per
// common prefix the two pages cost the same; a scan of every key would make "wide/" ~10,000× dearer.
// Measured in one run, through the index directly and through a real server over HTTP.
//
//   npx tsc -p tsconfig.json && node dist/bench/list-prefix.js [--iterations 300]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteIndex } from '../src/index/sqlite-index.js';
import type { ObjectRecord } from '../src/index/types.js';
import { signer } from '../test/helpers/clients.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from '../test/helpers/server.js';

const BUCKET = 'listing-bench';
const COMMON_PREFIXES = 10;
const WIDE_KEYS_PER_PREFIX = 10_000;
const iterationsIndex = process.argv.indexOf('--iterations');
const ITERATIONS = iterationsIndex >= 0 ? Number(process.argv[iterationsIndex + 1]) : 300;

function fakeObject(key: string): ObjectRecord {
  return {
    bucket: BUCKET, key, versionId: 'null', dataId: key, sizeBytes: 1, etag: 'd41d8cd98f00b204e9800998ecf8427e',
    lastModifiedMs: Date.now(), storageClass: 'STANDARD', headers: { contentType: 'binary/octet-stream' }, userMetadata: {},
    placement: new Uint8Array([0]),
  };
}

async function populate(index: SqliteIndex): Promise<void> {
  await index.createBucket({ name: BUCKET, createdAtMs: Date.now(), region: 'us-east-1', ownerId: 'bench' });
  const writes: Promise<unknown>[] = [];
  for (let group = 0; group < COMMON_PREFIXES; group += 1) {
    writes.push(index.putObject(fakeObject(`narrow/${group}/only`)));
    for (let item = 0; item < WIDE_KEYS_PER_PREFIX; item += 1) {
      writes.push(index.putObject(fakeObject(`wide/${group}/${String(item).padStart(6, '0')}`)));
    }
  }
  await Promise.all(writes);
}

async function timeMs(action: () => Promise<unknown>): Promise<number> {
  for (let warm = 0; warm < 20; warm += 1) await action();
  const start = performance.now();
  for (let round = 0; round < ITERATIONS; round += 1) await action();
  return (performance.now() - start) / ITERATIONS;
}

function httpList(port: number, prefix: string): Promise<number> {
  const query = { 'list-type': '2', prefix, delimiter: '/' };
  return signer.sign({
    method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: `/${BUCKET}`, query,
    headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  }).then((signed) => new Promise((resolveStatus, reject) => {
    const search = new URLSearchParams(query).toString().replace(/\+/g, '%20');
    const req = request({ host: '127.0.0.1', port, path: `/${BUCKET}?${search}`, headers: signed.headers }, (res) => {
      let body = '';
      res.on('data', (piece) => { body += piece; });
      res.on('end', () => {
        const prefixes = (body.match(/<CommonPrefixes>/g) ?? []).length;
        if (res.statusCode !== 200 || prefixes !== COMMON_PREFIXES) reject(new Error(`unexpected listing: ${res.statusCode} ${body.slice(0, 200)}`));
        else resolveStatus(res.statusCode);
      });
    });
    req.on('error', reject);
    req.end();
  }));
}

async function startServer(dataDirectory: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [resolve(import.meta.dirname, '..', '..', 'bin', 'cairn.js'), 'server', '--address', '127.0.0.1:0', '--data', dataDirectory], {
    env: { ...process.env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort) => {
    let text = '';
    child.stdout!.on('data', (piece) => {
      text += piece;
      const match = /endpoint\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (match !== null) resolvePort(Number(match[1]));
    });
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

async function main(): Promise<void> {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'cairn-list-bench-'));
  try {
    const index = SqliteIndex.open(join(dataDirectory, 'index.db'));
    await populate(index);
    const page = (prefix: string) => index.listObjects({ bucket: BUCKET, prefix, delimiter: '/', maxEntries: 1000 });
    const indexNarrowMs = await timeMs(() => page('narrow/'));
    const indexWideMs = await timeMs(() => page('wide/'));
    await index.close();

    const server = await startServer(dataDirectory);
    const httpNarrowMs = await timeMs(() => httpList(server.port, 'narrow/'));
    const httpWideMs = await timeMs(() => httpList(server.port, 'wide/'));
    server.stop();

    const rows = [
      ['index.listObjects', indexNarrowMs, indexWideMs],
      ['ListObjectsV2 over HTTP', httpNarrowMs, httpWideMs],
    ] as const;
    console.log(`listing a page of ${COMMON_PREFIXES} common prefixes, ${ITERATIONS} iterations each`);
    console.log('path                       10 keys (ms)   100,000 keys (ms)   ratio');
    for (const [what, narrowMs, wideMs] of rows) {
      console.log(`${what.padEnd(26)} ${narrowMs.toFixed(3).padStart(12)}   ${wideMs.toFixed(3).padStart(17)}   ${(wideMs / narrowMs).toFixed(2).padStart(5)}×`);
    }
  } finally {
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

await main();
