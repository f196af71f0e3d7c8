// `npm run bench:background` (issue #4): foreground GET and PUT latency while background work runs,
// against a baseline measured in the same run — the budget (DESIGN.md §3) is that foreground p99 at
// most doubles while audit, heal or compaction run — and the audit's speed as a fraction of the
// disk's sequential read speed, both measured in the same run on the same filesystem.
//
//   npm run bench:background [-- --seconds N]
//
// One 6-drive server (`--workers 2`, drives are directories under the system temp directory),
// started three times on the same drives (see main). Each phase: page cache dropped, warm-up,
// background work started, then GETs of preloaded 64 KiB objects and PUTs overwriting 64 KiB
// objects, both closed loop, at the same time, while the work runs.
import { join } from 'node:path';
import { AdminClient } from './admin-client.js';
import { auditPasses, auditStatus, compactionPasses, healOfReplacedDrive, JOB_POLL_INTERVAL_MS, runAuditPass, waitUntil, type BackgroundJob } from './background-jobs.js';
import { dropPageCache, measureSequentialRead, type SequentialRead } from './disk.js';
import { createClient, runClosedLoop, type NextRequest, type PhaseResult } from './load.js';
import { describeMachine } from './machine.js';
import { makeTemporaryDirectory } from './processes.js';
import { formatMs, formatRate, markdownTable } from './report.js';
import { startCairn, type CairnTarget } from './targets/cairn.js';
import { KeyPool, payloadOf, putSource, readSource } from './workloads.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const DRIVES = 6;
/** The default on this 2-core machine; the background worker is one of the two. */
const WORKERS = 2;
/** The drive replaced for the heal phase (1-based, as the admin API numbers drives). */
const HEALED_DRIVE_NUMBER = 1;
/** Small volumes, so the overwritten keys' garbage fills volumes compaction can empty within a phase. */
const VOLUME_SIZE_MIB = 64;
/** The third start: compaction only when the phase asks, and an emptied volume deleted by the next pass. */
const COMPACTION_ON_REQUEST_ARGS = ['--compaction-interval', '0', '--compaction-grace', '0'];
/**
 * The data the background work walks: a few thousand objects, ~1.2 GB (about twice that on the
 * drives: 3+3 stripes, 4 copies up to 16 KiB), so that a pass lasts long enough to measure. Keys
 * sort before the foreground ones: the heal reaches the objects GETs read last, so reads are
 * degraded (a shard missing on the new drive) for most of the heal — the worse case.
 */
const PRELOAD = [
  { prefix: 'bulk/4k/', sizeBytes: 4 * KIB, count: 1_000 },
  { prefix: 'bulk/64k/', sizeBytes: 64 * KIB, count: 1_000 },
  { prefix: 'bulk/256k/', sizeBytes: 256 * KIB, count: 1_000 },
  { prefix: 'bulk/1m/', sizeBytes: MIB, count: 800 },
] as const;
const PRELOAD_CONNECTIONS = 8;
/** Far more than a preload takes; the sources end it. */
const PRELOAD_TIMEOUT_MS = 10 * 60_000;
/** Striped (above the 16 KiB copies threshold), so reads and writes touch every drive. */
const FOREGROUND_OBJECT_SIZE_BYTES = 64 * KIB;
const READ_PREFIX = 'read/';
const READ_KEYS = 1_000;
const WRITE_PREFIX = 'write/';
/** PUTs overwrite these keys round robin, so the object count (what audit and heal walk) stays put. */
const WRITE_KEYS = 256;
/** Moderate, fixed: below the 32 connections of `npm run bench`, the two loads together keep both cores busy. */
const GET_CONNECTIONS = 8;
const PUT_CONNECTIONS = 4;
const PHASE_SECONDS_DEFAULT = 20;
const WARM_UP_MS = 2_000;
/** The heal phase lasts as long as the heal, up to this (under load it healed ~45 versions/s: ~2 min here). */
const HEAL_PHASE_MS_MAX = 180_000;
const AUDIT_PASS_TIMEOUT_MS = 5 * 60_000;
/** DESIGN.md §3: while background work runs, foreground p99 at most doubles. */
const P99_RATIO_BUDGET = 2.0;
/** The scrub's first pass runs over the empty store at start; this keeps it from starting again during the run. */
const SCRUB_PAUSE_MS = 60 * 60_000;
const MS_PER_SECOND = 1000;
const BYTES_PER_MB = 1e6;

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1]! : fallback;
}

const PHASE_MS = Number(argument('seconds', String(PHASE_SECONDS_DEFAULT))) * MS_PER_SECOND;

interface PhaseRow {
  name: string;
  /** The baseline phase of the same server start; undefined for a baseline itself. */
  baseline: PhaseRow | undefined;
  get: PhaseResult;
  put: PhaseResult;
  /** Share of the status polls during the phase that found the work running. */
  runningFraction: number;
  background: string;
  cacheDropped: boolean;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function writeSource(server: CairnTarget, stopped: () => boolean): NextRequest {
  const body = payloadOf(FOREGROUND_OBJECT_SIZE_BYTES);
  let counter = 0;
  return () => {
    if (stopped()) return undefined;
    const key = `${WRITE_PREFIX}${String(counter % WRITE_KEYS).padStart(3, '0')}`;
    counter += 1;
    return { method: 'PUT', head: server.head('PUT', key), body };
  };
}

function until(source: NextRequest, stopped: () => boolean): NextRequest {
  return (slot) => (stopped() ? undefined : source(slot));
}

async function preload(server: CairnTarget): Promise<KeyPool> {
  const client = createClient(server.origin, PRELOAD_CONNECTIONS);
  const readKeys = new KeyPool();
  const batches = [...PRELOAD.map((batch) => ({ ...batch, pool: new KeyPool() })),
    { prefix: READ_PREFIX, sizeBytes: FOREGROUND_OBJECT_SIZE_BYTES, count: READ_KEYS, pool: readKeys }];
  try {
    for (const batch of batches) {
      const startedMs = performance.now();
      const result = await runClosedLoop(client, PRELOAD_CONNECTIONS, PRELOAD_TIMEOUT_MS, putSource(server, batch.prefix, batch.sizeBytes, batch.pool, batch.count));
      if (result.okOps !== batch.count) throw new Error(`preload ${batch.prefix}: ${result.okOps} of ${batch.count} PUTs answered 2xx: ${JSON.stringify(result.failureSamples)}`);
      log(`preloaded ${batch.count} × ${batch.sizeBytes / KIB} KiB under ${batch.prefix} in ${((performance.now() - startedMs) / MS_PER_SECOND).toFixed(1)} s`);
    }
  } finally {
    await client.close();
  }
  return readKeys;
}

/** One phase: caches dropped, warm-up, the job started, then GETs and PUTs at once while it runs. */
async function measurePhase(server: CairnTarget, readKeys: KeyPool, name: string, baseline: PhaseRow | undefined, job: BackgroundJob | undefined, durationMs = PHASE_MS): Promise<PhaseRow> {
  log(`phase: ${name}`);
  const cacheDropped = dropPageCache();
  const getClient = createClient(server.origin, GET_CONNECTIONS);
  const putClient = createClient(server.origin, PUT_CONNECTIONS);
  try {
    const never = () => false;
    await Promise.all([
      runClosedLoop(getClient, GET_CONNECTIONS, WARM_UP_MS, readSource(server, 'GET', readKeys)),
      runClosedLoop(putClient, PUT_CONNECTIONS, WARM_UP_MS, writeSource(server, never)),
    ]);
    await job?.start();
    let stopped = false;
    let polls = 0;
    let runningPolls = 0;
    const monitor = (async () => {
      while (job !== undefined && !stopped) {
        polls += 1;
        if (await job.poll()) runningPolls += 1;
        if (job.ended) stopped = true;
        else await new Promise((resolveSleep) => setTimeout(resolveSleep, JOB_POLL_INTERVAL_MS));
      }
    })();
    const isStopped = () => stopped;
    const [get, put] = await Promise.all([
      runClosedLoop(getClient, GET_CONNECTIONS, durationMs, until(readSource(server, 'GET', readKeys), isStopped)),
      runClosedLoop(putClient, PUT_CONNECTIONS, durationMs, writeSource(server, isStopped)),
    ]);
    stopped = true;
    await monitor;
    const background = job === undefined ? 'none' : await job.finish();
    return { name, baseline, get, put, runningFraction: job === undefined ? 0 : runningPolls / Math.max(1, polls), background, cacheDropped };
  } finally {
    await Promise.all([getClient.close(), putClient.close()]);
  }
}

interface AuditSpeed {
  disk: SequentialRead;
  auditBytesPerSecond: number;
  auditBytes: number;
  auditSeconds: number;
  cacheDropped: boolean;
}

/** An uncapped full pass with nothing else running, beside the disk's sequential read speed on the same filesystem. */
async function measureAuditSpeed(admin: AdminClient, directory: string): Promise<AuditSpeed> {
  log('disk: sequential read');
  const disk = measureSequentialRead(directory);
  log('audit: one uncapped pass, page cache dropped');
  const cacheDropped = dropPageCache();
  const run = await runAuditPass(admin, AUDIT_PASS_TIMEOUT_MS);
  if (run.state !== 'done') throw new Error(`audit pass ${run.id} ${run.state}: ${run.error ?? ''}`);
  const auditSeconds = (run.finishedAtMs! - run.startedAtMs) / MS_PER_SECOND;
  return { disk, auditBytesPerSecond: run.counts.bytesChecked / auditSeconds, auditBytes: run.counts.bytesChecked, auditSeconds, cacheDropped };
}

function ratioCell(value: number, baseline: number | undefined): string {
  if (baseline === undefined) return '1 (baseline)';
  const ratio = value / baseline;
  return `${ratio.toFixed(2)} ${ratio <= P99_RATIO_BUDGET ? '✓' : '✗'}`;
}

function failures(result: PhaseResult): number {
  return [...Object.values(result.statusCounts), ...Object.values(result.errorCounts)].reduce((sum, count) => sum + count, 0);
}

function renderPhases(rows: PhaseRow[]): string[] {
  const lines = markdownTable(
    ['phase', 'background running', 'GET/s', 'GET p50 / p99 ms', 'GET p99 ÷ baseline', 'PUT/s', 'PUT p50 / p99 ms', 'PUT p99 ÷ baseline'],
    rows.map((row) => {
      const side = (result: PhaseResult, base: PhaseResult | undefined) => [
        formatRate((result.okOps * MS_PER_SECOND) / result.durationMs) + (failures(result) > 0 ? ` ⚠ ${failures(result)} failed` : ''),
        `${formatMs(result.latencies.percentile(0.5))} / ${formatMs(result.latencies.percentile(0.99))}`,
        ratioCell(result.latencies.percentile(0.99), base?.latencies.percentile(0.99)),
      ];
      const running = row.baseline === undefined ? '–' : `${Math.round(row.runningFraction * 100)} % of ${(row.get.durationMs / MS_PER_SECOND).toFixed(0)} s`;
      return [row.name, running, ...side(row.get, row.baseline?.get), ...side(row.put, row.baseline?.put)];
    }),
  );
  lines.push('', `Budget: p99 ÷ baseline ≤ ${P99_RATIO_BUDGET} (DESIGN.md §3); each ratio is against the baseline of the same server start.`);
  const baselines = rows.filter((row) => row.baseline === undefined);
  const spread = (pick: (row: PhaseRow) => PhaseResult) => {
    const p99s = baselines.map((row) => pick(row).latencies.percentile(0.99));
    return `${formatMs(Math.min(...p99s))}–${formatMs(Math.max(...p99s))} ms`;
  };
  lines.push(`- the ${baselines.length} baselines (nothing in the background) span GET p99 ${spread((row) => row.get)} and PUT p99 ${spread((row) => row.put)}: the noise between starts`);
  for (const row of rows) if (row.baseline !== undefined) lines.push(`- ${row.name}: ${row.background}`);
  if (rows.some((row) => !row.cacheDropped)) lines.push('- the page cache could NOT be dropped before some phases (not root?): background reads may have come from memory');
  const over = rows.filter((row) => row.baseline !== undefined
    && Math.max(row.get.latencies.percentile(0.99) / row.baseline.get.latencies.percentile(0.99), row.put.latencies.percentile(0.99) / row.baseline.put.latencies.percentile(0.99)) > P99_RATIO_BUDGET);
  lines.push(over.length === 0 ? '- every phase kept the budget' : `- OVER BUDGET: ${over.map((row) => row.name).join(', ')}`);
  return lines;
}

function renderAuditSpeed(speed: AuditSpeed): string[] {
  const mbps = (bytesPerSecond: number) => `${formatRate(bytesPerSecond / BYTES_PER_MB)} MB/s`;
  return [
    ...markdownTable(['what', 'figure', 'how'], [
      ['disk sequential read', mbps(speed.disk.bytesPerSecond), `${(speed.disk.sizeBytes / MIB).toFixed(0)} MiB file on the drives' filesystem; ${speed.disk.method}`],
      ['audit, uncapped full pass', mbps(speed.auditBytesPerSecond), `${(speed.auditBytes / BYTES_PER_MB).toFixed(0)} MB of records in ${speed.auditSeconds.toFixed(1)} s (status counters); `
        + (speed.cacheDropped ? 'page cache dropped before the pass' : 'page cache NOT dropped')],
    ]),
    '', `audit_bytes_per_s / disk_sequential_read_bytes_per_s = ${(speed.auditBytesPerSecond / speed.disk.bytesPerSecond).toFixed(2)}`,
  ];
}

/** Starts the server on the run's drives and data, runs `body`, stops it (which ends any pass in flight). */
async function withServer<T>(label: string, extraArgs: string[], env: Record<string, string>, body: (server: CairnTarget, admin: AdminClient) => Promise<T>): Promise<T> {
  log(`starting ${label}`);
  const server = await startCairn('cairn', label, WORKERS, { dataDirectory: RUN.dataDirectory, extraArgs: [...RUN.drives, '--volume-size', String(VOLUME_SIZE_MIB), ...extraArgs], env });
  try {
    return await body(server, new AdminClient(server.origin, server.signer));
  } finally {
    await server.stop();
  }
}

const RUN = (() => {
  const root = makeTemporaryDirectory('cairn-background-');
  return { root, dataDirectory: join(root, 'home'), drives: Array.from({ length: DRIVES }, (_, index) => join(root, `d${index + 1}`)) };
})();

/**
 * Three starts of one server on the same drives, each with its own baseline, because there is no
 * way to stop an audit pass but to stop the server: (1) the default scrub cap, which a requested
 * pass keeps to; (2) `--scrub-rate 0`: no scrub, and a requested pass runs uncapped; (3) the same,
 * for compaction and the heal.
 */
async function main(): Promise<void> {
  const startedMs = performance.now();
  const machine = describeMachine();
  const rows: PhaseRow[] = [];
  const uncappedArgs = ['--scrub-rate', '0'];
  const readKeys = await withServer('Cairn (default scrub cap)', [], { CAIRN_SCRUB_PAUSE_MS: String(SCRUB_PAUSE_MS) }, async (server, admin) => {
    await waitUntil(async () => (await auditStatus(admin)).status.scrub.passesCompleted >= 1, AUDIT_PASS_TIMEOUT_MS, 'the first (empty) scrub pass');
    const keys = await preload(server);
    const baseline = await measurePhase(server, keys, 'baseline 1 (default scrub cap, idle)', undefined, undefined);
    rows.push(baseline, await measurePhase(server, keys, 'audit, default cap (50 MB/s)', baseline, auditPasses(admin)));
    return keys;
  });
  const speed = await withServer('Cairn (--scrub-rate 0)', uncappedArgs, {}, async (server, admin) => {
    const baseline = await measurePhase(server, readKeys, 'baseline 2 (--scrub-rate 0, idle)', undefined, undefined);
    const measured = await measureAuditSpeed(admin, RUN.root);
    rows.push(baseline, await measurePhase(server, readKeys, 'audit, uncapped (--scrub-rate 0)', baseline, auditPasses(admin)));
    return measured;
  });
  await withServer('Cairn (--scrub-rate 0), again', [...uncappedArgs, ...COMPACTION_ON_REQUEST_ARGS], {}, async (server, admin) => {
    const baseline = await measurePhase(server, readKeys, 'baseline 3 (--scrub-rate 0, idle)', undefined, undefined);
    rows.push(baseline);
    rows.push(await measurePhase(server, readKeys, 'compaction (50 MB/s cap)', baseline, compactionPasses(admin)));
    const healDrive = RUN.drives[HEALED_DRIVE_NUMBER - 1]!;
    const heal = await measurePhase(server, readKeys, `heal of replaced drive ${HEALED_DRIVE_NUMBER}`, baseline, healOfReplacedDrive(admin, healDrive, HEALED_DRIVE_NUMBER), HEAL_PHASE_MS_MAX);
    // Not a timing: whether the heal measured above left every record sound.
    const check = await runAuditPass(admin, AUDIT_PASS_TIMEOUT_MS);
    heal.background += `; then a full audit pass: ${check.state}, ${check.counts.recordsChecked} records, ${check.counts.corruptFound} corrupt, ${check.counts.unrecoverable} unrecoverable`;
    rows.push(heal);
  });

  const preloadBytes = PRELOAD.reduce((sum, batch) => sum + batch.sizeBytes * batch.count, 0) + READ_KEYS * FOREGROUND_OBJECT_SIZE_BYTES;
  const preloadCount = PRELOAD.reduce((sum, batch) => sum + batch.count, 0) + READ_KEYS;
  process.stdout.write([
    '# Background work and foreground latency', '',
    `${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; `
      + `Cairn --workers ${WORKERS}, ${DRIVES} drives (directories under ${RUN.root.slice(0, RUN.root.lastIndexOf('/'))}); `
      + `${preloadCount.toLocaleString('en-US')} objects preloaded (${(preloadBytes / BYTES_PER_MB).toFixed(0)} MB); `
      + `foreground: GET ×${GET_CONNECTIONS} of ${READ_KEYS} preloaded and PUT ×${PUT_CONNECTIONS} overwriting ${WRITE_KEYS} keys, `
      + `${FOREGROUND_OBJECT_SIZE_BYTES / KIB} KiB, closed loop, at the same time, ${PHASE_MS / MS_PER_SECOND} s per phase `
      + `(heal: as long as it runs, ≤ ${HEAL_PHASE_MS_MAX / MS_PER_SECOND} s)`, '',
    '## Foreground latency while background work runs', '', ...renderPhases(rows), '',
    '## Audit speed against the disk', '', ...renderAuditSpeed(speed), '',
    `(the whole run: ${((performance.now() - startedMs) / MS_PER_SECOND).toFixed(0)} s)`, '',
  ].join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
