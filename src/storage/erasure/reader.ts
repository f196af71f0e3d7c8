// Reading an object from an erasure set: per stripe, read only the data shards the range needs; if
// any is missing, offline or fails verification, read the other shards and rebuild the needed ones
// from any k good shards. Bytes that failed a check are never returned; damaged shards are reported.

import { RECORD_FLAG_FINAL, RECORD_FIXED_HEADER_SIZE_BYTES, RECORD_TYPE_SHARD } from '../constants.js';
import type { SetDrive } from '../set-drive.js';
import { DriveOfflineError, StorageCorruptionError, StorageUnavailableError } from '../errors.js';
import type { ErasureSetPlacement } from '../placement.js';
import type { ByteRange } from '../reader.js';
import { verifyRecordBytes } from '../record.js';
import type { RecordIdentity } from '../writer.js';
import { ReadAhead } from '../read-ahead.js';
import { rebuildShardPayloads } from './codec.js';
import { dataShardsCovering, describeLayout, driveOfShard, shardSizeBytes, stripeDataBytesOf, type Layout } from './geometry.js';
import type { ErasurePlacement, ShardLocation } from './placement-codec.js';

/** Stripes read ahead of the one a reader is consuming (≤ 2 stripes in memory per stream). */
const READ_AHEAD_STRIPES = 1;

export interface ShardDamage {
  identity: RecordIdentity;
  /** Where the object's shards are, so a repairer can rebuild this one (absent for a shard never written). */
  placement?: ErasureSetPlacement;
  stripeIndex: number;
  shardIndex: number;
  driveIndex: number;
  reason: string;
}

export interface ErasureReadContext {
  driveStores: readonly SetDrive[];
  /** Called for each shard found damaged or missing on a drive that is online (log + repair queue). */
  onShardDamaged: (damage: ShardDamage) => void;
  /** Called once per stripe that needed parity (or another copy) to be read. */
  onDegradedRead: () => void;
}

export interface StripeRequest {
  stripeIndex: number;
  stripeDataBytes: number;
  /** Bytes of the stripe wanted: [fromByte, toByteExclusive). */
  fromByte: number;
  toByteExclusive: number;
}

/** Verified bytes of the object (or the range), one stripe at a time, with one stripe of read-ahead. */
export async function* readErasure(context: ErasureReadContext, identity: RecordIdentity, placement: ErasureSetPlacement, range: ByteRange | undefined): AsyncGenerator<Buffer> {
  const erasure = placement.erasure;
  const requests = stripeRequests(placement.sizeBytes, erasure, range);
  const reads = new ReadAhead(requests, (request: StripeRequest) => readStripe(context, identity, placement, request), READ_AHEAD_STRIPES);
  for (let index = 0; index < requests.length; index++) {
    const slices = await reads.take(index);
    for (const slice of slices) if (slice.length > 0) yield slice;
  }
}

function stripeRequests(sizeBytes: number, erasure: ErasurePlacement, range: ByteRange | undefined): StripeRequest[] {
  const stripeBytes = erasure.stripeDataSizeBytes;
  // Without a range every stripe is read, so even a 0-byte object's records get verified.
  const first = range === undefined ? 0 : Math.floor(range.startByte / stripeBytes);
  const last = range === undefined ? erasure.stripes.length - 1 : Math.floor(range.endByteInclusive / stripeBytes);
  const requests: StripeRequest[] = [];
  for (let stripeIndex = first; stripeIndex <= last; stripeIndex++) {
    const stripeStartByte = stripeIndex * stripeBytes;
    const stripeDataBytes = stripeDataBytesOf(sizeBytes, stripeBytes, stripeIndex);
    const fromByte = range === undefined ? 0 : Math.max(range.startByte - stripeStartByte, 0);
    const toByteExclusive = range === undefined ? stripeDataBytes : Math.min(range.endByteInclusive + 1 - stripeStartByte, stripeDataBytes);
    requests.push({ stripeIndex, stripeDataBytes, fromByte, toByteExclusive });
  }
  return requests;
}

type ShardRead = { ok: true; payload: Buffer } | { ok: false; error: Error; driveOffline: boolean };

/** The requested bytes of one stripe, as slices of its verified (or rebuilt) data shards, in order. */
async function readStripe(context: ErasureReadContext, identity: RecordIdentity, placement: ErasureSetPlacement, request: StripeRequest): Promise<Buffer[]> {
  const erasure = placement.erasure;
  const { dataShards, parityShards } = erasure;
  const width = dataShards + parityShards;
  const shardBytes = shardSizeBytes(request.stripeDataBytes, dataShards);
  const needed = dataShards === 1 ? { first: 0, last: 0 } : dataShardsCovering(request.fromByte, request.toByteExclusive, shardBytes);
  const reads = new Map<number, ShardRead>();
  const readAll = async (indexes: number[]) => {
    const results = await Promise.all(indexes.map((shardIndex) => readShard(context, identity, placement, request, shardIndex)));
    for (const [position, result] of results.entries()) reads.set(indexes[position]!, result);
  };
  const neededIndexes = range(needed.first, needed.last);
  await readAll(neededIndexes);
  if (neededIndexes.every((index) => reads.get(index)!.ok)) return sliceOfStripe(reads, request, shardBytes, dataShards);
  // Degraded: read every shard not tried yet, then rebuild what is needed from any k good ones.
  context.onDegradedRead();
  await readAll(range(0, width - 1).filter((index) => !reads.has(index)));
  reportDamage(context, identity, placement, request.stripeIndex, reads);
  const good = [...reads].filter(([, read]) => read.ok).map(([index]) => index);
  if (good.length < dataShards) throw unreadable(identity, erasure, request.stripeIndex, reads, good.length);
  if (dataShards === 1) {
    const copy = reads.get(good[0]!) as { payload: Buffer };
    return [copy.payload.subarray(request.fromByte, request.toByteExclusive)];
  }
  await rebuild(erasure, reads, good, neededIndexes, shardBytes);
  return sliceOfStripe(reads, request, shardBytes, dataShards);
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
}

/** Rebuilds the needed data shards that failed, in place in `reads`. */
async function rebuild(layout: Layout, reads: Map<number, ShardRead>, good: number[], neededIndexes: number[], shardBytes: number): Promise<void> {
  const payloadOf = (index: number) => (reads.get(index) as { payload: Buffer }).payload;
  const targets = neededIndexes.filter((index) => !reads.get(index)!.ok);
  const rebuilt = await rebuildShardPayloads(layout.dataShards, layout.parityShards, payloadOf, good, targets, shardBytes);
  for (const [index, payload] of rebuilt) reads.set(index, { ok: true, payload });
}

/** The requested bytes of a stripe from its (good or rebuilt) data shards: slices, never copies. */
function sliceOfStripe(reads: Map<number, ShardRead>, request: StripeRequest, shardBytes: number, dataShards: number): Buffer[] {
  const payloadOf = (index: number) => (reads.get(index) as { payload: Buffer }).payload;
  const { fromByte, toByteExclusive } = request;
  if (dataShards === 1) return [payloadOf(0).subarray(fromByte, toByteExclusive)];
  if (toByteExclusive <= fromByte) return [];
  const slices: Buffer[] = [];
  for (let index = Math.floor(fromByte / shardBytes); index <= Math.floor((toByteExclusive - 1) / shardBytes); index++) {
    const shardStart = index * shardBytes;
    // The last data shard's zero padding lies beyond the stripe's data and is never within the range.
    slices.push(payloadOf(index).subarray(Math.max(fromByte, shardStart) - shardStart, Math.min(toByteExclusive, shardStart + shardBytes) - shardStart));
  }
  return slices;
}

async function readShard(context: ErasureReadContext, identity: RecordIdentity, placement: ErasureSetPlacement, request: StripeRequest, shardIndex: number): Promise<ShardRead> {
  const erasure = placement.erasure;
  const location = erasure.stripes[request.stripeIndex]![shardIndex] ?? null;
  if (location === null) return { ok: false, error: new Error('shard was never written'), driveOffline: false };
  const drive = context.driveStores[driveOfShard(erasure.drives, request.stripeIndex, shardIndex)];
  if (drive === undefined) return { ok: false, error: new Error('placement names a drive this set does not have'), driveOffline: false };
  const shardBytes = shardSizeBytes(request.stripeDataBytes, erasure.dataShards);
  try {
    const bytes = await drive.readRecordBytes(location.volumeId, location.recordOffsetBytes, RECORD_FIXED_HEADER_SIZE_BYTES + location.headerJsonLengthBytes + shardBytes);
    return { ok: true, payload: verifyShard(bytes, location, identity, placement, request, shardIndex) };
  } catch (error) {
    return { ok: false, error: error as Error, driveOffline: error instanceof DriveOfflineError || !drive.online };
  }
}

/** Every check a shard record must pass before a byte of it is used. */
export function verifyShard(bytes: Buffer, location: ShardLocation, identity: RecordIdentity, placement: ErasureSetPlacement, request: StripeRequest, shardIndex: number): Buffer {
  const corrupt = (reason: string) => new StorageCorruptionError(location.volumeId, location.recordOffsetBytes, reason);
  const check = verifyRecordBytes(bytes);
  if (!check.ok) throw corrupt(check.problem);
  const { fixed, header, payload } = check;
  const erasure = placement.erasure;
  if (fixed.type !== RECORD_TYPE_SHARD) throw corrupt(`record type ${fixed.type} where a shard record was expected`);
  if (header.b !== identity.bucket || header.k !== identity.key || header.v !== identity.versionId) throw corrupt('record belongs to another object');
  if (header.st !== request.stripeIndex || header.sh !== shardIndex) {
    throw corrupt(`record is shard ${String(header.sh)} of stripe ${String(header.st)}, expected shard ${shardIndex} of stripe ${request.stripeIndex}`);
  }
  if (header.ec !== describeLayout(erasure)) throw corrupt(`record is coded ${String(header.ec)}, expected ${describeLayout(erasure)}`);
  if (header.off !== request.stripeIndex * erasure.stripeDataSizeBytes || header.len !== request.stripeDataBytes) {
    throw corrupt('record disagrees with the placement about the stripe offset or length');
  }
  const expectFinal = request.stripeIndex === erasure.stripes.length - 1;
  if (((fixed.flags & RECORD_FLAG_FINAL) !== 0) !== expectFinal) {
    throw corrupt(expectFinal ? 'last stripe lacks the final flag' : 'stripe before the last has the final flag');
  }
  if (expectFinal && (header.size !== placement.sizeBytes || header.stripes !== erasure.stripes.length)) {
    throw corrupt('final record disagrees with the placement about the object size or stripe count');
  }
  return payload;
}

function reportDamage(context: ErasureReadContext, identity: RecordIdentity, placement: ErasureSetPlacement, stripeIndex: number, reads: Map<number, ShardRead>): void {
  const erasure = placement.erasure;
  for (const [shardIndex, read] of reads) {
    // An offline drive is healed as a whole; only shards damaged on a working drive are queued one by one.
    if (read.ok || read.driveOffline) continue;
    const driveIndex = driveOfShard(erasure.drives, stripeIndex, shardIndex);
    context.onShardDamaged({ identity, placement, stripeIndex, shardIndex, driveIndex, reason: read.error.message });
  }
}

/** Fewer than k good shards: unavailable (503) if a drive is offline, else corrupt beyond repair (500). */
function unreadable(identity: RecordIdentity, erasure: ErasurePlacement, stripeIndex: number, reads: Map<number, ShardRead>, goodCount: number): Error {
  const failures = [...reads.values()].filter((read): read is Extract<ShardRead, { ok: false }> => !read.ok);
  const what = `stripe ${stripeIndex} of ${JSON.stringify(identity.bucket)}/${JSON.stringify(identity.key)} version ${JSON.stringify(identity.versionId)}: ` +
    `${goodCount} good shards of ${erasure.dataShards + erasure.parityShards}, ${erasure.dataShards} needed`;
  if (failures.some((failure) => failure.driveOffline)) return new StorageUnavailableError(`${what} (drives offline)`);
  const corruption = failures.find((failure) => failure.error instanceof StorageCorruptionError)?.error as StorageCorruptionError | undefined;
  if (corruption !== undefined) return new StorageCorruptionError(corruption.volumeId, corruption.offsetBytes, `${what}: ${corruption.reason}`);
  return failures[0]?.error ?? new Error(what);
}
