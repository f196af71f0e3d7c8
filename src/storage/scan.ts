// Walking a volume record by record, for rebuild-index and audit tooling.

import { RECORD_FIXED_HEADER_SIZE_BYTES, RECORD_FLAG_FINAL } from './constants.js';
import { decodeFixedHeader, fixedHeaderProblem, recordSizeBytes, verifyRecordBytes } from './record.js';
import { readFully, type PositionalReader } from './reader.js';

/** How much of a volume a scan reads at once. */
const SCAN_WINDOW_BYTES = 4 * 1024 * 1024;

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
 * Reads a volume front to back through one buffer, SCAN_WINDOW_BYTES at a time, rather than two
 * reads per record: a volume of small records (tombstones, shards of small objects) holds thousands.
 */
class VolumeWindow {
  private buffer = Buffer.allocUnsafe(SCAN_WINDOW_BYTES);
  private startOffsetBytes = 0;
  private filledBytes = 0;

  constructor(private readonly handle: PositionalReader, private readonly endOffsetBytes: number) {}

  /** Bytes [offset, offset + length) of the volume (a view, valid until the next call); fewer at its end. */
  async bytes(offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const wantedEnd = Math.min(offsetBytes + lengthBytes, this.endOffsetBytes);
    if (offsetBytes < this.startOffsetBytes || wantedEnd > this.startOffsetBytes + this.filledBytes) {
      if (this.buffer.length < lengthBytes) this.buffer = Buffer.allocUnsafe(lengthBytes);
      this.startOffsetBytes = offsetBytes;
      const readBytes = Math.min(this.buffer.length, this.endOffsetBytes - offsetBytes);
      this.filledBytes = await readFully(this.handle, this.buffer.subarray(0, readBytes), offsetBytes);
    }
    const from = offsetBytes - this.startOffsetBytes;
    return this.buffer.subarray(from, Math.min(from + lengthBytes, this.filledBytes));
  }
}

/**
 * Yields every record of one volume from offset 0 to endOffsetBytes, each fully verified (header
 * and payload CRC). Stops after reporting the first record whose header cannot be trusted (a torn
 * or garbage tail): its lengths mean nothing, so there is no next record to find. A record whose
 * header verifies but whose payload does not is reported invalid and the walk goes on, because
 * the verified header says exactly where the next record starts. With `recordBytes`, each valid
 * record comes with a copy of its bytes.
 */
export async function* scanVolume(
  handle: PositionalReader,
  volumeId: number,
  endOffsetBytes: number,
  options: { recordBytes?: boolean } = {},
): AsyncGenerator<ScannedRecord & { bytes?: Buffer }> {
  const window = new VolumeWindow(handle, endOffsetBytes);
  let offsetBytes = 0;
  while (offsetBytes < endOffsetBytes) {
    const torn = (reason: string, fields: Partial<ScannedRecord> = {}): ScannedRecord => ({
      volumeId, recordOffsetBytes: offsetBytes, type: 0, final: false, header: {},
      headerJsonLengthBytes: 0, payloadLengthBytes: 0, ...fields, valid: false, reason,
    });
    const fixedBytes = await window.bytes(offsetBytes, RECORD_FIXED_HEADER_SIZE_BYTES);
    if (fixedBytes.length < RECORD_FIXED_HEADER_SIZE_BYTES) {
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
    // One record (≤ 1 MiB + header JSON limit) within the window at a time.
    const recordBytes = await window.bytes(offsetBytes, sizeBytes);
    if (recordBytes.length < sizeBytes) {
      yield torn('volume ends inside the record', fields);
      return;
    }
    const check = verifyRecordBytes(recordBytes);
    if (check.ok) {
      yield {
        volumeId, recordOffsetBytes: offsetBytes, ...fields, header: check.header, valid: true,
        ...(options.recordBytes === true ? { bytes: Buffer.from(recordBytes) } : {}),
      };
    } else {
      yield torn(check.problem, { ...fields, header: check.header ?? {}, ...(check.headerIntact ? {} : { untrustedHeader: true as const }) });
      if (!check.headerIntact) return;
    }
    offsetBytes += sizeBytes;
  }
}
