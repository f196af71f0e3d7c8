// Reading an object from a standalone drive: its data records in order, each verified, with one
// record of read-ahead; a ranged read touches only the records it needs. A caller that is done
// with each chunk when it asks for the next (ReadOptions.reuseBuffers) gets its records read into
// two buffers in turn instead of a new one per MiB: fewer allocations, and far fewer of the major
// GCs that V8 starts as external memory churns (docs/performance.md, "Large objects (session 8)").

import type { DriveStore } from './drive-store.js';
import { StorageCorruptionError } from './errors.js';
import type { Placement } from './placement.js';
import { ReadAhead } from './read-ahead.js';
import { verifyDataChunk, type ByteRange, type ExpectedChunk, type ReadOptions } from './reader.js';
import { recordSizeBytes } from './record.js';
import type { RecordIdentity } from './writer.js';

/** Records read ahead of the one a reader is consuming. */
const READ_AHEAD_RECORDS = 1;

export async function* readChunked(
  drive: DriveStore,
  log: (line: string) => void,
  identity: RecordIdentity,
  placement: Placement,
  range: ByteRange | undefined,
  options: ReadOptions = {},
): AsyncGenerator<Buffer> {
  const startByte = range?.startByte ?? 0;
  const endByteInclusive = range?.endByteInclusive ?? placement.sizeBytes - 1;
  const wanted: ExpectedChunk[] = [];
  let chunkStartBytes = 0;
  for (let seq = 0; seq < placement.chunks.length; seq++) {
    const chunkEndBytes = chunkStartBytes + placement.chunks[seq]!.payloadLengthBytes;
    // Without a range every chunk is read, so even a 0-byte object's record gets verified.
    if (range === undefined || (chunkEndBytes > startByte && chunkStartBytes <= endByteInclusive)) {
      wanted.push({ identity, placement, seq, objectOffsetBytes: chunkStartBytes });
    }
    chunkStartBytes = chunkEndBytes;
    if (chunkStartBytes > endByteInclusive) break;
  }
  // The part of a chunk's payload inside the range (empty when the range ends before it).
  const inRange = (payload: Buffer, chunk: ExpectedChunk): Buffer =>
    payload.subarray(Math.max(startByte - chunk.objectOffsetBytes, 0), Math.min(endByteInclusive + 1 - chunk.objectOffsetBytes, payload.length));
  if (wanted.length === 1) {
    // A small object (or a range within one record): one read, no read-ahead machinery.
    const only = inRange(await readChunk(drive, log, wanted[0]!), wanted[0]!);
    if (only.length > 0) yield only;
    return;
  }
  // One record of read-ahead: the next record is read while the caller sends this one.
  const buffers = options.reuseBuffers === true ? new RecordBufferPair(wanted) : undefined;
  const reads = new ReadAhead(wanted, (expected: ExpectedChunk) => readChunk(drive, log, expected, buffers?.take()), READ_AHEAD_RECORDS);
  for (let index = 0; index < wanted.length; index++) {
    // The caller asked for this chunk, so it is done with the one before: its buffer takes the
    // record read ahead now (take() starts it).
    if (index >= 1) buffers?.releaseOldest();
    const part = inRange(await reads.take(index), wanted[index]!);
    if (part.length > 0) yield part;
  }
}

/** The buffers a reader that reuses them reads into: one per record in hand, at most READ_AHEAD_RECORDS + 1. */
class RecordBufferPair {
  private readonly capacityBytes: number;
  private readonly spare: Buffer[] = [];
  /** Buffers handed out, in the order of the records read into them. */
  private readonly inUse: Buffer[] = [];

  constructor(wanted: ExpectedChunk[]) {
    this.capacityBytes = Math.max(...wanted.map(({ placement, seq }) => chunkRecordSizeBytes(placement, seq)));
  }

  take(): Buffer {
    const buffer = this.spare.pop() ?? Buffer.allocUnsafe(this.capacityBytes);
    this.inUse.push(buffer);
    return buffer;
  }

  /** The caller is done with the oldest record handed out: its buffer may be read into again. */
  releaseOldest(): void {
    const buffer = this.inUse.shift();
    if (buffer !== undefined) this.spare.push(buffer);
  }
}

function chunkRecordSizeBytes(placement: Placement, seq: number): number {
  const chunk = placement.chunks[seq]!;
  return recordSizeBytes(chunk.headerJsonLengthBytes, chunk.payloadLengthBytes);
}

async function readChunk(drive: DriveStore, log: (line: string) => void, expected: ExpectedChunk, into?: Buffer): Promise<Buffer> {
  const chunk = expected.placement.chunks[expected.seq]!;
  try {
    const bytes = await drive.readRecordBytes(chunk.volumeId, chunk.recordOffsetBytes, chunkRecordSizeBytes(expected.placement, expected.seq), into);
    return verifyDataChunk(bytes, chunk, expected);
  } catch (error) {
    if (error instanceof StorageCorruptionError) {
      const { bucket, key, versionId } = expected.identity;
      log(
        `storage: CORRUPTION drive ${drive.format.driveId} volume ${error.volumeId} offset ${error.offsetBytes} ` +
          `(bucket ${JSON.stringify(bucket)} key ${JSON.stringify(key)} version ${JSON.stringify(versionId)} ` +
          `chunk ${expected.seq}): ${error.reason}`,
      );
    }
    throw error;
  }
}
