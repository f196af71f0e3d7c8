// The heal job's progress and requests, shared by every process of a server through files under the
// data directory (docs/storage-format.md, "Heal"): the background worker runs the job and writes
// status.json; any worker answers GET /_cairn/admin/heal from it and queues POST as request.json.

import { join } from 'node:path';
import { StateFiles } from '../state-files.js';

export interface HealStatus {
  state: 'idle' | 'running' | 'done';
  /** 1-based drive numbers being healed. */
  drives: number[];
  startedAt?: string;
  finishedAt?: string;
  objectsTotal: number;
  objectsDone: number;
  shardsChecked: number;
  shardsHealed: number;
  shardsUnhealable: number;
  /**
   * Placements that kept changing under the job (each re-read and healed again up to
   * HEAL_CONFLICT_ATTEMPTS_MAX times): left for a later heal, and their drives stay heal-pending.
   */
  placementConflicts: number;
  /** Where a resumed job goes on: the bucket, and the last version done in it (scan order). */
  cursor?: { bucket: string; after?: { key: string; dataId: string } };
}

export const IDLE_STATUS: HealStatus = {
  state: 'idle', drives: [], objectsTotal: 0, objectsDone: 0, shardsChecked: 0, shardsHealed: 0, shardsUnhealable: 0, placementConflicts: 0,
};

export class HealFiles {
  private readonly files: StateFiles;

  constructor(readonly directory: string) {
    this.files = new StateFiles(directory);
  }

  static forDataDirectory(dataDirectory: string): HealFiles {
    return new HealFiles(join(dataDirectory, 'heal'));
  }

  async readStatus(): Promise<HealStatus> {
    return (await this.files.read<HealStatus>('status.json')) ?? IDLE_STATUS;
  }

  writeStatus(status: HealStatus): Promise<void> {
    return this.files.write('status.json', status);
  }

  /** Asks the background worker to heal these drives (1-based; all when empty). */
  request(drives: number[]): Promise<void> {
    return this.files.write('request.json', { drives, requestedAt: new Date().toISOString() });
  }

  /** Takes a waiting request, if any (removing it). */
  takeRequest(): Promise<{ drives: number[] } | undefined> {
    return this.files.take<{ drives: number[] }>('request.json');
  }
}
