// One compaction pass (docs/storage-format.md, "Compaction"). Volumes are append-only, so the space
// of deleted and overwritten objects comes back only by moving the records still referenced out of a
// volume and deleting the volume. Every step is safe to crash in:
//
//   1. live bytes of every sealed volume, from one snapshot of the index's placements;
//      volumes marked unreferenced whose grace period is over, and which this snapshot confirms
//      nobody references, are deleted;
//   2. each chosen volume (sealed, live fraction under COMPACTION_LIVE_FRACTION_MAX): its referenced
//      records are copied (verified, same bytes, durable) and each placement re-pointed only if the
//      index still holds exactly the one that was read — otherwise the copy is garbage;
//   3. a second snapshot confirms nothing references the volume any more; its tombstones are copied
//      (the history rebuild-index replays), then it is marked unreferenced as of that snapshot.
//
// A crash after a copy leaves a duplicate; after a re-point, an unreferenced volume the next pass
// marks; after the mark, a volume the next pass deletes. Nothing referenced is ever deleted
// (DESIGN.md §2.2), and the grace period lets a request that read a placement just before it was
// re-pointed still find the old record.

import type { StoredPlacement } from '../../index/types.js';
import { decodePlacement, encodePlacement, recordsOfPlacement, recordSizeOf, volumeKey, VolumeLease, type Placement, type VolumeFileState } from '../../storage/index.js';
import type { Layers } from '../objects.js';
import { RateLimiter } from '../rate-limiter.js';
import type { CompactionCounts } from './status.js';

/** A volume with less than this fraction of its bytes referenced is rewritten. */
export const COMPACTION_LIVE_FRACTION_MAX = 0.5;
/** Volumes with referenced records rewritten per pass at most (each up to 1 GiB): a pass stays minutes long. */
export const COMPACTION_VOLUMES_PER_PASS_MAX = 8;
/** Placements whose records are being moved at once (see moveReferencedRecords). */
export const COMPACTION_MOVES_IN_FLIGHT_MAX = 16;
/** Placements read from the index snapshot per page. */
const PLACEMENT_PAGE_ROWS = 500;

export interface CompactionSettings {
  /** Bytes read from the drives per second at most (records moved, volumes walked for tombstones); 0: no limit. */
  bytesPerSecond: number;
  /** How long an unreferenced volume is kept before it is deleted. */
  graceMs: number;
}

interface SealedVolume extends VolumeFileState {
  driveIndex: number;
  key: string;
}

export interface PassOutcome {
  /** Volumes marked unreferenced and waiting for their grace period after the pass. */
  pendingDeletion: { volumes: number; bytes: number };
}

export async function runCompactionPass(
  layers: Layers,
  settings: CompactionSettings,
  counts: CompactionCounts,
  log: (line: string) => void,
  shouldStop: () => boolean,
): Promise<PassOutcome> {
  const { storage } = layers;
  const sealed = new Map<string, SealedVolume>();
  for (const { driveIndex, volumes } of await storage.listVolumes()) {
    for (const volume of volumes) {
      const key = volumeKey(driveIndex, volume.volumeId);
      if (volume.sealed) sealed.set(key, { ...volume, driveIndex, key });
    }
  }
  const pending = { volumes: 0, bytes: 0 };
  if (sealed.size === 0) return { pendingDeletion: pending };
  const snapshotAtMs = Date.now();
  const live = await liveBytesIn(layers, new Set(sealed.keys()), shouldStop);
  if (live === null) return { pendingDeletion: pending };

  for (const volume of sealed.values()) {
    if (volume.unreferencedSinceMs === undefined) continue;
    if ((live.get(volume.key) ?? 0) > 0) {
      // Never expected (nothing can newly reference a sealed volume); kept, and looked at again.
      log(`compaction: volume ${volume.volumeId} of drive ${volume.driveIndex + 1} was marked unreferenced but is referenced again: keeping it`);
      await storage.unmarkVolumeUnreferenced(volume.driveIndex, volume.volumeId);
      volume.unreferencedSinceMs = undefined;
      continue;
    }
    if (snapshotAtMs - volume.unreferencedSinceMs < settings.graceMs) {
      pending.volumes += 1;
      pending.bytes += volume.sizeBytes;
      continue;
    }
    await storage.deleteVolume(volume.driveIndex, volume.volumeId);
    counts.volumesDeleted += 1;
    counts.bytesReclaimed += volume.sizeBytes;
    log(`compaction: deleted volume ${volume.volumeId} of drive ${volume.driveIndex + 1} (${volume.sizeBytes} bytes)`);
  }

  // Volumes nothing references cost no copying: all of them. Of the others, the sparsest first.
  const liveFraction = (volume: SealedVolume) => (volume.sizeBytes === 0 ? 0 : (live.get(volume.key) ?? 0) / volume.sizeBytes);
  const sparse = [...sealed.values()].filter((volume) => volume.unreferencedSinceMs === undefined && liveFraction(volume) < COMPACTION_LIVE_FRACTION_MAX);
  const chosen = [
    ...sparse.filter((volume) => !live.has(volume.key)),
    ...sparse.filter((volume) => live.has(volume.key)).sort((a, b) => liveFraction(a) - liveFraction(b)).slice(0, COMPACTION_VOLUMES_PER_PASS_MAX),
  ];
  if (chosen.length === 0 || shouldStop()) return { pendingDeletion: pending };
  const chosenKeys = new Set(chosen.map((volume) => volume.key));
  // One cap for everything the pass reads from the drives: records moved and volumes walked for tombstones.
  const limiter = new RateLimiter(settings.bytesPerSecond);
  if (chosen.some((volume) => live.has(volume.key))) await moveReferencedRecords(layers, chosenKeys, limiter, counts, log, shouldStop);
  if (shouldStop()) return { pendingDeletion: pending };

  const verifiedAtMs = Date.now();
  const remaining = await liveBytesIn(layers, chosenKeys, shouldStop);
  if (remaining === null) return { pendingDeletion: pending };
  for (const volume of chosen) {
    const stillReferenced = remaining.get(volume.key) ?? 0;
    if (stillReferenced > 0) {
      log(`compaction: volume ${volume.volumeId} of drive ${volume.driveIndex + 1} still has ${stillReferenced} referenced bytes (changed or damaged meanwhile); next pass`);
      continue;
    }
    const copied = await storage.copyTombstones(volume.driveIndex, volume.volumeId);
    counts.tombstonesCopied += copied.tombstonesCopied;
    await limiter.consume(volume.sizeBytes, shouldStop);
    if (!copied.complete) {
      log(`compaction: volume ${volume.volumeId} of drive ${volume.driveIndex + 1} has a damaged record header mid-volume: ` +
        'the tombstones past it cannot be found, so the volume is kept');
      continue;
    }
    await storage.markVolumeUnreferenced(volume.driveIndex, volume.volumeId, verifiedAtMs);
    counts.volumesCompacted += 1;
    pending.volumes += 1;
    pending.bytes += volume.sizeBytes;
  }
  return { pendingDeletion: pending };
}

/** Referenced record bytes per volume (of those in `volumeKeys`), from one snapshot of the index. */
async function liveBytesIn(layers: Layers, volumeKeys: ReadonlySet<string>, shouldStop: () => boolean): Promise<Map<string, number> | null> {
  const live = new Map<string, number>();
  for await (const page of layers.index.scanPlacements(PLACEMENT_PAGE_ROWS)) {
    if (shouldStop()) return null;
    for (const stored of page) {
      for (const record of recordsOfPlacement(decodePlacement(stored.placement))) {
        const key = volumeKey(record.driveIndex, record.volumeId);
        if (volumeKeys.has(key)) live.set(key, (live.get(key) ?? 0) + recordSizeOf(record));
      }
    }
  }
  return live;
}

/**
 * Copies the referenced records of the chosen volumes and re-points each placement conditionally,
 * COMPACTION_MOVES_IN_FLIGHT_MAX placements at a time: one at a time, each would wait for its own
 * fdatasync and index commit (~6 MB/s of 64 KiB objects measured); together they share them.
 */
async function moveReferencedRecords(
  layers: Layers,
  volumeKeys: ReadonlySet<string>,
  limiter: RateLimiter,
  counts: CompactionCounts,
  log: (line: string) => void,
  shouldStop: () => boolean,
): Promise<void> {
  const moveOne = async (stored: StoredPlacement, placement: Placement) => {
    const lease = new VolumeLease();
    try {
      const moved = await layers.storage.relocateRecords(stored.recordDataId, placement, volumeKeys, lease);
      counts.recordsDamaged += moved.recordsDamaged;
      if (moved.placement === null) return;
      const replaced = await layers.index.replacePlacement({
        bucket: stored.bucket, key: stored.key, dataId: stored.dataId, partNumber: stored.partNumber, uploadId: stored.uploadId,
        expected: stored.placement, replacement: encodePlacement(moved.placement),
      });
      if (replaced) {
        counts.recordsMoved += moved.recordsMoved;
        counts.bytesMoved += moved.bytesMoved;
      } else {
        counts.placementConflicts += 1;
      }
      await limiter.consume(moved.bytesMoved, shouldStop);
    } catch (error) {
      // A drive failing mid-copy: this placement keeps its old records; the volume stays for a later pass.
      log(`compaction: moving the records of data id ${stored.recordDataId} failed: ${(error as Error).message}`);
    } finally {
      lease.release();
    }
  };
  const inFlight = new Set<Promise<void>>();
  scan: for await (const page of layers.index.scanPlacements(PLACEMENT_PAGE_ROWS)) {
    for (const stored of page) {
      if (shouldStop()) break scan;
      const placement = decodePlacement(stored.placement);
      if (!recordsOfPlacement(placement).some((record) => volumeKeys.has(volumeKey(record.driveIndex, record.volumeId)))) continue;
      const move: Promise<void> = moveOne(stored, placement).finally(() => inFlight.delete(move));
      inFlight.add(move);
      if (inFlight.size >= COMPACTION_MOVES_IN_FLIGHT_MAX) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
}
