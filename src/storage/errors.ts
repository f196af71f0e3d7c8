// Errors the storage layer raises to its callers.

/**
 * Bytes on disk are not what was written: bad magic, CRC mismatch, a record that names another
 * object, a record cut short. Reads throw this rather than ever return unverified bytes; the caller
 * (front end / erasure layer) maps it to a 500 or reconstructs from other shards and queues a repair.
 */
export class StorageCorruptionError extends Error {
  readonly volumeId: number;
  readonly offsetBytes: number;
  readonly reason: string;

  constructor(volumeId: number, offsetBytes: number, reason: string) {
    super(`storage corruption in volume ${volumeId} at offset ${offsetBytes}: ${reason}`);
    this.name = 'StorageCorruptionError';
    this.volumeId = volumeId;
    this.offsetBytes = offsetBytes;
    this.reason = reason;
  }
}

/** The drive directory cannot be used: it is a file, not a Cairn drive, or from a newer Cairn. */
export class DriveFormatError extends Error {
  readonly drivePath: string;

  constructor(drivePath: string, reason: string) {
    super(`cannot open Cairn drive at ${drivePath}: ${reason}`);
    this.name = 'DriveFormatError';
    this.drivePath = drivePath;
  }
}
