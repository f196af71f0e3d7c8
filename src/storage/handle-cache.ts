// A bounded cache of read-only volume file descriptors, least recently used closed first.
// Opening a file costs a syscall and a path walk; a 4 KiB GET should cost one positioned read.

import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

interface Entry {
  opening: Promise<FileHandle>;
  /** Reads in flight on this handle; it is only closed when this is 0. */
  users: number;
  /** Dropped from the cache while in use: closed when the last reader finishes. */
  dropped?: boolean;
}

export class ReadHandleCache {
  /** Map order is recency order: a use moves the entry to the end. */
  private readonly entries = new Map<number, Entry>();
  private closed = false;

  constructor(
    private readonly pathOfVolume: (volumeId: number) => string,
    private readonly entriesMax: number,
  ) {
    assert(entriesMax >= 1, 'the read handle cache needs at least one entry');
  }

  get sizeEntries(): number {
    return this.entries.size;
  }

  /** Runs fn with an open read handle for the volume; the handle stays cached afterwards. */
  async withHandle<T>(volumeId: number, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    assert(!this.closed, 'read handle cache is closed');
    let entry = this.entries.get(volumeId);
    if (entry === undefined) {
      entry = { opening: fs.open(this.pathOfVolume(volumeId), 'r'), users: 0 };
    } else {
      this.entries.delete(volumeId);
    }
    this.entries.set(volumeId, entry);
    entry.users++;
    try {
      const handle = await entry.opening.catch((error: unknown) => {
        // Do not cache a failed open (e.g. the volume file is missing); the next read retries.
        if (this.entries.get(volumeId) === entry) this.entries.delete(volumeId);
        throw error;
      });
      this.evictIdle();
      return await fn(handle);
    } finally {
      entry.users--;
      if (entry.dropped === true && entry.users === 0) void closeQuietly(entry.opening);
      this.evictIdle();
    }
  }

  /** Forgets every cached descriptor (the files may have been replaced); ones in use close after their reads. */
  dropAll(): void {
    for (const entry of this.entries.values()) {
      if (entry.users === 0) void closeQuietly(entry.opening);
      else entry.dropped = true;
    }
    this.entries.clear();
  }

  /**
   * Closes idle handles of volume files that were deleted (compaction): an open descriptor keeps a
   * deleted file's blocks allocated, so without this the space would come back only on eviction.
   */
  async dropUnlinked(): Promise<void> {
    for (const [volumeId, entry] of [...this.entries]) {
      if (entry.users > 0) continue;
      let linked = true;
      try {
        linked = (await (await entry.opening).stat()).nlink > 0;
      } catch {
        // A failed open is not cached for long; a failed fstat says nothing about the link count.
      }
      if (linked || this.entries.get(volumeId) !== entry || entry.users > 0) continue;
      this.entries.delete(volumeId);
      void closeQuietly(entry.opening);
    }
  }

  /**
   * Closes idle handles beyond the limit. Handles in use are never closed, so the cache can briefly
   * exceed its limit when more volumes than that are being read at once.
   */
  private evictIdle(): void {
    for (const [volumeId, entry] of this.entries) {
      if (this.entries.size <= this.entriesMax) return;
      if (entry.users > 0) continue;
      this.entries.delete(volumeId);
      void closeQuietly(entry.opening);
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const openings = [...this.entries.values()].map((entry) => entry.opening);
    this.entries.clear();
    await Promise.all(openings.map(closeQuietly));
  }
}

async function closeQuietly(opening: Promise<FileHandle>): Promise<void> {
  try {
    await (await opening).close();
  } catch {
    // A failed open has nothing to close; a failed close of a read-only fd loses nothing.
  }
}
