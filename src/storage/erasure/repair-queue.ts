// Shards known to be damaged or missing, waiting for repair. Bounded and in memory: the durability
// audit (a later step) finds every damaged shard again by walking the drives, so an entry lost to a
// restart or to the bound costs time, not data.

import { REPAIR_QUEUE_ENTRIES_MAX } from '../constants.js';
import type { Placement } from '../placement.js';
import type { RecordIdentity } from '../writer.js';

export interface RepairEntry {
  identity: RecordIdentity;
  /** The object's placement when the damage was found (absent for a shard never written: heal's job). */
  placement?: Placement;
  stripeIndex: number;
  shardIndex: number;
  driveIndex: number;
  reason: string;
  queuedAtMs: number;
}

export interface RepairQueueStats {
  /** Entries waiting now. */
  pendingCount: number;
  /** Entries ever queued (duplicates of a waiting entry are not counted twice). */
  queuedCount: number;
  /** Entries dropped because the queue was full. */
  droppedCount: number;
}

export class RepairQueue {
  /** Insertion order is queue order; the key dedupes reports of the same shard. */
  private readonly entries = new Map<string, RepairEntry>();
  private queuedCount = 0;
  private droppedCount = 0;

  constructor(private readonly entriesMax: number = REPAIR_QUEUE_ENTRIES_MAX) {}

  /** Queues a damaged shard; returns false if it was already queued or the queue is full. */
  add(entry: Omit<RepairEntry, 'queuedAtMs'>): boolean {
    const { bucket, key, versionId } = entry.identity;
    const name = JSON.stringify([bucket, key, versionId, entry.stripeIndex, entry.shardIndex]);
    if (this.entries.has(name)) return false;
    if (this.entries.size >= this.entriesMax) {
      this.droppedCount += 1;
      return false;
    }
    this.entries.set(name, { ...entry, queuedAtMs: Date.now() });
    this.queuedCount += 1;
    return true;
  }

  /** Removes and returns up to `limit` entries, oldest first (for the repairer: storage/erasure/shard-audit.ts). */
  take(limit: number): RepairEntry[] {
    const taken: RepairEntry[] = [];
    for (const [name, entry] of this.entries) {
      if (taken.length >= limit) break;
      this.entries.delete(name);
      taken.push(entry);
    }
    return taken;
  }

  get stats(): RepairQueueStats {
    return { pendingCount: this.entries.size, queuedCount: this.queuedCount, droppedCount: this.droppedCount };
  }
}
