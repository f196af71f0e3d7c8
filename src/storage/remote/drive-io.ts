// The seam where the storage layer does I/O on one drive, as a drive server offers it to the cluster:
// append a whole encoded record durably (group commit with fdatasync), read one record by volume and
// offset (verified), list the volumes. LocalDriveIo does it on a directory through a DriveStore;
// RemoteDriveIo (remote-drive.ts) over HTTP to `cairn drive serve`. Not yet used by erasure sets:
// they still open DriveStores on directories (see docs/drive-server.md).
import { DriveStore } from '../drive-store.js';
import { listVolumeIds, openDrive, volumePath, type DriveFormat } from '../drive.js';
import { StorageCorruptionError } from '../errors.js';
import { verifyRecordBytes, type EncodedRecord } from '../record.js';
import { RECORD_FIXED_HEADER_SIZE_BYTES } from '../constants.js';
import { stat } from 'node:fs/promises';

export interface RecordLocation {
  volumeId: number;
  offsetBytes: number;
}

export interface VolumeListing {
  volumeId: number;
  sizeBytes: number;
}

export interface DriveIo {
  /** Where the drive is: a directory, or http://HOST:PORT/NAME. */
  readonly location: string;
  format(): Promise<DriveFormat>;
  /** Appends one encoded record (fixed header, header JSON, payload) and resolves once it is durable. */
  appendRecord(recordBytes: Buffer): Promise<RecordLocation>;
  /** One record's bytes, verified (its CRCs); a damaged or missing record is a StorageCorruptionError. */
  readRecord(location: RecordLocation, sizeBytes: number): Promise<Buffer>;
  listVolumes(): Promise<VolumeListing[]>;
  close(): Promise<void>;
}

/** The EncodedRecord form of record bytes received whole (checked first: a bad record is refused). */
export function encodedRecordOf(recordBytes: Buffer): EncodedRecord {
  const check = verifyRecordBytes(recordBytes);
  if (!check.ok) throw new RangeError(`not a valid record: ${check.problem}`);
  return {
    parts: [recordBytes], sizeBytes: recordBytes.length, headerJsonLengthBytes: check.fixed.headerJsonLengthBytes, payloadLengthBytes: check.fixed.payloadLengthBytes,
  };
}

export class LocalDriveIo implements DriveIo {
  private constructor(readonly location: string, private readonly store: DriveStore, private readonly driveFormat: DriveFormat) {}

  static async open(drivePath: string, log: (line: string) => void): Promise<LocalDriveIo> {
    const format = await openDrive(drivePath);
    return new LocalDriveIo(drivePath, await DriveStore.open({ drivePath, format, log }), format);
  }

  async format(): Promise<DriveFormat> {
    return this.driveFormat;
  }

  async appendRecord(recordBytes: Buffer): Promise<RecordLocation> {
    const record = encodedRecordOf(recordBytes);
    const { volume, offsetBytes } = await this.store.appendRecord(record);
    // Concurrent appends to one volume share its fdatasync (Volume.syncThrough is a group commit).
    await this.store.syncThrough(volume, offsetBytes + record.sizeBytes);
    return { volumeId: volume.volumeId, offsetBytes };
  }

  async readRecord(location: RecordLocation, sizeBytes: number): Promise<Buffer> {
    if (sizeBytes < RECORD_FIXED_HEADER_SIZE_BYTES) throw new RangeError('a record is at least its fixed header');
    const bytes = await this.store.readRecordBytes(location.volumeId, location.offsetBytes, sizeBytes);
    const check = verifyRecordBytes(bytes);
    if (!check.ok) throw new StorageCorruptionError(location.volumeId, location.offsetBytes, check.problem);
    return bytes;
  }

  async listVolumes(): Promise<VolumeListing[]> {
    const ids = await listVolumeIds(this.location);
    return Promise.all(ids.map(async (volumeId) => ({ volumeId, sizeBytes: (await stat(volumePath(this.location, volumeId))).size })));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
