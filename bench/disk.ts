// The disk under the drives, for `npm run bench:background`: dropping the page cache (root only),
// so that a read measures the disk rather than memory, and the disk's sequential read speed on the
// drives' own filesystem, measured the same way as the audit it is compared with.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const DROP_CACHES_PATH = '/proc/sys/vm/drop_caches';
/** Page cache, dentries and inodes. */
const DROP_ALL_CACHES = '3';
/** Larger than any read-ahead window and long enough to time (≥ 1 GiB, as issue #4 asks). */
export const SEQUENTIAL_READ_FILE_BYTES = 1024 ** 3;
/** dd's usual block; the kernel's read-ahead makes larger blocks no faster. */
const SEQUENTIAL_BLOCK_BYTES = 1024 ** 2;
const MS_PER_SECOND = 1000;

/** `sync`, then drop clean pages: true when the kernel took the request (we are root). */
export function dropPageCache(): boolean {
  // drop_caches frees clean pages only: dirty ones must be written back first.
  if (spawnSync('sync').status !== 0) return false;
  try {
    writeFileSync(DROP_CACHES_PATH, DROP_ALL_CACHES);
    return true;
  } catch {
    return false;
  }
}

export interface SequentialRead {
  bytesPerSecond: number;
  sizeBytes: number;
  /** How the page cache was kept out of the figure (or that it was not). */
  method: string;
}

function timedMs(run: () => void): number {
  const startedMs = performance.now();
  run();
  return performance.now() - startedMs;
}

/**
 * Writes a file of SEQUENTIAL_READ_FILE_BYTES of random bytes in `directory` (made durable), then
 * reads it back in 1 MiB blocks, one at a time, with the page cache dropped; where it cannot be
 * dropped, with O_DIRECT through `dd iflag=direct`. The file is removed afterwards.
 */
export function measureSequentialRead(directory: string): SequentialRead {
  const path = join(directory, 'sequential-read.bin');
  const block = Buffer.allocUnsafe(SEQUENTIAL_BLOCK_BYTES);
  try {
    const writer = openSync(path, 'w');
    for (let written = 0; written < SEQUENTIAL_READ_FILE_BYTES; written += block.length) {
      // Fresh random bytes per block: nothing below the filesystem can compress or deduplicate them.
      randomFillSync(block);
      writeSync(writer, block);
    }
    fdatasyncSync(writer);
    closeSync(writer);
    if (dropPageCache()) {
      const reader = openSync(path, 'r');
      let readBytes = 0;
      const elapsedMs = timedMs(() => {
        for (;;) {
          const got = readSync(reader, block, 0, block.length, null);
          if (got === 0) break;
          readBytes += got;
        }
      });
      closeSync(reader);
      return { bytesPerSecond: (readBytes / elapsedMs) * MS_PER_SECOND, sizeBytes: readBytes, method: 'page cache dropped, 1 MiB read()s one at a time' };
    }
    let status: number | null = null;
    const elapsedMs = timedMs(() => {
      status = spawnSync('dd', [`if=${path}`, 'of=/dev/null', `bs=${SEQUENTIAL_BLOCK_BYTES}`, 'iflag=direct'], { stdio: 'ignore' }).status;
    });
    if (status === 0) {
      return { bytesPerSecond: (SEQUENTIAL_READ_FILE_BYTES / elapsedMs) * MS_PER_SECOND, sizeBytes: SEQUENTIAL_READ_FILE_BYTES, method: 'O_DIRECT (dd iflag=direct bs=1M): the page cache could not be dropped' };
    }
    return { bytesPerSecond: Number.NaN, sizeBytes: SEQUENTIAL_READ_FILE_BYTES, method: 'not measured: neither drop_caches nor dd iflag=direct worked' };
  } finally {
    rmSync(path, { force: true });
  }
}
