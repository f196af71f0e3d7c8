// The measured cells: for one server and one object size, PUT then GET then HEAD then DELETE over
// the same keys (each with a warm-up, except DELETE, which would only consume keys); optionally
// 4 KiB PUT and GET at half the measured maximum rate; and LIST over a prefix of 10,000 keys.
import { createClient, runAtRate, runClosedLoop, type LoadClient, type NextRequest, type PhaseResult } from './load.js';
import type { LatencySummaryMs } from './latency.js';
import type { Target, TargetId } from './targets/target.js';
import {
  KeyPool, LIST_KEY_COUNT, LIST_OBJECT_SIZE_BYTES, LIST_PAGE_KEYS, deleteSource, listPopulateSource, listSource, putSource, readSource,
  type ListTally, type Operation,
} from './workloads.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const MS_PER_SECOND = 1000;
const BYTES_PER_MB = 1e6;

export interface ObjectSize {
  label: string;
  sizeBytes: number;
  connections: number;
  /** Small-object cells are also measured on Cairn with one worker. */
  small: boolean;
}

export const OBJECT_SIZES: readonly ObjectSize[] = [
  { label: '4 KiB', sizeBytes: 4 * KIB, connections: 32, small: true },
  { label: '64 KiB', sizeBytes: 64 * KIB, connections: 32, small: true },
  { label: '1 MiB', sizeBytes: MIB, connections: 8, small: false },
  { label: '64 MiB', sizeBytes: 64 * MIB, connections: 2, small: false },
];
export const LIST_CONNECTIONS = 8;
const LIST_POPULATE_CONNECTIONS = 32;
/** Generous: populating is not measured, but it must end. */
const LIST_POPULATE_TIMEOUT_MS = 120_000;
export const HALF_LOAD_FRACTION = 0.5;
/** 4 KiB PUT and GET at half load are measured on the default Cairn only. */
export const HALF_LOAD_SIZE_BYTES = 4 * KIB;

export type CellMode = 'max-rate' | 'half-load';

export interface CellResult {
  targetId: TargetId;
  targetLabel: string;
  op: Operation;
  /** Object size; for LIST the (tiny) size of the listed objects. */
  sizeBytes: number;
  sizeLabel: string;
  mode: CellMode;
  connections: number;
  warmUpMs: number;
  durationMs: number;
  /** 2xx answers; the rates count only these. */
  okOps: number;
  completedOps: number;
  /** 2xx answers per second (pages per second for LIST). */
  opsPerSecond: number;
  /** Object bytes moved per second (10^6 bytes): request bodies for PUT, response bodies for GET. */
  megabytesPerSecond: number | null;
  /** Every answer, 2xx or not; half-load: from the time the request was due. */
  latencyMs: LatencySummaryMs;
  /** Half-load only: from the time the request was handed to the client pool. */
  sendLatencyMs?: LatencySummaryMs;
  /** Half-load only. */
  requestedRatePerSecond?: number;
  non2xx: Record<string, number>;
  transportErrors: Record<string, number>;
  /** The first failure of each kind (status or error): request and the start of the answer. */
  failureSamples: Record<string, string>;
  /** The keys written by PUT ran out before the time did (DELETE; reads of a failed PUT phase). */
  keysExhausted: boolean;
  /** Client CPU over the phase, in cores (the client shares the machine's cores with the server). */
  clientCpuCores: number;
  /** 2xx answers per second in consecutive 0.5 s buckets of the measured phase (the last may be partial). */
  timelineOpsPerSecond: number[];
  list?: { keysPerPage: number; shortPages: number; populateMs: number };
  /** Per-class cells (classes.ts): the x-amz-storage-class of the PUTs, on a set of drives. */
  storageClass?: string;
  /** Cluster-mode cells (cluster.ts): how many front ends the client spread its connections over. */
  frontEnds?: number;
  /** Cluster-mode cells: CPU per 2xx answer, µs, of the front ends, the drive servers and the database's backends (cluster-cpu.ts). */
  cpuUsPerOp?: { frontEnds: number; driveServers: number; postgres: number };
}

export interface CellTiming {
  warmUpMs: number;
  durationMs: number;
}

export type CellSink = (cell: CellResult) => void;

export function toCell(target: Target, op: Operation, size: { label: string; sizeBytes: number }, mode: CellMode, connections: number,
  warmUpMs: number, phase: PhaseResult): CellResult {
  const seconds = phase.durationMs / MS_PER_SECOND;
  const movedBytes = op === 'PUT' ? phase.okRequestBytes : op === 'GET' ? phase.responseBytes : undefined;
  return {
    targetId: target.id, targetLabel: target.label, op, sizeBytes: size.sizeBytes, sizeLabel: size.label, mode, connections,
    warmUpMs, durationMs: phase.durationMs, okOps: phase.okOps, completedOps: phase.completedOps,
    opsPerSecond: phase.okOps / seconds,
    megabytesPerSecond: movedBytes === undefined ? null : movedBytes / BYTES_PER_MB / seconds,
    latencyMs: phase.latencies.summary(),
    sendLatencyMs: phase.sendLatencies?.summary(),
    non2xx: phase.statusCounts, transportErrors: phase.errorCounts, failureSamples: phase.failureSamples, keysExhausted: phase.exhausted,
    clientCpuCores: phase.clientCpuCores, timelineOpsPerSecond: phase.timelineOpsPerSecond,
  };
}

export async function warmThenMeasure(pool: LoadClient, connections: number, timing: CellTiming, source: NextRequest): Promise<PhaseResult> {
  if (timing.warmUpMs > 0) await runClosedLoop(pool, connections, timing.warmUpMs, source);
  return runClosedLoop(pool, connections, timing.durationMs, source);
}

/** PUT, GET, HEAD (and on request 4 KiB PUT/GET at half load), then DELETE, for one size on one server. */
export async function measureSize(target: Target, size: ObjectSize, timing: CellTiming, withHalfLoad: boolean, sink: CellSink): Promise<void> {
  const pool = createClient(target.origin, size.connections);
  const keys = new KeyPool();
  const keyPrefix = `obj-${size.sizeBytes}/`;
  const emit = (op: Operation, mode: CellMode, warmUpMs: number, phase: PhaseResult, extra: Partial<CellResult> = {}): CellResult => {
    const cell = { ...toCell(target, op, size, mode, size.connections, warmUpMs, phase), ...extra };
    sink(cell);
    return cell;
  };
  try {
    const puts = putSource(target, keyPrefix, size.sizeBytes, keys);
    const putCell = emit('PUT', 'max-rate', timing.warmUpMs, await warmThenMeasure(pool, size.connections, timing, puts));
    const getCell = emit('GET', 'max-rate', timing.warmUpMs, await warmThenMeasure(pool, size.connections, timing, readSource(target, 'GET', keys)));
    emit('HEAD', 'max-rate', timing.warmUpMs, await warmThenMeasure(pool, size.connections, timing, readSource(target, 'HEAD', keys)));
    if (withHalfLoad) {
      for (const [op, maxCell, source] of [['PUT', putCell, puts], ['GET', getCell, readSource(target, 'GET', keys)]] as const) {
        const ratePerSecond = maxCell.opsPerSecond * HALF_LOAD_FRACTION;
        if (!(ratePerSecond > 0)) continue;
        // No warm-up: the server has just run this operation flat out.
        emit(op, 'half-load', 0, await runAtRate(pool, ratePerSecond, timing.durationMs, source), { requestedRatePerSecond: ratePerSecond });
      }
    }
    emit('DELETE', 'max-rate', 0, await runClosedLoop(pool, size.connections, timing.durationMs, deleteSource(target, keys)));
  } finally {
    await pool.close();
  }
}

/** Fills the LIST prefix with 10,000 tiny objects, then walks it in pages of 1,000 keys. */
export async function measureList(target: Target, timing: CellTiming, sink: CellSink): Promise<void> {
  const populatePool = createClient(target.origin, LIST_POPULATE_CONNECTIONS);
  const written = new KeyPool();
  let populate: PhaseResult;
  try {
    populate = await runClosedLoop(populatePool, LIST_POPULATE_CONNECTIONS, LIST_POPULATE_TIMEOUT_MS, listPopulateSource(target, written));
  } finally {
    await populatePool.close();
  }
  if (written.size < LIST_KEY_COUNT) {
    process.stdout.write(`  ${target.label}: only ${written.size} of ${LIST_KEY_COUNT} LIST keys written (${JSON.stringify(populate.statusCounts)} ${JSON.stringify(populate.errorCounts)})\n`);
  }
  const pool = createClient(target.origin, LIST_CONNECTIONS);
  try {
    if (timing.warmUpMs > 0) await runClosedLoop(pool, LIST_CONNECTIONS, timing.warmUpMs, listSource(target, { pages: 0, keys: 0, shortPages: 0 }));
    const tally: ListTally = { pages: 0, keys: 0, shortPages: 0 };
    const phase = await runClosedLoop(pool, LIST_CONNECTIONS, timing.durationMs, listSource(target, tally));
    const cell = toCell(target, 'LIST', { label: 'LIST', sizeBytes: LIST_OBJECT_SIZE_BYTES }, 'max-rate', LIST_CONNECTIONS, timing.warmUpMs, phase);
    cell.list = {
      keysPerPage: tally.pages === 0 ? 0 : tally.keys / tally.pages,
      shortPages: tally.shortPages,
      populateMs: populate.durationMs,
    };
    sink(cell);
  } finally {
    await pool.close();
  }
}

export const EXPECTED_KEYS_PER_PAGE = LIST_PAGE_KEYS;
