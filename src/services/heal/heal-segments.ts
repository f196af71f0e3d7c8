// Healing one placement of the index (a version's, a completed object's part, an upload's part),
// conditionally: the healed placement is stored only if the index still holds the one that was
// read. When it changed meanwhile (compaction moved a record, an object was overwritten), the current
// one is read again and healed again, a few times: a placement left naming a replaced drive's old
// locations would keep that drive heal-pending (docs/storage-format.md, "Heal").

import type { PlacementChange } from '../../index/types.js';
import { decodePlacement, encodePlacement, VolumeLease, type RecordIdentity } from '../../storage/index.js';
import { healPlacement } from '../../storage/erasure/heal.js';
import type { Layers } from '../objects.js';
import type { HealStatus } from './heal-status.js';

/** Attempts per placement when it keeps changing under the job; then it counts as a conflict. */
export const HEAL_CONFLICT_ATTEMPTS_MAX = 4;
const UPLOAD_PAGE_ENTRIES = 200;

export interface HealSegment {
  /** The records' identity: bucket, key and the data id in their headers. */
  identity: RecordIdentity;
  placement: Uint8Array;
  /** Which placement the index should replace (without expected/replacement). */
  target: Omit<PlacementChange, 'expected' | 'replacement'>;
  /** The placement the index holds now, or undefined when the version or part is gone. */
  reread: () => Promise<Uint8Array | undefined>;
}

export async function healSegment(layers: Layers, segment: HealSegment, targets: ReadonlySet<number>, status: HealStatus): Promise<void> {
  let current: Uint8Array | undefined = segment.placement;
  for (let attempt = 0; attempt < HEAL_CONFLICT_ATTEMPTS_MAX; attempt++) {
    const placement = decodePlacement(current);
    if (placement.erasure === undefined) return;
    const lease = new VolumeLease();
    try {
      const outcome = await healPlacement(layers.storage.driveStores, segment.identity, placement, targets, lease);
      status.shardsChecked += outcome.shardsChecked;
      status.shardsUnhealable += outcome.shardsUnhealable;
      if (outcome.placement === null) return;
      const replaced = await layers.index.replacePlacement({ ...segment.target, expected: current, replacement: encodePlacement(outcome.placement) });
      if (replaced) {
        status.shardsHealed += outcome.shardsHealed;
        return;
      }
    } finally {
      lease.release();
    }
    // Changed meanwhile: the records just written are garbage for compaction; heal what is there now.
    current = await segment.reread();
    if (current === undefined) return;
  }
  status.placementConflicts += 1;
}

/**
 * The parts of every upload in progress. Walked before the versions: an upload completing during the
 * walk moves its parts (healed or not yet) to its object, which the version walk then meets.
 */
export async function healUploadParts(layers: Layers, buckets: readonly string[], targets: ReadonlySet<number>, status: HealStatus, stopping: () => boolean): Promise<void> {
  for (const bucket of buckets) {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await layers.index.listUploads({ bucket, prefix: '', delimiter: '', keyMarker, uploadIdMarker, maxEntries: UPLOAD_PAGE_ENTRIES });
      for (const upload of page.uploads) {
        let afterPartNumber = 0;
        for (;;) {
          if (stopping()) return;
          const parts = await layers.index.listParts(upload.uploadId, afterPartNumber, UPLOAD_PAGE_ENTRIES);
          for (const part of parts.parts) {
            const reread = async () => {
              const [now] = (await layers.index.listParts(upload.uploadId, part.partNumber - 1, 1)).parts;
              return now !== undefined && now.partNumber === part.partNumber && now.dataId === part.dataId ? now.placement : undefined;
            };
            await healSegment(layers, {
              identity: { bucket, key: upload.key, versionId: part.dataId }, placement: part.placement,
              target: { bucket, key: upload.key, dataId: '', uploadId: upload.uploadId, partNumber: part.partNumber }, reread,
            }, targets, status);
            afterPartNumber = part.partNumber;
          }
          if (!parts.isTruncated) break;
        }
      }
      if (!page.isTruncated) break;
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
  }
}
