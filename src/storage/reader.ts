// Reading records back: positioned reads, and the checks that a data record is exactly the chunk
// the caller's placement says it is. Every failed check is a StorageCorruptionError.

import { RECORD_FLAG_FINAL, RECORD_TYPE_DATA } from './constants.js';
import { StorageCorruptionError } from './errors.js';
import type { ChunkLocation, Placement } from './placement.js';
import { verifyRecordBytes } from './record.js';
import type { RecordIdentity } from './writer.js';

export interface ByteRange {
  startByte: number;
  endByteInclusive: number;
}

export interface ReadOptions {
  /**
   * The caller is done with each chunk (sent, copied) by the time it asks for the next one, so the
   * reader may read a later record into that chunk's buffer. Callers that keep chunks (collect them,
   * hand them to a stream that buffers) must leave this unset.
   */
  reuseBuffers?: boolean;
}

/** Reads into `buffer` from `positionBytes` until it is full or the file ends; returns bytes read. */
/** What a scan reads a volume through: a FileHandle, or a remote drive's volume (remote/remote-set-drive.ts). */
export interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export async function readFully(handle: PositionalReader, buffer: Buffer, positionBytes: number): Promise<number> {
  let filledBytes = 0;
  while (filledBytes < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filledBytes, buffer.length - filledBytes, positionBytes + filledBytes);
    if (bytesRead === 0) break;
    filledBytes += bytesRead;
  }
  return filledBytes;
}

export interface ExpectedChunk {
  identity: RecordIdentity;
  placement: Placement;
  seq: number;
  objectOffsetBytes: number;
}

/** The checks that a data record is exactly the chunk the placement says; returns its verified payload. */
export function verifyDataChunk(bytes: Buffer, chunk: ChunkLocation, expected: ExpectedChunk): Buffer {
  const corrupt = (reason: string) => new StorageCorruptionError(chunk.volumeId, chunk.recordOffsetBytes, reason);
  const check = verifyRecordBytes(bytes);
  if (!check.ok) throw corrupt(check.problem);
  const { fixed, header, payload } = check;
  if (fixed.type !== RECORD_TYPE_DATA) throw corrupt(`record type ${fixed.type} where a data record was expected`);
  const { identity, placement, seq, objectOffsetBytes } = expected;
  if (header.b !== identity.bucket || header.k !== identity.key || header.v !== identity.versionId) {
    throw corrupt('record belongs to another object');
  }
  if (header.seq !== seq) throw corrupt(`record is chunk ${String(header.seq)}, expected chunk ${seq}`);
  if (header.off !== objectOffsetBytes) {
    throw corrupt(`record starts at object offset ${String(header.off)}, expected ${objectOffsetBytes}`);
  }
  const expectFinal = seq === placement.chunks.length - 1;
  if (((fixed.flags & RECORD_FLAG_FINAL) !== 0) !== expectFinal) {
    throw corrupt(expectFinal ? 'last chunk lacks the final flag' : 'chunk before the last has the final flag');
  }
  if (expectFinal && (header.size !== placement.sizeBytes || header.chunks !== placement.chunks.length)) {
    throw corrupt('final record disagrees with the placement about the object size or chunk count');
  }
  return payload;
}
