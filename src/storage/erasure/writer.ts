// ErasureObjectWriter: streams one object into stripes; each stripe becomes k data shards plus m
// parity shards (or copies, when k = 1), one shard record per drive, each drive with its own volume
// and group commit. finish() returns the placement only once every stripe has at least the write
// quorum of shards durable; otherwise it throws StorageUnavailableError and nothing is referenced.

import assert from 'node:assert/strict';
import { OBJECT_SIZE_BYTES_MAX, PLACEMENT_STRIPES_MAX, RECORD_TYPE_SHARD } from '../constants.js';
import type { DriveStore } from '../drive-store.js';
import { StorageUnavailableError } from '../errors.js';
import type { Placement } from '../placement.js';
import { encodeRecord, type EncodedRecord } from '../record.js';
import { VolumeLease, type Volume } from '../volume.js';
import { assertIdentity, type ObjectWriter, type RecordIdentity } from '../writer.js';
import { encodeParity } from './codec.js';
import { describeLayout, driveOfShard, shardSizeBytes, type Layout } from './geometry.js';
import type { ShardLocation } from './placement-codec.js';

/** A layout and where it puts shards: k+m distinct set drive indexes, and the shards a write needs. */
export interface ShardPlacementPlan {
  layout: Layout;
  drives: number[];
  writeQuorum: number;
}

/** What a writer is given by the set: the layout, the drives in shard-slot order, the quorum. */
export interface WritePlan extends ShardPlacementPlan {
  /**
   * An object that ends within its first stripe and is at most `sizeBytesMax` is written with this
   * plan instead (copies rather than stripes: one record per read; see docs/storage-format.md).
   */
  smallObject?: ShardPlacementPlan & { sizeBytesMax: number };
  stripeDataSizeBytes: number;
  driveStores: readonly DriveStore[];
  /** A shard that could not be written: logged and queued for repair by the set. */
  onShardMissing: (identity: RecordIdentity, stripeIndex: number, shardIndex: number, driveIndex: number, reason: string) => void;
}

type WriterState = 'idle' | 'busy' | 'finished' | 'aborted' | 'failed';

/** Records of this writer in one volume: the end of the last one, and which shards they are. */
interface VolumeShare {
  drive: DriveStore;
  endOffsetBytes: number;
  shards: Array<[stripeIndex: number, shardIndex: number]>;
}

export class ErasureObjectWriter implements ObjectWriter {
  private state: WriterState = 'idle';
  /** Object bytes of the stripe being filled; grows (doubling) up to k shards of a full stripe. */
  private stripe: Buffer = Buffer.alloc(0);
  private stripeFillBytes = 0;
  private readonly stripes: Array<Array<ShardLocation | null>> = [];
  /** Stripes handed to the drives (one may not have settled into `stripes` yet). */
  private stripeCount = 0;
  private inFlightStripe: Promise<void> | null = null;
  private readonly volumeShares = new Map<Volume, VolumeShare>();
  private appendedBytes = 0;
  private acceptedBytes = 0;
  private readonly stripeCapacityBytes: number;
  private readonly lease = new VolumeLease();

  private plan: WritePlan;

  constructor(
    plan: WritePlan,
    private readonly identity: RecordIdentity,
  ) {
    this.plan = plan;
    assertIdentity(identity);
    const { layout, stripeDataSizeBytes } = plan;
    assert.equal(plan.drives.length, layout.dataShards + layout.parityShards, 'one drive per shard');
    this.stripeCapacityBytes = shardSizeBytes(stripeDataSizeBytes, layout.dataShards) * layout.dataShards;
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
      const stripeBytes = this.plan.stripeDataSizeBytes;
      let consumedBytes = 0;
      while (consumedBytes < data.length) {
        // A full stripe goes out only when more data arrives, so the last stripe of an object that
        // is a whole number of stripes carries the final flag itself (no empty trailing stripe).
        if (this.stripeFillBytes === stripeBytes) await this.flushStripe(null);
        if (this.aborted()) return;
        const takeBytes = Math.min(stripeBytes - this.stripeFillBytes, data.length - consumedBytes);
        this.copyIntoStripe(data.subarray(consumedBytes, consumedBytes + takeBytes));
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
      const small = this.plan.smallObject;
      if (small !== undefined && this.stripeCount === 0 && this.stripeFillBytes <= small.sizeBytesMax) {
        // Nothing is on the drives yet: the whole object is in the buffer, so it may change layout.
        this.plan = { ...this.plan, layout: small.layout, drives: small.drives, writeQuorum: small.writeQuorum };
      }
      await this.flushStripe(objectMetadata);
      if (this.aborted()) throw new Error('object writer aborted');
      // Durable before visible: each drive's group commit covers this writer's records on it.
      await Promise.all([...this.volumeShares].map(([volume, share]) => this.syncShare(volume, share)));
      if (this.aborted()) throw new Error('object writer aborted');
      assert.equal(this.appendedBytes, this.acceptedBytes, 'every accepted byte is in a stripe');
      this.assertQuorum();
      this.reportMissingShards();
      this.state = 'finished';
      this.stripe = Buffer.alloc(0);
      const { layout, stripeDataSizeBytes, drives } = this.plan;
      return {
        sizeBytes: this.appendedBytes,
        chunks: [],
        erasure: {
          dataShards: layout.dataShards,
          parityShards: layout.parityShards,
          stripeDataSizeBytes,
          drives: [...drives],
          stripes: this.stripes.map((shards) => shards.map((shard) => (shard === null ? null : { ...shard }))),
        },
      };
    } catch (error) {
      if (this.state === 'busy') this.state = 'failed';
      throw error;
    }
  }

  abort(): void {
    this.lease.release();
    if (this.state === 'finished') return;
    this.state = 'aborted';
    this.stripe = Buffer.alloc(0);
    this.stripeFillBytes = 0;
  }

  release(): void {
    this.lease.release();
  }

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

  private copyIntoStripe(data: Buffer): void {
    const neededBytes = this.stripeFillBytes + data.length;
    assert(neededBytes <= this.plan.stripeDataSizeBytes, 'stripe overflow');
    if (neededBytes > this.stripe.length) {
      const capacityBytes = Math.min(this.stripeCapacityBytes, Math.max(neededBytes, this.stripe.length * 2));
      const grown = Buffer.allocUnsafe(capacityBytes);
      this.stripe.copy(grown, 0, 0, this.stripeFillBytes);
      this.stripe = grown;
    }
    data.copy(this.stripe, this.stripeFillBytes);
    this.stripeFillBytes = neededBytes;
  }

  /** The k+m shard payloads of the buffered stripe (data shards zero-padded; parity computed). */
  private async shardsOfStripe(stripeDataBytes: number): Promise<Buffer[]> {
    const { dataShards, parityShards } = this.plan.layout;
    const shardBytes = shardSizeBytes(stripeDataBytes, dataShards);
    if (dataShards === 1) return Array.from({ length: 1 + parityShards }, () => this.stripe.subarray(0, stripeDataBytes));
    const dataBytes = shardBytes * dataShards;
    if (this.stripe.length < dataBytes) {
      const grown = Buffer.allocUnsafe(dataBytes);
      this.stripe.copy(grown, 0, 0, stripeDataBytes);
      this.stripe = grown;
    }
    const data = this.stripe.subarray(0, dataBytes);
    data.fill(0, stripeDataBytes);
    const parity = Buffer.allocUnsafe(shardBytes * parityShards);
    await encodeParity(dataShards, parityShards, data, parity);
    const shards: Buffer[] = [];
    for (let index = 0; index < dataShards; index++) shards.push(data.subarray(index * shardBytes, (index + 1) * shardBytes));
    for (let index = 0; index < parityShards; index++) shards.push(parity.subarray(index * shardBytes, (index + 1) * shardBytes));
    return shards;
  }

  /**
   * Codes the buffered stripe and appends its shard records, one per drive; objectMetadata !== null
   * makes it the final stripe. One stripe may stay in flight while the caller fills the next.
   */
  private async flushStripe(objectMetadata: Record<string, unknown> | null): Promise<void> {
    await this.settleInFlightStripe();
    if (this.aborted()) return;
    const final = objectMetadata !== null;
    const stripeIndex = this.stripeCount;
    if (stripeIndex >= PLACEMENT_STRIPES_MAX) throw new RangeError('object has too many stripes');
    const stripeDataBytes = this.stripeFillBytes;
    const records = this.encodeStripeRecords(await this.shardsOfStripe(stripeDataBytes), stripeIndex, stripeDataBytes, objectMetadata);
    if (this.aborted()) return;
    const appending = Promise.all(records.map((record, shardIndex) => this.appendShard(record, stripeIndex, shardIndex))).then((locations) => {
      // Stripes settle in order: each waits for the one before it (settleInFlightStripe).
      assert.equal(this.stripes.length, stripeIndex, 'stripes are recorded in order');
      this.stripes.push(locations);
      const written = locations.filter((location) => location !== null).length;
      if (written < this.plan.writeQuorum) {
        throw new StorageUnavailableError(
          `only ${written} of ${locations.length} shards of stripe ${stripeIndex} could be written; the write quorum is ${this.plan.writeQuorum}`,
        );
      }
    });
    this.stripeCount += 1;
    this.appendedBytes += stripeDataBytes;
    this.stripeFillBytes = 0;
    if (final) {
      await appending;
      return;
    }
    // The records still refer to this stripe's bytes until the drives have them: fill a fresh buffer.
    this.stripe = Buffer.allocUnsafe(this.stripe.length);
    appending.catch(() => undefined);
    this.inFlightStripe = appending;
  }

  /** Encodes every shard record before any is appended, so an oversized header fails the whole stripe. */
  private encodeStripeRecords(shards: Buffer[], stripeIndex: number, stripeDataBytes: number, objectMetadata: Record<string, unknown> | null): EncodedRecord[] {
    const { bucket: b, key: k, versionId: v } = this.identity;
    const base: Record<string, unknown> = {
      b, k, v, st: stripeIndex, ec: describeLayout(this.plan.layout), off: this.appendedBytes, len: stripeDataBytes,
    };
    if (objectMetadata !== null) {
      Object.assign(base, { meta: objectMetadata, size: this.appendedBytes + stripeDataBytes, stripes: stripeIndex + 1 });
    }
    return shards.map((payload, shardIndex) => encodeRecord(RECORD_TYPE_SHARD, objectMetadata !== null, { ...base, sh: shardIndex }, payload));
  }

  /** Appends one shard record to its drive; a drive that is offline or fails leaves the shard missing (null). */
  private async appendShard(record: EncodedRecord, stripeIndex: number, shardIndex: number): Promise<ShardLocation | null> {
    const driveIndex = driveOfShard(this.plan.drives, stripeIndex, shardIndex);
    const drive = this.plan.driveStores[driveIndex]!;
    if (!drive.online) return null;
    try {
      const { volume, offsetBytes } = await drive.appendRecord(record, this.lease);
      let share = this.volumeShares.get(volume);
      if (share === undefined) {
        share = { drive, endOffsetBytes: 0, shards: [] };
        this.volumeShares.set(volume, share);
      }
      share.endOffsetBytes = Math.max(share.endOffsetBytes, offsetBytes + record.sizeBytes);
      share.shards.push([stripeIndex, shardIndex]);
      return { volumeId: volume.volumeId, recordOffsetBytes: offsetBytes, headerJsonLengthBytes: record.headerJsonLengthBytes };
    } catch {
      // The drive logs its own failure (and goes offline if it is gone); the stripe counts the loss.
      return null;
    }
  }

  /** A volume whose fdatasync fails holds none of our shards durably: they become missing. */
  private async syncShare(volume: Volume, share: VolumeShare): Promise<void> {
    try {
      await share.drive.syncThrough(volume, share.endOffsetBytes);
    } catch {
      for (const [stripeIndex, shardIndex] of share.shards) this.stripes[stripeIndex]![shardIndex] = null;
    }
  }

  private assertQuorum(): void {
    for (const [stripeIndex, shards] of this.stripes.entries()) {
      const durable = shards.filter((shard) => shard !== null).length;
      if (durable < this.plan.writeQuorum) {
        throw new StorageUnavailableError(
          `only ${durable} of ${shards.length} shards of stripe ${stripeIndex} are durable; the write quorum is ${this.plan.writeQuorum}`,
        );
      }
    }
  }

  private reportMissingShards(): void {
    for (const [stripeIndex, shards] of this.stripes.entries()) {
      for (const [shardIndex, shard] of shards.entries()) {
        if (shard !== null) continue;
        const driveIndex = driveOfShard(this.plan.drives, stripeIndex, shardIndex);
        this.plan.onShardMissing(this.identity, stripeIndex, shardIndex, driveIndex, 'not written: drive offline or failing');
      }
    }
  }

  private async settleInFlightStripe(): Promise<void> {
    const pending = this.inFlightStripe;
    this.inFlightStripe = null;
    if (pending !== null) await pending;
  }
}
