// Walking a volume record by record, for rebuild-index and audit tooling.

import type { FileHandle } from 'node:fs/promises';
import { RECORD_FIXED_HEADER_SIZE_BYTES, RECORD_FLAG_FINAL } from './constants.js';
import { decodeFixedHeader, fixedHeaderProblem, recordSizeBytes, verifyRecordBytes } from './record.js';
import { readFully } from './reader.js';

export interface ScannedRecord {
  volumeId: number;
  recordOffsetBytes: number;
  type: number;
  final: boolean;
  /** The parsed header JSON; {} when the header itself failed verification. */
  header: Record<string, unknown>;
  /** With recordOffsetBytes and payloadLengthBytes, enough to rebuild a ChunkLocation. */
  headerJsonLengthBytes: number;
  payloadLengthBytes: number;
  valid: boolean;
  /** Why the record is invalid (absent when valid). */
  reason?: string;
  /** In an erasure set: the index of the drive the record is on (absent on a standalone drive). */
  driveIndex?: number;
  /**
   * The walk stopped here at a header it could not trust although the volume goes on (not a torn
   * tail, where the volume ends inside the record): whatever follows cannot be found.
   */
  untrustedHeader?: true;
}

/**
 * Yields every record of one volume from offset 0 to endOffsetBytes, each fully verified (header
 * and payload CRC). Stops after reporting the first record whose header cannot be trusted (a torn
 * or garbage tail): its lengths mean nothing, so there is no next record to find. A record whose
 * header verifies but whose payload does not is reported invalid and the walk goes on, because
 * the verified header says exactly where the next record starts.
 */
export async function* scanVolume(
  handle: FileHandle,
  volumeId: number,
  endOffsetBytes: number,
): AsyncGenerator<ScannedRecord> {
  let offsetBytes = 0;
  const fixedBytes = Buffer.allocUnsafe(RECORD_FIXED_HEADER_SIZE_BYTES);
  while (offsetBytes < endOffsetBytes) {
    const torn = (reason: string, fields: Partial<ScannedRecord> = {}): ScannedRecord => ({
      volumeId, recordOffsetBytes: offsetBytes, type: 0, final: false, header: {},
      headerJsonLengthBytes: 0, payloadLengthBytes: 0, ...fields, valid: false, reason,
    });
    if (endOffsetBytes - offsetBytes < RECORD_FIXED_HEADER_SIZE_BYTES) {
      yield torn('volume ends inside a fixed header');
      return;
    }
    if ((await readFully(handle, fixedBytes, offsetBytes)) < fixedBytes.length) {
      yield torn('volume ends inside a fixed header');
      return;
    }
    const fixed = decodeFixedHeader(fixedBytes);
    const fields = {
      type: fixed.type,
      final: (fixed.flags & RECORD_FLAG_FINAL) !== 0,
      headerJsonLengthBytes: fixed.headerJsonLengthBytes,
      payloadLengthBytes: fixed.payloadLengthBytes,
    };
    const fixedProblem = fixedHeaderProblem(fixed);
    if (fixedProblem !== null) {
      yield torn(fixedProblem, { ...fields, untrustedHeader: true });
      return;
    }
    const sizeBytes = recordSizeBytes(fixed.headerJsonLengthBytes, fixed.payloadLengthBytes);
    if (offsetBytes + sizeBytes > endOffsetBytes) {
      yield torn('volume ends inside the record', fields);
      return;
    }
    // One record in memory at a time (≤ 1 MiB + header JSON limit).
    const recordBytes = Buffer.allocUnsafe(sizeBytes);
    fixedBytes.copy(recordBytes);
    const tailBytes = recordBytes.subarray(RECORD_FIXED_HEADER_SIZE_BYTES);
    if ((await readFully(handle, tailBytes, offsetBytes + RECORD_FIXED_HEADER_SIZE_BYTES)) < tailBytes.length) {
      yield torn('volume ends inside the record', fields);
      return;
    }
    const check = verifyRecordBytes(recordBytes);
    if (check.ok) {
      yield { volumeId, recordOffsetBytes: offsetBytes, ...fields, header: check.header, valid: true };
    } else {
      yield torn(check.problem, { ...fields, header: check.header ?? {}, ...(check.headerIntact ? {} : { untrustedHeader: true as const }) });
      if (!check.headerIntact) return;
    }
    offsetBytes += sizeBytes;
  }
}
