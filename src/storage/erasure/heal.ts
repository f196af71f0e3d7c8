// Heal of one object's shards (docs/storage-format.md, "Heal"): every shard that belongs on a
// target drive is read and verified where the placement says; one that is missing, unreadable or
// fails verification is rebuilt from k good shards of its stripe and appended, durably, to its
// drive. The caller stores the returned placement in the index (conditionally, same version).

import { RECORD_FIXED_HEADER_SIZE_BYTES, RECORD_TYPE_SHARD } from '../constants.js';
import type { SetDrive } from '../set-drive.js';
import type { ErasureSetPlacement, Placement } from '../placement.js';
import { encodeRecord, verifyRecordBytes } from '../record.js';
import type { VolumeLease } from '../volume.js';
import type { RecordIdentity } from '../writer.js';
import { rebuildShardPayloads } from './codec.js';
import { driveOfShard, shardSizeBytes, stripeDataBytesOf } from './geometry.js';
import type { ShardLocation } from './placement-codec.js';
import { verifyShard } from './reader.js';

export interface HealOutcome {
  /** The placement with healed shards' new locations; null when nothing changed. */
  placement: ErasureSetPlacement | null;
  shardsChecked: number;
  shardsHealed: number;
  /** Shards that could not be rebuilt now (fewer than k good shards, or their drive offline). */
  shardsUnhealable: number;
}

interface GoodShard {
  payload: Buffer;
  header: Record<string, unknown>;
  final: boolean;
}

/**
 * Heals the object's shards on the drives in `targetDrives` (set drive indexes). The new records are
 * appended under `lease`: the caller releases it once the new placement is stored (or refused).
 */
export async function healPlacement(drives: readonly SetDrive[], identity: RecordIdentity, placement: Placement, targetDrives: ReadonlySet<number>, lease: VolumeLease): Promise<HealOutcome> {
  if (placement.erasure === undefined) throw new RangeError('invalid placement: a standalone-drive placement has no shards to heal');
  const erasure = placement.erasure;
  const outcome: HealOutcome = { placement: null, shardsChecked: 0, shardsHealed: 0, shardsUnhealable: 0 };
  const stripes = erasure.stripes.map((shards) => [...shards]);
  const width = erasure.dataShards + erasure.parityShards;
  for (let stripeIndex = 0; stripeIndex < stripes.length; stripeIndex++) {
    const stripeDataBytes = stripeDataBytesOf(placement.sizeBytes, erasure.stripeDataSizeBytes, stripeIndex);
    const request = { stripeIndex, stripeDataBytes, fromByte: 0, toByteExclusive: stripeDataBytes };
    const targets = range(width).filter((shardIndex) => targetDrives.has(driveOfShard(erasure.drives, stripeIndex, shardIndex)));
    if (targets.length === 0) continue;
    const reads = new Map<number, GoodShard | null>();
    const readOne = async (shardIndex: number): Promise<GoodShard | null> => {
      if (!reads.has(shardIndex)) reads.set(shardIndex, await readGoodShard(drives, identity, placement, request, shardIndex));
      return reads.get(shardIndex)!;
    };
    const missing: number[] = [];
    for (const shardIndex of targets) {
      outcome.shardsChecked += 1;
      if ((await readOne(shardIndex)) === null) missing.push(shardIndex);
    }
    if (missing.length === 0) continue;
    for (const shardIndex of range(width)) await readOne(shardIndex);
    const good = range(width).filter((shardIndex) => reads.get(shardIndex) !== null);
    if (good.length < erasure.dataShards) {
      outcome.shardsUnhealable += missing.length;
      continue;
    }
    const payloadOf = (shardIndex: number) => reads.get(shardIndex)!.payload;
    const payloads = await rebuildShardPayloads(erasure.dataShards, erasure.parityShards, payloadOf, good, missing, shardSizeBytes(stripeDataBytes, erasure.dataShards));
    const model = reads.get(good[0]!)!;
    for (const shardIndex of missing) {
      const drive = drives[driveOfShard(erasure.drives, stripeIndex, shardIndex)]!;
      if (!drive.online) {
        outcome.shardsUnhealable += 1;
        continue;
      }
      const record = encodeRecord(RECORD_TYPE_SHARD, model.final, { ...model.header, sh: shardIndex }, payloads.get(shardIndex)!);
      const { volume, offsetBytes } = await drive.appendRecord(record, lease);
      await drive.syncThrough(volume, offsetBytes + record.sizeBytes);
      const location: ShardLocation = { volumeId: volume.volumeId, recordOffsetBytes: offsetBytes, headerJsonLengthBytes: record.headerJsonLengthBytes };
      stripes[stripeIndex]![shardIndex] = location;
      outcome.shardsHealed += 1;
    }
  }
  if (outcome.shardsHealed > 0) outcome.placement = { ...placement, erasure: { ...erasure, stripes } };
  return outcome;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** The shard's payload and header if its record is where the placement says and passes every check. */
async function readGoodShard(
  drives: readonly SetDrive[], identity: RecordIdentity, placement: ErasureSetPlacement,
  request: { stripeIndex: number; stripeDataBytes: number; fromByte: number; toByteExclusive: number }, shardIndex: number,
): Promise<GoodShard | null> {
  const erasure = placement.erasure;
  const location = erasure.stripes[request.stripeIndex]![shardIndex] ?? null;
  const drive = drives[driveOfShard(erasure.drives, request.stripeIndex, shardIndex)];
  if (location === null || drive === undefined || !drive.online) return null;
  const shardBytes = shardSizeBytes(request.stripeDataBytes, erasure.dataShards);
  try {
    const bytes = await drive.readRecordBytes(location.volumeId, location.recordOffsetBytes, RECORD_FIXED_HEADER_SIZE_BYTES + location.headerJsonLengthBytes + shardBytes);
    const payload = verifyShard(bytes, location, identity, placement, request, shardIndex);
    const check = verifyRecordBytes(bytes);
    if (!check.ok) return null;
    const { sh: _shardIndex, ...header } = check.header;
    return { payload, header, final: request.stripeIndex === erasure.stripes.length - 1 };
  } catch {
    return null;
  }
}
