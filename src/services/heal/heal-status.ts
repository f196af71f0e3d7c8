// The heal job's progress and requests, shared by every process of a server through files under the
// data directory (docs/storage-format.md, "Heal"): the background worker runs the job and writes
// status.json; any worker answers GET /_cairn/admin/heal from it and queues POST as request.json.

import * as fs from 'node:fs/promises';
import { join } from 'node:path';

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
  /** Placements that changed under the job (overwritten or deleted meanwhile): skipped, nothing lost. */
  placementConflicts: number;
  /** Where a resumed job goes on: the bucket, and the last version done in it (scan order). */
  cursor?: { bucket: string; after?: { key: string; dataId: string } };
}

export const IDLE_STATUS: HealStatus = {
  state: 'idle', drives: [], objectsTotal: 0, objectsDone: 0, shardsChecked: 0, shardsHealed: 0, shardsUnhealable: 0, placementConflicts: 0,
};

const STATUS_FILE_SIZE_BYTES_MAX = 64 * 1024;

export class HealFiles {
  constructor(readonly directory: string) {}

  static forDataDirectory(dataDirectory: string): HealFiles {
    return new HealFiles(join(dataDirectory, 'heal'));
  }

  async readStatus(): Promise<HealStatus> {
    return (await this.readJson<HealStatus>('status.json')) ?? IDLE_STATUS;
  }

  writeStatus(status: HealStatus): Promise<void> {
    return this.writeJson('status.json', status);
  }

  /** Asks the background worker to heal these drives (1-based; all when empty). */
  request(drives: number[]): Promise<void> {
    return this.writeJson('request.json', { drives, requestedAt: new Date().toISOString() });
  }

  /** Takes a waiting request, if any (removing it). */
  async takeRequest(): Promise<{ drives: number[] } | undefined> {
    const request = await this.readJson<{ drives: number[] }>('request.json');
    if (request === undefined) return undefined;
    await fs.rm(join(this.directory, 'request.json'), { force: true });
    return request;
  }

  private async readJson<T>(name: string): Promise<T | undefined> {
    try {
      const text = await fs.readFile(join(this.directory, name), 'utf8');
      if (text.length > STATUS_FILE_SIZE_BYTES_MAX) return undefined;
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }

  private async writeJson(name: string, value: unknown): Promise<void> {
    await fs.mkdir(this.directory, { recursive: true });
    const path = join(this.directory, name);
    const temporary = `${path}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
    await fs.rename(temporary, path);
  }
}
