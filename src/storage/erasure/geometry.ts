// Erasure-set geometry: how many data (k) and parity (m) shards each storage class uses on a set of
// N drives, the write quorum, and the striping arithmetic shared by writers, readers and placements.
// DESIGN.md §3: STANDARD is k+m with N ≤ 5 → m=2, N 6–7 → m=3, N ≥ 8 → m=4, m ≤ N/2, k = N − m.

import assert from 'node:assert/strict';
import { SET_DRIVES_MAX, SET_DRIVES_MIN, SHARD_ALIGNMENT_BYTES } from '../constants.js';

/**
 * 'standard': Reed–Solomon over the whole set (STANDARD and every other S3 class).
 * 'reduced': two copies on two drives (REDUCED_REDUNDANCY, EXPRESS_ONEZONE) — one failure tolerated,
 * no coding, one read per stripe, two fdatasyncs per write: the low-latency class.
 */
export type Redundancy = 'standard' | 'reduced';

export interface Layout {
  /** k: shards that carry the data; any k of the k+m shards rebuild a stripe. */
  dataShards: number;
  /** m: shards of parity (copies when dataShards = 1). */
  parityShards: number;
}

/** Parity drives of the STANDARD class for a set of driveCount drives. */
export function standardParityShards(driveCount: number): number {
  assertDriveCount(driveCount);
  const byTable = driveCount <= 5 ? 2 : driveCount <= 7 ? 3 : 4;
  return Math.min(byTable, Math.floor(driveCount / 2));
}

export function layoutFor(redundancy: Redundancy, driveCount: number): Layout {
  assertDriveCount(driveCount);
  if (redundancy === 'reduced') return { dataShards: 1, parityShards: 1 };
  const parityShards = standardParityShards(driveCount);
  return { dataShards: driveCount - parityShards, parityShards };
}

/**
 * Shards that must be durable before a write is acknowledged: k, or k+1 when m is half the stripe
 * (then two disjoint halves of the drives could each take k shards of different writes).
 */
export function writeQuorum(layout: Layout): number {
  const { dataShards, parityShards } = layout;
  return dataShards + (parityShards * 2 === dataShards + parityShards ? 1 : 0);
}

export function describeLayout(layout: Layout): string {
  return `${layout.dataShards}+${layout.parityShards}`;
}

/**
 * Bytes of each shard of a stripe holding `stripeDataBytes` of object data: the data split k ways,
 * rounded up to the kernel's word size (the last data shard is zero-padded). One data shard is a
 * plain copy: no padding.
 */
export function shardSizeBytes(stripeDataBytes: number, dataShards: number): number {
  if (dataShards === 1) return stripeDataBytes;
  const perShardBytes = Math.ceil(stripeDataBytes / dataShards);
  return Math.ceil(perShardBytes / SHARD_ALIGNMENT_BYTES) * SHARD_ALIGNMENT_BYTES;
}

/** A 0-byte object still has one (empty) stripe, whose records carry its metadata. */
export function stripeCountOf(sizeBytes: number, stripeDataSizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / stripeDataSizeBytes));
}

export function stripeDataBytesOf(sizeBytes: number, stripeDataSizeBytes: number, stripeIndex: number): number {
  return Math.max(0, Math.min(stripeDataSizeBytes, sizeBytes - stripeIndex * stripeDataSizeBytes));
}

/** Drive of shard `shardIndex` of stripe `stripeIndex`: slots rotate per stripe so parity load spreads. */
export function driveOfShard(drives: readonly number[], stripeIndex: number, shardIndex: number): number {
  return drives[(shardIndex + stripeIndex) % drives.length]!;
}

/** Data shards [first, last] that hold stripe bytes [fromByte, toByteExclusive) (at least shard 0). */
export function dataShardsCovering(fromByte: number, toByteExclusive: number, shardBytes: number): { first: number; last: number } {
  if (toByteExclusive <= fromByte || shardBytes === 0) return { first: 0, last: 0 };
  return { first: Math.floor(fromByte / shardBytes), last: Math.floor((toByteExclusive - 1) / shardBytes) };
}

/**
 * The drives in `order`, reordered host first: one drive of each host (hosts in order of their
 * first drive), then a second of each, and so on. A stripe narrower than the set (copies, reduced
 * redundancy) that takes a prefix of this order puts its shards on distinct hosts before distinct
 * drives, so losing a host loses at most one of them while there are hosts enough.
 */
export function hostFirstOrder(order: readonly number[], hostOf: (driveIndex: number) => string): number[] {
  const byHost = new Map<string, number[]>();
  for (const driveIndex of order) {
    const host = hostOf(driveIndex);
    const drives = byHost.get(host);
    if (drives === undefined) byHost.set(host, [driveIndex]);
    else drives.push(driveIndex);
  }
  if (byHost.size === 1) return [...order];
  const reordered: number[] = [];
  const columns = [...byHost.values()];
  for (let round = 0; reordered.length < order.length; round++) {
    for (const drives of columns) if (round < drives.length) reordered.push(drives[round]!);
  }
  return reordered;
}

/**
 * Why losing one host of a multi-host set would lose data (a host holds more of the set's drives
 * than the layout's parity), or null. A set on one host (all local) has no host to lose alone.
 */
export function hostLossProblem(hosts: readonly string[], layout: Layout): string | null {
  const counts = new Map<string, number>();
  for (const host of hosts) counts.set(host, (counts.get(host) ?? 0) + 1);
  if (counts.size < 2) return null;
  for (const [host, count] of counts) {
    if (count > layout.parityShards) {
      return `host ${host} holds ${count} of the ${hosts.length} drives, more than the ${layout.parityShards} parity shards of ${describeLayout(layout)}: losing it would make stripes unreadable`;
    }
  }
  return null;
}

function assertDriveCount(driveCount: number): void {
  assert(Number.isSafeInteger(driveCount) && driveCount >= SET_DRIVES_MIN && driveCount <= SET_DRIVES_MAX, `bad set size ${driveCount}`);
}
