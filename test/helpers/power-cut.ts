// Simulated power loss for the storage layer's tests. While armed, it learns from the volume's
// group-commit probe how many bytes of each volume file a completed fdatasync covered. cut() then
// takes, synchronously (no other JavaScript runs meanwhile), the image a power failure would leave:
// every volume file keeps its synced bytes, plus a random prefix of its unsynced tail (a write torn
// at a random byte), sometimes with garbage over part of that tail or after it. Files the storage
// fsyncs by other means (format.json, directories) are kept as they are; the unsynced `.active`
// markers are dropped at random, as a crash may lose them.
import { readdirSync, readFileSync, readlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { volumeSyncProbe } from '../../src/storage/volume.js';
import type { SeededRandom } from './seeded-random.js';

/** The most garbage a torn write leaves after or over the kept bytes (a few sectors). */
const GARBAGE_SIZE_BYTES_MAX = 2048;

export interface CutVolume {
  /** Path relative to the drives' root. */
  relativePath: string;
  syncedBytes: number;
  sizeAtCutBytes: number;
  keptBytes: number;
}

export interface PowerCutImage {
  volumes: CutVolume[];
}

/** Tracks synced lengths of volume files under `root` (absolute paths, via the fd). */
export class SyncTracker {
  private readonly syncedBytes = new Map<string, number>();

  arm(): void {
    volumeSyncProbe.onDurable = (handle: FileHandle, durableEndBytes: number) => {
      let filePath: string;
      try {
        filePath = readlinkSync(`/proc/self/fd/${handle.fd}`);
      } catch {
        return;
      }
      this.syncedBytes.set(filePath, Math.max(this.syncedBytes.get(filePath) ?? 0, durableEndBytes));
    };
  }

  disarm(): void {
    volumeSyncProbe.onDurable = null;
  }

  syncedBytesOf(filePath: string): number {
    return this.syncedBytes.get(filePath) ?? 0;
  }

  /**
   * Writes to `imageRoot` what `root` would hold after a power cut now. Synchronous on purpose: the
   * snapshot is one instant. (A writev running on the thread pool may be half in the copy: that is a
   * torn write too.)
   */
  cut(root: string, imageRoot: string, random: SeededRandom): PowerCutImage {
    const volumes: CutVolume[] = [];
    for (const filePath of filesUnder(root)) {
      const relativePath = relative(root, filePath);
      const target = join(imageRoot, relativePath);
      mkdirSync(join(target, '..'), { recursive: true });
      const content = readFileSync(filePath);
      if (filePath.endsWith('.vol')) {
        const cutVolume = this.tearVolume(relativePath, filePath, content, random);
        volumes.push(cutVolume.volume);
        writeFileSync(target, cutVolume.bytes);
      } else if (filePath.endsWith('.active') && random.chance(0.5)) {
        continue;
      } else {
        writeFileSync(target, content);
      }
    }
    for (const directory of directoriesUnder(root)) mkdirSync(join(imageRoot, relative(root, directory)), { recursive: true });
    return { volumes };
  }

  private tearVolume(relativePath: string, filePath: string, content: Buffer, random: SeededRandom): { volume: CutVolume; bytes: Buffer } {
    const syncedBytes = Math.min(this.syncedBytesOf(filePath), content.length);
    const keptBytes = syncedBytes + random.int(0, content.length - syncedBytes);
    let bytes = Buffer.from(content.subarray(0, keptBytes));
    const tailBytes = keptBytes - syncedBytes;
    if (tailBytes > 0 && random.chance(0.3)) {
      // Part of the unsynced tail reached the disk as something else (a sector of stale data).
      const from = syncedBytes + random.int(0, tailBytes - 1);
      const length = Math.min(random.int(1, GARBAGE_SIZE_BYTES_MAX), keptBytes - from);
      random.bytes(length).copy(bytes, from);
    }
    if (random.chance(0.3)) {
      // The file grew but the blocks hold garbage (or zeros) past the last real write.
      const garbage = random.chance(0.5) ? random.bytes(random.int(1, GARBAGE_SIZE_BYTES_MAX)) : Buffer.alloc(random.int(1, GARBAGE_SIZE_BYTES_MAX));
      bytes = Buffer.concat([bytes, garbage]);
    }
    return { volume: { relativePath, syncedBytes, sizeAtCutBytes: content.length, keptBytes }, bytes };
  }
}

function filesUnder(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = join(root, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function directoriesUnder(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = join(root, entry.name);
    out.push(full, ...directoriesUnder(full));
  }
  return out;
}
