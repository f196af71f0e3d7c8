// Latency per storage class on a set of drives: Cairn (default workers) on SET_DRIVES drive
// directories, 4 KiB PUT and GET per class — the maximum rate (closed loop), then open loop at half
// of it — with p50 / p99 / p999. STANDARD keeps objects this small as m+1 copies; EXPRESS_ONEZONE
// (S3's single-digit-millisecond class) as two copies. The drives are directories on this machine's
// one disk, so they share its fdatasyncs: the run shows the classes' costs, not separate disks.
import { join } from 'node:path';
import { HALF_LOAD_FRACTION, HALF_LOAD_SIZE_BYTES, type CellResult, type CellSink, type CellTiming } from './cells.js';
import { createClient, runAtRate, runClosedLoop, type PhaseResult } from './load.js';
import { makeTemporaryDirectory, removeTemporaryDirectory } from './processes.js';
import { startCairn, type CairnTarget } from './targets/cairn.js';
import type { Target } from './targets/target.js';
import { KeyPool, putSource, readSource } from './workloads.js';

export const SET_DRIVES = 4;
export const MEASURED_CLASSES = ['STANDARD', 'EXPRESS_ONEZONE'] as const;
/** S3 Express One Zone's promise, the issue's goal for the class: p99 at half load. */
export const EXPRESS_P99_GOAL_MS = 5;
const CONNECTIONS = 32;
const SIZE_LABEL = '4 KiB';
const MS_PER_SECOND = 1000;

/** The same target, its PUTs sent (and signed) with x-amz-storage-class. */
function classTarget(target: CairnTarget, storageClass: string): Target {
  const signer = target.signer;
  return {
    ...target,
    head: (method, key, query = []) => {
      const signed = signer.sign(method, key === '' ? `/${target.bucket}` : `/${target.bucket}/${key}`, query,
        method === 'PUT' ? [['x-amz-storage-class', storageClass]] : []);
      return { pathAndQuery: signed.pathAndQuery, headers: signed.headers };
    },
  };
}

function toCell(target: Target, storageClass: string, op: 'PUT' | 'GET', mode: CellResult['mode'], warmUpMs: number, phase: PhaseResult,
  requestedRatePerSecond?: number): CellResult {
  const seconds = phase.durationMs / MS_PER_SECOND;
  const movedBytes = op === 'PUT' ? phase.okRequestBytes : phase.responseBytes;
  return {
    targetId: 'cairn', targetLabel: `${target.label} ${storageClass}`, storageClass, op, sizeBytes: HALF_LOAD_SIZE_BYTES, sizeLabel: SIZE_LABEL,
    mode, connections: CONNECTIONS, warmUpMs, durationMs: phase.durationMs, okOps: phase.okOps, completedOps: phase.completedOps,
    opsPerSecond: phase.okOps / seconds, megabytesPerSecond: movedBytes / 1e6 / seconds,
    latencyMs: phase.latencies.summary(), sendLatencyMs: phase.sendLatencies?.summary(), requestedRatePerSecond,
    non2xx: phase.statusCounts, transportErrors: phase.errorCounts, failureSamples: phase.failureSamples, keysExhausted: phase.exhausted,
    clientCpuCores: phase.clientCpuCores, timelineOpsPerSecond: phase.timelineOpsPerSecond,
  };
}

/** One class on a running server: PUT and GET flat out, then each at half its own maximum. */
async function measureClass(server: CairnTarget, storageClass: string, timing: CellTiming, sink: CellSink): Promise<void> {
  const target = classTarget(server, storageClass);
  const pool = createClient(target.origin, CONNECTIONS);
  const keys = new KeyPool();
  try {
    const puts = putSource(target, `class-${storageClass}/`, HALF_LOAD_SIZE_BYTES, keys);
    const gets = readSource(target, 'GET', keys);
    const maxima: Array<['PUT' | 'GET', CellResult]> = [];
    for (const [op, source] of [['PUT', puts], ['GET', gets]] as const) {
      if (timing.warmUpMs > 0) await runClosedLoop(pool, CONNECTIONS, timing.warmUpMs, source);
      const cell = toCell(server, storageClass, op, 'max-rate', timing.warmUpMs, await runClosedLoop(pool, CONNECTIONS, timing.durationMs, source));
      sink(cell);
      maxima.push([op, cell]);
    }
    for (const [op, maxCell] of maxima) {
      const ratePerSecond = maxCell.opsPerSecond * HALF_LOAD_FRACTION;
      if (!(ratePerSecond > 0)) continue;
      const phase = await runAtRate(pool, ratePerSecond, timing.durationMs, op === 'PUT' ? puts : gets);
      sink(toCell(server, storageClass, op, 'half-load', 0, phase, ratePerSecond));
    }
  } finally {
    await pool.close();
  }
}

/** Starts Cairn on SET_DRIVES fresh drive directories and measures every class of MEASURED_CLASSES. */
export async function measureClasses(workers: number | undefined, timing: CellTiming, sink: CellSink): Promise<void> {
  const root = makeTemporaryDirectory('cairn-bench-drives-');
  const drives = Array.from({ length: SET_DRIVES }, (_, index) => join(root, `d${index + 1}`));
  const label = `${workers === undefined ? 'Cairn' : `Cairn w${workers}`}, ${SET_DRIVES} drives,`;
  try {
    const server = await startCairn('cairn', label, workers, { extraArgs: drives });
    try {
      for (const storageClass of MEASURED_CLASSES) await measureClass(server, storageClass, timing, sink);
    } finally {
      await server.stop();
    }
  } finally {
    removeTemporaryDirectory(root);
  }
}
