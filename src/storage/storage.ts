// Storage: the storage layer's one public object. Either a standalone drive (one DriveStore; data
// records; placement format 1) or an erasure set of N drives (shard records; placement format 2).
// Callers see the same interface for both: createWriter → write/finish/abort → placement;
// read(placement, range) streams verified bytes; writeTombstone; scanRecords; close.

import { openDrive, type DriveFormat } from './drive.js';
import { DriveStore, checkVolumeSize } from './drive-store.js';
import { readChunked } from './chunked-read.js';
import type { Redundancy } from './erasure/geometry.js';
import { ErasureSet, type ErasureSetStats } from './erasure/set.js';
import type { SetOpenMode } from './erasure/set-format.js';
import { RECORD_TYPE_TOMBSTONE, VOLUME_SIZE_BYTES_MAX } from './constants.js';
import { matchPlacement, placementProblem, type DrivePlacement, type ErasureSetPlacement, type Placement } from './placement.js';
import type { ByteRange, ReadOptions } from './reader.js';
import { encodeRecord } from './record.js';
import type { ScannedRecord } from './scan.js';
import { auditChunks, auditStripes, addAuditCounts, emptyAuditCounts, type AuditCounts } from './erasure/shard-audit.js';
import type { StorageCounters, VolumeLease } from './volume.js';
import { copyTombstones, relocateRecords, type RelocationOutcome } from './compaction.js';
import type { VolumeFileState } from './volume-files.js';
import type { SetDrive } from './set-drive.js';
import { StorageObjectWriter } from './drive-sink.js';
import { Md5Hasher } from './md5-hasher.js';
import { assertIdentity, type ObjectWriter, type RecordIdentity } from './writer.js';

export interface StorageOptions {
  /** A standalone drive (the `--data DIR` layout). */
  drivePath?: string;
  /** The drives of an erasure set (2 or more); one path is a standalone drive. */
  drivePaths?: readonly string[];
  logger?: (line: string) => void;
  /** Volume rollover size; defaults to VOLUME_SIZE_BYTES_MAX. Smaller values exist for tests. */
  volumeSizeBytesMax?: number;
  /** Erasure sets: 'form' (default) may format empty drives; 'join' (cluster workers) never writes formats. */
  setOpenMode?: SetOpenMode;
  /** Erasure sets: how often drives are health-checked. */
  healthCheckIntervalMs?: number;
  /** Erasure sets: format empty replacement drives while serving (one process per server: the background one). */
  formatsReplacements?: boolean;
  /** Erasure sets: signs requests to drives on drive servers (http://HOST:PORT/NAME in drivePaths). */
  clusterSecret?: string;
}

export interface WriterOptions {
  /** Erasure sets: the storage class's redundancy (default 'standard'). A standalone drive ignores it. */
  redundancy?: Redundancy;
  /**
   * Compute the body's MD5 on the storage's hasher thread (md5-hasher.ts) from the writer's units,
   * for ObjectWriter.bodyMd5(): only for bytes that reach storage as they are (not encrypted).
   */
  hashMd5?: boolean;
}

export interface StorageStats extends StorageCounters {
  /** The active volume of the standalone drive (of the first drive of a set). */
  activeVolumeId: number;
  readsCount: number;
  readHandlesCached: number;
  /** Present for an erasure set. */
  erasure?: ErasureSetStats;
}

export class Storage {
  private closed = false;
  /** The MD5 thread of large bodies' writers: started by the first, ended by close(). */
  private readonly md5Hasher = new Md5Hasher();
  /** Audits and repairs run one at a time in a process, so two never rewrite the same shard. */
  private auditing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly standalone: DriveStore | null,
    private readonly set: ErasureSet | null,
    private readonly log: (line: string) => void,
  ) {}

  static async open(options: StorageOptions): Promise<Storage> {
    const log = options.logger ?? ((line: string) => console.error(line));
    checkVolumeSize(options.volumeSizeBytesMax ?? VOLUME_SIZE_BYTES_MAX);
    const drivePaths = options.drivePaths ?? (options.drivePath !== undefined ? [options.drivePath] : []);
    if (drivePaths.length === 0) throw new TypeError('Storage.open needs drivePath or drivePaths');
    if (drivePaths.length === 1) {
      const drivePath = drivePaths[0]!;
      const format = await openDrive(drivePath);
      const drive = await DriveStore.open({ drivePath, format, log, volumeSizeBytesMax: options.volumeSizeBytesMax });
      return new Storage(drive, null, log);
    }
    const set = await ErasureSet.open({
      drivePaths, mode: options.setOpenMode ?? 'form', log, volumeSizeBytesMax: options.volumeSizeBytesMax,
      healthCheckIntervalMs: options.healthCheckIntervalMs, formatsReplacements: options.formatsReplacements, clusterSecret: options.clusterSecret,
    });
    return new Storage(null, set, log);
  }

  /** The standalone drive's format (the first drive's, in a set). */
  get format(): DriveFormat {
    return this.standalone?.format ?? this.set!.drives[0]!.format;
  }

  /** Every drive, in set order (one for a standalone drive): fault injection and heal reach drives here. */
  get driveStores(): readonly SetDrive[] {
    return this.standalone !== null ? [this.standalone] : this.set!.drives;
  }

  /** The erasure set, or null on a standalone drive (tooling, tests, the later heal/audit steps). */
  get erasureSet(): ErasureSet | null {
    return this.set;
  }

  get stats(): StorageStats {
    if (this.standalone !== null) return this.standalone.stats;
    const perDrive = this.set!.counters;
    const sum = (field: keyof StorageCounters | 'readsCount' | 'readHandlesCached') => perDrive.reduce((total, drive) => total + drive[field], 0);
    return {
      writevCount: sum('writevCount'),
      fdatasyncCount: sum('fdatasyncCount'),
      recordsAppendedCount: sum('recordsAppendedCount'),
      bytesAppended: sum('bytesAppended'),
      readsCount: sum('readsCount'),
      readHandlesCached: sum('readHandlesCached'),
      activeVolumeId: perDrive[0]!.activeVolumeId,
      erasure: this.set!.stats,
    };
  }

  createWriter(identity: RecordIdentity, options: WriterOptions = {}): ObjectWriter {
    this.assertOpen();
    const writer = this.standalone !== null
      ? new StorageObjectWriter(this.standalone, identity)
      : this.set!.createWriter(identity, options.redundancy ?? 'standard');
    return options.hashMd5 === true ? writer.hashBodyMd5(this.md5Hasher.open()) : writer;
  }

  /** Verified bytes of the object (or of the range), streamed one record (or stripe) at a time. */
  async *read(identity: RecordIdentity, placement: Placement, range?: ByteRange, options: ReadOptions = {}): AsyncGenerator<Buffer> {
    this.assertOpen();
    assertIdentity(identity);
    const problem = placementProblem(placement);
    if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
    if (range !== undefined) assertRange(range, placement.sizeBytes);
    if (placement.erasure !== undefined) {
      yield* this.setFor(placement).read(identity, placement, range);
      return;
    }
    yield* readChunked(this.standaloneFor(placement), this.log, identity, placement, range, options);
  }

  /**
   * Durable tombstone record (so an index rebuilt from drives doesn't resurrect deleted objects).
   * `details` are more header keys: with a `kind`, the record describes an event that has no data
   * of its own (a delete marker, a bucket change) for rebuild-index; see docs/storage-format.md.
   */
  async writeTombstone(identity: RecordIdentity, details: Record<string, unknown> = {}): Promise<void> {
    this.assertOpen();
    if (this.set !== null) return this.set.writeTombstone(identity, details);
    assertIdentity(identity);
    const { bucket: b, key: k, versionId: v } = identity;
    await this.standalone!.appendDurably(encodeRecord(RECORD_TYPE_TOMBSTONE, false, { ...details, b, k, v, at: Date.now() }, Buffer.alloc(0)));
  }

  /**
   * Reads and verifies every record the placement names; with repair, rewrites each damaged shard
   * of a stripe that still has k good shards (see erasure/shard-audit.ts). Never returns bytes.
   */
  auditObject(identity: RecordIdentity, placement: Placement, options: { repair: boolean }): Promise<AuditCounts> {
    this.assertOpen();
    assertIdentity(identity);
    const problem = placementProblem(placement);
    if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
    return this.exclusively(() => matchPlacement(placement, {
      drive: (onDrive) => auditChunks(this.standaloneFor(onDrive), identity, onDrive, this.log),
      erasure: (inSet) => auditStripes(this.setFor(inSet).drives, identity, inSet, { repair: options.repair, log: this.log }),
    }));
  }

  /** Repairs up to `limit` shards the reads queued (their whole stripes, re-verified first). */
  async drainRepairQueue(limit: number): Promise<AuditCounts> {
    const total = emptyAuditCounts();
    if (this.set === null || this.closed) return total;
    const set = this.set;
    for (const entry of set.repairs.take(limit)) {
      // A shard never written (its drive was offline) has no place to rewrite: whole-drive healing.
      if (entry.placement === undefined || this.closed) continue;
      const placement = entry.placement;
      const counts = await this.exclusively(() => auditStripes(set.drives, entry.identity, placement, { repair: true, log: this.log, onlyStripes: [entry.stripeIndex] }));
      addAuditCounts(total, counts);
    }
    return total;
  }

  /** Heal: every shard that belongs on these drives was rebuilt; replaced ones may be repaired in place again. */
  async markHealed(driveIndexes: readonly number[]): Promise<void> {
    for (const driveIndex of driveIndexes) {
      const drive = this.driveOf(driveIndex);
      if (drive.healPending) await drive.markHealed();
    }
  }

  /** Compaction: the volumes of every online drive, with their state (docs/storage-format.md, "Compaction"). */
  async listVolumes(): Promise<Array<{ driveIndex: number; volumes: VolumeFileState[] }>> {
    this.assertOpen();
    const listed = [];
    for (const [driveIndex, drive] of this.driveStores.entries()) {
      if (!drive.online) continue;
      listed.push({ driveIndex, volumes: await drive.listVolumeFiles() });
    }
    return listed;
  }

  /**
   * Compaction: copies the records of the placement that lie in `volumes` (keys from volumeKey) and
   * returns the placement pointing at the copies, which are durable and held by `lease` until the
   * caller has stored it (or given up).
   */
  relocateRecords(versionId: string, placement: Placement, volumes: ReadonlySet<string>, lease: VolumeLease): Promise<RelocationOutcome> {
    this.assertOpen();
    return relocateRecords(this.driveStores, versionId, placement, volumes, lease);
  }

  /** Compaction: copies a sealed volume's tombstones (the history rebuild-index replays), durably. */
  copyTombstones(driveIndex: number, volumeId: number): Promise<{ tombstonesCopied: number; bytesCopied: number; complete: boolean }> {
    this.assertOpen();
    return copyTombstones(this.driveOf(driveIndex), volumeId);
  }

  /** Compaction: nothing referenced the volume at `sinceMs`; it may go once the grace period is over. */
  markVolumeUnreferenced(driveIndex: number, volumeId: number, sinceMs: number): Promise<void> {
    return this.driveOf(driveIndex).markUnreferenced(volumeId, sinceMs);
  }

  unmarkVolumeUnreferenced(driveIndex: number, volumeId: number): Promise<void> {
    return this.driveOf(driveIndex).unmarkUnreferenced(volumeId);
  }

  /** Compaction: deletes a sealed volume (refused for one that is not sealed). */
  async deleteVolume(driveIndex: number, volumeId: number): Promise<void> {
    await this.driveOf(driveIndex).deleteSealedVolume(volumeId);
  }

  /** The standalone drive a drive placement refers to; refused in an erasure set. */
  private standaloneFor(_placement: DrivePlacement): DriveStore {
    if (this.standalone === null) throw new RangeError('invalid placement: a standalone-drive placement in an erasure set');
    return this.standalone;
  }

  private setFor(_placement: ErasureSetPlacement): ErasureSet {
    if (this.set === null) throw new RangeError('invalid placement: an erasure-set placement on a standalone drive');
    return this.set;
  }

  private driveOf(driveIndex: number): SetDrive {
    const drive = this.driveStores[driveIndex];
    if (drive === undefined) throw new RangeError(`no drive ${driveIndex}`);
    return drive;
  }

  private exclusively<T>(work: () => Promise<T>): Promise<T> {
    const run = this.auditing.then(work, work);
    this.auditing = run.catch(() => undefined);
    return run;
  }

  /**
   * Every record of every volume (of every online drive, in a set), in volume then offset order,
   * each verified. A volume's walk stops at its first record with an untrustworthy header (its torn
   * tail), which is reported with valid: false.
   */
  scanRecords(): AsyncGenerator<ScannedRecord> {
    this.assertOpen();
    return this.set !== null ? this.set.scanRecords() : this.standalone!.scanRecords();
  }

  /** Waits for queued appends, syncs, closes every file. Further calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.md5Hasher.close();
    if (this.set !== null) await this.set.close();
    else await this.standalone!.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}

function assertRange(range: ByteRange, sizeBytes: number): void {
  const { startByte, endByteInclusive } = range;
  if (
    !Number.isSafeInteger(startByte) || !Number.isSafeInteger(endByteInclusive) ||
    startByte < 0 || startByte > endByteInclusive || endByteInclusive >= sizeBytes
  ) {
    throw new RangeError(`range ${startByte}-${endByteInclusive} is not within an object of ${sizeBytes} bytes`);
  }
}
