// The one streaming object writer. It buffers an object into units (a standalone drive's chunk, an
// erasure set's stripe), growing the buffer by doubling up to one unit, keeps one unit's append in
// flight while the caller fills the next, and on finish appends the last unit with the final flag,
// waits until the sink says every record is durable and returns the placement. What a unit becomes
// on the drives (one data record, or k+m shard records under a write quorum) is the RecordSink's
// business: drive-sink.ts and erasure/writer.ts. A writer asked to hash its body (hashBodyMd5) keeps
// its units in SharedArrayBuffers and hands each one to the MD5 hasher thread (md5-hasher.ts) while it
// fills (every MD5_HANDOFF_BYTES, so little is left to hash after the last byte); a buffer is filled
// again only once both the sink and the hasher are done with it.

import assert from 'node:assert/strict';
import { OBJECT_SIZE_BYTES_MAX } from './constants.js';
import type { Md5Stream } from './md5-hasher.js';
import type { Placement } from './placement.js';
import { VolumeLease } from './volume.js';

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
  /**
   * Only for a writer created to hash its body: the MD5 of every byte written, from the hasher thread.
   * Call after the last write() and before finish(); rejects if the thread died (no ETag is guessed).
   */
  bodyMd5(): Promise<Buffer>;
  readonly bytesWritten: number;
}

/**
 * Where a writer's units go. Calls come in order, one at a time: encode (if any) then append for
 * each unit, then syncAll and placement once. `Encoded` is what the optional asynchronous encode
 * step hands to append (the erasure set's shard records); a standalone drive has none.
 */
export interface RecordSink<Encoded = undefined> {
  /** Object bytes per unit: every unit but the last is exactly this long. */
  readonly unitSizeBytes: number;
  /** The buffer grows (doubling) up to this: one unit, plus room for padding if encode pads. */
  readonly bufferCapacityBytes: number;
  readonly unitsMax: number;
  /** 'chunk' or 'stripe': for messages. */
  readonly unitName: string;
  /**
   * True when nothing refers to a unit's bytes once its append has settled, so the writer may fill
   * the same buffer again (two buffers per writer, ping-pong, instead of a fresh one per unit).
   */
  readonly unitFreeAfterAppend?: boolean;
  /** Called by finish() before the final unit is encoded; the whole object may still be in the buffer. */
  beforeFinalUnit?(bufferedBytes: number, unitsAppended: number): void;
  /** The buffer length the unit's encoding needs (≥ dataBytes): the writer grows the buffer to it first. */
  paddedSizeBytes?(dataBytes: number): number;
  /** An asynchronous step before append (parity coding); the unit's bytes are unit[0, dataBytes). */
  encode?(unit: Buffer, dataBytes: number, unitIndex: number, objectOffsetBytes: number, objectMetadata: Record<string, unknown> | null): Promise<Encoded>;
  /**
   * Appends the unit's records (objectMetadata !== null: the final unit) and returns at once; the
   * promise settles once they are appended (not durable), after the previous unit's, and rejects if
   * the object can no longer be written. `unit` stays untouched until then.
   */
  append(
    unit: Buffer, dataBytes: number, unitIndex: number, objectOffsetBytes: number, objectMetadata: Record<string, unknown> | null,
    encoded: Encoded | undefined, lease: VolumeLease,
  ): Promise<void>;
  /** Resolves once every appended record is durable (or counted lost); durable before visible. */
  syncAll(): Promise<unknown>;
  /** The placement of the whole object; throws if it is not durable enough to acknowledge. */
  placement(sizeBytes: number): Placement;
}

/**
 * A unit being filled goes to the hasher thread in pieces of at least this: after the last byte only
 * the rest (< this) is left to hash. Measured in docs/performance.md, "Session 9: MD5 off the event loop".
 */
const MD5_HANDOFF_BYTES = 256 * 1024;

/** The unit buffer grows by doubling up to this; past it, straight to a whole unit. */
const UNIT_DOUBLING_BYTES_MAX = 64 * 1024;

type WriterState = 'idle' | 'busy' | 'finished' | 'aborted' | 'failed';

export function assertIdentity(identity: RecordIdentity): void {
  for (const field of ['bucket', 'key', 'versionId'] as const) {
    if (typeof identity?.[field] !== 'string') throw new TypeError(`record identity needs a string ${field}`);
  }
}

export class StreamingObjectWriter<Encoded = undefined> implements ObjectWriter {
  private state: WriterState = 'idle';
  /**
   * The unit being filled. It grows (doubling) up to one unit, so a 4 KiB object costs a 4 KiB
   * buffer, and is reused after each append: bounded memory per writer is one unit (two while one
   * is in flight).
   */
  private unit: Buffer = Buffer.alloc(0);
  private unitFillBytes = 0;
  /** Units handed to the sink (one may still be in flight). */
  private unitCount = 0;
  private inFlightAppend: Promise<void> | null = null;
  /** The buffer of the unit in flight; free again once its append settles (see unitFreeAfterAppend). */
  private inFlightUnit: Buffer | null = null;
  private appendedBytes = 0;
  private acceptedBytes = 0;
  private readonly lease = new VolumeLease();
  /** The body's MD5 on the hasher thread, when asked for (hashBodyMd5). */
  private md5: Md5Stream | undefined;
  /** The unit in flight's last piece handed to the hasher: settles once the thread has read all of it. */
  private inFlightHash: Promise<void> | null = null;
  /** Bytes of the unit being filled already handed to the hasher, and the promise of the last piece. */
  private unitHashedBytes = 0;
  private unitHash: Promise<void> | null = null;
  /** bodyMd5() has handed the buffered (final) unit to the hasher: nothing more may be written. */
  private finalUnitHashed = false;

  constructor(
    private readonly sink: RecordSink<Encoded>,
    identity: RecordIdentity,
  ) {
    assertIdentity(identity);
  }

  get bytesWritten(): number {
    return this.acceptedBytes;
  }

  /** Hashes the body on `md5` as it is written (before the first write): see bodyMd5(). */
  hashBodyMd5(md5: Md5Stream): this {
    assert(this.state === 'idle' && this.unit.length === 0 && this.unitCount === 0 && this.md5 === undefined, 'hashing starts before the first byte');
    this.md5 = md5;
    return this;
  }

  async bodyMd5(): Promise<Buffer> {
    this.enter('bodyMd5');
    try {
      assert(this.md5 !== undefined && !this.finalUnitHashed, 'bodyMd5() once, on a writer created to hash its body');
      await this.settleInFlightHash();
      if (this.aborted()) throw new Error('object writer aborted');
      this.finalUnitHashed = true;
      // The buffered unit (the final one) stays untouched until finish() appends it.
      this.hashUnitThrough(this.unitFillBytes);
      const digest = await this.md5.digest();
      this.leave();
      return digest;
    } catch (error) {
      if (this.state === 'busy') this.state = 'failed';
      throw error;
    }
  }

  async write(data: Buffer): Promise<void> {
    this.enter('write');
    assert(!this.finalUnitHashed, 'write() after bodyMd5()');
    if (this.acceptedBytes + data.length > OBJECT_SIZE_BYTES_MAX) {
      this.state = 'failed';
      throw new RangeError(`object larger than ${OBJECT_SIZE_BYTES_MAX} bytes`);
    }
    try {
      const unitBytes = this.sink.unitSizeBytes;
      let consumedBytes = 0;
      while (consumedBytes < data.length) {
        // A full unit is appended only when more data arrives, so the last unit of an object that
        // is a whole number of units carries the final flag itself (no empty trailing record).
        if (this.unitFillBytes === unitBytes) await this.appendUnit(null);
        if (this.aborted()) return;
        const takeBytes = Math.min(unitBytes - this.unitFillBytes, data.length - consumedBytes);
        this.copyIntoUnit(data.subarray(consumedBytes, consumedBytes + takeBytes));
        consumedBytes += takeBytes;
        if (this.md5 !== undefined && this.unitFillBytes - this.unitHashedBytes >= MD5_HANDOFF_BYTES) this.hashUnitThrough(this.unitFillBytes);
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
    if (this.md5 !== undefined && !this.finalUnitHashed) {
      this.state = 'failed';
      throw new Error('ObjectWriter.finish() before bodyMd5() on a writer hashing its body');
    }
    if (typeof objectMetadata !== 'object' || objectMetadata === null || Array.isArray(objectMetadata)) {
      this.state = 'failed';
      throw new TypeError('objectMetadata must be a plain object');
    }
    try {
      this.sink.beforeFinalUnit?.(this.unitFillBytes, this.unitCount);
      await this.appendUnit(objectMetadata);
      if (this.aborted()) throw new Error('object writer aborted');
      // Durable before visible: the placement exists only once every record is fdatasync'ed.
      await this.sink.syncAll();
      if (this.aborted()) throw new Error('object writer aborted');
      assert.equal(this.appendedBytes, this.acceptedBytes, `every accepted byte is in a ${this.sink.unitName}`);
      const placement = this.sink.placement(this.appendedBytes);
      this.state = 'finished';
      this.unit = Buffer.alloc(0);
      this.inFlightUnit = null;
      return placement;
    } catch (error) {
      if (this.state === 'busy') this.state = 'failed';
      throw error;
    }
  }

  abort(): void {
    this.lease.release();
    if (this.state === 'finished') return;
    this.md5?.drop();
    this.state = 'aborted';
    this.unit = Buffer.alloc(0);
    this.inFlightUnit = null;
    this.unitFillBytes = 0;
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

  private copyIntoUnit(data: Buffer): void {
    const neededBytes = this.unitFillBytes + data.length;
    assert(neededBytes <= this.sink.unitSizeBytes, `${this.sink.unitName} overflow`);
    if (neededBytes > this.unit.length) {
      // Doubling keeps a small object's buffer small; a body still coming past UNIT_DOUBLING_BYTES_MAX
      // gets a whole unit at once, so a 1 MiB body is not copied again at every doubling.
      const grownBytes = neededBytes > UNIT_DOUBLING_BYTES_MAX ? this.sink.bufferCapacityBytes : Math.max(neededBytes, this.unit.length * 2);
      const capacityBytes = Math.min(this.sink.bufferCapacityBytes, grownBytes);
      this.regrow(capacityBytes);
    }
    data.copy(this.unit, this.unitFillBytes);
    this.unitFillBytes = neededBytes;
  }

  /** A unit buffer: shared with the hasher thread when the body is hashed there. */
  private allocateUnit(capacityBytes: number): Buffer {
    return this.md5 === undefined ? Buffer.allocUnsafe(capacityBytes) : Buffer.from(new SharedArrayBuffer(capacityBytes));
  }

  private regrow(capacityBytes: number): void {
    const grown = this.allocateUnit(capacityBytes);
    this.unit.copy(grown, 0, 0, this.unitFillBytes);
    this.unit = grown;
  }

  /**
   * Hands the buffered unit to the sink; objectMetadata !== null makes it the final one. One append
   * may stay in flight while the caller fills the next unit (so a connection's bytes keep arriving
   * while the kernel takes the previous MiB); the final append waits for everything.
   */
  private async appendUnit(objectMetadata: Record<string, unknown> | null): Promise<void> {
    await this.settleInFlightAppend();
    // The buffer about to be filled again is free of the hasher too (and the hasher stays at most
    // one unit behind: bounded memory even for a sink that never reuses buffers).
    await this.settleInFlightHash();
    if (this.aborted()) return;
    const sink = this.sink;
    const final = objectMetadata !== null;
    const unitIndex = this.unitCount;
    if (unitIndex >= sink.unitsMax) throw new RangeError(`object has too many ${sink.unitName}s`);
    const dataBytes = this.unitFillBytes;
    if (sink.paddedSizeBytes !== undefined) {
      const paddedBytes = sink.paddedSizeBytes(dataBytes);
      if (paddedBytes > this.unit.length) this.regrow(paddedBytes);
    }
    // The final unit was handed to the hasher by bodyMd5(); every other one's rest goes now, beside its encode and append.
    if (!final) this.hashUnitThrough(dataBytes);
    const hashing = this.unitHash;
    this.unitHash = null;
    this.unitHashedBytes = 0;
    let encoded: Encoded | undefined;
    if (sink.encode !== undefined) {
      encoded = await sink.encode(this.unit, dataBytes, unitIndex, this.appendedBytes, objectMetadata);
      if (this.aborted()) return;
    }
    const appending = sink.append(this.unit, dataBytes, unitIndex, this.appendedBytes, objectMetadata, encoded, this.lease);
    this.unitCount += 1;
    this.appendedBytes += dataBytes;
    this.unitFillBytes = 0;
    if (final) {
      await appending;
      return;
    }
    // The records still refer to this unit's bytes until the kernel has them: fill another buffer,
    // the one whose append settled just before this one started, if the sink allows it.
    const settledUnit = this.inFlightUnit;
    this.inFlightUnit = sink.unitFreeAfterAppend === true ? this.unit : null;
    this.unit = settledUnit !== null && settledUnit.length === this.unit.length ? settledUnit : this.allocateUnit(this.unit.length);
    appending.catch(() => undefined);
    this.inFlightAppend = appending;
    this.inFlightHash = hashing;
  }

  /** Hands unit[unitHashedBytes, toBytes) to the hasher, if the body is hashed there. */
  private hashUnitThrough(toBytes: number): void {
    if (this.md5 === undefined || toBytes <= this.unitHashedBytes) return;
    const hashing = this.md5.update(this.unit, this.unitHashedBytes, toBytes);
    // Awaited before the buffer is filled again (settleInFlightHash) or through the digest.
    hashing.catch(() => undefined);
    this.unitHash = hashing;
    this.unitHashedBytes = toBytes;
  }

  private settleInFlightHash(): Promise<void> {
    const pending = this.inFlightHash;
    this.inFlightHash = null;
    return this.settleInFlight(pending);
  }

  private settleInFlightAppend(): Promise<void> {
    const pending = this.inFlightAppend;
    this.inFlightAppend = null;
    return this.settleInFlight(pending);
  }

  private async settleInFlight(pending: Promise<unknown> | null): Promise<void> {
    if (pending === null) return;
    try {
      await pending;
    } catch (error) {
      // A unit whose append or hash failed is never filled again (the writer fails anyway).
      this.inFlightUnit = null;
      throw error;
    }
  }
}
