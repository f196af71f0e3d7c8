// DriveStore: one drive as this process uses it — one active volume every writer appends to (group
// append, group commit), cached read descriptors, scanning. A standalone drive is one DriveStore; an
// erasure set is N SetDrives (set-drive.ts), local ones DriveStores, each with its own volumes and
// fdatasync. A drive of a set can go offline (its directory vanished, format.json changed, an
// fdatasync found the volume unlinked) and come back; I/O on it then fails with DriveOfflineError.

import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { READ_HANDLES_CACHED_MAX, UNLINKED_HANDLES_SWEEP_INTERVAL_MS, VOLUME_SIZE_BYTES_MAX, VOLUME_SIZE_BYTES_MIN } from './constants.js';
import { clearHealPending, isHealPending, listVolumeIds, readDriveFormat, volumePath, type DriveFormat } from './drive.js';
import { DriveOfflineError, StorageCorruptionError } from './errors.js';
import { DriveFaultState } from './faults/drive-faults.js';
import { ReadHandleCache } from './handle-cache.js';
import { readFully } from './reader.js';
import type { EncodedRecord } from './record.js';
import { scanVolume, type ScannedRecord } from './scan.js';
import { LOCAL_HOST, type SetDrive } from './set-drive.js';
import { createVolumeFile, deleteSealedVolumeFile, listVolumeFiles, markUnreferenced, removeActiveMarker, rewriteRecordInPlace, scanVolumeFile, unmarkUnreferenced, type VolumeFileState } from './volume-files.js';
import { Volume, type StorageCounters, type VolumeLease } from './volume.js';

export interface DriveStoreOptions {
  drivePath: string;
  /** The drive's format, as validated by whoever opened it. */
  format: DriveFormat;
  log: (line: string) => void;
  volumeSizeBytesMax?: number;
  /**
   * Set members: check after each fdatasync that the volume file is still linked (a removed drive
   * directory must not acknowledge writes into a deleted file), and allow going offline.
   */
  member?: { driveIndex: number; setId: string; formatIfEmpty?: () => Promise<DriveFormat | null> };
  /** Start offline (a set member that could not be opened); a health check may bring it online. */
  offlineReason?: string;
}

export interface DriveStoreStats extends StorageCounters {
  activeVolumeId: number;
  readsCount: number;
  readHandlesCached: number;
}

export function checkVolumeSize(volumeSizeBytesMax: number): void {
  if (!Number.isSafeInteger(volumeSizeBytesMax) || volumeSizeBytesMax < VOLUME_SIZE_BYTES_MIN || volumeSizeBytesMax > VOLUME_SIZE_BYTES_MAX) {
    throw new RangeError(`volumeSizeBytesMax must be within ${VOLUME_SIZE_BYTES_MIN}…${VOLUME_SIZE_BYTES_MAX}`);
  }
}

export class DriveStore implements SetDrive {
  readonly host = LOCAL_HOST;
  private active: Volume | null = null;
  private rolling: Promise<void> | null = null;
  /** Volumes this process writes (the active one and retired ones still closing), by id. */
  private readonly ownVolumes = new Map<number, Volume>();
  private readonly retiring = new Set<Promise<void>>();
  private readonly readHandles: ReadHandleCache;
  private readsCount = 0;
  private closed = false;
  private offlineReason: string | null;
  /** A set member formatted to replace a lost drive, whose heal has not completed (drive.ts). */
  private healPendingFlag = false;
  private checking: Promise<void> | null = null;
  /** Closes cached descriptors of volume files compaction deleted (in this or another process). */
  private readonly unlinkedSweepTimer: NodeJS.Timeout;
  private readonly counters: StorageCounters = { writevCount: 0, fdatasyncCount: 0, recordsAppendedCount: 0, bytesAppended: 0 };
  readonly drivePath: string;
  /** Until a drive that was unusable at open is seen formatted, a placeholder (formatVersion 0). */
  private driveFormat: DriveFormat;
  private readonly log: (line: string) => void;
  private readonly volumeSizeBytesMax: number;
  private readonly member: DriveStoreOptions['member'];
  /** Injected faults (docs/fault-injection.md), consulted before each read, append, fdatasync, health check. */
  readonly faults = new DriveFaultState();

  private constructor(options: DriveStoreOptions) {
    this.drivePath = options.drivePath;
    this.driveFormat = options.format;
    this.log = options.log;
    this.volumeSizeBytesMax = options.volumeSizeBytesMax ?? VOLUME_SIZE_BYTES_MAX;
    checkVolumeSize(this.volumeSizeBytesMax);
    this.member = options.member;
    this.offlineReason = options.offlineReason ?? null;
    this.readHandles = new ReadHandleCache((volumeId) => volumePath(this.drivePath, volumeId), READ_HANDLES_CACHED_MAX);
    this.unlinkedSweepTimer = setInterval(() => void this.readHandles.dropUnlinked(), UNLINKED_HANDLES_SWEEP_INTERVAL_MS);
    this.unlinkedSweepTimer.unref();
  }

  /** Opens the drive for this process: always a new volume (the last one's tail may be torn, or another process's). */
  static async open(options: DriveStoreOptions): Promise<DriveStore> {
    const store = new DriveStore(options);
    if (store.offlineReason === null) {
      if (store.member !== undefined) store.healPendingFlag = await isHealPending(options.drivePath);
      const { volumeId, handle } = await createVolumeFile(options.drivePath);
      store.adopt(store.newVolume(volumeId, handle));
      store.log(`storage: opened drive ${store.format.driveId} at ${options.drivePath}, appending to volume ${volumeId}`);
    } else {
      store.log(`storage: drive ${store.label} is offline: ${store.offlineReason}`);
    }
    return store;
  }

  get format(): DriveFormat {
    return this.driveFormat;
  }

  get online(): boolean {
    return this.offlineReason === null && !this.closed;
  }

  /**
   * The drive replaced a lost one and is not healed yet: old placements may name volume ids it has
   * reused for other records, so none of its shards may be judged or repaired in place.
   */
  get healPending(): boolean {
    return this.healPendingFlag;
  }

  /** The heal job rebuilt every shard that belongs here (other processes see it at their next health check). */
  async markHealed(): Promise<void> {
    await clearHealPending(this.drivePath);
    this.healPendingFlag = false;
  }

  get driveIndex(): number {
    return this.member?.driveIndex ?? 0;
  }

  private get label(): string {
    return this.member === undefined ? this.format.driveId : `${this.member.driveIndex} (${this.drivePath})`;
  }

  get stats(): DriveStoreStats {
    return {
      ...this.counters,
      activeVolumeId: this.active?.volumeId ?? 0,
      readsCount: this.readsCount,
      readHandlesCached: this.readHandles.sizeEntries,
    };
  }

  /**
   * Appends a record to the active volume (rolling over when full); resolves once it is written.
   * A record the index will reference is appended under the writer's lease, which keeps its volume
   * from being sealed (and compacted) until the writer has committed or abandoned it.
   */
  async appendRecord(record: EncodedRecord, lease?: VolumeLease): Promise<{ volume: Volume; offsetBytes: number }> {
    // Guaranteed by the record limits ≤ VOLUME_SIZE_BYTES_MIN; otherwise rollover would never end.
    assert(record.sizeBytes <= this.volumeSizeBytesMax, 'record larger than a volume');
    for (;;) {
      this.assertUsable();
      if (this.faults.present) {
        try {
          await this.faults.beforeIo('write');
        } catch (error) {
          this.suspect();
          throw error;
        }
        // The await let other writers in (and maybe the drive go offline): look again.
        this.assertUsable();
      }
      // No await between the check and the append: concurrent writers may fill the volume.
      const volume = this.active!;
      if (volume.canAppend(record.sizeBytes)) {
        const { offsetBytes, written } = volume.append(record);
        lease?.hold(volume);
        try {
          await written;
        } catch (error) {
          this.suspect();
          throw error;
        }
        return { volume, offsetBytes };
      }
      await this.rollOver(volume);
    }
  }

  /** Appends a record and waits until it is durable. */
  async appendDurably(record: EncodedRecord): Promise<void> {
    const { volume, offsetBytes } = await this.appendRecord(record);
    await this.syncThrough(volume, offsetBytes + record.sizeBytes);
  }

  /** Group commit on one of this drive's volumes; a failure makes the drive suspect (health check now). */
  async syncThrough(volume: Volume, endOffsetBytes: number): Promise<void> {
    try {
      if (this.faults.present) await this.faults.beforeIo('sync');
      await volume.syncThrough(endOffsetBytes);
    } catch (error) {
      this.suspect();
      throw error;
    }
  }

  /**
   * The bytes of one record (not yet verified: the caller checks them against what it expects), in
   * one positioned read on a cached descriptor. A missing volume file or a record cut short is a
   * StorageCorruptionError. With `into` (≥ sizeBytes) the bytes land at its start, not in a new buffer.
   */
  async readRecordBytes(volumeId: number, offsetBytes: number, sizeBytes: number, into?: Buffer): Promise<Buffer> {
    this.assertUsable();
    this.readsCount++;
    const bytes = into === undefined ? Buffer.allocUnsafe(sizeBytes) : into.subarray(0, sizeBytes);
    let readBytes: number;
    try {
      if (this.faults.present) await this.faults.beforeIo('read');
      readBytes = await this.readHandles.withHandle(volumeId, (handle) => readFully(handle, bytes, offsetBytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.suspect();
        throw new StorageCorruptionError(volumeId, offsetBytes, 'volume file is missing');
      }
      this.suspect();
      throw error;
    }
    if (readBytes !== sizeBytes) throw new StorageCorruptionError(volumeId, offsetBytes, 'record extends past the end of the volume');
    return bytes;
  }

  /**
   * Every record of every volume, in volume then offset order, each verified. A volume's walk stops
   * at its first record with an untrustworthy header (its torn tail), which is reported with
   * valid: false. Volumes this process is appending to are walked up to their written end.
   */
  async *scanRecords(): AsyncGenerator<ScannedRecord> {
    this.assertUsable();
    if (this.faults.present) await this.faults.beforeIo('read');
    for (const volumeId of await listVolumeIds(this.drivePath)) {
      const handle = await fs.open(volumePath(this.drivePath, volumeId), 'r');
      try {
        const own = this.ownVolumes.get(volumeId);
        const endOffsetBytes = own !== undefined ? own.writtenEndBytes : (await handle.stat()).size;
        for await (const record of scanVolume(handle, volumeId, endOffsetBytes)) {
          if (!record.valid) this.log(`storage: scan: volume ${volumeId} offset ${record.recordOffsetBytes}: ${record.reason}`);
          yield this.member === undefined ? record : { ...record, driveIndex: this.member.driveIndex };
        }
      } finally {
        await handle.close();
      }
    }
  }

  listVolumeFiles(): Promise<VolumeFileState[]> { return listVolumeFiles(this.drivePath); }
  scanVolume(volumeId: number): AsyncGenerator<ScannedRecord & { bytes?: Buffer }> { return scanVolumeFile(this.drivePath, volumeId); }
  markUnreferenced(volumeId: number, sinceMs: number): Promise<void> { return markUnreferenced(this.drivePath, volumeId, sinceMs); }
  unmarkUnreferenced(volumeId: number): Promise<void> { return unmarkUnreferenced(this.drivePath, volumeId); }
  deleteSealedVolume(volumeId: number): Promise<void> { return deleteSealedVolumeFile(this.drivePath, volumeId); }
  rewriteRecord(volumeId: number, offsetBytes: number, recordBytes: Buffer): Promise<void> { return rewriteRecordInPlace(this.drivePath, volumeId, offsetBytes, recordBytes); }

  /** Waits for queued appends, syncs, closes every file. Further calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.unlinkedSweepTimer);
    while (this.rolling !== null) await this.rolling.catch(() => {});
    while (this.checking !== null) await this.checking.catch(() => {});
    if (this.active !== null) this.retire(this.active);
    this.active = null;
    while (this.retiring.size > 0) await Promise.all(this.retiring);
    await this.readHandles.closeAll();
  }

  /**
   * Health check of a set member: format.json still there and still this drive, the active volume
   * still linked. Takes the drive offline if not; brings an offline drive back (a new volume) if so.
   * Concurrent calls share one check.
   */
  checkHealth(): Promise<void> {
    if (this.member === undefined || this.closed) return Promise.resolve();
    this.checking ??= this.runHealthCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async runHealthCheck(): Promise<void> {
    const { problem, format } = await this.healthProblem();
    if (this.closed) return;
    // Read before a replaced drive comes back online below, so no shard of it is judged in between.
    if (problem === null) this.healPendingFlag = await isHealPending(this.drivePath);
    if (problem !== null) {
      if (this.offlineReason === null) this.takeOffline(problem);
      return;
    }
    if (this.offlineReason === null) return;
    this.driveFormat = format!;
    try {
      const { volumeId, handle } = await createVolumeFile(this.drivePath);
      if (this.closed) {
        await handle.close();
        return;
      }
      // Descriptors cached before the drive went away may name files that no longer exist.
      this.readHandles.dropAll();
      this.adopt(this.newVolume(volumeId, handle));
      this.log(`storage: drive ${this.label} is back online (was offline: ${this.offlineReason}), appending to volume ${volumeId}`);
      this.offlineReason = null;
    } catch (error) {
      // Checked every second: say it once, not every time.
      const reason = `cannot create a volume: ${(error as Error).message}`;
      if (reason !== this.offlineReason) this.log(`storage: drive ${this.label} stays offline: ${reason}`);
      this.offlineReason = reason;
    }
  }

  private async healthProblem(): Promise<{ problem: string | null; format?: DriveFormat }> {
    let format: DriveFormat;
    try {
      if (this.faults.present) await this.faults.beforeIo('read');
      format = await readDriveFormat(this.drivePath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // An empty directory in the drive's place: a replacement, formatted for this place (heal.ts).
      const replacement = code === 'ENOENT' ? await this.member?.formatIfEmpty?.() : null;
      if (replacement !== null && replacement !== undefined) return { problem: null, format: replacement };
      return { problem: code === 'ENOENT' ? 'format.json is gone (drive directory removed or unmounted?)' : `format.json unreadable: ${(error as Error).message}` };
    }
    if (!this.isThisDrive(format)) return { problem: `format.json now names another drive (${format.driveId})` };
    const active = this.active;
    if (active !== null && this.offlineReason === null && !(await active.isLinked())) return { problem: 'the active volume file was removed' };
    return { problem: null, format };
  }

  /** The same drive; or, for one unusable when the set was opened, the drive formatted for its place. */
  private isThisDrive(format: DriveFormat): boolean {
    if (this.driveFormat.formatVersion !== 0 && format.driveId === this.driveFormat.driveId) return true;
    // A replacement drive formatted for this place (by this process or another one of the server).
    return format.set !== undefined && format.set.id === this.member?.setId && format.set.driveIndex === this.member.driveIndex;
  }

  private takeOffline(reason: string): void {
    this.offlineReason = reason;
    this.log(`storage: drive ${this.label} is OFFLINE: ${reason}`);
    if (this.active !== null) this.retire(this.active);
    this.active = null;
    this.readHandles.dropAll();
  }

  /** An I/O error on a set member: check the drive now rather than at the next interval. */
  private suspect(): void {
    if (this.member !== undefined) void this.checkHealth().catch(() => undefined);
  }

  /** Replaces a full (or failed) active volume with a new one; concurrent callers share one rollover. */
  private rollOver(full: Volume): Promise<void> {
    if (this.active !== full) return Promise.resolve();
    this.rolling ??= (async () => {
      try {
        const { volumeId, handle } = await createVolumeFile(this.drivePath);
        if (this.closed || this.active !== full) {
          await handle.close();
          return;
        }
        this.adopt(this.newVolume(volumeId, handle));
        this.retire(full);
        this.log(`storage: volume ${full.volumeId} rolled over to volume ${volumeId}`);
      } catch (error) {
        this.suspect();
        throw error;
      } finally {
        this.rolling = null;
      }
    })();
    return this.rolling;
  }

  private newVolume(volumeId: number, handle: fs.FileHandle): Volume {
    return new Volume(volumeId, handle, this.volumeSizeBytesMax, this.counters, this.log, { checkLinkedAfterSync: this.member !== undefined });
  }

  private adopt(volume: Volume): void {
    this.active = volume;
    this.ownVolumes.set(volume.volumeId, volume);
  }

  /**
   * Closes a volume in the background (drain, fdatasync, close); writers still syncing on it are
   * served. Once no writer pins it any more, its `.active` marker goes: the volume is sealed. That
   * wait is not part of close(): a writer that never releases its lease leaves the marker, which
   * goes stale when this process ends, and the volume is sealed then.
   */
  private retire(volume: Volume): void {
    const closing: Promise<void> = volume
      .close()
      .catch((error: Error) => this.log(`storage: closing volume ${volume.volumeId} failed: ${error.message}`))
      .finally(() => {
        this.retiring.delete(closing);
        this.ownVolumes.delete(volume.volumeId);
      });
    this.retiring.add(closing);
    void closing
      .then(() => volume.whenUnpinned())
      .then(() => removeActiveMarker(this.drivePath, volume.volumeId))
      .catch((error: Error) => this.log(`storage: unmarking volume ${volume.volumeId} as active failed: ${error.message}`));
  }

  private assertUsable(): void {
    if (this.closed) throw new Error('storage is closed');
    if (this.offlineReason !== null) throw new DriveOfflineError(this.driveIndex, this.offlineReason);
  }
}
