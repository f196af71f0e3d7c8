// ObjectWriter: streams one object into data records of at most one chunk each.

import assert from 'node:assert/strict';
import { CHUNK_SIZE_BYTES_MAX, OBJECT_SIZE_BYTES_MAX, PLACEMENT_CHUNKS_MAX, RECORD_TYPE_DATA } from './constants.js';
import type { ChunkLocation, Placement } from './placement.js';
import { encodeRecord, type EncodedRecord } from './record.js';
import { VolumeLease, type Volume } from './volume.js';

export interface RecordIdentity {
  bucket: string;
  key: string;
  versionId: string;
}

export interface ObjectWriter {
  /** Buffers data; appends a record each time a full chunk accumulates (awaits the append, not the fsync: backpressure). */
  write(data: Buffer): Promise<void>;
  /** Appends the last chunk (possibly empty, for a 0-byte object) with the final flag and `objectMetadata`, waits for group commit, returns the placement. */
  finish(objectMetadata: Record<string, unknown>): Promise<Placement>;
  /**
   * Abandons the object: nothing more is appended; records already appended become garbage (never
   * referenced). Also releases the writer's volumes, as release() does.
   */
  abort(): void;
  /**
   * The placement finish() returned is now committed to the index (or will never be): the volumes
   * this writer appended to may be sealed and compacted. Until then they count as active, because
   * the index may still come to reference them. Idempotent.
   */
  release(): void;
  readonly bytesWritten: number;
}

/** What a writer needs from Storage: append a record somewhere and learn where it went. */
export interface RecordAppender {
  appendRecord(record: EncodedRecord, lease?: VolumeLease): Promise<{ volume: Volume; offsetBytes: number }>;
}

type WriterState = 'idle' | 'busy' | 'finished' | 'aborted' | 'failed';

export function assertIdentity(identity: RecordIdentity): void {
  for (const field of ['bucket', 'key', 'versionId'] as const) {
    if (typeof identity?.[field] !== 'string') throw new TypeError(`record identity needs a string ${field}`);
  }
}

export class StorageObjectWriter implements ObjectWriter {
  private state: WriterState = 'idle';
  /**
   * The chunk being filled. It grows (doubling) up to one chunk, so a 4 KiB object costs a 4 KiB
   * buffer, and is reused after each append: bounded memory per writer is one chunk.
   */
  private chunk: Buffer = Buffer.alloc(0);
  private chunkFillBytes = 0;
  private readonly chunks: ChunkLocation[] = [];
  /** Chunks handed to the appender (one may not have settled into `chunks` yet). */
  private chunkCount = 0;
  private inFlightAppend: Promise<void> | null = null;
  /** Per volume touched, the end of our last record in it: what finish() must see durable. */
  private readonly volumeEnds = new Map<Volume, number>();
  private appendedBytes = 0;
  private acceptedBytes = 0;
  private readonly lease = new VolumeLease();

  constructor(
    private readonly appender: RecordAppender,
    private readonly identity: RecordIdentity,
  ) {
    assertIdentity(identity);
  }

  get bytesWritten(): number {
    return this.acceptedBytes;
  }

  async write(data: Buffer): Promise<void> {
    this.enter('write');
    if (this.acceptedBytes + data.length > OBJECT_SIZE_BYTES_MAX) {
      this.state = 'failed';
      throw new RangeError(`object larger than ${OBJECT_SIZE_BYTES_MAX} bytes`);
    }
    try {
      let consumedBytes = 0;
      while (consumedBytes < data.length) {
        // A full chunk is appended only when more data arrives, so the last chunk of an object that
        // is a whole number of chunks carries the final flag itself (no empty trailing record).
        if (this.chunkFillBytes === CHUNK_SIZE_BYTES_MAX) await this.appendChunk(null);
        if (this.aborted()) return;
        const takeBytes = Math.min(CHUNK_SIZE_BYTES_MAX - this.chunkFillBytes, data.length - consumedBytes);
        this.copyIntoChunk(data.subarray(consumedBytes, consumedBytes + takeBytes));
        consumedBytes += takeBytes;
      }
      this.acceptedBytes += data.length;
      this.leave();
    } catch (error) {
      if (this.state === 'busy') this.state = 'failed';
      throw error;
    }
  }

  async finish(objectMetadata: Record<string, unknown>): Promise<Placement> {
    this.enter('finish');
    if (typeof objectMetadata !== 'object' || objectMetadata === null || Array.isArray(objectMetadata)) {
      this.state = 'failed';
      throw new TypeError('objectMetadata must be a plain object');
    }
    try {
      await this.appendChunk(objectMetadata);
      if (this.aborted()) throw new Error('object writer aborted');
      // Durable before visible: the placement exists only once every record is fdatasync'ed.
      await Promise.all([...this.volumeEnds].map(([volume, endOffsetBytes]) => volume.syncThrough(endOffsetBytes)));
      if (this.aborted()) throw new Error('object writer aborted');
      assert.equal(this.appendedBytes, this.acceptedBytes, 'every accepted byte is in a record');
      this.state = 'finished';
      this.chunk = Buffer.alloc(0);
      return { sizeBytes: this.appendedBytes, chunks: this.chunks.map((chunk) => ({ ...chunk })) };
    } catch (error) {
      if (this.state === 'busy') this.state = 'failed';
      throw error;
    }
  }

  abort(): void {
    this.lease.release();
    if (this.state === 'finished') return;
    this.state = 'aborted';
    this.chunk = Buffer.alloc(0);
    this.chunkFillBytes = 0;
  }

  release(): void {
    this.lease.release();
  }

  /** A method, not an inline comparison: abort() can change the state across any await. */
  private aborted(): boolean {
    return this.state === 'aborted';
  }

  private enter(operation: string): void {
    if (this.state === 'busy') throw new Error(`ObjectWriter.${operation}() called while another call is pending`);
    if (this.state !== 'idle') throw new Error(`ObjectWriter.${operation}() called on a ${this.state} writer`);
    this.state = 'busy';
  }

  private leave(): void {
    if (this.state === 'busy') this.state = 'idle';
  }

  private copyIntoChunk(data: Buffer): void {
    const neededBytes = this.chunkFillBytes + data.length;
    assert(neededBytes <= CHUNK_SIZE_BYTES_MAX, 'chunk overflow');
    if (neededBytes > this.chunk.length) {
      const capacityBytes = Math.min(CHUNK_SIZE_BYTES_MAX, Math.max(neededBytes, this.chunk.length * 2));
      const grown = Buffer.allocUnsafe(capacityBytes);
      this.chunk.copy(grown, 0, 0, this.chunkFillBytes);
      this.chunk = grown;
    }
    data.copy(this.chunk, this.chunkFillBytes);
    this.chunkFillBytes = neededBytes;
  }

  /**
   * Appends the buffered chunk as a record; objectMetadata !== null makes it the final one. One
   * append may stay in flight while the caller fills the next chunk (so a connection's bytes keep
   * arriving while the kernel takes the previous MiB); the final append waits for everything.
   */
  private async appendChunk(objectMetadata: Record<string, unknown> | null): Promise<void> {
    await this.settleInFlightAppend();
    if (this.aborted()) return;
    const final = objectMetadata !== null;
    const seq = this.chunkCount;
    if (seq >= PLACEMENT_CHUNKS_MAX) throw new RangeError('object has too many chunks');
    const payloadLengthBytes = this.chunkFillBytes;
    const { bucket: b, key: k, versionId: v } = this.identity;
    const header: Record<string, unknown> = { b, k, v, seq, off: this.appendedBytes };
    if (final) Object.assign(header, { meta: objectMetadata, size: this.appendedBytes + payloadLengthBytes, chunks: seq + 1 });
    const record = encodeRecord(RECORD_TYPE_DATA, final, header, this.chunk.subarray(0, payloadLengthBytes));
    const appending = this.appender.appendRecord(record, this.lease).then(({ volume, offsetBytes }) => {
      // Appends settle in order: each waits for the one before it (settleInFlightAppend).
      assert.equal(this.chunks.length, seq, 'chunks are recorded in order');
      this.chunks.push({ volumeId: volume.volumeId, recordOffsetBytes: offsetBytes, headerJsonLengthBytes: record.headerJsonLengthBytes, payloadLengthBytes });
      this.volumeEnds.set(volume, offsetBytes + record.sizeBytes);
    });
    this.chunkCount += 1;
    this.appendedBytes += payloadLengthBytes;
    this.chunkFillBytes = 0;
    if (final) {
      await appending;
      return;
    }
    // The record still refers to this chunk's bytes until the kernel has them: fill a fresh one.
    this.chunk = Buffer.allocUnsafe(this.chunk.length);
    appending.catch(() => undefined);
    this.inFlightAppend = appending;
  }

  private async settleInFlightAppend(): Promise<void> {
    const pending = this.inFlightAppend;
    this.inFlightAppend = null;
    if (pending !== null) await pending;
  }
}
