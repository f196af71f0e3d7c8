// Shards known to be damaged or missing, waiting for repair. Bounded and in memory: the durability
// audit finds every damaged shard again by walking the index, so an entry lost to a restart or to
// the bound costs time, not data.

import { REPAIR_QUEUE_ENTRIES_MAX } from '../constants.js';
import type { ShardDamage } from './reader.js';

/** A damaged shard as a read reported it, and when it was queued. */
export interface RepairEntry extends ShardDamage {
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
  add(entry: ShardDamage): boolean {
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
