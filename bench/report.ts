// Turns the measured cells into Markdown tables (printed, and pasted into docs/performance.md):
// one table per object size, one for LIST, one for latency at half load, then every cell that saw
// non-2xx answers or transport errors.
import { HALF_LOAD_SIZE_BYTES, OBJECT_SIZES, EXPECTED_KEYS_PER_PAGE, type CellResult } from './cells.js';
import { TIMELINE_BUCKET_MS } from './load.js';
import type { TargetId } from './targets/target.js';
import type { Operation } from './workloads.js';

const MIB = 1024 * 1024;
const BYTES_PER_MB = 1e6;
/** Ratios and check marks compare this Cairn column (the default configuration) with the peers. */
export const REFERENCE_TARGET: TargetId = 'cairn';
const COLUMN_ORDER: readonly TargetId[] = ['cairn-w1', 'cairn', 'cairn-pg', 's3rver', 'nginx', 'node'];
/** The same Cairn configuration with its index in PostgreSQL: the SQLite ÷ PostgreSQL column compares it with REFERENCE_TARGET. */
const POSTGRES_TARGET: TargetId = 'cairn-pg';
const OBJECT_OPERATIONS: readonly Operation[] = ['PUT', 'GET', 'HEAD', 'DELETE'];
export const HALF_LOAD_P99_GOAL_MS = 10;
/** A single-threaded client at this much CPU may be what limits the rate. */
export const CLIENT_BOUND_CORES = 0.9;
/** A cell whose rate per timeline bucket varied more than this (max / min) is called unsteady. */
const UNSTEADY_RATE_RATIO = 2;
/** Below this many answers per bucket the per-bucket rate is mostly quantisation noise (64 MiB cells). */
const STEADINESS_MIN_OPS_PER_BUCKET = 20;
const STEADINESS_MIN_FULL_BUCKETS = 3;
const FAILURE_SAMPLE_CHARS = 300;

interface Goal {
  op: Operation;
  appliesTo: (sizeBytes: number) => boolean;
  /** The measured value the goal is about, from the reference cell. */
  measure: (cell: CellResult) => number | null;
  minimum: number;
  label: string;
}

const GOALS: readonly Goal[] = [
  { op: 'PUT', appliesTo: (size) => size === 4 * 1024, measure: (cell) => cell.opsPerSecond, minimum: 3_500, label: '≥ 3,500/s' },
  { op: 'GET', appliesTo: (size) => size === 4 * 1024, measure: (cell) => cell.opsPerSecond, minimum: 5_500, label: '≥ 5,500/s' },
  { op: 'PUT', appliesTo: (size) => size >= MIB, measure: (cell) => cell.megabytesPerSecond, minimum: (250 * MIB) / BYTES_PER_MB, label: '≥ 250 MiB/s (262 MB/s)' },
  { op: 'GET', appliesTo: (size) => size >= MIB, measure: (cell) => cell.megabytesPerSecond, minimum: 1_000, label: '≥ 1,000 MB/s' },
  { op: 'LIST', appliesTo: () => true, measure: (cell) => cell.opsPerSecond, minimum: 500, label: '≥ 500 pages/s' },
];

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function countOf(record: Record<string, number>): number {
  return Object.values(record).reduce((total, count) => total + count, 0);
}

/** The lowest and highest rate over the full timeline buckets, when there are enough to judge. */
export function rateSpread(cell: CellResult): { minPerSecond: number; maxPerSecond: number } | undefined {
  const full = cell.timelineOpsPerSecond.slice(0, -1);
  if (full.length < STEADINESS_MIN_FULL_BUCKETS) return undefined;
  const bucketsPerSecond = 1000 / TIMELINE_BUCKET_MS;
  if (Math.min(...full) / bucketsPerSecond < STEADINESS_MIN_OPS_PER_BUCKET && Math.max(...full) / bucketsPerSecond < STEADINESS_MIN_OPS_PER_BUCKET) return undefined;
  return { minPerSecond: Math.min(...full), maxPerSecond: Math.max(...full) };
}

function isUnsteady(cell: CellResult): boolean {
  const spread = rateSpread(cell);
  return spread !== undefined && spread.maxPerSecond > UNSTEADY_RATE_RATIO * spread.minPerSecond;
}

function cellText(cell: CellResult | undefined, unit: string): string {
  if (cell === undefined) return '–';
  const parts = [`${formatRate(cell.opsPerSecond)}${unit}`];
  if (cell.megabytesPerSecond !== null) parts.push(`${formatRate(cell.megabytesPerSecond)} MB/s`);
  const latency = cell.latencyMs;
  parts.push(`${formatMs(latency.p50)} / ${formatMs(latency.p99)} / ${formatMs(latency.p999)} ms`);
  let text = parts.join(' · ');
  const failures = countOf(cell.non2xx) + countOf(cell.transportErrors);
  if (failures > 0) text += ` ⚠ ${failures.toLocaleString('en-US')} failed`;
  if (cell.keysExhausted) text += ' †';
  if (cell.clientCpuCores >= CLIENT_BOUND_CORES) text += ' ‡';
  if (isUnsteady(cell)) text += ' ~';
  return text;
}

function ratioText(numerator: CellResult | undefined, denominator: CellResult | undefined): string {
  if (numerator === undefined || denominator === undefined || !(denominator.opsPerSecond > 0)) return '–';
  return `${(numerator.opsPerSecond / denominator.opsPerSecond).toFixed(2)}×`;
}

function goalText(op: Operation, sizeBytes: number, reference: CellResult | undefined): string {
  const goal = GOALS.find((candidate) => candidate.op === op && candidate.appliesTo(sizeBytes));
  if (goal === undefined) return '';
  const value = reference === undefined ? null : goal.measure(reference);
  if (value === null) return `– ${goal.label}`;
  return `${value >= goal.minimum ? '✓' : '✗'} ${goal.label}`;
}

export function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)];
}

function columnsPresent(cells: CellResult[]): Array<{ id: TargetId; label: string }> {
  return COLUMN_ORDER.flatMap((id) => {
    const cell = cells.find((candidate) => candidate.targetId === id);
    return cell === undefined ? [] : [{ id, label: cell.targetLabel }];
  });
}

function comparisonTable(cells: CellResult[], operations: readonly Operation[], sizeBytes: number, unit: string): string[] {
  const columns = columnsPresent(cells);
  const find = (id: TargetId, op: Operation): CellResult | undefined => cells.find((cell) => cell.targetId === id && cell.op === op);
  const peers = columns.filter((column) => column.id === 's3rver' || column.id === 'nginx' || column.id === 'node');
  const engines = columns.some((column) => column.id === REFERENCE_TARGET) && columns.some((column) => column.id === POSTGRES_TARGET);
  const header = ['op', ...columns.map((column) => column.label), ...(engines ? ['SQLite/PostgreSQL'] : []), ...peers.map((peer) => `Cairn/${peer.id}`), 'target (Cairn)'];
  const rows = operations
    .filter((op) => cells.some((cell) => cell.op === op))
    .map((op) => [
      op,
      ...columns.map((column) => cellText(find(column.id, op), unit)),
      ...(engines ? [ratioText(find(REFERENCE_TARGET, op), find(POSTGRES_TARGET, op))] : []),
      ...peers.map((peer) => ratioText(find(REFERENCE_TARGET, op), find(peer.id, op))),
      goalText(op, sizeBytes, find(REFERENCE_TARGET, op)),
    ]);
  return markdownTable(header, rows);
}

function halfLoadTable(cells: CellResult[]): string[] {
  const rows = cells.map((cell) => {
    const latency = cell.latencyMs;
    const sent = cell.sendLatencyMs;
    return [
      `${cell.sizeLabel} ${cell.op}`, cell.targetLabel,
      `${formatRate(cell.requestedRatePerSecond ?? Number.NaN)}/s`, `${formatRate(cell.opsPerSecond)}/s`,
      formatMs(latency.p50), formatMs(latency.p99), formatMs(latency.p999),
      sent === undefined ? '–' : `${formatMs(sent.p50)} / ${formatMs(sent.p99)}`,
      `${latency.p99 <= HALF_LOAD_P99_GOAL_MS ? '✓' : '✗'} p99 ≤ ${HALF_LOAD_P99_GOAL_MS} ms`,
    ];
  });
  return markdownTable(['cell', 'server', 'asked', 'achieved', 'p50 ms', 'p99 ms', 'p999 ms', 'from send p50 / p99 ms', 'target'], rows);
}

export function failureLines(cells: CellResult[]): string[] {
  const lines: string[] = [];
  for (const cell of cells) {
    const failures = { ...cell.non2xx, ...Object.fromEntries(Object.entries(cell.transportErrors).map(([name, count]) => [`error ${name}`, count])) };
    if (Object.keys(failures).length === 0) continue;
    const detail = Object.entries(failures).map(([what, count]) => `${what} × ${count.toLocaleString('en-US')}`).join(', ');
    lines.push(`- ${cell.targetLabel} ${cell.sizeLabel} ${cell.op}${cell.mode === 'half-load' ? ' (half load)' : ''}: ${detail} of ${cell.completedOps.toLocaleString('en-US')} requests`);
    for (const [what, sample] of Object.entries(cell.failureSamples)) lines.push(`  - first ${what}: \`${sample.slice(0, FAILURE_SAMPLE_CHARS)}\``);
  }
  return lines;
}

export function renderReport(allCells: CellResult[]): string[] {
  const lines: string[] = [];
  // Per-class cells (on a set of drives) have tables of their own (issue-targets.ts, added by run.ts).
  const cells = allCells.filter((cell) => cell.storageClass === undefined);
  const maxRate = cells.filter((cell) => cell.mode === 'max-rate');
  lines.push('Each cell: ops/s · MB/s · latency p50 / p99 / p999 ms (2xx answers only in the rates; every answer in the latencies).');
  lines.push('Marks: ⚠ failed requests · † ran out of keys before the time was up · ‡ the client was CPU-bound · ~ unsteady rate (see Notes).');
  lines.push(`Ratios and targets compare the default Cairn (${cells.find((cell) => cell.targetId === REFERENCE_TARGET)?.targetLabel ?? 'Cairn'}) with each peer (ops/s; equal to the MB/s ratio);`
    + ' SQLite/PostgreSQL is that Cairn on SQLite over the same on PostgreSQL (one front end, same workers; above 1× SQLite is faster).');
  for (const size of OBJECT_SIZES) {
    const sizeCells = maxRate.filter((cell) => cell.op !== 'LIST' && cell.sizeBytes === size.sizeBytes);
    if (sizeCells.length === 0) continue;
    lines.push('', `### ${size.label} objects, ${size.connections} connections`, '');
    lines.push(...comparisonTable(sizeCells, OBJECT_OPERATIONS, size.sizeBytes, '/s'));
  }
  const listCells = maxRate.filter((cell) => cell.op === 'LIST');
  if (listCells.length > 0) {
    const connections = listCells[0]!.connections;
    lines.push('', `### LIST: ListObjectsV2 pages of ${EXPECTED_KEYS_PER_PAGE.toLocaleString('en-US')} keys over a prefix of 10,000 keys, ${connections} connections`, '');
    lines.push(...comparisonTable(listCells, ['LIST'], 0, ' pages/s'));
    for (const cell of listCells) {
      if (cell.list !== undefined && Math.abs(cell.list.keysPerPage - EXPECTED_KEYS_PER_PAGE) > 0.5) {
        lines.push(`- ${cell.targetLabel}: ${cell.list.keysPerPage.toFixed(0)} keys per page on average, ${cell.list.shortPages} short pages`);
      }
    }
  }
  const halfLoad = cells.filter((cell) => cell.mode === 'half-load' && cell.sizeBytes === HALF_LOAD_SIZE_BYTES);
  if (halfLoad.length > 0) {
    lines.push('', `### Latency at half load (open loop at half the maximum rate measured above)`, '');
    lines.push(...halfLoadTable(halfLoad));
  }
  const failures = failureLines(allCells);
  const exhausted = cells.filter((cell) => cell.keysExhausted);
  const clientBound = allCells.filter((cell) => cell.clientCpuCores >= CLIENT_BOUND_CORES);
  const unsteady = allCells.filter(isUnsteady);
  lines.push('', '### Notes', '');
  lines.push('- Same client for every server: one Node process on the same cores as the server; '
    + 'SigV4 header auth with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so the client never hashes a body (nginx: no auth).');
  if (clientBound.length > 0) {
    lines.push(`- ‡ the client used ≥ ${CLIENT_BOUND_CORES} of a core (all it has): it, not the server, may set the rate: ${clientBound
      .map((cell) => `${cell.targetLabel} ${cell.sizeLabel} ${cell.op} (${cell.clientCpuCores.toFixed(2)})`).join(', ')}`);
  }
  if (unsteady.length > 0) {
    lines.push(`- ~ the rate per ${TIMELINE_BUCKET_MS / 1000} s varied more than ${UNSTEADY_RATE_RATIO}× within the cell: ${unsteady
      .map((cell) => {
        const spread = rateSpread(cell)!;
        return `${cell.targetLabel} ${cell.sizeLabel} ${cell.op}${cell.mode === 'half-load' ? ' (half load)' : ''} ${formatRate(spread.minPerSecond)}–${formatRate(spread.maxPerSecond)}/s`;
      }).join('; ')}`);
  }
  if (failures.length > 0) lines.push('- Failed requests (non-2xx answers and transport errors):', ...failures.map((line) => `  ${line}`));
  else lines.push('- Every request of every cell was answered 2xx.');
  if (exhausted.length > 0) {
    lines.push(`- † the cell ran out of keys written by PUT before its time was up (its duration is shorter): ${exhausted
      .map((cell) => `${cell.targetLabel} ${cell.sizeLabel} ${cell.op} after ${(cell.durationMs / 1000).toFixed(2)} s`).join('; ')}`);
  }
  return lines;
}
