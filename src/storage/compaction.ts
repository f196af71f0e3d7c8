// The storage half of compaction (docs/storage-format.md, "Compaction"): which records a placement
// names, copying the live ones out of a volume (the same bytes, verified, appended durably to the
// drive's active volume), copying a volume's tombstones, and the new placement that points at the
// copies. Deciding what is live is the index's business: the compaction service asks it, and stores
// the new placement only if the index still holds the old one.

import { RECORD_TYPE_DATA, RECORD_TYPE_SHARD, RECORD_TYPE_TOMBSTONE } from './constants.js';
import type { SetDrive, VolumeRef } from './set-drive.js';
import { StorageCorruptionError } from './errors.js';
import { driveOfShard, shardSizeBytes, stripeDataBytesOf } from './erasure/geometry.js';
import type { Placement } from './placement.js';
import { recordSizeBytes, verifyRecordBytes, type EncodedRecord } from './record.js';
import type { VolumeLease } from './volume.js';

/** Tombstone copies queued on the drive before waiting for them to be written. */
const TOMBSTONE_APPENDS_IN_FLIGHT_MAX = 512;

/** One record a placement names: its drive (0 on a standalone drive), volume and lengths. */
export interface RecordLocation {
  driveIndex: number;
  volumeId: number;
  recordOffsetBytes: number;
  headerJsonLengthBytes: number;
  payloadLengthBytes: number;
}

export function recordSizeOf(location: RecordLocation): number {
  return recordSizeBytes(location.headerJsonLengthBytes, location.payloadLengthBytes);
}

/** "drive/volume": how compaction names a volume of a set (or of the standalone drive, drive 0). */
export function volumeKey(driveIndex: number, volumeId: number): string {
  return `${driveIndex}/${volumeId}`;
}

/** Every record the placement names: each chunk, or each shard that was written. */
export function recordsOfPlacement(placement: Placement): RecordLocation[] {
  const erasure = placement.erasure;
  if (erasure === undefined) return placement.chunks.map((chunk) => ({ driveIndex: 0, ...chunk }));
  const records: RecordLocation[] = [];
  for (const [stripeIndex, shards] of erasure.stripes.entries()) {
    const stripeDataBytes = stripeDataBytesOf(placement.sizeBytes, erasure.stripeDataSizeBytes, stripeIndex);
    const payloadLengthBytes = shardSizeBytes(stripeDataBytes, erasure.dataShards);
    for (const [shardIndex, shard] of shards.entries()) {
      if (shard === null) continue;
      records.push({ driveIndex: driveOfShard(erasure.drives, stripeIndex, shardIndex), ...shard, payloadLengthBytes });
    }
  }
  return records;
}

export interface RelocationOutcome {
  /** The placement pointing at the copies; null when no record was moved. */
  placement: Placement | null;
  recordsMoved: number;
  bytesMoved: number;
  /** Records in the volumes that failed verification: left where they are, for audit or heal. */
  recordsDamaged: number;
}

/**
 * Copies every record of the placement that lies in one of `volumes` (keys from volumeKey) to its
 * drive's active volume under `lease`, makes the copies durable, and returns the placement with
 * those records' new locations. `versionId` is the records' data id (the identity in their headers).
 */
export async function relocateRecords(
  drives: readonly SetDrive[],
  versionId: string,
  placement: Placement,
  volumes: ReadonlySet<string>,
  lease: VolumeLease,
): Promise<RelocationOutcome> {
  const outcome: RelocationOutcome = { placement: null, recordsMoved: 0, bytesMoved: 0, recordsDamaged: 0 };
  const moved = new Map<string, { volumeId: number; recordOffsetBytes: number }>();
  const syncs = new Map<VolumeRef, { drive: SetDrive; endOffsetBytes: number }>();
  for (const location of recordsOfPlacement(placement)) {
    if (!volumes.has(volumeKey(location.driveIndex, location.volumeId))) continue;
    const drive = drives[location.driveIndex]!;
    const copy = await copyRecord(drive, location, versionId, lease);
    if (copy === null) {
      outcome.recordsDamaged += 1;
      continue;
    }
    const share = syncs.get(copy.volume) ?? { drive, endOffsetBytes: 0 };
    share.endOffsetBytes = Math.max(share.endOffsetBytes, copy.offsetBytes + recordSizeOf(location));
    syncs.set(copy.volume, share);
    moved.set(locationKey(location), { volumeId: copy.volume.volumeId, recordOffsetBytes: copy.offsetBytes });
    outcome.recordsMoved += 1;
    outcome.bytesMoved += recordSizeOf(location);
  }
  // Durable before the index may point at them (DESIGN.md §2.1); one group commit per volume.
  await Promise.all([...syncs].map(([volume, share]) => share.drive.syncThrough(volume, share.endOffsetBytes)));
  if (moved.size > 0) outcome.placement = withMovedRecords(placement, moved);
  return outcome;
}

function locationKey(location: { driveIndex: number; volumeId: number; recordOffsetBytes: number }): string {
  return `${location.driveIndex}/${location.volumeId}/${location.recordOffsetBytes}`;
}

function withMovedRecords(placement: Placement, moved: ReadonlyMap<string, { volumeId: number; recordOffsetBytes: number }>): Placement {
  const erasure = placement.erasure;
  if (erasure === undefined) {
    const chunks = placement.chunks.map((chunk) => ({ ...chunk, ...moved.get(locationKey({ driveIndex: 0, ...chunk })) }));
    return { ...placement, chunks };
  }
  const stripes = erasure.stripes.map((shards, stripeIndex) =>
    shards.map((shard, shardIndex) => {
      if (shard === null) return null;
      const driveIndex = driveOfShard(erasure.drives, stripeIndex, shardIndex);
      return { ...shard, ...moved.get(locationKey({ driveIndex, ...shard })) };
    }),
  );
  return { ...placement, erasure: { ...erasure, stripes } };
}

/**
 * Reads one record, verifies it (both CRCs, a data or shard record of `versionId`) and appends the
 * very same bytes to the drive's active volume (written, not yet durable). Null when the record is
 * damaged or missing: a damaged record is never copied, so a copy is never worse than the original.
 */
async function copyRecord(drive: SetDrive, location: RecordLocation, versionId: string, lease: VolumeLease): Promise<{ volume: VolumeRef; offsetBytes: number } | null> {
  const sizeBytes = recordSizeOf(location);
  let bytes: Buffer;
  try {
    bytes = await drive.readRecordBytes(location.volumeId, location.recordOffsetBytes, sizeBytes);
  } catch (error) {
    if (error instanceof StorageCorruptionError) return null;
    throw error;
  }
  const check = verifyRecordBytes(bytes);
  if (!check.ok || check.header.v !== versionId || (check.fixed.type !== RECORD_TYPE_DATA && check.fixed.type !== RECORD_TYPE_SHARD)) return null;
  const record: EncodedRecord = { parts: [bytes], sizeBytes, headerJsonLengthBytes: location.headerJsonLengthBytes, payloadLengthBytes: location.payloadLengthBytes };
  return drive.appendRecord(record, lease);
}

/**
 * Copies every valid tombstone of a volume (plain ones and event records) to the drive's active
 * volume, durably: they are the history `rebuild-index` replays, and a tombstone dropped while its
 * object's records survive elsewhere would bring a deleted object back. `complete` is false when
 * the walk could not reach the end of the volume.
 */
export async function copyTombstones(drive: SetDrive, volumeId: number): Promise<{ tombstonesCopied: number; bytesCopied: number; complete: boolean }> {
  const copied = { tombstonesCopied: 0, bytesCopied: 0, complete: true };
  const syncEnds = new Map<VolumeRef, number>();
  // Appends are queued without waiting for each (the volume writes what is queued in one pwritev):
  // a volume can hold tens of thousands of tombstones (an overwrite writes one on every drive).
  let appending: Array<Promise<{ volume: VolumeRef; offsetBytes: number; sizeBytes: number }>> = [];
  const settle = async () => {
    for (const { volume, offsetBytes, sizeBytes } of await Promise.all(appending)) {
      syncEnds.set(volume, Math.max(syncEnds.get(volume) ?? 0, offsetBytes + sizeBytes));
    }
    appending = [];
  };
  try {
    for await (const scanned of drive.scanVolume(volumeId)) {
      // Past a header the walk cannot trust (not a torn tail) tombstones may lie that nobody can
      // find: the volume must then stay (complete: false), or a deleted object could come back.
      if (scanned.untrustedHeader === true) copied.complete = false;
      if (!scanned.valid || scanned.type !== RECORD_TYPE_TOMBSTONE) continue;
      // Verified by the scan (both CRCs); copied as they are.
      const bytes = scanned.bytes!;
      const sizeBytes = bytes.length;
      const record: EncodedRecord = { parts: [bytes], sizeBytes, headerJsonLengthBytes: scanned.headerJsonLengthBytes, payloadLengthBytes: 0 };
      appending.push(drive.appendRecord(record).then(({ volume, offsetBytes }) => ({ volume, offsetBytes, sizeBytes })));
      copied.tombstonesCopied += 1;
      copied.bytesCopied += sizeBytes;
      if (appending.length >= TOMBSTONE_APPENDS_IN_FLIGHT_MAX) await settle();
    }
    await settle();
  } finally {
    await Promise.allSettled(appending);
  }
  await Promise.all([...syncEnds].map(([volume, endOffsetBytes]) => drive.syncThrough(volume, endOffsetBytes)));
  return copied;
}
