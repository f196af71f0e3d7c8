// ErasureSet: N drives that store objects as Reed–Solomon stripes (or, in the reduced class, as two
// copies). It chooses the drives of each write, reads with reconstruction, keeps the drives' health
// up to date and remembers damaged shards for repair.

import assert from 'node:assert/strict';
import { DRIVE_HEALTH_CHECK_INTERVAL_MS, RECORD_TYPE_TOMBSTONE, SMALL_OBJECT_COPIES_SIZE_BYTES_MAX, STRIPE_DATA_SIZE_BYTES } from '../constants.js';
import { DriveStore, type DriveStoreStats } from '../drive-store.js';
import type { DriveFormat } from '../drive.js';
import { isRemoteDrive } from '../remote/remote-drive.js';
import { RemoteSetDrive } from '../remote/remote-set-drive.js';
import type { SetDrive } from '../set-drive.js';
import { StorageUnavailableError } from '../errors.js';
import type { ErasureSetPlacement } from '../placement.js';
import type { ByteRange } from '../reader.js';
import { encodeRecord } from '../record.js';
import type { ScannedRecord } from '../scan.js';
import { assertIdentity, type RecordIdentity } from '../writer.js';
import { describeLayout, hostFirstOrder, hostLossProblem, layoutFor, writeQuorum, type Layout, type Redundancy } from './geometry.js';
import { readErasure, type ShardDamage } from './reader.js';
import { RepairQueue, type RepairQueueStats } from './repair-queue.js';
import { ReplacementTracker } from './replacement.js';
import { prepareSet, type SetMember, type SetOpenMode } from './set-format.js';
import { ErasureObjectWriter, type ShardPlacementPlan } from './writer.js';

export interface ErasureSetOptions {
  drivePaths: readonly string[];
  mode: SetOpenMode;
  log: (line: string) => void;
  volumeSizeBytesMax?: number;
  healthCheckIntervalMs?: number;
  /** This process formats empty replacement drives while serving (one process per server). */
  formatsReplacements?: boolean;
  /** Signs requests to drives on drive servers (http://HOST:PORT/NAME entries of drivePaths). */
  clusterSecret?: string;
}

export interface ErasureSetStats {
  setId: string;
  driveCount: number;
  /** Layouts as "k+m", e.g. STANDARD "3+3" and reduced "1+1" (two copies) on 6 drives. */
  standardLayout: string;
  reducedLayout: string;
  drives: Array<{ driveIndex: number; path: string; host: string; online: boolean }>;
  drivesOnlineCount: number;
  /** Stripes that needed parity or another copy because a shard was missing, offline or corrupt. */
  degradedStripeReadsCount: number;
  /** Shards found damaged or missing on a working drive (read or write). */
  shardsDamagedCount: number;
  /** Shards not written because their drive was offline (healed with the drive, not queued). */
  shardsSkippedOfflineCount: number;
  repairQueue: RepairQueueStats;
}

/**
 * Small STANDARD objects: m+1 copies (any m drives may fail, as with k+m), on online drives first.
 * Their write quorum keeps the striped layout's margin: a stripe acknowledged with q of k+m shards
 * survives q−k more losses, so copies need q−k+1.
 */
function smallObjectPlan(layout: Layout, onlineFirst: number[]): ShardPlacementPlan & { sizeBytesMax: number } {
  const copies = layout.parityShards + 1;
  return {
    layout: { dataShards: 1, parityShards: layout.parityShards },
    drives: onlineFirst.slice(0, copies),
    writeQuorum: writeQuorum(layout) - layout.dataShards + 1,
    sizeBytesMax: SMALL_OBJECT_COPIES_SIZE_BYTES_MAX,
  };
}

export class ErasureSet {
  readonly repairs = new RepairQueue();
  /** Drives formatted as replacements while serving: the heal job rebuilds them. */
  readonly replacements: ReplacementTracker;
  private rotation = 0;
  private degradedStripeReadsCount = 0;
  private shardsDamagedCount = 0;
  private shardsSkippedOfflineCount = 0;
  private readonly healthTimer: NodeJS.Timeout;
  private readonly standard: Layout;
  private readonly reduced: Layout;
  private closed = false;
  /** Drives on more than one host (drive servers): writes order drives host first. */
  private readonly multiHost: boolean;

  private constructor(
    readonly id: string,
    readonly drives: readonly SetDrive[],
    private readonly log: (line: string) => void,
    healthCheckIntervalMs: number,
    replacements: ReplacementTracker,
  ) {
    this.replacements = replacements;
    this.standard = layoutFor('standard', drives.length);
    this.reduced = layoutFor('reduced', drives.length);
    this.multiHost = new Set(drives.map((drive) => drive.host)).size > 1;
    this.healthTimer = setInterval(() => this.checkHealth(), healthCheckIntervalMs);
    this.healthTimer.unref();
  }

  static async open(options: ErasureSetOptions): Promise<ErasureSet> {
    const prepared = await prepareSet(options.drivePaths, options.mode, options.log, options.clusterSecret);
    const replacements = new ReplacementTracker();
    const drives = await Promise.all(prepared.members.map((member, driveIndex) => openMember(options, prepared.id, prepared.members.length, member, driveIndex, replacements)));
    const hostProblem = hostLossProblem(drives.map((drive) => drive.host), layoutFor('standard', drives.length));
    if (hostProblem !== null) options.log(`storage: WARNING: ${hostProblem}`);
    const set = new ErasureSet(prepared.id, drives, options.log, options.healthCheckIntervalMs ?? DRIVE_HEALTH_CHECK_INTERVAL_MS, replacements);
    options.log(
      `storage: erasure set ${prepared.id}: ${drives.length} drives, ${drives.filter((drive) => drive.online).length} online; ` +
        `STANDARD ${describeLayout(set.standard)}, reduced redundancy ${describeLayout(set.reduced)}`,
    );
    return set;
  }

  layoutOf(redundancy: Redundancy): Layout {
    return redundancy === 'reduced' ? this.reduced : this.standard;
  }

  /**
   * Picks the drives of a new object and refuses at once (503) if the write quorum cannot be met.
   * `layoutOverride` is for measurements (bench/erasure.ts compares layouts); callers use classes.
   */
  createWriter(identity: RecordIdentity, redundancy: Redundancy, layoutOverride?: Layout): ErasureObjectWriter {
    assertIdentity(identity);
    const layout = layoutOverride ?? this.layoutOf(redundancy);
    assert(layout.dataShards + layout.parityShards <= this.drives.length, 'a stripe wider than the set');
    const quorum = writeQuorum(layout);
    const width = layout.dataShards + layout.parityShards;
    const driveCount = this.drives.length;
    // Rotate the first drive per object so data shards (the ones reads touch) spread over all drives.
    const start = this.rotation;
    this.rotation = (this.rotation + 1) % driveCount;
    // Host-first: a narrower stripe (copies, reduced redundancy) takes one drive per host before a second one.
    const rotated = Array.from({ length: driveCount }, (_, offset) => (start + offset) % driveCount);
    const order = this.multiHost ? hostFirstOrder(rotated, (index) => this.drives[index]!.host) : rotated;
    const online = order.filter((driveIndex) => this.drives[driveIndex]!.online);
    if (online.length < quorum) {
      throw new StorageUnavailableError(`${online.length} of ${driveCount} drives are online; a ${describeLayout(layout)} write needs ${quorum}`);
    }
    // A narrower stripe than the set takes online drives first; a full-width one takes every drive.
    const onlineFirst = [...online, ...order.filter((index) => !online.includes(index))];
    const drives = width === driveCount ? order : onlineFirst.slice(0, width);
    return new ErasureObjectWriter(
      {
        layout, drives, writeQuorum: quorum, stripeDataSizeBytes: STRIPE_DATA_SIZE_BYTES, driveStores: this.drives,
        smallObject: layoutOverride === undefined && layout.dataShards > 1 ? smallObjectPlan(layout, onlineFirst) : undefined,
        onShardMissing: (shardIdentity, stripeIndex, shardIndex, driveIndex, reason) => {
          if (!this.drives[driveIndex]!.online) this.shardsSkippedOfflineCount += 1;
          else this.shardDamaged({ identity: shardIdentity, stripeIndex, shardIndex, driveIndex, reason });
        },
      },
      identity,
    );
  }

  read(identity: RecordIdentity, placement: ErasureSetPlacement, range: ByteRange | undefined): AsyncGenerator<Buffer> {
    return readErasure(
      {
        driveStores: this.drives,
        onShardDamaged: (damage) => this.shardDamaged(damage),
        onDegradedRead: () => { this.degradedStripeReadsCount += 1; },
      },
      identity,
      placement,
      range,
    );
  }

  private shardDamaged(damage: ShardDamage): void {
    this.shardsDamagedCount += 1;
    const { bucket, key, versionId } = damage.identity;
    // A replacement drive waiting for heal is rebuilt as a whole; repairing in place could overwrite other records.
    const queued = !this.drives[damage.driveIndex]!.healPending && this.repairs.add(damage);
    this.log(
      `storage: DAMAGED shard ${damage.shardIndex} of stripe ${damage.stripeIndex} on drive ${damage.driveIndex} ` +
        `(bucket ${JSON.stringify(bucket)} key ${JSON.stringify(key)} version ${JSON.stringify(versionId)}): ${damage.reason}` +
        (queued ? '; queued for repair' : ''),
    );
  }

  /**
   * A durable tombstone on every online drive. It needs as many copies as the smallest write quorum
   * of any class, so any object that could be written can also be deleted.
   */
  async writeTombstone(identity: RecordIdentity, details: Record<string, unknown> = {}): Promise<void> {
    assertIdentity(identity);
    const { bucket: b, key: k, versionId: v } = identity;
    const record = encodeRecord(RECORD_TYPE_TOMBSTONE, false, { ...details, b, k, v, at: Date.now() }, Buffer.alloc(0));
    const outcomes = await Promise.allSettled(this.drives.filter((drive) => drive.online).map((drive) => drive.appendDurably(record)));
    const durable = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    const needed = Math.min(writeQuorum(this.standard), writeQuorum(this.reduced));
    if (durable < needed) throw new StorageUnavailableError(`a tombstone reached ${durable} drives; it needs ${needed}`);
  }

  /** Every record of every online drive, drive by drive (each record names its driveIndex). */
  async *scanRecords(): AsyncGenerator<ScannedRecord> {
    for (const drive of this.drives) {
      if (drive.online) yield* drive.scanRecords();
    }
  }

  checkHealth(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return Promise.all(this.drives.map((drive) => drive.checkHealth().catch((error: Error) => this.log(`storage: health check of drive ${drive.driveIndex} failed: ${error.message}`)))).then(() => undefined);
  }

  get counters(): DriveStoreStats[] {
    return this.drives.map((drive) => drive.stats);
  }

  get stats(): ErasureSetStats {
    const drives = this.drives.map((drive) => ({ driveIndex: drive.driveIndex, path: drive.drivePath, host: drive.host, online: drive.online }));
    return {
      setId: this.id,
      driveCount: this.drives.length,
      standardLayout: describeLayout(this.standard),
      reducedLayout: describeLayout(this.reduced),
      drives,
      drivesOnlineCount: drives.filter((drive) => drive.online).length,
      degradedStripeReadsCount: this.degradedStripeReadsCount,
      shardsDamagedCount: this.shardsDamagedCount,
      shardsSkippedOfflineCount: this.shardsSkippedOfflineCount,
      repairQueue: this.repairs.stats,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    await Promise.all(this.drives.map((drive) => drive.close()));
  }
}

/** One member drive: a directory (DriveStore) or a drive on a drive server (RemoteSetDrive). */
async function openMember(options: ErasureSetOptions, setId: string, driveCount: number, member: SetMember, driveIndex: number, replacements: ReplacementTracker): Promise<SetDrive> {
  // A drive found unusable at open stays offline with a placeholder format until a health
  // check finds it formatted for its place in the set (e.g. by the cluster primary).
  const format: DriveFormat = member.format ?? { format: 'cairn-drive', formatVersion: 0, driveId: `(offline drive ${driveIndex})`, createdAt: '' };
  if (isRemoteDrive(member.path)) {
    return RemoteSetDrive.open({ location: member.path, secret: options.clusterSecret ?? '', format, member: { driveIndex, setId }, log: options.log, offlineReason: member.offlineReason });
  }
  const drivePath = member.path;
  const memberOf = {
    driveIndex, setId,
    formatIfEmpty: options.formatsReplacements === true ? () => replacements.formatIfEmpty(drivePath, { id: setId, driveIndex, driveCount }, options.log) : undefined,
  };
  const common = { drivePath, format, log: options.log, volumeSizeBytesMax: options.volumeSizeBytesMax, member: memberOf };
  try {
    return await DriveStore.open({ ...common, offlineReason: member.offlineReason });
  } catch (error) {
    return DriveStore.open({ ...common, offlineReason: (error as Error).message });
  }
}
