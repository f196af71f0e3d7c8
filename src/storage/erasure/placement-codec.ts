// Placement of an object in an erasure set, and its encoding (placement format version 2):
//
//   2, sizeBytes, k, m, stripeDataSizeBytes, then k+m drive indexes, stripeCount, then for each
//   stripe, for each shard index 0…k+m−1, one shard location:
//     tag        0 = never written (its drive was offline or failed);
//                1 = in the same volume as the previous record of this object on that drive,
//                    followed by the gap in bytes from that record's end (usually 0);
//                2 + volumeId = in that volume, followed by the absolute record offset;
//     zigzag(headerJsonLengthBytes − the previous one on that drive)
//
// All numbers are unsigned LEB128 varints. The payload length of a shard follows from the stripe's
// data length and k, so it is not stored. A 4 KiB object on 6 drives encodes in ~60 bytes; a 5 GiB
// one in ~3 bytes per shard, because consecutive shards on a drive are usually back to back.

import {
  CHUNK_SIZE_BYTES_MAX,
  OBJECT_SIZE_BYTES_MAX,
  PLACEMENT_FORMAT_VERSION_ERASURE,
  RECORD_FIXED_HEADER_SIZE_BYTES,
  RECORD_HEADER_JSON_SIZE_BYTES_MAX,
  SET_DRIVES_MAX,
  VOLUME_ID_MAX,
  VOLUME_SIZE_BYTES_MAX,
} from '../constants.js';
import { readVarint, unzigzag, VARINT_SIZE_BYTES_MAX, writeVarint, zigzag } from '../varint.js';
import { driveOfShard, shardSizeBytes, stripeCountOf, stripeDataBytesOf } from './geometry.js';

export interface ShardLocation {
  volumeId: number;
  recordOffsetBytes: number;
  headerJsonLengthBytes: number;
}

export interface ErasurePlacement {
  /** k */
  dataShards: number;
  /** m */
  parityShards: number;
  stripeDataSizeBytes: number;
  /** The k+m distinct drives (set drive indexes) the object uses; see driveOfShard. */
  drives: number[];
  /** Per stripe, per shard index: where its record is, or null if it was never written. */
  stripes: Array<Array<ShardLocation | null>>;
}

/** Stripes small enough that a corrupt placement cannot make a decoder allocate without bound. */
const STRIPE_DATA_SIZE_BYTES_MIN = 4096;
const TAG_ABSENT = 0;
const TAG_SAME_VOLUME = 1;
const TAG_VOLUME_BASE = 2;
/** Fixed fields: version, size, k, m, stripe size, stripe count. */
const FIXED_VARINTS = 6;
/** Per shard: a tag, an offset, a header length. */
const VARINTS_PER_SHARD = 3;

interface DriveCursor {
  volumeId: number;
  endOffsetBytes: number;
  headerJsonLengthBytes: number;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Returns a reason if this is not a placement an erasure writer could have produced, else null. */
export function erasurePlacementProblem(sizeBytes: number, erasure: ErasurePlacement): string | null {
  const { dataShards, parityShards, stripeDataSizeBytes, drives, stripes } = erasure;
  if (!isCount(dataShards) || !isCount(parityShards) || dataShards < 1 || parityShards < 1 || dataShards + parityShards > SET_DRIVES_MAX) {
    return `bad geometry ${dataShards}+${parityShards}`;
  }
  if (!isCount(stripeDataSizeBytes) || stripeDataSizeBytes < STRIPE_DATA_SIZE_BYTES_MIN || stripeDataSizeBytes > CHUNK_SIZE_BYTES_MAX) {
    return `bad stripe size ${stripeDataSizeBytes}`;
  }
  const width = dataShards + parityShards;
  if (!Array.isArray(drives) || drives.length !== width || new Set(drives).size !== width || !drives.every((drive) => isCount(drive) && drive < SET_DRIVES_MAX)) {
    return 'drives are not k+m distinct drive indexes';
  }
  if (!Array.isArray(stripes) || stripes.length !== stripeCountOf(sizeBytes, stripeDataSizeBytes)) {
    return `stripe count ${Array.isArray(stripes) ? stripes.length : typeof stripes} does not match size ${sizeBytes}`;
  }
  for (const [stripeIndex, shards] of stripes.entries()) {
    if (!Array.isArray(shards) || shards.length !== width) return `stripe ${stripeIndex} does not have ${width} shards`;
    let present = 0;
    for (const shard of shards) {
      if (shard === null) continue;
      present += 1;
      if (!isCount(shard.volumeId) || shard.volumeId < 1 || shard.volumeId > VOLUME_ID_MAX) return `bad volumeId ${shard.volumeId}`;
      if (!isCount(shard.recordOffsetBytes) || shard.recordOffsetBytes >= VOLUME_SIZE_BYTES_MAX) return `bad recordOffsetBytes ${shard.recordOffsetBytes}`;
      if (!isCount(shard.headerJsonLengthBytes) || shard.headerJsonLengthBytes > RECORD_HEADER_JSON_SIZE_BYTES_MAX) {
        return `bad headerJsonLengthBytes ${shard.headerJsonLengthBytes}`;
      }
    }
    if (present < dataShards) return `stripe ${stripeIndex} has ${present} shards, fewer than k = ${dataShards}`;
  }
  return null;
}

export function encodeErasurePlacement(sizeBytes: number, erasure: ErasurePlacement): Buffer {
  const { dataShards, parityShards, stripeDataSizeBytes, drives, stripes } = erasure;
  const width = dataShards + parityShards;
  const varintCount = FIXED_VARINTS + width + stripes.length * width * VARINTS_PER_SHARD;
  const out = Buffer.allocUnsafe(varintCount * VARINT_SIZE_BYTES_MAX);
  let offset = writeVarint(out, 0, PLACEMENT_FORMAT_VERSION_ERASURE);
  for (const value of [sizeBytes, dataShards, parityShards, stripeDataSizeBytes, ...drives, stripes.length]) {
    offset = writeVarint(out, offset, value);
  }
  const cursors = new Map<number, DriveCursor>();
  for (const [stripeIndex, shards] of stripes.entries()) {
    const payloadBytes = shardSizeBytes(stripeDataBytesOf(sizeBytes, stripeDataSizeBytes, stripeIndex), dataShards);
    for (const [shardIndex, shard] of shards.entries()) {
      if (shard === null) {
        offset = writeVarint(out, offset, TAG_ABSENT);
        continue;
      }
      const drive = driveOfShard(drives, stripeIndex, shardIndex);
      const previous = cursors.get(drive);
      if (previous !== undefined && previous.volumeId === shard.volumeId && shard.recordOffsetBytes >= previous.endOffsetBytes) {
        offset = writeVarint(out, offset, TAG_SAME_VOLUME);
        offset = writeVarint(out, offset, shard.recordOffsetBytes - previous.endOffsetBytes);
      } else {
        offset = writeVarint(out, offset, TAG_VOLUME_BASE + shard.volumeId);
        offset = writeVarint(out, offset, shard.recordOffsetBytes);
      }
      offset = writeVarint(out, offset, zigzag(shard.headerJsonLengthBytes - (previous?.headerJsonLengthBytes ?? 0)));
      cursors.set(drive, advance(shard, payloadBytes));
    }
  }
  return Buffer.from(out.subarray(0, offset));
}

function advance(shard: ShardLocation, payloadBytes: number): DriveCursor {
  return {
    volumeId: shard.volumeId,
    endOffsetBytes: shard.recordOffsetBytes + RECORD_FIXED_HEADER_SIZE_BYTES + shard.headerJsonLengthBytes + payloadBytes,
    headerJsonLengthBytes: shard.headerJsonLengthBytes,
  };
}

/** Decodes a version-2 placement; the caller validates the result with erasurePlacementProblem. */
export function decodeErasurePlacement(bytes: Buffer): { sizeBytes: number; erasure: ErasurePlacement } {
  const cursor = { offset: 1 };
  const sizeBytes = readVarint(bytes, cursor);
  const dataShards = readVarint(bytes, cursor);
  const parityShards = readVarint(bytes, cursor);
  const stripeDataSizeBytes = readVarint(bytes, cursor);
  const width = dataShards + parityShards;
  if (sizeBytes > OBJECT_SIZE_BYTES_MAX || width > SET_DRIVES_MAX || dataShards < 1 || parityShards < 1) {
    throw new RangeError(`invalid placement: size ${sizeBytes}, geometry ${dataShards}+${parityShards}`);
  }
  if (stripeDataSizeBytes < STRIPE_DATA_SIZE_BYTES_MIN || stripeDataSizeBytes > CHUNK_SIZE_BYTES_MAX) {
    throw new RangeError(`invalid placement: stripe size ${stripeDataSizeBytes}`);
  }
  const drives: number[] = [];
  for (let index = 0; index < width; index++) drives.push(readVarint(bytes, cursor));
  const stripeCount = readVarint(bytes, cursor);
  if (stripeCount !== stripeCountOf(sizeBytes, stripeDataSizeBytes)) throw new RangeError(`invalid placement: stripe count ${stripeCount}`);
  if (new Set(drives).size !== width || drives.some((drive) => drive >= SET_DRIVES_MAX)) throw new RangeError('invalid placement: drives');
  const cursors = new Map<number, DriveCursor>();
  const stripes: Array<Array<ShardLocation | null>> = [];
  for (let stripeIndex = 0; stripeIndex < stripeCount; stripeIndex++) {
    const payloadBytes = shardSizeBytes(stripeDataBytesOf(sizeBytes, stripeDataSizeBytes, stripeIndex), dataShards);
    const shards: Array<ShardLocation | null> = [];
    for (let shardIndex = 0; shardIndex < width; shardIndex++) {
      const tag = readVarint(bytes, cursor);
      if (tag === TAG_ABSENT) {
        shards.push(null);
        continue;
      }
      const drive = driveOfShard(drives, stripeIndex, shardIndex);
      const previous = cursors.get(drive);
      let volumeId: number;
      let recordOffsetBytes: number;
      if (tag === TAG_SAME_VOLUME) {
        if (previous === undefined) throw new RangeError('invalid placement: a shard continues a volume never named');
        volumeId = previous.volumeId;
        recordOffsetBytes = previous.endOffsetBytes + readVarint(bytes, cursor);
      } else {
        volumeId = tag - TAG_VOLUME_BASE;
        recordOffsetBytes = readVarint(bytes, cursor);
      }
      const headerJsonLengthBytes = (previous?.headerJsonLengthBytes ?? 0) + unzigzag(readVarint(bytes, cursor));
      const shard = { volumeId, recordOffsetBytes, headerJsonLengthBytes };
      shards.push(shard);
      cursors.set(drive, advance(shard, payloadBytes));
    }
    stripes.push(shards);
  }
  if (cursor.offset !== bytes.length) throw new RangeError('invalid placement: trailing bytes');
  return { sizeBytes, erasure: { dataShards, parityShards, stripeDataSizeBytes, drives, stripes } };
}
