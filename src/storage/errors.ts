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

/**
 * Too few drives of the erasure set are online for this operation: a write that cannot reach its
 * write quorum, a read that cannot find k good shards because drives are missing. Nothing was made
 * visible; the front end answers 503 ServiceUnavailable, and the client may retry.
 */
export class StorageUnavailableError extends Error {
  constructor(reason: string) {
    super(`storage unavailable: ${reason}`);
    this.name = 'StorageUnavailableError';
  }
}

/** A drive of an erasure set is offline: its I/O is refused until a health check brings it back. */
export class DriveOfflineError extends Error {
  readonly driveIndex: number;

  constructor(driveIndex: number, reason: string) {
    super(`drive ${driveIndex} is offline: ${reason}`);
    this.name = 'DriveOfflineError';
    this.driveIndex = driveIndex;
  }
}

/** The drives given cannot form (or reopen) one erasure set; nothing on them was changed. */
export class ErasureSetError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`cannot open the erasure set:\n  ${problems.join('\n  ')}`);
    this.name = 'ErasureSetError';
    this.problems = problems;
  }
}
