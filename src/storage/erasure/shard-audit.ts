// Auditing and repairing one object's records: every shard (or data chunk) record its placement
// names is read and verified exactly as a GET would verify it. A damaged shard of a stripe that
// still has k good shards is rebuilt and rewritten IN PLACE: the writer's record is a pure function
// of the stripe (header JSON from a sibling shard with its shard index, payload from Reed–Solomon),
// so the rewrite puts back the very bytes that were acknowledged, at the offset the placement
// names — no index change, no new location (docs/storage-format.md, "Repair"). A record of a
// standalone drive has no redundancy: its damage is counted unrecoverable and never served.

import { RECORD_FIXED_HEADER_SIZE_BYTES, RECORD_FLAG_FINAL, RECORD_TYPE_SHARD } from '../constants.js';
import type { SetDrive } from '../set-drive.js';
import type { DrivePlacement, ErasureSetPlacement } from '../placement.js';
import { verifyDataChunk } from '../reader.js';
import { encodeRecord, recordSizeBytes, verifyRecordBytes } from '../record.js';
import type { RecordIdentity } from '../writer.js';
import { rebuildShardPayloads } from './codec.js';
import { driveOfShard, shardSizeBytes, stripeDataBytesOf } from './geometry.js';
import { verifyShard, type StripeRequest } from './reader.js';

export interface AuditCounts {
  recordsChecked: number;
  bytesChecked: number;
  corruptFound: number;
  repaired: number;
  unrecoverable: number;
}

export function emptyAuditCounts(): AuditCounts {
  return { recordsChecked: 0, bytesChecked: 0, corruptFound: 0, repaired: 0, unrecoverable: 0 };
}

export function addAuditCounts(total: AuditCounts, more: AuditCounts): void {
  total.recordsChecked += more.recordsChecked;
  total.bytesChecked += more.bytesChecked;
  total.corruptFound += more.corruptFound;
  total.repaired += more.repaired;
  total.unrecoverable += more.unrecoverable;
}

type ShardCheck =
  | { state: 'good'; bytes: Buffer; payload: Buffer }
  | { state: 'damaged'; reason: string }
  /** Never written, or its drive is offline: whole-drive healing's business, not the audit's. */
  | { state: 'skipped' };

/** Audits (and, with repair, repairs) every record of a standalone drive's object. */
export async function auditChunks(drive: SetDrive, identity: RecordIdentity, placement: DrivePlacement, log: (line: string) => void): Promise<AuditCounts> {
  const counts = emptyAuditCounts();
  let objectOffsetBytes = 0;
  for (const [seq, chunk] of placement.chunks.entries()) {
    const sizeBytes = recordSizeBytes(chunk.headerJsonLengthBytes, chunk.payloadLengthBytes);
    counts.recordsChecked += 1;
    counts.bytesChecked += sizeBytes;
    try {
      const bytes = await drive.readRecordBytes(chunk.volumeId, chunk.recordOffsetBytes, sizeBytes);
      verifyDataChunk(bytes, chunk, { identity, placement, seq, objectOffsetBytes });
    } catch (error) {
      counts.corruptFound += 1;
      counts.unrecoverable += 1;
      log(`audit: UNRECOVERABLE record ${describe(identity)} chunk ${seq} (volume ${chunk.volumeId} offset ${chunk.recordOffsetBytes}): ${(error as Error).message}; a standalone drive keeps one copy`);
    }
    objectOffsetBytes += chunk.payloadLengthBytes;
  }
  return counts;
}

/** Audits the stripes of an erasure-coded object (all of them, or only `onlyStripes`), repairing when asked. */
export async function auditStripes(
  drives: readonly SetDrive[],
  identity: RecordIdentity,
  placement: ErasureSetPlacement,
  options: { repair: boolean; log: (line: string) => void; onlyStripes?: readonly number[] },
): Promise<AuditCounts> {
  const erasure = placement.erasure;
  const counts = emptyAuditCounts();
  const stripeIndexes = options.onlyStripes ?? erasure.stripes.map((_, index) => index);
  for (const stripeIndex of stripeIndexes) {
    if (stripeIndex < 0 || stripeIndex >= erasure.stripes.length) continue;
    const stripeDataBytes = stripeDataBytesOf(placement.sizeBytes, erasure.stripeDataSizeBytes, stripeIndex);
    const request: StripeRequest = { stripeIndex, stripeDataBytes, fromByte: 0, toByteExclusive: stripeDataBytes };
    const shardBytes = shardSizeBytes(stripeDataBytes, erasure.dataShards);
    const checks = await Promise.all(erasure.stripes[stripeIndex]!.map((_, shardIndex) => checkShard(drives, identity, placement, request, shardIndex, shardBytes, counts)));
    const damaged = [...checks.keys()].filter((shardIndex) => checks[shardIndex]!.state === 'damaged');
    if (damaged.length === 0) continue;
    counts.corruptFound += damaged.length;
    const good = [...checks.keys()].filter((shardIndex) => checks[shardIndex]!.state === 'good');
    const where = `${describe(identity)} stripe ${stripeIndex}`;
    for (const shardIndex of damaged) options.log(`audit: DAMAGED shard ${shardIndex} of ${where}: ${(checks[shardIndex] as { reason: string }).reason}`);
    if (good.length < erasure.dataShards) {
      counts.unrecoverable += damaged.length;
      options.log(`audit: UNRECOVERABLE ${where}: ${good.length} good shards, ${erasure.dataShards} needed`);
      continue;
    }
    if (!options.repair) continue;
    const payloadOf = (shardIndex: number) => (checks[shardIndex] as { payload: Buffer }).payload;
    const payloads = await rebuildShardPayloads(erasure.dataShards, erasure.parityShards, payloadOf, good, damaged, shardBytes);
    for (const shardIndex of damaged) {
      try {
        await rewriteShard(drives, identity, placement, request, shardIndex, checks[good[0]!] as { bytes: Buffer }, payloads.get(shardIndex)!);
        counts.repaired += 1;
        options.log(`audit: repaired shard ${shardIndex} of ${where} in place`);
      } catch (error) {
        counts.unrecoverable += 1;
        options.log(`audit: could not repair shard ${shardIndex} of ${where}: ${(error as Error).message}`);
      }
    }
  }
  return counts;
}

async function checkShard(drives: readonly SetDrive[], identity: RecordIdentity, placement: ErasureSetPlacement, request: StripeRequest, shardIndex: number, shardBytes: number, counts: AuditCounts): Promise<ShardCheck> {
  const erasure = placement.erasure;
  const location = erasure.stripes[request.stripeIndex]![shardIndex] ?? null;
  const drive = drives[driveOfShard(erasure.drives, request.stripeIndex, shardIndex)];
  // A replacement drive waiting for heal: its old locations may hold other records now. Healed as a whole.
  if (location === null || drive === undefined || !drive.online || drive.healPending) return { state: 'skipped' };
  const sizeBytes = RECORD_FIXED_HEADER_SIZE_BYTES + location.headerJsonLengthBytes + shardBytes;
  counts.recordsChecked += 1;
  counts.bytesChecked += sizeBytes;
  try {
    const bytes = await drive.readRecordBytes(location.volumeId, location.recordOffsetBytes, sizeBytes);
    return { state: 'good', bytes, payload: verifyShard(bytes, location, identity, placement, request, shardIndex) };
  } catch (error) {
    // A drive that went offline during the read is healed as a whole, not shard by shard.
    if (!drive.online) return { state: 'skipped' };
    return { state: 'damaged', reason: (error as Error).message };
  }
}

/**
 * Writes the shard record the writer wrote, over the damaged one, then reads it back and verifies
 * it as a GET would. Refuses if the record would not be byte-for-byte the same size, or if the
 * volume no longer holds the whole record (truncated or removed: that is whole-drive healing).
 */
async function rewriteShard(drives: readonly SetDrive[], identity: RecordIdentity, placement: ErasureSetPlacement, request: StripeRequest, shardIndex: number, sibling: { bytes: Buffer }, payload: Buffer): Promise<void> {
  const erasure = placement.erasure;
  const location = erasure.stripes[request.stripeIndex]![shardIndex]!;
  const drive = drives[driveOfShard(erasure.drives, request.stripeIndex, shardIndex)]!;
  const siblingCheck = verifyRecordBytes(sibling.bytes);
  if (!siblingCheck.ok) throw new Error('the sibling shard no longer verifies');
  // Spreading keeps the key order, so the header JSON is the writer's, with this shard's index.
  const header = { ...siblingCheck.header, sh: shardIndex };
  const record = encodeRecord(RECORD_TYPE_SHARD, (siblingCheck.fixed.flags & RECORD_FLAG_FINAL) !== 0, header, payload);
  const expectedSizeBytes = RECORD_FIXED_HEADER_SIZE_BYTES + location.headerJsonLengthBytes + payload.length;
  if (record.headerJsonLengthBytes !== location.headerJsonLengthBytes || record.sizeBytes !== expectedSizeBytes) {
    throw new Error(`the rebuilt record is ${record.sizeBytes} bytes, the placement's ${expectedSizeBytes}`);
  }
  const bytes = Buffer.concat(record.parts);
  verifyShard(bytes, location, identity, placement, request, shardIndex);
  await drive.rewriteRecord(location.volumeId, location.recordOffsetBytes, bytes);
  const written = await drive.readRecordBytes(location.volumeId, location.recordOffsetBytes, bytes.length);
  verifyShard(written, location, identity, placement, request, shardIndex);
}

function describe(identity: RecordIdentity): string {
  return `${JSON.stringify(identity.bucket)}/${JSON.stringify(identity.key)} (data ${JSON.stringify(identity.versionId)})`;
}
