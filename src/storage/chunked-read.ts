// Reading an object from a standalone drive: its data records in order, each verified, with one
// record of read-ahead; a ranged read touches only the records it needs.

import type { DriveStore } from './drive-store.js';
import { StorageCorruptionError } from './errors.js';
import type { Placement } from './placement.js';
import { ReadAhead } from './read-ahead.js';
import { verifyDataChunk, type ByteRange, type ExpectedChunk } from './reader.js';
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
  const reads = new ReadAhead(wanted, (expected: ExpectedChunk) => readChunk(drive, log, expected), READ_AHEAD_RECORDS);
  for (let index = 0; index < wanted.length; index++) {
    const part = inRange(await reads.take(index), wanted[index]!);
    if (part.length > 0) yield part;
  }
}

async function readChunk(drive: DriveStore, log: (line: string) => void, expected: ExpectedChunk): Promise<Buffer> {
  const chunk = expected.placement.chunks[expected.seq]!;
  try {
    const bytes = await drive.readRecordBytes(chunk.volumeId, chunk.recordOffsetBytes, recordSizeBytes(chunk.headerJsonLengthBytes, chunk.payloadLengthBytes));
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
