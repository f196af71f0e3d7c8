// What the S3 Metadata journal costs a small PUT, measured twice in one run:
// - over HTTP: one server, two buckets — one without a metadata configuration, one with (journal and
//   inventory) — and 4 KiB PUTs to new keys, closed loop, in alternating phases so both see the same
//   machine; the exporter runs as in production (every second), so its work is in the figure too;
// - in the index alone: the same index transactions (group commits of concurrent putObject calls)
//   with and without the journal row, free of HTTP and client noise.
// Prints the rates and the ratios (the budget: the journal adds at most 10% to a small PUT).
//
//   npm run bench:journal [-- --seconds 5 --rounds 3 --connections 32 --workers 1]
import { request } from 'undici';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SqliteIndex } from '../src/index/sqlite-index.js';
import type { ObjectRecord } from '../src/index/types.js';
import { createClient, runClosedLoop, type PhaseResult } from './load.js';
import { CAIRN_BIN, REPO_ROOT } from './paths.js';
import { makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged } from './processes.js';
import { SigV4Signer } from './sigv4-client.js';
import { createBucket, s3RequestHead } from './targets/s3-requests.js';

const ACCESS_KEY = 'BENCHACCESSKEY0000001';
const SECRET_KEY = 'bench-secret-key-0000000000000000000000';
const REGION = 'us-east-1';
const OBJECT_BYTES = 4 * 1024;
const ENDPOINT_LINE = /^\s*endpoint\s+(http:\/\/\S+)\s*$/m;
const BUCKETS = { plain: 'bench-plain', journaled: 'bench-journaled' } as const;
const CONFIGURATION = `<MetadataConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><JournalTableConfiguration><RecordExpiration>
  <Expiration>DISABLED</Expiration></RecordExpiration></JournalTableConfiguration><InventoryTableConfiguration>
  <ConfigurationState>ENABLED</ConfigurationState></InventoryTableConfiguration></MetadataConfiguration>`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    workers: { type: 'string', default: '1' },
  },
});
const PHASE_MS = Number(values.seconds) * 1000;
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);

interface Totals {
  ops: number;
  durationMs: number;
  latenciesMs: number[];
}

function add(totals: Totals, phase: PhaseResult): void {
  totals.ops += phase.okOps;
  totals.durationMs += phase.durationMs;
  totals.latenciesMs.push(phase.latencies.percentile(0.5));
  const failures = phase.completedOps - phase.okOps;
  if (failures > 0) throw new Error(`${failures} PUTs failed: ${JSON.stringify(phase.failureSamples)}`);
}

/** Index-level phases: this many putObject calls, INDEX_CONCURRENCY at a time (one group commit each). */
const INDEX_PUTS_PER_PHASE = 20_000;
const INDEX_CONCURRENCY = 64;

function indexObject(bucket: string, key: string): ObjectRecord {
  return {
    bucket, key, versionId: 'null', dataId: key, sizeBytes: OBJECT_BYTES, etag: 'd41d8cd98f00b204e9800998ecf8427e', lastModifiedMs: Date.now(),
    storageClass: 'STANDARD', headers: { contentType: 'binary/octet-stream' }, userMetadata: { owner: 'bench' },
    checksum: { algorithm: 'CRC64NVME', valueBase64: 'AAAAAAAAAAA=', type: 'FULL_OBJECT' }, placement: new Uint8Array(24),
  };
}

/** putObject calls per second into each bucket of one SQLite index, alternating phases. */
async function measureIndex(): Promise<{ plain: number; journaled: number }> {
  const directory = mkdtempSync(join(tmpdir(), 'cairn-bench-journal-index-'));
  const index = SqliteIndex.open(join(directory, 'index.db'));
  try {
    for (const bucket of Object.values(BUCKETS)) await index.createBucket({ name: bucket, createdAtMs: Date.now(), region: REGION, ownerId: 'bench' });
    await index.setBucketSetting(BUCKETS.journaled, 'metadata', { apiVersion: 'V2' });
    const seconds = { plain: 0, journaled: 0 };
    let sequence = 0;
    const phase = async (which: keyof typeof BUCKETS) => {
      const startMs = performance.now();
      for (let done = 0; done < INDEX_PUTS_PER_PHASE; done += INDEX_CONCURRENCY) {
        await Promise.all(Array.from({ length: INDEX_CONCURRENCY }, () => index.putObject(indexObject(BUCKETS[which], `object-${(sequence += 1)}`),
          undefined, { requester: '000000000000', sourceIpAddress: '127.0.0.1', requestId: '0123456789ABCDEF' })));
      }
      return (performance.now() - startMs) / 1000;
    };
    await phase('plain');
    await phase('journaled');
    for (let round = 0; round < ROUNDS; round += 1) {
      const order: Array<keyof typeof BUCKETS> = round % 2 === 0 ? ['plain', 'journaled'] : ['journaled', 'plain'];
      for (const which of order) seconds[which] += await phase(which);
    }
    return { plain: (INDEX_PUTS_PER_PHASE * ROUNDS) / seconds.plain, journaled: (INDEX_PUTS_PER_PHASE * ROUNDS) / seconds.journaled };
  } finally {
    await index.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dataDirectory = makeTemporaryDirectory('cairn-bench-journal-');
  const server = spawnManaged('cairn', process.execPath, [CAIRN_BIN, 'server', '--address', '127.0.0.1:0', '--data', dataDirectory, '--workers', values.workers!], {
    cwd: REPO_ROOT, env: { ...process.env, CAIRN_ACCESS_KEY: ACCESS_KEY, CAIRN_SECRET_KEY: SECRET_KEY },
  });
  try {
    const origin = (await server.waitForLine(ENDPOINT_LINE))[1]!;
    const signer = new SigV4Signer({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, region: REGION }, new URL(origin).host);
    const heads = { plain: s3RequestHead(signer, BUCKETS.plain), journaled: s3RequestHead(signer, BUCKETS.journaled) };
    await createBucket(origin, heads.plain('PUT', ''));
    await createBucket(origin, heads.journaled('PUT', ''));
    const configure = heads.journaled('POST', '', [['metadataConfiguration', '']]);
    const configured = await request(`${origin}${configure.pathAndQuery}`, { method: 'POST', headers: configure.headers, body: CONFIGURATION });
    if (configured.statusCode !== 200) throw new Error(`metadata configuration: HTTP ${configured.statusCode}: ${await configured.body.text()}`);
    await configured.body.dump();

    const body = Buffer.alloc(OBJECT_BYTES, 0x61);
    const client = createClient(origin, CONNECTIONS);
    const totals = { plain: { ops: 0, durationMs: 0, latenciesMs: [] as number[] }, journaled: { ops: 0, durationMs: 0, latenciesMs: [] as number[] } };
    let sequence = 0;
    const phase = (which: keyof typeof BUCKETS) => runClosedLoop(client, CONNECTIONS, PHASE_MS, () => ({
      method: 'PUT', head: heads[which]('PUT', `object-${(sequence += 1)}`), body,
    }));
    // A warm-up of each, then alternating measured phases (the order flips every round).
    await phase('plain');
    await phase('journaled');
    for (let round = 0; round < ROUNDS; round += 1) {
      const order: Array<keyof typeof BUCKETS> = round % 2 === 0 ? ['plain', 'journaled'] : ['journaled', 'plain'];
      for (const which of order) add(totals[which], await phase(which));
    }
    await client.close();

    const rate = (which: keyof typeof BUCKETS) => (totals[which].ops * 1000) / totals[which].durationMs;
    const costRatio = rate('plain') / rate('journaled');
    const indexRates = await measureIndex();
    const indexRatio = indexRates.plain / indexRates.journaled;
    const journalMicroseconds = (1 / indexRates.journaled - 1 / indexRates.plain) * 1e6;
    const putMicroseconds = 1e6 / rate('plain');
    const lines = [
      `S3 Metadata journal: cost of a ${OBJECT_BYTES / 1024} KiB PUT (${CONNECTIONS} connections, ${values.workers} worker(s), ${ROUNDS} × ${PHASE_MS / 1000} s per bucket)`,
      `  without a metadata configuration   ${rate('plain').toFixed(0).padStart(7)} PUT/s   median latency ${median(totals.plain.latenciesMs).toFixed(2)} ms`,
      `  with journal and inventory         ${rate('journaled').toFixed(0).padStart(7)} PUT/s   median latency ${median(totals.journaled.latenciesMs).toFixed(2)} ms`,
      `  cost ratio (time per PUT, with / without): ${costRatio.toFixed(3)}  → the journal adds ${((costRatio - 1) * 100).toFixed(1)}% (budget 10%)`,
      `In the index alone (${INDEX_CONCURRENCY} concurrent putObject per group commit, ${ROUNDS} × ${INDEX_PUTS_PER_PHASE} per bucket)`,
      `  without a metadata configuration   ${indexRates.plain.toFixed(0).padStart(7)} putObject/s`,
      `  with the journal row               ${indexRates.journaled.toFixed(0).padStart(7)} putObject/s`,
      `  cost ratio: ${indexRatio.toFixed(3)}  → the journal row adds ${((indexRatio - 1) * 100).toFixed(1)}% to the index transaction`,
      // The HTTP ratio moves with everything else on the machine; the index figures isolate the row.
      `The journal row's own time per PUT: ${journalMicroseconds.toFixed(1)} µs of a ${putMicroseconds.toFixed(0)} µs PUT = ${((journalMicroseconds / putMicroseconds) * 100).toFixed(1)}%`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await server.stop();
    removeTemporaryDirectory(dataDirectory);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
