// Injected faults, shared by every process of a server through one directory under the data
// directory (docs/fault-injection.md): one JSON file per active fault, written atomically (a
// temporary file renamed into place), removed to stop the fault. Any worker may add or remove one;
// every worker polls the directory (fault-watcher.ts) and applies what it finds to its own drives.
// One file per fault means two workers never overwrite each other's change. API faults (the S3 front
// end answers errors for chosen operations) live the same way in faults/api/.

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { StateFaultAction } from '../../storage/faults/drive-faults.js';

/** Bounds: faults active at once, and what one may ask for. */
export const FAULTS_ACTIVE_MAX = 64;
export const FAULT_DURATION_SECONDS_MAX = 24 * 60 * 60;
export const FAULT_DURATION_SECONDS_DEFAULT = 60;
export const FAULT_LATENCY_MS_MAX = 60_000;
export const FAULT_LATENCY_MS_DEFAULT = 100;
export const FAULT_CORRUPT_BYTES_MAX = 1024;
export const FAULT_CORRUPT_BYTES_DEFAULT = 1;
const FAULT_FILE_SIZE_BYTES_MAX = 16 * 1024;
const FAULT_ID_PATTERN = /^[0-9a-f-]{36}$/;

export interface StoredFault {
  id: string;
  /** 1-based: the Nth drive of the server's command line. */
  drive: number;
  action: StateFaultAction;
  latencyMs?: number;
  createdAtMs: number;
  expiresAtMs: number;
  /** Set when the fault belongs to a run of a saved experiment template. */
  experiment?: string;
  /** Stop condition of that experiment: the fault is stopped when more drives than this are offline. */
  stopWhenDrivesOfflineAbove?: number;
}

/** What an API fault answers: S3's InternalError 500, SlowDown 503 or ServiceUnavailable 503. */
export const API_FAULT_ACTIONS = ['internal-error', 'throttle', 'unavailable'] as const;
export type ApiFaultAction = (typeof API_FAULT_ACTIONS)[number];

/** An API fault: that share of the named S3 operations (by every worker) is answered with the action's error. */
export interface StoredApiFault {
  id: string;
  action: ApiFaultAction;
  /** S3 operation names as in the S3 API reference (PutObject, GetObject…). */
  operations: string[];
  /** 1–100. */
  percentage: number;
  createdAtMs: number;
  expiresAtMs: number;
  experiment?: string;
}

/** What an index fault does: fail every index call fast for its duration, or break the pools' connections once. */
export const INDEX_FAULT_ACTIONS = ['pause', 'drop-connections'] as const;
export type IndexFaultAction = (typeof INDEX_FAULT_ACTIONS)[number];
/** A drop-connections fault stays listed this long, so every worker's watcher sees it (and applies it once). */
export const INDEX_DROP_FAULT_LISTED_MS = 3_000;

/** An index fault (index-faults.ts of the index layer), applied by every worker to its own pool. */
export interface StoredIndexFault {
  id: string;
  action: IndexFaultAction;
  createdAtMs: number;
  expiresAtMs: number;
  experiment?: string;
}

/** Fault files of one kind in one directory: added atomically, listed with the expired removed, removed to stop. */
export class FaultFiles<Fault extends { id: string; createdAtMs: number; expiresAtMs: number }> {
  constructor(readonly directory: string, private readonly isFault: (value: Fault) => boolean) {}

  async add(fault: Omit<Fault, 'id' | 'createdAtMs'>): Promise<Fault> {
    const stored = { id: randomUUID(), createdAtMs: Date.now(), ...fault } as Fault;
    await fs.mkdir(this.directory, { recursive: true });
    const path = join(this.directory, `${stored.id}.json`);
    const temporary = `${path}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(stored), { mode: 0o600 });
    await fs.rename(temporary, path);
    return stored;
  }

  /** Active faults, oldest first; expired ones are removed on the way. */
  async list(nowMs: number = Date.now()): Promise<Fault[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const faults: Fault[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const fault = await this.read(join(this.directory, name));
      if (fault === undefined) continue;
      if (fault.expiresAtMs <= nowMs) await this.remove(fault.id);
      else faults.push(fault);
    }
    return faults.sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  /** Stops a fault; false if there was none by that id (or it had expired). */
  async remove(id: string): Promise<boolean> {
    if (!FAULT_ID_PATTERN.test(id)) return false;
    try {
      await fs.unlink(join(this.directory, `${id}.json`));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private async read(path: string): Promise<Fault | undefined> {
    try {
      const text = await fs.readFile(path, 'utf8');
      if (text.length > FAULT_FILE_SIZE_BYTES_MAX) return undefined;
      const value = JSON.parse(text) as Fault;
      if (typeof value.id !== 'string' || typeof value.expiresAtMs !== 'number' || !this.isFault(value)) return undefined;
      return value;
    } catch {
      // Removed meanwhile (stopped, or expired by another worker), or not ours: not a fault.
      return undefined;
    }
  }
}

/** Drive faults in faults/, API faults (api-faults.ts) in faults/api/, index faults in faults/index/. */
export class FaultStore extends FaultFiles<StoredFault> {
  readonly api: FaultFiles<StoredApiFault>;
  readonly index: FaultFiles<StoredIndexFault>;

  constructor(directory: string) {
    super(directory, (value) => typeof value.drive === 'number');
    this.api = new FaultFiles<StoredApiFault>(join(directory, 'api'), (value) => Array.isArray(value.operations) && typeof value.percentage === 'number');
    this.index = new FaultFiles<StoredIndexFault>(join(directory, 'index'), (value) => (INDEX_FAULT_ACTIONS as readonly string[]).includes(value.action));
  }

  static forDataDirectory(dataDirectory: string): FaultStore {
    return new FaultStore(join(dataDirectory, 'faults'));
  }
}
