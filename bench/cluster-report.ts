// The cluster mode's table: per cell (4 KiB and 1 MiB PUT and GET) the rate, throughput and
// latency with 1, 2 and 3 front ends, and each count's ratio to one front end — with the plain
// statement that on this machine those ratios measure overhead, not scaling.
import { availableParallelism } from 'node:os';
import type { CellResult } from './cells.js';
import { CLUSTER_FRONT_END_COUNTS, CLUSTER_SIZES, DRIVE_SERVERS, frontEndsLabel, type ClusterContext } from './cluster.js';
import { failureLines, formatMs, formatRate, markdownTable } from './report.js';

const OPERATIONS = ['PUT', 'GET'] as const;

function countOf(record: Record<string, number>): number {
  return Object.values(record).reduce((total, count) => total + count, 0);
}

function cellText(cell: CellResult | undefined): string {
  if (cell === undefined) return '–';
  const failures = countOf(cell.non2xx) + countOf(cell.transportErrors);
  return `${formatRate(cell.opsPerSecond)}/s · ${formatRate(cell.megabytesPerSecond ?? Number.NaN)} MB/s · ${formatMs(cell.latencyMs.p50)} / ${formatMs(cell.latencyMs.p99)} ms`
    + (failures > 0 ? ` ⚠ ${failures.toLocaleString('en-US')} failed` : '');
}

function ratioText(cell: CellResult | undefined, oneFrontEnd: CellResult | undefined): string {
  if (cell === undefined || oneFrontEnd === undefined || !(oneFrontEnd.opsPerSecond > 0)) return '–';
  return `${(cell.opsPerSecond / oneFrontEnd.opsPerSecond).toFixed(2)}×`;
}

export function clusterLines(cells: CellResult[], context: ClusterContext): string[] {
  const find = (count: number, op: string, sizeBytes: number): CellResult | undefined =>
    cells.find((cell) => cell.frontEnds === count && cell.op === op && cell.sizeBytes === sizeBytes);
  const counts = CLUSTER_FRONT_END_COUNTS.filter((count) => cells.some((cell) => cell.frontEnds === count));
  const rows = CLUSTER_SIZES.flatMap((size) => OPERATIONS.map((op) => [
    `${size.label} ${op} (${size.connections} conn.)`,
    ...counts.map((count) => cellText(find(count, op, size.sizeBytes))),
    ...counts.filter((count) => count > 1).map((count) => ratioText(find(count, op, size.sizeBytes), find(1, op, size.sizeBytes))),
  ]));
  const header = ['cell', ...counts.map(frontEndsLabel), ...counts.filter((count) => count > 1).map((count) => `${count} ÷ 1`)];
  const failures = failureLines(cells);
  return [
    `### Cluster mode: front ends on one PostgreSQL database and ${DRIVE_SERVERS} drive servers (this run)`,
    '',
    'Each cell: ops/s · MB/s · latency p50 / p99 ms; the ratios compare ops/s with one front end.',
    '',
    ...markdownTable(header, rows),
    '',
    `- **On this machine this shows overhead, not scaling.** Every front end, the ${DRIVE_SERVERS} drive servers, PostgreSQL and `
      + `the client share the same ${availableParallelism()} cores, so a second or third front end adds processes, connections `
      + 'and cross-process coordination (one write lock in the database for all front ends) but no CPU. A ratio below 1× is '
      + 'that cost; on separate hosts each front end brings cores of its own, and only a run there can show scaling.',
    `- Each front end: \`cairn server --workers 1 --index postgres://… ${context.driveUrls.join(' ') || '(drive servers)'}\`, `
      + 'one data directory for all; the client signs once (as for a load balancer\'s name) and spreads its connections '
      + 'evenly over the front ends, each connection staying on one front end.',
    `- Load average (1, 5, 15 min) as each count began: ${counts.map((count) => `${count}: ${context.loadAverageAt[count] ?? '–'}`).join('; ')}.`,
    ...(failures.length > 0 ? ['- Failed requests (non-2xx answers and transport errors):', ...failures.map((line) => `  ${line}`)]
      : ['- Every request of every cell was answered 2xx.']),
  ];
}
