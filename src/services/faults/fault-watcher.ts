// Every process that serves polls the shared fault directory and applies its faults to its own
// drives (and its API faults to its S3 front end), so a fault injected through any worker affects
// all of them within one poll interval.
// It also enforces experiments' stop conditions, and asks the drives for a health check when a
// 'fail' fault starts or stops (so the drive goes offline, or comes back, at once).

import type { Storage } from '../../storage/index.js';
import type { DriveFault } from '../../storage/faults/drive-faults.js';
import { ApiFaultState } from './api-faults.js';
import type { FaultStore, StoredFault } from './fault-store.js';

export const FAULT_POLL_INTERVAL_MS = 200;

export interface FaultWatcher {
  /** Reads the directory and applies it now (also what each poll does). */
  refresh(): Promise<void>;
  stop(): void;
  /** The API faults this process's S3 front end applies. */
  readonly apiFaults: ApiFaultState;
}

export function startFaultWatcher(storage: Storage, store: FaultStore, log: (line: string) => void): FaultWatcher {
  const drives = storage.driveStores;
  const applied = new Map<string, StoredFault>();
  const apiFaults = new ApiFaultState();
  let pendingCount = 0;
  let stopped = false;

  const apply = async (): Promise<void> => {
    apiFaults.set(await store.api.list());
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
