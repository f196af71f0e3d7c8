// ErasureObjectWriter: the one streaming writer (writer.ts) over an erasure set's record sink. It
// streams one object into stripes; each stripe becomes k data shards plus m parity shards (or copies,
// when k = 1), one shard record per drive, each drive with its own volume and group commit.
// finish() returns the placement only once every stripe has at least the write quorum of shards
// durable; otherwise it throws StorageUnavailableError and nothing is referenced.

import assert from 'node:assert/strict';
import { PLACEMENT_STRIPES_MAX, RECORD_TYPE_SHARD } from '../constants.js';
import type { SetDrive, VolumeRef } from '../set-drive.js';
import { StorageUnavailableError } from '../errors.js';
import type { ErasureSetPlacement } from '../placement.js';
import { encodeRecord, type EncodedRecord } from '../record.js';
import type { VolumeLease } from '../volume.js';
import { StreamingObjectWriter, type RecordIdentity, type RecordSink } from '../writer.js';
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
  driveStores: readonly SetDrive[];
  /** A shard that could not be written: logged and queued for repair by the set. */
  onShardMissing: (identity: RecordIdentity, stripeIndex: number, shardIndex: number, driveIndex: number, reason: string) => void;
}

/** Records of this writer in one volume: the end of the last one, and which shards they are. */
interface VolumeShare {
  drive: SetDrive;
  endOffsetBytes: number;
  shards: Array<[stripeIndex: number, shardIndex: number]>;
}

/**
 * An erasure set's record sink: each unit of the streaming writer (writer.ts) is a stripe, coded
 * into k+m shard records, one per drive. A stripe whose shards cannot reach the write quorum fails
 * the object (StorageUnavailableError); shards lost below it are reported for repair.
 */
export class ErasureRecordSink implements RecordSink<EncodedRecord[]> {
  readonly unitName = 'stripe';
  readonly unitsMax = PLACEMENT_STRIPES_MAX;
  readonly unitSizeBytes: number;
  /** k shards of a full stripe: the data bytes plus the last data shard's zero padding. */
  readonly bufferCapacityBytes: number;
  private readonly stripes: Array<Array<ShardLocation | null>> = [];
  private readonly volumeShares = new Map<VolumeRef, VolumeShare>();
  private plan: WritePlan;

  constructor(
    plan: WritePlan,
    private readonly identity: RecordIdentity,
  ) {
    this.plan = plan;
    const { layout, stripeDataSizeBytes } = plan;
    assert.equal(plan.drives.length, layout.dataShards + layout.parityShards, 'one drive per shard');
    this.unitSizeBytes = stripeDataSizeBytes;
    this.bufferCapacityBytes = shardSizeBytes(stripeDataSizeBytes, layout.dataShards) * layout.dataShards;
  }

  beforeFinalUnit(bufferedBytes: number, stripesAppended: number): void {
    const small = this.plan.smallObject;
    if (small !== undefined && stripesAppended === 0 && bufferedBytes <= small.sizeBytesMax) {
      // Nothing is on the drives yet: the whole object is in the buffer, so it may change layout.
      this.plan = { ...this.plan, layout: small.layout, drives: small.drives, writeQuorum: small.writeQuorum };
    }
  }

  paddedSizeBytes(stripeDataBytes: number): number {
    const { dataShards } = this.plan.layout;
    return dataShards === 1 ? stripeDataBytes : shardSizeBytes(stripeDataBytes, dataShards) * dataShards;
  }

  /** Codes the stripe and encodes every shard record before any is appended, so an oversized header fails the whole stripe. */
  async encode(stripe: Buffer, stripeDataBytes: number, stripeIndex: number, objectOffsetBytes: number, objectMetadata: Record<string, unknown> | null): Promise<EncodedRecord[]> {
    const shards = await this.shardsOfStripe(stripe, stripeDataBytes);
    return this.encodeStripeRecords(shards, stripeIndex, objectOffsetBytes, stripeDataBytes, objectMetadata);
  }

  append(
    _stripe: Buffer, _stripeDataBytes: number, stripeIndex: number, _objectOffsetBytes: number, _objectMetadata: Record<string, unknown> | null,
    records: EncodedRecord[] | undefined, lease: VolumeLease,
  ): Promise<void> {
    return Promise.all(records!.map((record, shardIndex) => this.appendShard(record, stripeIndex, shardIndex, lease))).then((locations) => {
      // Stripes settle in order: the writer waits for each before handing over the next.
      assert.equal(this.stripes.length, stripeIndex, 'stripes are recorded in order');
      this.stripes.push(locations);
      const written = locations.filter((location) => location !== null).length;
      if (written < this.plan.writeQuorum) {
        throw new StorageUnavailableError(
          `only ${written} of ${locations.length} shards of stripe ${stripeIndex} could be written; the write quorum is ${this.plan.writeQuorum}`,
        );
      }
    });
  }

  /** Durable before visible: each drive's group commit covers this writer's records on it. */
  syncAll(): Promise<unknown> {
    return Promise.all([...this.volumeShares].map(([volume, share]) => this.syncShare(volume, share)));
  }

  placement(sizeBytes: number): ErasureSetPlacement {
    this.assertQuorum();
    this.reportMissingShards();
    const { layout, stripeDataSizeBytes, drives } = this.plan;
    return {
      sizeBytes,
      chunks: [],
      erasure: {
        dataShards: layout.dataShards,
        parityShards: layout.parityShards,
        stripeDataSizeBytes,
        drives: [...drives],
        stripes: this.stripes.map((shards) => shards.map((shard) => (shard === null ? null : { ...shard }))),
      },
    };
  }

  /** The k+m shard payloads of the stripe (data shards zero-padded in place; parity computed). */
  private async shardsOfStripe(stripe: Buffer, stripeDataBytes: number): Promise<Buffer[]> {
    const { dataShards, parityShards } = this.plan.layout;
    const shardBytes = shardSizeBytes(stripeDataBytes, dataShards);
    if (dataShards === 1) return Array.from({ length: 1 + parityShards }, () => stripe.subarray(0, stripeDataBytes));
    // The writer grew the buffer to paddedSizeBytes, so the padding is ours to zero.
    const data = stripe.subarray(0, shardBytes * dataShards);
    data.fill(0, stripeDataBytes);
    const parity = Buffer.allocUnsafe(shardBytes * parityShards);
    await encodeParity(dataShards, parityShards, data, parity);
    const shards: Buffer[] = [];
    for (let index = 0; index < dataShards; index++) shards.push(data.subarray(index * shardBytes, (index + 1) * shardBytes));
    for (let index = 0; index < parityShards; index++) shards.push(parity.subarray(index * shardBytes, (index + 1) * shardBytes));
    return shards;
  }

  private encodeStripeRecords(shards: Buffer[], stripeIndex: number, objectOffsetBytes: number, stripeDataBytes: number, objectMetadata: Record<string, unknown> | null): EncodedRecord[] {
    const { bucket: b, key: k, versionId: v } = this.identity;
    const base: Record<string, unknown> = {
      b, k, v, st: stripeIndex, ec: describeLayout(this.plan.layout), off: objectOffsetBytes, len: stripeDataBytes,
    };
    if (objectMetadata !== null) {
      Object.assign(base, { meta: objectMetadata, size: objectOffsetBytes + stripeDataBytes, stripes: stripeIndex + 1 });
    }
    return shards.map((payload, shardIndex) => encodeRecord(RECORD_TYPE_SHARD, objectMetadata !== null, { ...base, sh: shardIndex }, payload));
  }

  /** Appends one shard record to its drive; a drive that is offline or fails leaves the shard missing (null). */
  private async appendShard(record: EncodedRecord, stripeIndex: number, shardIndex: number, lease: VolumeLease): Promise<ShardLocation | null> {
    const driveIndex = driveOfShard(this.plan.drives, stripeIndex, shardIndex);
    const drive = this.plan.driveStores[driveIndex]!;
    if (!drive.online) return null;
    try {
      const { volume, offsetBytes } = await drive.appendRecord(record, lease);
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
  private async syncShare(volume: VolumeRef, share: VolumeShare): Promise<void> {
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
}

/** Streams one object into stripes of shard records over an erasure set. */
export class ErasureObjectWriter extends StreamingObjectWriter<EncodedRecord[]> {
  constructor(plan: WritePlan, identity: RecordIdentity) {
    super(new ErasureRecordSink(plan, identity), identity);
  }
}
