// One open, append-only volume file: a queue of records written by group appends (one writev for
// everything queued) and made durable by group commit (one fdatasync for every caller waiting).
//
// Three offsets describe the file, always reservedEnd ≥ writtenEnd ≥ durableEnd:
//   reservedEnd — where the next enqueued record will go (advanced synchronously on enqueue);
//   writtenEnd  — every byte below it has been written (writev completed);
//   durableEnd  — every byte below it has been covered by a completed fdatasync.

import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { APPEND_BATCH_RECORDS_MAX, APPEND_BATCH_SIZE_BYTES_MAX } from './constants.js';
import type { EncodedRecord } from './record.js';
import type { VolumeRef } from './set-drive.js';

export interface StorageCounters {
  writevCount: number;
  fdatasyncCount: number;
  recordsAppendedCount: number;
  bytesAppended: number;
}

export interface VolumeOptions {
  /**
   * After each fdatasync, fstat the file and fail if it has no name left (nlink 0): bytes in a
   * deleted file are durable nowhere anyone can find them. Set members use it; a removed drive
   * directory then fails its writes instead of acknowledging them.
   */
  checkLinkedAfterSync?: boolean;
}

/**
 * Test-only observer of group commits: the power-loss simulation (test/power-loss.test.ts) learns
 * from it how much of each volume file a completed fdatasync covered, so it can drop the rest as a
 * power cut would. Null in production, where it costs one null check per fdatasync.
 */
export const volumeSyncProbe: { onDurable: ((handle: FileHandle, durableEndBytes: number) => void) | null } = { onDurable: null };

interface PendingAppend {
  record: EncodedRecord;
  offsetBytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Volume {
  private reservedEndOffsetBytes = 0;
  private writtenEndOffsetBytes = 0;
  private durableEndOffsetBytes = 0;
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  /** Set on the first write or fdatasync error; the volume then takes no more appends, ever. */
  private failure: Error | null = null;
  private closing = false;
  /** Writers whose records here are not yet committed to the index (or abandoned): see VolumeLease. */
  private pinCount = 0;
  private readonly unpinnedWaiters: Array<() => void> = [];

  constructor(
    readonly volumeId: number,
    private readonly handle: FileHandle,
    private readonly sizeBytesMax: number,
    private readonly counters: StorageCounters,
    private readonly log: (line: string) => void,
    private readonly options: VolumeOptions = {},
  ) {}

  /** False once the volume file has been removed (unlinked) from its drive; true if it cannot tell (closing). */
  async isLinked(): Promise<boolean> {
    if (this.closing) return true;
    try {
      return await this.fileIsLinked();
    } catch {
      return true;
    }
  }

  private async fileIsLinked(): Promise<boolean> {
    const { nlink } = await this.handle.stat();
    return nlink > 0;
  }

  pin(): void {
    this.pinCount += 1;
  }

  unpin(): void {
    assert(this.pinCount > 0, 'unpin of a volume nobody pinned');
    this.pinCount -= 1;
    if (this.pinCount === 0) for (const wake of this.unpinnedWaiters.splice(0)) wake();
  }

  /** Resolves once no writer pins the volume (at once if none does). */
  whenUnpinned(): Promise<void> {
    if (this.pinCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.unpinnedWaiters.push(resolve));
  }

  get writtenEndBytes(): number {
    return this.writtenEndOffsetBytes;
  }

  /** True if a record of this size can be appended here now. */
  canAppend(recordSizeBytes: number): boolean {
    return (
      this.failure === null && !this.closing && this.reservedEndOffsetBytes + recordSizeBytes <= this.sizeBytesMax
    );
  }

  /**
   * Reserves the record's offset synchronously and queues it. `written` resolves once the record's
   * bytes are written (not yet durable: see syncThrough).
   */
  append(record: EncodedRecord): { offsetBytes: number; written: Promise<void> } {
    assert(this.canAppend(record.sizeBytes), 'append to a volume that cannot take it');
    assert(record.sizeBytes === record.parts.reduce((sum, part) => sum + part.length, 0), 'record size mismatch');
    const offsetBytes = this.reservedEndOffsetBytes;
    this.reservedEndOffsetBytes += record.sizeBytes;
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ record, offsetBytes, resolve, reject });
    });
    // Deferred by a microtask so records enqueued in the same turn share one writev.
    this.draining ??= Promise.resolve().then(() => this.drain());
    return { offsetBytes, written };
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === null) {
        await this.writeBatch(this.takeBatch());
      }
    } finally {
      this.draining = null;
    }
  }

  private takeBatch(): PendingAppend[] {
    let sizeBytes = 0;
    let count = 0;
    while (count < this.queue.length && count < APPEND_BATCH_RECORDS_MAX) {
      const next = this.queue[count]!.record.sizeBytes;
      if (count > 0 && sizeBytes + next > APPEND_BATCH_SIZE_BYTES_MAX) break;
      sizeBytes += next;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    const positionBytes = this.writtenEndOffsetBytes;
    let sizeBytes = 0;
    const buffers: Buffer[] = [];
    for (const pending of batch) {
      // Records are written in reservation order, back to back: no holes, no overlap.
      assert.equal(pending.offsetBytes, positionBytes + sizeBytes, 'append batch is not contiguous');
      sizeBytes += pending.record.sizeBytes;
      buffers.push(...pending.record.parts);
    }
    assert(positionBytes + sizeBytes <= this.sizeBytesMax, 'append batch past the volume size limit');
    try {
      const { bytesWritten } = await this.handle.writev(buffers, positionBytes);
      this.counters.writevCount++;
      if (bytesWritten !== sizeBytes) throw new Error(`short write: ${bytesWritten} of ${sizeBytes} bytes`);
    } catch (error) {
      this.fail(error as Error, 'writev');
      for (const pending of batch) pending.reject(this.failure!);
      return;
    }
    this.writtenEndOffsetBytes += sizeBytes;
    this.counters.recordsAppendedCount += batch.length;
    this.counters.bytesAppended += sizeBytes;
    for (const pending of batch) pending.resolve();
  }

  /**
   * Resolves once every byte below endOffsetBytes is durable. Group commit: a caller whose bytes the
   * in-flight fdatasync covers (they were written before it started) waits for it; any other caller
   * waits for the next one, which the first of them starts as soon as the in-flight one ends. So
   * one fdatasync serves every caller that arrived while the previous one ran.
   */
  async syncThrough(endOffsetBytes: number): Promise<void> {
    assert(endOffsetBytes <= this.writtenEndOffsetBytes, 'sync of bytes not yet written');
    while (this.durableEndOffsetBytes < endOffsetBytes) {
      if (this.failure !== null) throw this.failure;
      this.syncing ??= this.runSync();
      await this.syncing;
    }
  }

  private async runSync(): Promise<void> {
    const coveredEndOffsetBytes = this.writtenEndOffsetBytes;
    try {
      await this.handle.datasync();
      this.counters.fdatasyncCount++;
      if (this.options.checkLinkedAfterSync === true && !(await this.fileIsLinked())) {
        throw new Error(`volume ${this.volumeId} was removed from its drive`);
      }
      this.durableEndOffsetBytes = Math.max(this.durableEndOffsetBytes, coveredEndOffsetBytes);
      volumeSyncProbe.onDurable?.(this.handle, this.durableEndOffsetBytes);
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages and cleared the error, so
      // a retry could "succeed" without the data (PostgreSQL's fsyncgate). Never trust this file again.
      this.fail(error as Error, 'fdatasync');
      throw this.failure;
    } finally {
      this.syncing = null;
    }
  }

  private fail(error: Error, operation: string): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.log(`storage: volume ${this.volumeId} failed in ${operation}, no more appends to it: ${error.message}`);
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }

  /** Stops taking appends, writes what is queued, makes it durable and closes the file. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.draining !== null) await this.draining;
    assert(this.queue.length === 0 || this.failure !== null, 'queue not drained at close');
    try {
      if (this.failure === null) await this.syncThrough(this.writtenEndOffsetBytes);
    } finally {
      await this.handle.close();
    }
  }
}

/**
 * The volumes one writer appended to, pinned until it releases them: after its placement is committed
 * to the index, or abandoned. A volume stays "active" (owned, never compacted) while pinned, because
 * the index may still come to reference records in it (docs/storage-format.md, "Compaction").
 */
export class VolumeLease {
  private readonly held = new Set<VolumeRef>();
  private released = false;

  hold(volume: VolumeRef): void {
    // An append still in flight when its writer was aborted lands after the release: its record is
    // garbage, and pinning for it would keep the volume active for the rest of the process's life.
    if (this.released || this.held.has(volume)) return;
    this.held.add(volume);
    volume.pin();
  }

  release(): void {
    this.released = true;
    for (const volume of this.held) volume.unpin();
    this.held.clear();
  }
}
