// Storage: one drive, one active volume that every writer of this process appends to.

import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import {
  READ_HANDLES_CACHED_MAX,
  RECORD_TYPE_TOMBSTONE,
  VOLUME_SIZE_BYTES_MAX,
  VOLUME_SIZE_BYTES_MIN,
} from './constants.js';
import { createVolumeFile, listVolumeIds, openDrive, volumePath, type DriveFormat } from './drive.js';
import { StorageCorruptionError } from './errors.js';
import { ReadHandleCache } from './handle-cache.js';
import { placementProblem, type Placement } from './placement.js';
import { readVerifiedChunk, type ByteRange, type ExpectedChunk } from './reader.js';
import { encodeRecord, type EncodedRecord } from './record.js';
import { scanVolume, type ScannedRecord } from './scan.js';
import { Volume, type StorageCounters } from './volume.js';
import { assertIdentity, StorageObjectWriter, type ObjectWriter, type RecordIdentity } from './writer.js';

/** Records read ahead of the one a reader is consuming. */
const READ_AHEAD_RECORDS = 1;

export interface StorageOptions {
  drivePath: string;
  logger?: (line: string) => void;
  /** Volume rollover size; defaults to VOLUME_SIZE_BYTES_MAX. Smaller values exist for tests. */
  volumeSizeBytesMax?: number;
}

export interface StorageStats extends StorageCounters {
  activeVolumeId: number;
  readsCount: number;
  readHandlesCached: number;
}

export class Storage {
  private active: Volume;
  private rolling: Promise<void> | null = null;
  /** Volumes this process writes (the active one and retired ones still closing), by id. */
  private readonly ownVolumes = new Map<number, Volume>();
  private readonly retiring = new Set<Promise<void>>();
  private readonly readHandles: ReadHandleCache;
  private readsCount = 0;
  private closed = false;

  private constructor(
    readonly drivePath: string,
    readonly format: DriveFormat,
    private readonly volumeSizeBytesMax: number,
    private readonly log: (line: string) => void,
    private readonly counters: StorageCounters,
    first: Volume,
  ) {
    this.active = first;
    this.ownVolumes.set(first.volumeId, first);
    this.readHandles = new ReadHandleCache((volumeId) => volumePath(drivePath, volumeId), READ_HANDLES_CACHED_MAX);
  }

  static async open(options: StorageOptions): Promise<Storage> {
    const log = options.logger ?? ((line: string) => console.error(line));
    const volumeSizeBytesMax = options.volumeSizeBytesMax ?? VOLUME_SIZE_BYTES_MAX;
    if (!Number.isSafeInteger(volumeSizeBytesMax) || volumeSizeBytesMax < VOLUME_SIZE_BYTES_MIN || volumeSizeBytesMax > VOLUME_SIZE_BYTES_MAX) {
      throw new RangeError(`volumeSizeBytesMax must be within ${VOLUME_SIZE_BYTES_MIN}…${VOLUME_SIZE_BYTES_MAX}`);
    }
    const format = await openDrive(options.drivePath);
    // Always a new volume: the tail of the last one may be torn, and another process may own it.
    const { volumeId, handle } = await createVolumeFile(options.drivePath);
    const counters: StorageCounters = { writevCount: 0, fdatasyncCount: 0, recordsAppendedCount: 0, bytesAppended: 0 };
    const first = new Volume(volumeId, handle, volumeSizeBytesMax, counters, log);
    const storage = new Storage(options.drivePath, format, volumeSizeBytesMax, log, counters, first);
    log(`storage: opened drive ${format.driveId} at ${options.drivePath}, appending to volume ${volumeId}`);
    return storage;
  }

  get stats(): StorageStats {
    return {
      ...this.counters,
      activeVolumeId: this.active.volumeId,
      readsCount: this.readsCount,
      readHandlesCached: this.readHandles.sizeEntries,
    };
  }

  createWriter(identity: RecordIdentity): ObjectWriter {
    this.assertOpen();
    return new StorageObjectWriter(this, identity);
  }

  /** Verified bytes of the object (or of the range), streamed one record at a time. */
  async *read(identity: RecordIdentity, placement: Placement, range?: ByteRange): AsyncGenerator<Buffer> {
    this.assertOpen();
    assertIdentity(identity);
    const problem = placementProblem(placement);
    if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
    const startByte = range?.startByte ?? 0;
    const endByteInclusive = range?.endByteInclusive ?? placement.sizeBytes - 1;
    if (range !== undefined) assertRange(range, placement.sizeBytes);
    const wanted: ExpectedChunk[] = [];
    let chunkStartBytes = 0;
    for (let seq = 0; seq < placement.chunks.length; seq++) {
      const chunkEndBytes = chunkStartBytes + placement.chunks[seq]!.payloadLengthBytes;
      // Without a range every chunk is read, so even a 0-byte object's record gets verified.
      if (range === undefined || (chunkEndBytes > startByte && chunkStartBytes <= endByteInclusive)) {
        wanted.push({ identity, placement, seq, objectOffsetBytes: chunkStartBytes });
      }
      chunkStartBytes = chunkEndBytes;
      if (chunkStartBytes > endByteInclusive) break;
    }
    // One record of read-ahead: the next record is read while the caller sends this one (at most
    // READ_AHEAD_RECORDS + 1 records in memory per stream).
    const started: Array<Promise<Buffer>> = [];
    const start = (index: number) => {
      if (index >= wanted.length || started[index] !== undefined) return;
      const reading = this.readChunk(wanted[index]!);
      // A read the caller never reaches (it stopped early) must not become an unhandled rejection.
      reading.catch(() => undefined);
      started[index] = reading;
    };
    for (let index = 0; index < wanted.length; index++) {
      for (let ahead = 0; ahead <= READ_AHEAD_RECORDS; ahead++) start(index + ahead);
      const payload = await started[index]!;
      delete started[index];
      const chunk = wanted[index]!;
      const fromBytes = Math.max(startByte - chunk.objectOffsetBytes, 0);
      const toBytes = Math.min(endByteInclusive + 1 - chunk.objectOffsetBytes, payload.length);
      if (toBytes > fromBytes) yield payload.subarray(fromBytes, toBytes);
    }
  }

  private async readChunk(expected: ExpectedChunk): Promise<Buffer> {
    this.readsCount++;
    try {
      return await readVerifiedChunk((volumeId, fn) => this.readHandles.withHandle(volumeId, fn), expected);
    } catch (error) {
      if (error instanceof StorageCorruptionError) {
        const { bucket, key, versionId } = expected.identity;
        this.log(
          `storage: CORRUPTION drive ${this.format.driveId} volume ${error.volumeId} offset ${error.offsetBytes} ` +
            `(bucket ${JSON.stringify(bucket)} key ${JSON.stringify(key)} version ${JSON.stringify(versionId)} ` +
            `chunk ${expected.seq}): ${error.reason}`,
        );
      }
      throw error;
    }
  }

  /** Durable tombstone record (so an index rebuilt from drives doesn't resurrect deleted objects). */
  async writeTombstone(identity: RecordIdentity): Promise<void> {
    this.assertOpen();
    assertIdentity(identity);
    const { bucket: b, key: k, versionId: v } = identity;
    const record = encodeRecord(RECORD_TYPE_TOMBSTONE, false, { b, k, v, at: Date.now() }, Buffer.alloc(0));
    const { volume, offsetBytes } = await this.appendRecord(record);
    await volume.syncThrough(offsetBytes + record.sizeBytes);
  }

  /**
   * Every record of every volume, in volume then offset order, each verified. A volume's walk stops
   * at its first record with an untrustworthy header (its torn tail), which is reported with
   * valid: false. Volumes this process is appending to are walked up to their written end.
   */
  async *scanRecords(): AsyncGenerator<ScannedRecord> {
    this.assertOpen();
    for (const volumeId of await listVolumeIds(this.drivePath)) {
      const handle = await fs.open(volumePath(this.drivePath, volumeId), 'r');
      try {
        const own = this.ownVolumes.get(volumeId);
        const endOffsetBytes = own !== undefined ? own.writtenEndBytes : (await handle.stat()).size;
        for await (const record of scanVolume(handle, volumeId, endOffsetBytes)) {
          if (!record.valid) this.log(`storage: scan: volume ${volumeId} offset ${record.recordOffsetBytes}: ${record.reason}`);
          yield record;
        }
      } finally {
        await handle.close();
      }
    }
  }

  /** Waits for queued appends, syncs, closes every file. Further calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.rolling !== null) await this.rolling.catch(() => {});
    this.retire(this.active);
    while (this.retiring.size > 0) await Promise.all(this.retiring);
    await this.readHandles.closeAll();
  }

  /** Appends a record to the active volume (rolling over when full); resolves once it is written. */
  async appendRecord(record: EncodedRecord): Promise<{ volume: Volume; offsetBytes: number }> {
    // Guaranteed by the record limits ≤ VOLUME_SIZE_BYTES_MIN; otherwise rollover would never end.
    assert(record.sizeBytes <= this.volumeSizeBytesMax, 'record larger than a volume');
    for (;;) {
      this.assertOpen();
      const volume = this.active;
      if (volume.canAppend(record.sizeBytes)) {
        const { offsetBytes, written } = volume.append(record);
        await written;
        return { volume, offsetBytes };
      }
      await this.rollOver(volume);
    }
  }

  /** Replaces a full (or failed) active volume with a new one; concurrent callers share one rollover. */
  private rollOver(full: Volume): Promise<void> {
    if (this.active !== full) return Promise.resolve();
    this.rolling ??= (async () => {
      try {
        const { volumeId, handle } = await createVolumeFile(this.drivePath);
        if (this.closed) {
          await handle.close();
          return;
        }
        this.adopt(new Volume(volumeId, handle, this.volumeSizeBytesMax, this.counters, this.log));
        this.retire(full);
        this.log(`storage: volume ${full.volumeId} rolled over to volume ${volumeId}`);
      } finally {
        this.rolling = null;
      }
    })();
    return this.rolling;
  }

  private adopt(volume: Volume): void {
    this.active = volume;
    this.ownVolumes.set(volume.volumeId, volume);
  }

  /** Closes a volume in the background (drain, fdatasync, close); writers still syncing on it are served. */
  private retire(volume: Volume): void {
    const closing: Promise<void> = volume
      .close()
      .catch((error: Error) => this.log(`storage: closing volume ${volume.volumeId} failed: ${error.message}`))
      .finally(() => {
        this.retiring.delete(closing);
        this.ownVolumes.delete(volume.volumeId);
      });
    this.retiring.add(closing);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}

function assertRange(range: ByteRange, sizeBytes: number): void {
  const { startByte, endByteInclusive } = range;
  if (
    !Number.isSafeInteger(startByte) || !Number.isSafeInteger(endByteInclusive) ||
    startByte < 0 || startByte > endByteInclusive || endByteInclusive >= sizeBytes
  ) {
    throw new RangeError(`range ${startByte}-${endByteInclusive} is not within an object of ${sizeBytes} bytes`);
  }
}
