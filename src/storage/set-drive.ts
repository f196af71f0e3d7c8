// SetDrive: one drive of an erasure set as the set, its reader and writer, heal, audit and compaction
// use it — appends under a volume lease with group commit, verified-by-caller reads, scans, and the
// volume-file operations of compaction. Two implementations: DriveStore (a local directory, the
// fast path: no copies, no round trips) and RemoteSetDrive (a drive on a drive server,
// http://HOST:PORT/NAME, storage/remote/). `host` is what host-first placement spreads shards over.

import type { DriveFormat } from './drive.js';
import type { DriveStoreStats } from './drive-store.js';
import type { DriveFaultState } from './faults/drive-faults.js';
import type { EncodedRecord } from './record.js';
import type { ScannedRecord } from './scan.js';
import type { VolumeFileState } from './volume-files.js';
import type { VolumeLease } from './volume.js';

/** The host of every local directory drive; a remote drive's host is its server's HOST:PORT. */
export const LOCAL_HOST = 'local';

/** A volume a record was appended to: what syncThrough and a VolumeLease need of it. */
export interface VolumeRef {
  readonly volumeId: number;
  pin(): void;
  unpin(): void;
}

export interface SetDrive {
  /** A directory, or http://HOST:PORT/NAME. */
  readonly drivePath: string;
  /** LOCAL_HOST, or the drive server's HOST:PORT: shards of a stripe go to distinct hosts first. */
  readonly host: string;
  readonly driveIndex: number;
  readonly format: DriveFormat;
  readonly online: boolean;
  readonly healPending: boolean;
  readonly faults: DriveFaultState;
  readonly stats: DriveStoreStats;
  markHealed(): Promise<void>;
  /** Appends a record (written; durable after syncThrough), pinned by `lease` until released. */
  appendRecord(record: EncodedRecord, lease?: VolumeLease): Promise<{ volume: VolumeRef; offsetBytes: number }>;
  appendDurably(record: EncodedRecord): Promise<void>;
  syncThrough(volume: VolumeRef, endOffsetBytes: number): Promise<void>;
  /** One record's bytes (a missing volume or short record is a StorageCorruptionError). */
  readRecordBytes(volumeId: number, offsetBytes: number, sizeBytes: number): Promise<Buffer>;
  scanRecords(): AsyncGenerator<ScannedRecord>;
  checkHealth(): Promise<void>;
  close(): Promise<void>;
  /** Compaction: the volumes with their state (stale active markers removed on the way). */
  listVolumeFiles(): Promise<VolumeFileState[]>;
  /** Compaction: one volume's records, verified, each with its bytes (tombstone copies). */
  scanVolume(volumeId: number): AsyncGenerator<ScannedRecord & { bytes?: Buffer }>;
  markUnreferenced(volumeId: number, sinceMs: number): Promise<void>;
  unmarkUnreferenced(volumeId: number): Promise<void>;
  /** Deletes a sealed volume; refused (an Error) for one that is not sealed. */
  deleteSealedVolume(volumeId: number): Promise<void>;
  /** Audit repair: writes a record over a damaged one of the very same size, durably. */
  rewriteRecord(volumeId: number, offsetBytes: number, recordBytes: Buffer): Promise<void>;
}
