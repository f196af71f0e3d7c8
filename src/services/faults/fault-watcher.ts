// Every process that serves polls the shared fault directory and applies its faults to its own
// drives (and its API faults to its S3 front end), so a fault injected through any worker affects
// all of them within one poll interval.
// It also enforces experiments' stop conditions, and asks the drives for a health check when a
// 'fail' fault starts or stops (so the drive goes offline, or comes back, at once).

import type { Storage } from '../../storage/index.js';
import { indexFaultControlOf, type IndexFaultControl } from '../../index/index-faults.js';
import type { DriveFault } from '../../storage/faults/drive-faults.js';
import { ApiFaultState } from './api-faults.js';
import type { FaultStore, StoredFault, StoredIndexFault } from './fault-store.js';

export const FAULT_POLL_INTERVAL_MS = 200;

export interface FaultWatcher {
  /** Reads the directory and applies it now (also what each poll does). */
  refresh(): Promise<void>;
  stop(): void;
  /** The API faults this process's S3 front end applies. */
  readonly apiFaults: ApiFaultState;
}

export function startFaultWatcher(storage: Storage, store: FaultStore, log: (line: string) => void, index?: object): FaultWatcher {
  const drives = storage.driveStores;
  const applyIndexFaults = indexFaultApplier(index === undefined ? undefined : indexFaultControlOf(index), log);
  const applied = new Map<string, StoredFault>();
  const apiFaults = new ApiFaultState();
  let pendingCount = 0;
  let stopped = false;

  const apply = async (): Promise<void> => {
    apiFaults.set(await store.api.list());
    applyIndexFaults(await store.index.list());
    let faults = await store.list();
    faults = await enforceStopConditions(faults, storage, store, log);
    const byDrive: DriveFault[][] = drives.map(() => []);
    for (const fault of faults) {
      const { id, action, latencyMs, expiresAtMs } = fault;
      byDrive[fault.drive - 1]?.push({ id, action, latencyMs, expiresAtMs });
    }
    let failChanged = false;
    const current = new Set(faults.map((fault) => fault.id));
    for (const fault of faults) if (!applied.has(fault.id)) failChanged ||= fault.action === 'fail';
    for (const [id, fault] of applied) if (!current.has(id)) failChanged ||= fault.action === 'fail';
    applied.clear();
    for (const fault of faults) applied.set(fault.id, fault);
    for (const [driveIndex, drive] of drives.entries()) drive.faults.set(byDrive[driveIndex]!);
    if (failChanged) await Promise.all(drives.map((drive) => drive.checkHealth().catch(() => undefined)));
  };

  // Refreshes run one after another: one asked for after a change always reads the directory anew.
  let chain: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => {
    pendingCount += 1;
    chain = chain
      .then(apply)
      .catch((error: Error) => log(`faults: reading ${store.directory} failed: ${error.message}`))
      .finally(() => {
        pendingCount -= 1;
      });
    return chain;
  };
  const timer = setInterval(() => {
    // A slow filesystem must not pile up polls.
    if (!stopped && pendingCount === 0) void refresh();
  }, FAULT_POLL_INTERVAL_MS);
  timer.unref();
  void refresh();
  return {
    refresh,
    apiFaults,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** Stops every fault of an experiment whose stop condition holds (more drives offline than it allows). */
async function enforceStopConditions(faults: StoredFault[], storage: Storage, store: FaultStore, log: (line: string) => void): Promise<StoredFault[]> {
  const offlineCount = storage.driveStores.filter((drive) => !drive.online).length;
  const stopping = new Set<string>();
  for (const fault of faults) {
    const limit = fault.stopWhenDrivesOfflineAbove;
    if (fault.experiment !== undefined && limit !== undefined && offlineCount > limit) stopping.add(fault.experiment);
  }
  if (stopping.size === 0) return faults;
  for (const fault of faults) {
    if (fault.experiment === undefined || !stopping.has(fault.experiment)) continue;
    if (await store.remove(fault.id)) log(`faults: experiment ${fault.experiment}: stop condition met (${offlineCount} drives offline), stopped fault ${fault.id}`);
  }
  return faults.filter((fault) => fault.experiment === undefined || !stopping.has(fault.experiment));
}

/** Applies index faults to this process's index: the latest pause's end, and each drop of connections once. */
function indexFaultApplier(control: IndexFaultControl | undefined, log: (line: string) => void): (faults: StoredIndexFault[]) => void {
  const dropsApplied = new Set<string>();
  let pausedUntilMs = 0;
  return (faults) => {
    if (control === undefined) return;
    const pauseEndMs = Math.max(0, ...faults.filter((fault) => fault.action === 'pause').map((fault) => fault.expiresAtMs));
    if (pauseEndMs !== pausedUntilMs) {
      pausedUntilMs = pauseEndMs;
      control.pauseUntil(pauseEndMs);
      log(pauseEndMs === 0 ? 'faults: the index is no longer paused' : `faults: the index is paused until ${new Date(pauseEndMs).toISOString()}`);
    }
    const listed = new Set(faults.map((fault) => fault.id));
    for (const id of dropsApplied) if (!listed.has(id)) dropsApplied.delete(id);
    for (const fault of faults) {
      if (fault.action !== 'drop-connections' || dropsApplied.has(fault.id)) continue;
      dropsApplied.add(fault.id);
      log(`faults: dropped ${control.dropConnections()} index connections of process ${process.pid}`);
    }
  };
}
