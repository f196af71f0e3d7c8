// Compaction's shared state (docs/storage-format.md, "Compaction"): the background worker runs the
// passes and writes status.json under DATA/compaction/; any worker answers
// GET /_cairn/admin/compaction from it and queues POST as request.json.

import { join } from 'node:path';
import { StateFiles } from '../state-files.js';

export interface CompactionCounts {
  /** Volumes whose referenced records were all moved out: marked for deletion after the grace period. */
  volumesCompacted: number;
  recordsMoved: number;
  bytesMoved: number;
  tombstonesCopied: number;
  /** Placements that changed while their records were copied (overwritten, deleted, healed): the copies are garbage. */
  placementConflicts: number;
  /** Records that failed verification: left in place for the audit or heal to repair. */
  recordsDamaged: number;
  volumesDeleted: number;
  bytesReclaimed: number;
}

export interface CompactionPassStatus {
  startedAt: string;
  finishedAt?: string;
  counts: CompactionCounts;
  error?: string;
}

export interface CompactionStatus {
  state: 'idle' | 'running';
  passesCompleted: number;
  /** The pass running now, or the last one. */
  pass?: CompactionPassStatus;
  /** Since the data directory was made. */
  totals: CompactionCounts;
  /** Volumes emptied and waiting for their grace period, as of the last pass. */
  pendingDeletion: { volumes: number; bytes: number };
  updatedAt: string;
}

export function emptyCompactionCounts(): CompactionCounts {
  return {
    volumesCompacted: 0, recordsMoved: 0, bytesMoved: 0, tombstonesCopied: 0, placementConflicts: 0, recordsDamaged: 0,
    volumesDeleted: 0, bytesReclaimed: 0,
  };
}

export function addCompactionCounts(total: CompactionCounts, more: CompactionCounts): void {
  for (const field of Object.keys(total) as Array<keyof CompactionCounts>) total[field] += more[field];
}

export class CompactionFiles {
  private readonly files: StateFiles;

  constructor(readonly directory: string) {
    this.files = new StateFiles(directory);
  }

  static forDataDirectory(dataDirectory: string): CompactionFiles {
    return new CompactionFiles(join(dataDirectory, 'compaction'));
  }

  async readStatus(): Promise<CompactionStatus> {
    return (await this.files.read<CompactionStatus>('status.json')) ?? {
      state: 'idle', passesCompleted: 0, totals: emptyCompactionCounts(), pendingDeletion: { volumes: 0, bytes: 0 }, updatedAt: new Date(0).toISOString(),
    };
  }

  writeStatus(status: CompactionStatus): Promise<void> {
    return this.files.write('status.json', status);
  }

  /** Asks the background worker for a pass now. */
  request(): Promise<void> {
    return this.files.write('request.json', { requestedAt: new Date().toISOString() });
  }

  async takeRequest(): Promise<boolean> {
    return (await this.files.take<object>('request.json')) !== undefined;
  }
}
