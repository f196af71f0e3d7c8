// `npm run bench`: Cairn (on SQLite, and on PostgreSQL) beside s3rver and nginx (WebDAV), same
// client, same objects, same machine. Prints one table per object size plus LIST and latency at half
// load, and saves every number to bench/results/latest.json (and the tables to latest.md).
// `--cluster` runs the cluster mode (cluster.ts) instead, saved as bench/results/cluster.json / .md.
//
//   npm run bench [-- --seconds N | --quick | --only cairn,cairn-pg,s3rver,nginx | --cluster | --postgres-url URL | --no-micro]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBJECT_SIZES, measureList, measureSize, type CellResult, type CellTiming, type ObjectSize } from './cells.js';
import { formatMs, formatRate, rateSpread, renderReport } from './report.js';
import { TIMELINE_BUCKET_MS } from './load.js';
import { describeMachine, loadAverageText } from './machine.js';
import { measureCluster } from './cluster.js';
import { clusterLines } from './cluster-report.js';
import { PostgresUnreachableError } from './postgres-database.js';
import { everyRequestAnswered2xx, failureCount, type SkippedTarget } from './smoke-check.js';
import { startCairnOnPostgres } from './targets/cairn-postgres.js';
import { measureClasses, MEASURED_CLASSES } from './classes.js';
import { classLines, issueTargetLines } from './issue-targets.js';
import { parseOptions, type BenchOptions } from './options.js';
import { DIST_BENCH_DIRECTORY, REPO_ROOT, RESULTS_DIRECTORY } from './paths.js';
import { cairnSupportsWorkers, startCairn } from './targets/cairn.js';
import { NGINX_INSTALL_HINT, findNginx, startNginx } from './targets/nginx.js';
import { startNodeFloor } from './targets/node-floor.js';
import { startS3rver } from './targets/s3rver.js';
import type { Target, TargetId } from './targets/target.js';

/** The whole default run, build included, is meant to fit in this. */
const RUN_BUDGET_MS = 5 * 60_000;
/** `npm run build` before this process starts; measured ~15 s on the 2-core machine. */
const BUILD_ALLOWANCE_MS = 20_000;
const SERVER_START_ESTIMATE_MS = 1_500;
const LIST_POPULATE_ESTIMATE_MS = 6_000;
const CRC_BENCH_ESTIMATE_MS = 10_000;
const CRC_BENCH_TIMEOUT_MS = 60_000;
const CAIRN_DEFAULT_WORKERS = 2;
/** --quick on PostgreSQL: one small and one large size; the 10,000 PUTs that fill the LIST prefix would double the smoke test. */
const QUICK_POSTGRES_SIZES_BYTES = [4 * 1024, 1024 * 1024];
/** The Node floor measures small objects only: where the per-request cost, not bytes, sets the rate. */
const NODE_FLOOR_SIZE_BYTES = 4 * 1024;
const MS_PER_SECOND = 1000;

interface TargetPlan {
  id: TargetId;
  label: string;
  start: () => Promise<Target>;
  sizes: readonly ObjectSize[];
  halfLoad: boolean;
  list: boolean;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function clientDescription(): string {
  return `undici ${packageVersion('undici')} Pool (dispatch API, keep-alive), one Node process on the same cores as the server; `
    + 'SigV4 header signing with x-amz-content-sha256: UNSIGNED-PAYLOAD (the client does not hash bodies)';
}

function elapsedSince(startMs: number): number {
  return performance.now() - startMs;
}

function planTargets(options: BenchOptions, skipped: SkippedTarget[]): { plans: TargetPlan[]; notes: string[] } {
  const plans: TargetPlan[] = [];
  const notes: string[] = [];
  if (options.families.includes('cairn')) {
    const smallSizes = OBJECT_SIZES.filter((size) => size.small);
    if (cairnSupportsWorkers()) {
      plans.push({ id: 'cairn-w1', label: 'Cairn w1', start: () => startCairn('cairn-w1', 'Cairn w1', 1), sizes: smallSizes, halfLoad: false, list: false });
      plans.push({
        id: 'cairn', label: `Cairn w${CAIRN_DEFAULT_WORKERS}`, start: () => startCairn('cairn', `Cairn w${CAIRN_DEFAULT_WORKERS}`, CAIRN_DEFAULT_WORKERS),
        sizes: OBJECT_SIZES, halfLoad: true, list: true,
      });
    } else {
      notes.push('this build of cairn has no --workers flag: one Cairn column, started without it');
      plans.push({ id: 'cairn', label: 'Cairn', start: () => startCairn('cairn', 'Cairn', undefined), sizes: OBJECT_SIZES, halfLoad: true, list: true });
    }
  }
  if (options.families.includes('cairn-pg')) {
    const workers = cairnSupportsWorkers() ? CAIRN_DEFAULT_WORKERS : undefined;
    plans.push({
      id: 'cairn-pg', label: `Cairn${workers === undefined ? '' : ` w${workers}`} PostgreSQL`, start: () => startCairnOnPostgres(options.postgresAdminUrl, workers),
      sizes: options.quick ? OBJECT_SIZES.filter((size) => QUICK_POSTGRES_SIZES_BYTES.includes(size.sizeBytes)) : OBJECT_SIZES,
      halfLoad: false, list: !options.quick,
    });
  }
  if (options.families.includes('s3rver')) {
    plans.push({ id: 's3rver', label: 's3rver', start: startS3rver, sizes: OBJECT_SIZES, halfLoad: false, list: true });
  }
  if (options.families.includes('nginx')) {
    const nginx = findNginx();
    if (nginx === undefined) {
      notes.push(NGINX_INSTALL_HINT);
      skipped.push({ id: 'nginx', reason: NGINX_INSTALL_HINT });
    } else {
      notes.push(`nginx ${nginx.version} (${nginx.path}), WebDAV PUT/DELETE, 2 worker processes, no auth`);
      plans.push({ id: 'nginx', label: 'nginx', start: () => startNginx(nginx), sizes: OBJECT_SIZES, halfLoad: false, list: false });
    }
  }
  if (options.families.includes('node')) {
    notes.push(`Node floor: node:http with ${CAIRN_DEFAULT_WORKERS} workers doing nginx's WebDAV work (4 KiB objects only), no S3`);
    plans.push({
      id: 'node', label: 'Node floor', start: () => startNodeFloor(CAIRN_DEFAULT_WORKERS),
      sizes: OBJECT_SIZES.filter((size) => size.sizeBytes === NODE_FLOOR_SIZE_BYTES), halfLoad: false, list: false,
    });
  }
  return { plans, notes };
}

function estimateMs(plans: TargetPlan[], timing: CellTiming): number {
  const warmCellMs = timing.warmUpMs + timing.durationMs;
  let totalMs = 0;
  for (const plan of plans) {
    totalMs += SERVER_START_ESTIMATE_MS;
    // PUT, GET, HEAD warm up; DELETE does not.
    totalMs += plan.sizes.length * (3 * warmCellMs + timing.durationMs);
    if (plan.halfLoad) totalMs += 2 * timing.durationMs;
    if (plan.list) totalMs += LIST_POPULATE_ESTIMATE_MS + warmCellMs;
  }
  // Per class on a set of drives: PUT and GET flat out (with warm-up), then each at half load.
  if (plans.some((plan) => plan.id === 'cairn')) totalMs += SERVER_START_ESTIMATE_MS + MEASURED_CLASSES.length * (2 * warmCellMs + 2 * timing.durationMs);
  return totalMs;
}

function progressLine(cell: CellResult): string {
  const failures = failureCount(cell);
  const what = `${cell.targetLabel.padEnd(12)} ${cell.sizeLabel.padEnd(6)} ${cell.op.padEnd(6)}${cell.mode === 'half-load' ? ' @half' : '      '}`;
  const rate = `${formatRate(cell.opsPerSecond).padStart(8)} ${cell.op === 'LIST' ? 'pages/s' : 'ops/s'}`;
  const throughput = cell.megabytesPerSecond === null ? '' : ` ${formatRate(cell.megabytesPerSecond).padStart(7)} MB/s`;
  const latency = `p50 ${formatMs(cell.latencyMs.p50)} p99 ${formatMs(cell.latencyMs.p99)} p999 ${formatMs(cell.latencyMs.p999)} ms`;
  const extra = [
    failures > 0 ? `${failures} failed` : '',
    cell.keysExhausted ? `keys ran out at ${(cell.durationMs / MS_PER_SECOND).toFixed(2)} s` : '',
    spreadText(cell),
    `client ${cell.clientCpuCores.toFixed(2)} cores`,
  ].filter((part) => part !== '').join(', ');
  return `  ${what} ${rate}${throughput}  ${latency}  (${extra})`;
}

function spreadText(cell: CellResult): string {
  const spread = rateSpread(cell);
  return spread === undefined ? '' : `per ${TIMELINE_BUCKET_MS / MS_PER_SECOND} s ${formatRate(spread.minPerSecond)}–${formatRate(spread.maxPerSecond)}/s`;
}

function runCrcMicroBenchmark(): string | undefined {
  try {
    return execFileSync(process.execPath, [join(DIST_BENCH_DIRECTORY, 'crc64nvme-bench.js')], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: CRC_BENCH_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'inherit'],
    });
  } catch (error) {
    return `crc64nvme-bench failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Every size of the plan, then LIST; a size that throws is reported and the next one runs. */
async function measureTarget(plan: TargetPlan, target: Target, timing: CellTiming, sink: (cell: CellResult) => void,
  abort: (what: string, error: unknown) => void): Promise<void> {
  for (const size of plan.sizes) {
    try {
      await measureSize(target, size, timing, plan.halfLoad && size === OBJECT_SIZES[0], sink);
    } catch (error) {
      abort(size.label, error);
    }
  }
  if (!plan.list || !target.supportsList) return;
  try {
    await measureList(target, timing, sink);
  } catch (error) {
    abort('LIST', error);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startMs = performance.now();
  const startedAt = new Date().toISOString();
  const timing: CellTiming = { warmUpMs: options.warmUpSeconds * MS_PER_SECOND, durationMs: options.cellSeconds * MS_PER_SECOND };
  const machine = describeMachine();
  const client = clientDescription();
  const say = (...lines: string[]): void => { for (const line of lines) process.stdout.write(`${line}\n`); };
  say(`Cairn benchmark — ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; load average ${loadAverageText()}`);
  say(`client: ${client}`);
  if (options.cluster) {
    await runClusterMode(options, timing, say);
    return;
  }
  const skipped: SkippedTarget[] = [];
  const { plans, notes } = planTargets(options, skipped);
  say(`cells: ${options.warmUpSeconds} s warm-up (none for DELETE) + ${options.cellSeconds} s measured; s3rver ${packageVersion('s3rver')}`);
  for (const note of notes) say(`note: ${note}`);
  say(`planned: ${plans.map((plan) => plan.label).join(', ')} — about ${Math.round(estimateMs(plans, timing) / MS_PER_SECOND)} s`);

  const cells: CellResult[] = [];
  /** Sizes (and LIST) that threw before their cells were complete. */
  const aborted: string[] = [];
  const sink = (cell: CellResult): void => {
    cells.push(cell);
    say(progressLine(cell));
  };
  for (const plan of plans) {
    const target = await startOrSkip(plan, skipped, say);
    if (target === undefined) continue;
    try {
      await measureTarget(plan, target, timing, sink, (what, error) => {
        aborted.push(`${plan.label} ${what}`);
        say(`  ${plan.label} ${what}: aborted: ${error instanceof Error ? error.stack : String(error)}`);
      });
    } finally {
      await target.stop();
    }
  }

  if (options.families.includes('cairn')) await measureClassesOrNote(timing, sink, aborted, say);
  const reportLines = [...classLines(cells), ...issueTargetLines(cells), '', ...renderReport(cells)];
  say('');
  for (const line of reportLines) say(line);

  let crcOutput: string | undefined;
  const crcAllowed = options.microBenchmarks && BUILD_ALLOWANCE_MS + elapsedSince(startMs) + CRC_BENCH_ESTIMATE_MS < RUN_BUDGET_MS;
  if (crcAllowed) {
    say('', '### CRC64NVME micro-benchmark (dist/bench/crc64nvme-bench.js)', '');
    crcOutput = runCrcMicroBenchmark();
    if (crcOutput !== undefined) say(crcOutput.trimEnd());
  } else if (options.microBenchmarks) {
    say('', 'crc64nvme micro-benchmark skipped to stay within the time budget: npm run bench:crc');
  }

  const elapsedMs = elapsedSince(startMs);
  if (options.save) {
    saveResults('latest', {
      startedAt, elapsedMs, machine, loadAverageAtEnd: loadAverageText(), client, options, timing, notes, skipped,
      versions: { s3rver: packageVersion('s3rver'), undici: packageVersion('undici') },
      cells, microBenchmarks: crcOutput === undefined ? {} : { crc64nvme: crcOutput },
    }, reportLines);
  }
  say('');
  say(`${options.save ? 'saved bench/results/latest.json and latest.md; ' : ''}elapsed ${(elapsedMs / MS_PER_SECOND).toFixed(1)} s (plus the build)`);
  if (options.requireAll2xx && !everyRequestAnswered2xx(cells, aborted, skipped, say)) process.exitCode = 1;
}

/** The plan's server, or undefined (noted in `skipped`) when it could not start — or needs PostgreSQL, which is not reachable. */
async function startOrSkip(plan: TargetPlan, skipped: SkippedTarget[], say: (line: string) => void): Promise<Target | undefined> {
  try {
    const target = await plan.start();
    say(`${plan.label}: ${target.origin}`);
    return target;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const unavailable = error instanceof PostgresUnreachableError;
    say(unavailable ? `${plan.label}: skipped: ${reason}` : `${plan.label}: failed to start, skipped: ${reason}`);
    skipped.push({ id: plan.id, reason, unavailable });
    return undefined;
  }
}

/** The per-class cells on a set of drives; a failure is reported as aborted (and fails --quick). */
async function measureClassesOrNote(timing: CellTiming, sink: (cell: CellResult) => void, aborted: string[], say: (line: string) => void): Promise<void> {
  try {
    await measureClasses(cairnSupportsWorkers() ? CAIRN_DEFAULT_WORKERS : undefined, timing, sink);
  } catch (error) {
    aborted.push('per-class latency');
    say(`  per-class latency: aborted: ${error instanceof Error ? error.stack : String(error)}`);
  }
}

function saveResults(name: 'latest' | 'cluster', results: object, reportLines: string[]): void {
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  writeFileSync(join(RESULTS_DIRECTORY, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIRECTORY, `${name}.md`), `${reportLines.join('\n')}\n`);
}

/** `--cluster`: 1, 2, 3 front ends on PostgreSQL and drive servers (cluster.ts); skipped with a line when PostgreSQL is not reachable. */
async function runClusterMode(options: BenchOptions, timing: CellTiming, say: (...lines: string[]) => void): Promise<void> {
  const startMs = performance.now();
  const startedAt = new Date().toISOString();
  say(`cluster mode: ${options.warmUpSeconds} s warm-up + ${options.cellSeconds} s measured per cell`);
  const cells: CellResult[] = [];
  const aborted: string[] = [];
  const sink = (cell: CellResult): void => {
    cells.push(cell);
    say(progressLine(cell));
  };
  let context;
  try {
    context = await measureCluster(options.postgresAdminUrl, timing, sink, (what, error) => {
      aborted.push(`cluster ${what}`);
      say(`  cluster ${what}: aborted: ${error instanceof Error ? error.stack : String(error)}`);
    }, say);
  } catch (error) {
    if (!(error instanceof PostgresUnreachableError)) throw error;
    say(`cluster mode skipped: ${error.message}`);
    return;
  }
  const reportLines = clusterLines(cells, context);
  say('', ...reportLines);
  const elapsedMs = elapsedSince(startMs);
  if (options.save) saveResults('cluster', { startedAt, elapsedMs, machine: describeMachine(), loadAverageAtEnd: loadAverageText(), options, timing, context, cells }, reportLines);
  say('', `${options.save ? 'saved bench/results/cluster.json and cluster.md; ' : ''}elapsed ${(elapsedMs / MS_PER_SECOND).toFixed(1)} s (plus the build)`);
  if (options.requireAll2xx && !everyRequestAnswered2xx(cells, aborted, [], say)) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
