// The table of issue #20, rendered from one run's cells: each target cell of Cairn's default
// configuration with its ratio to s3rver and to nginx (the machine's HTTP floor), the latency
// targets at half load, the per-class latencies on a set of drives, and the worker-count check.
import { HALF_LOAD_SIZE_BYTES, type CellResult } from './cells.js';
import { EXPRESS_P99_GOAL_MS } from './classes.js';
import { formatMs, formatRate, markdownTable, HALF_LOAD_P99_GOAL_MS } from './report.js';
import type { TargetId } from './targets/target.js';
import type { Operation } from './workloads.js';

const KIB = 1024;
const MIB = 1024 * KIB;
/** LIST pages/s of the run the issue's "today" refers to (the last full run before this work). */
export const LIST_BASELINE_PAGES_PER_SECOND = 431;
const LIST_GOAL_FACTOR = 1.5;

interface RatioTarget {
  label: string;
  op: Operation;
  sizeBytes: number;
  /** Which peer the target is a ratio to, and the minimum. */
  peer: 's3rver' | 'nginx';
  minimum: number;
}

const RATIO_TARGETS: readonly RatioTarget[] = [
  { label: '4 KiB PUT', op: 'PUT', sizeBytes: 4 * KIB, peer: 'nginx', minimum: 0.5 },
  { label: '4 KiB GET', op: 'GET', sizeBytes: 4 * KIB, peer: 'nginx', minimum: 0.35 },
  { label: '4 KiB HEAD', op: 'HEAD', sizeBytes: 4 * KIB, peer: 'nginx', minimum: 0.3 },
  { label: '1 MiB PUT', op: 'PUT', sizeBytes: MIB, peer: 's3rver', minimum: 1.2 },
  { label: '1 MiB GET', op: 'GET', sizeBytes: MIB, peer: 'nginx', minimum: 0.8 },
  { label: '64 MiB PUT', op: 'PUT', sizeBytes: 64 * MIB, peer: 's3rver', minimum: 1.2 },
  { label: '64 MiB GET', op: 'GET', sizeBytes: 64 * MIB, peer: 'nginx', minimum: 0.8 },
];

const mark = (met: boolean): string => (met ? '✓' : '✗');

function find(cells: CellResult[], id: TargetId, op: Operation, sizeBytes: number): CellResult | undefined {
  return cells.find((cell) => cell.targetId === id && cell.op === op && cell.sizeBytes === sizeBytes && cell.mode === 'max-rate' && cell.storageClass === undefined);
}

function rateText(cell: CellResult | undefined): string {
  if (cell === undefined) return '–';
  return cell.megabytesPerSecond !== null && cell.sizeBytes >= MIB ? `${formatRate(cell.megabytesPerSecond)} MB/s` : `${formatRate(cell.opsPerSecond)}/s`;
}

function ratio(cell: CellResult | undefined, peer: CellResult | undefined): number | undefined {
  return cell === undefined || peer === undefined || !(peer.opsPerSecond > 0) ? undefined : cell.opsPerSecond / peer.opsPerSecond;
}

const ratioText = (value: number | undefined): string => (value === undefined ? '–' : `${value.toFixed(2)}×`);

function ratioRows(cells: CellResult[]): string[][] {
  return RATIO_TARGETS.map((target) => {
    const cairn = find(cells, 'cairn', target.op, target.sizeBytes);
    const toS3rver = ratio(cairn, find(cells, 's3rver', target.op, target.sizeBytes));
    const toNginx = ratio(cairn, find(cells, 'nginx', target.op, target.sizeBytes));
    const measured = target.peer === 's3rver' ? toS3rver : toNginx;
    const goal = `${target.minimum}× ${target.peer}`;
    return [target.label, rateText(cairn), ratioText(toS3rver), ratioText(toNginx), measured === undefined ? `– ≥ ${goal} (not measured)` : `${mark(measured >= target.minimum)} ≥ ${goal}`];
  });
}

function listRow(cells: CellResult[]): string[] {
  const cairn = cells.find((cell) => cell.targetId === 'cairn' && cell.op === 'LIST');
  const goal = LIST_BASELINE_PAGES_PER_SECOND * LIST_GOAL_FACTOR;
  const toS3rver = ratio(cairn, cells.find((cell) => cell.targetId === 's3rver' && cell.op === 'LIST'));
  return ['LIST (1,000 keys)', cairn === undefined ? '–' : `${formatRate(cairn.opsPerSecond)} pages/s`, ratioText(toS3rver), '–',
    cairn === undefined ? '–' : `${mark(cairn.opsPerSecond >= goal)} ≥ ${LIST_GOAL_FACTOR}× ${LIST_BASELINE_PAGES_PER_SECOND} pages/s`];
}

function latencyRows(cells: CellResult[]): string[][] {
  const halfLoad = cells.filter((cell) => cell.mode === 'half-load' && cell.sizeBytes === HALF_LOAD_SIZE_BYTES && cell.targetId === 'cairn');
  return halfLoad.map((cell) => {
    const goalMs = cell.storageClass === 'EXPRESS_ONEZONE' ? EXPRESS_P99_GOAL_MS : HALF_LOAD_P99_GOAL_MS;
    const where = cell.storageClass === undefined ? '' : ` ${cell.storageClass}`;
    return [`4 KiB ${cell.op} p99 at half load${where}`, `${formatMs(cell.latencyMs.p99)} ms (p50 ${formatMs(cell.latencyMs.p50)}, p999 ${formatMs(cell.latencyMs.p999)})`, '', '',
      `${mark(cell.latencyMs.p99 <= goalMs)} ≤ ${goalMs} ms`];
  });
}

/** The default (w2) against one worker: "never slower than any other worker count". */
function workerRows(cells: CellResult[]): string[][] {
  const rows: string[][] = [];
  for (const [op, sizeBytes] of [['PUT', 4 * KIB], ['GET', 4 * KIB], ['HEAD', 4 * KIB], ['PUT', 64 * KIB], ['GET', 64 * KIB]] as const) {
    const defaultCell = find(cells, 'cairn', op, sizeBytes);
    const oneWorker = find(cells, 'cairn-w1', op, sizeBytes);
    const value = ratio(defaultCell, oneWorker);
    if (value === undefined) continue;
    rows.push([`${sizeBytes / KIB} KiB ${op}: default ÷ 1 worker`, ratioText(value), '', '', `${mark(value >= 1)} ≥ 1×`]);
  }
  return rows;
}

/**
 * The Node floor beside nginx and Cairn for 4 KiB objects: how much of nginx's rate node:http
 * itself keeps on this machine, and how much of that Cairn keeps while doing S3's work.
 */
function nodeFloorLines(cells: CellResult[]): string[] {
  const rows = (['PUT', 'GET', 'HEAD'] as const).flatMap((op) => {
    const floor = find(cells, 'node', op, 4 * KIB);
    if (floor === undefined) return [];
    const cairn = find(cells, 'cairn', op, 4 * KIB);
    return [[`4 KiB ${op}`, rateText(floor), ratioText(ratio(floor, find(cells, 'nginx', op, 4 * KIB))), ratioText(ratio(cairn, floor))]];
  });
  if (rows.length === 0) return [];
  return ['', '### The Node floor (node:http doing nginx\'s WebDAV work, same workers as Cairn)', '',
    ...markdownTable(['cell', 'Node floor', 'Node floor ÷ nginx', 'Cairn (default) ÷ Node floor'], rows)];
}

export function issueTargetLines(cells: CellResult[]): string[] {
  const rows = [...ratioRows(cells), listRow(cells), ...latencyRows(cells), ...workerRows(cells)];
  return ['', '### Issue #20 targets (this run)', '', ...markdownTable(['cell', 'Cairn (default)', 'ratio to s3rver', 'ratio to nginx', 'target'], rows),
    ...nodeFloorLines(cells)];
}

/** Per class on a set of drives: maximum rate and latency, then latency at half that rate. */
export function classLines(cells: CellResult[]): string[] {
  const classCells = cells.filter((cell) => cell.storageClass !== undefined);
  if (classCells.length === 0) return [];
  const rows = classCells.map((cell) => [
    cell.targetLabel, `4 KiB ${cell.op}`, cell.mode === 'half-load' ? `half: ${formatRate(cell.requestedRatePerSecond ?? Number.NaN)}/s asked` : 'max',
    `${formatRate(cell.opsPerSecond)}/s`, formatMs(cell.latencyMs.p50), formatMs(cell.latencyMs.p99), formatMs(cell.latencyMs.p999),
  ]);
  return ['', `### Latency per storage class on a set of drives (${classCells[0]!.connections} connections at max; open loop at half)`, '',
    ...markdownTable(['server and class', 'cell', 'load', 'achieved', 'p50 ms', 'p99 ms', 'p999 ms'], rows)];
}
