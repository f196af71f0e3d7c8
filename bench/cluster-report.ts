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

const totalCpuUs = (cell: CellResult | undefined): number | undefined =>
  cell?.cpuUsPerOp === undefined ? undefined : cell.cpuUsPerOp.frontEnds + cell.cpuUsPerOp.driveServers + cell.cpuUsPerOp.postgres;

function cpuText(cell: CellResult | undefined): string {
  const total = totalCpuUs(cell);
  if (cell?.cpuUsPerOp === undefined || total === undefined) return '–';
  const parts = cell.cpuUsPerOp;
  return `${Math.round(total).toLocaleString('en-US')} (${[parts.frontEnds, parts.driveServers, parts.postgres].map((value) => Math.round(value).toLocaleString('en-US')).join(' + ')})`;
}

function cpuRatioText(cell: CellResult | undefined, oneFrontEnd: CellResult | undefined): string {
  const total = totalCpuUs(cell);
  const base = totalCpuUs(oneFrontEnd);
  return total === undefined || base === undefined || !(base > 0) ? '–' : `${(total / base).toFixed(2)}×`;
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
  const cpuRows = CLUSTER_SIZES.flatMap((size) => OPERATIONS.map((op) => [
    `${size.label} ${op}`,
    ...counts.map((count) => cpuText(find(count, op, size.sizeBytes))),
    ...counts.filter((count) => count > 1).map((count) => cpuRatioText(find(count, op, size.sizeBytes), find(1, op, size.sizeBytes))),
  ]));
  const failures = failureLines(cells);
  return [
    `### Cluster mode: front ends on one PostgreSQL database and ${DRIVE_SERVERS} drive servers (this run)`,
    '',
    'Each cell: ops/s · MB/s · latency p50 / p99 ms; the ratios compare ops/s with one front end.',
    '',
    ...markdownTable(header, rows),
    '',
    'CPU per request, µs: all (front ends + drive servers + the database\'s PostgreSQL backends), from /proc over the measured phase; '
      + 'the ratios compare the total with one front end. Unlike ops/s it barely moves with other work on the machine.',
    '',
    ...markdownTable(header, cpuRows),
    '',
    `- **On this machine this shows overhead, not scaling.** Every front end, the ${DRIVE_SERVERS} drive servers, PostgreSQL and `
      + `the client share the same ${availableParallelism()} cores, so a second or third front end adds processes, connections `
      + 'and cross-process coordination (one write lock in the database for all front ends) but no CPU: the CPU per request '
      + 'is that overhead. On separate hosts each front end brings cores of its own, and only a run there can show scaling. '
      + 'An ops/s ratio above 1× here is not scaling either: when other work keeps the machine busy (load average above the '
      + 'core count), more server processes simply win a larger share of the same cores, and a one-process front end that waits '
      + 'on PostgreSQL and the drive servers leaves time another front end fills.',
    `- Each front end: \`cairn server --workers 1 --index postgres://… ${context.driveUrls.join(' ') || '(drive servers)'}\`, `
      + 'one data directory for all; the client signs once (as for a load balancer\'s name) and spreads its connections '
      + 'evenly over the front ends, each connection staying on one front end.',
    `- Load average (1, 5, 15 min) as each count began: ${counts.map((count) => `${count}: ${context.loadAverageAt[count] ?? '–'}`).join('; ')}.`,
    ...(failures.length > 0 ? ['- Failed requests (non-2xx answers and transport errors):', ...failures.map((line) => `  ${line}`)]
      : ['- Every request of every cell was answered 2xx.']),
  ];
}
