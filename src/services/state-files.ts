// Small JSON files that background jobs share with every worker of a server, under the data
// directory (audit, heal, compaction): each is replaced whole (write a temporary file, rename), so a
// reader never sees half of one, and a reader refuses one larger than it could have written.

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';

const STATE_FILE_SIZE_BYTES_MAX = 64 * 1024;

export class StateFiles {
  constructor(readonly directory: string) {}

  async read<T>(name: string): Promise<T | undefined> {
    try {
      const text = await fs.readFile(join(this.directory, name), 'utf8');
      if (text.length > STATE_FILE_SIZE_BYTES_MAX) return undefined;
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }

  async write(name: string, value: unknown): Promise<void> {
    await fs.mkdir(this.directory, { recursive: true });
    const path = join(this.directory, name);
    // Unique per write: two writes of one file at once (two admin requests) must not share one.
    const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
    await fs.rename(temporary, path);
  }

  /** Reads a file and removes it: a request is taken once. */
  async take<T>(name: string): Promise<T | undefined> {
    const value = await this.read<T>(name);
    if (value !== undefined) await fs.rm(join(this.directory, name), { force: true });
    return value;
  }
}
