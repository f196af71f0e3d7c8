// The audit's shared place: small JSON files under DATA_DIR/audit/, so every worker of a cluster
// sees one state. Only the background worker writes status.json (the audit runs there alone); any
// worker writes request.json (an admin asked for a pass) and its own workers/PID.json (its repair
// queue). Each file is replaced whole (state-files.ts), so readers never see half.

import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditCounts } from '../../storage/index.js';
import { StateFiles } from '../state-files.js';

/** A worker's file older than this belongs to a process that is gone: not counted. */
export const WORKER_FILE_STALE_MS = 15_000;

export interface AuditRequest {
  id: string;
  repair: boolean;
  requestedAtMs: number;
}

/** Where a walk over the index stands: after this version of this bucket (absent: the bucket's start). */
export interface AuditCursor {
  bucket: string;
  after?: { key: string; dataId: string };
}

export interface AuditRun {
  id: string;
  kind: 'full' | 'scrub';
  repair: boolean;
  state: 'running' | 'done' | 'failed';
  startedAtMs: number;
  finishedAtMs?: number;
  /** Object versions (and parts) to check, counted when the run started. */
  objectsTotal: number;
  objectsChecked: number;
  counts: AuditCounts;
  error?: string;
}

export interface AuditStatus {
  /** The last full pass an admin asked for. */
  run: AuditRun | null;
  /** The background scrub: its current pass and where it resumes after a restart. */
  scrub: { passesCompleted: number; cursor: AuditCursor | null; current: AuditRun | null };
  /** Every record checked since the data directory was made: the Prometheus counters. */
  totals: AuditCounts;
  updatedAtMs: number;
}

export interface WorkerRepairState {
  pid: number;
  queueLength: number;
  queueRepaired: number;
  queueUnrecoverable: number;
  drivesOnline: Array<{ driveIndex: number; path: string; online: boolean }>;
  updatedAtMs: number;
}

export function auditDirectory(dataDirectory: string): string {
  return join(dataDirectory, 'audit');
}

export class AuditFiles {
  readonly directory: string;
  private readonly files: StateFiles;

  constructor(dataDirectory: string) {
    this.directory = auditDirectory(dataDirectory);
    this.files = new StateFiles(this.directory);
  }

  async prepare(): Promise<void> {
    await fs.mkdir(join(this.directory, 'workers'), { recursive: true });
  }

  readRequest(): Promise<AuditRequest | undefined> {
    return this.files.read<AuditRequest>('request.json');
  }

  async writeRequest(request: AuditRequest): Promise<void> {
    await this.prepare();
    await this.files.write('request.json', request);
  }

  readStatus(): Promise<AuditStatus | undefined> {
    return this.files.read<AuditStatus>('status.json');
  }

  writeStatus(status: AuditStatus): Promise<void> {
    return this.files.write('status.json', status);
  }

  writeWorker(state: WorkerRepairState): Promise<void> {
    return this.files.write(join('workers', `${state.pid}.json`), state);
  }

  async removeWorker(pid: number): Promise<void> {
    await fs.rm(join(this.directory, 'workers', `${pid}.json`), { force: true });
  }

  /** The repair states of the processes alive lately (files updated within WORKER_FILE_STALE_MS). */
  async readWorkers(nowMs: number): Promise<WorkerRepairState[]> {
    let names: string[];
    try {
      names = await fs.readdir(join(this.directory, 'workers'));
    } catch {
      return [];
    }
    const states = await Promise.all(names.filter((name) => /^\d+\.json$/.test(name)).map((name) => this.files.read<WorkerRepairState>(join('workers', name))));
    return states.filter((state): state is WorkerRepairState => state !== undefined && nowMs - state.updatedAtMs <= WORKER_FILE_STALE_MS);
  }
}
