// Objects encrypted at rest: a segment (an object written in one PUT, or one multipart part) is cut
// into chunks of ENCRYPTION_CHUNK_PLAINTEXT_BYTES, each sealed with AES-256-GCM and followed by its
// tag, so a range read fetches and decrypts only the chunks it touches. Storage sees ciphertext only:
// its records' CRC32C cover the ciphertext, and audit, heal and compaction need no key.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { ByteRange } from '../../storage/index.js';

/**
 * Plaintext bytes sealed under one GCM tag. Large enough that the 16-byte tag costs 0.02%, small
 * enough that a one-byte range read decrypts at most 64 KiB twice over (first and last chunk).
 */
export const ENCRYPTION_CHUNK_PLAINTEXT_BYTES = 64 * 1024;
export const ENCRYPTION_TAG_BYTES = 16;
const SEALED_CHUNK_BYTES = ENCRYPTION_CHUNK_PLAINTEXT_BYTES + ENCRYPTION_TAG_BYTES;
const NONCE_BYTES = 12;
/** Domain label of the segment-key derivation, so no other use of a data key can collide with it. */
const SEGMENT_KEY_LABEL = 'cairn/sse/segment/v1/';

/**
 * The key a segment's chunks are sealed with: HMAC-SHA256(data key, label ‖ segment data id). Parts of
 * one upload share the upload's data key but never a (key, nonce) pair: each part has its own data
 * id, and a part written again gets a new one.
 */
export function segmentKey(dataKey: Buffer, segmentDataId: string): Buffer {
  return createHmac('sha256', dataKey).update(SEGMENT_KEY_LABEL + segmentDataId).digest();
}

/** Chunk i's nonce is i; the associated data says whether it is the last chunk (no truncation). */
function chunkNonce(chunkIndex: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(BigInt(chunkIndex), NONCE_BYTES - 8);
  return nonce;
}

function finalFlag(isFinal: boolean): Buffer {
  return Buffer.from([isFinal ? 1 : 0]);
}

function sealChunk(key: Buffer, chunkIndex: number, plaintext: Buffer, isFinal: boolean): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(chunkIndex), { authTagLength: ENCRYPTION_TAG_BYTES });
  cipher.setAAD(finalFlag(isFinal));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function openChunk(key: Buffer, chunkIndex: number, sealed: Buffer, isFinal: boolean): Buffer {
  if (sealed.byteLength <= ENCRYPTION_TAG_BYTES) throw new Error(`encrypted chunk ${chunkIndex} is ${sealed.byteLength} bytes: too short`);
  const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(chunkIndex), { authTagLength: ENCRYPTION_TAG_BYTES });
  decipher.setAAD(finalFlag(isFinal));
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - ENCRYPTION_TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.byteLength - ENCRYPTION_TAG_BYTES)), decipher.final()]);
}

/** Stored size of a segment of `plaintextBytes`: every chunk grows by its tag. */
export function sealedSizeBytes(plaintextBytes: number): number {
  return plaintextBytes + Math.ceil(plaintextBytes / ENCRYPTION_CHUNK_PLAINTEXT_BYTES) * ENCRYPTION_TAG_BYTES;
}

/**
 * Seals `body` chunk by chunk (memory: one chunk). The last chunk is only known when the body ends,
 * so one full chunk is held back until the next byte (or the end) says whether it was the last.
 */
export async function* sealChunks(body: AsyncIterable<Buffer> | Iterable<Buffer>, key: Buffer): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let chunkIndex = 0;
  for await (const piece of body) {
    let offset = 0;
    while (offset < piece.byteLength) {
      if (pendingBytes === ENCRYPTION_CHUNK_PLAINTEXT_BYTES) {
        // More bytes follow, so the held chunk was not the last.
        yield sealChunk(key, chunkIndex, Buffer.concat(pending), false);
        chunkIndex += 1;
        pending = [];
        pendingBytes = 0;
      }
      const taken = Math.min(piece.byteLength - offset, ENCRYPTION_CHUNK_PLAINTEXT_BYTES - pendingBytes);
      pending.push(piece.subarray(offset, offset + taken));
      pendingBytes += taken;
      offset += taken;
    }
  }
  if (pendingBytes > 0) yield sealChunk(key, chunkIndex, Buffer.concat(pending), true);
}

/** Which stored bytes hold a plaintext range, and where the wanted bytes sit in the chunks opened. */
export interface SealedRange {
  stored: ByteRange;
  firstChunkIndex: number;
  chunkCount: number;
}

export function sealedRangeOf(plaintextBytes: number, range: ByteRange | undefined): SealedRange | undefined {
  if (plaintextBytes === 0) return undefined;
  const startByte = range?.startByte ?? 0;
  const endByteInclusive = range?.endByteInclusive ?? plaintextBytes - 1;
  const firstChunkIndex = Math.floor(startByte / ENCRYPTION_CHUNK_PLAINTEXT_BYTES);
  const lastChunkIndex = Math.floor(endByteInclusive / ENCRYPTION_CHUNK_PLAINTEXT_BYTES);
  const storedEnd = Math.min((lastChunkIndex + 1) * SEALED_CHUNK_BYTES, sealedSizeBytes(plaintextBytes)) - 1;
  return {
    stored: { startByte: firstChunkIndex * SEALED_CHUNK_BYTES, endByteInclusive: storedEnd },
    firstChunkIndex,
    chunkCount: lastChunkIndex - firstChunkIndex + 1,
  };
}

/**
 * Opens the chunks of `sealed` (stored bytes as sealedRangeOf named them) and yields the plaintext
 * of `range` only. A chunk that fails its tag throws: wrong key or altered bytes are never returned.
 */
export async function* openChunks(
  sealed: AsyncIterable<Buffer>, key: Buffer, plaintextBytes: number, range: ByteRange | undefined, plan: SealedRange,
): AsyncGenerator<Buffer> {
  const startByte = range?.startByte ?? 0;
  const endByteInclusive = range?.endByteInclusive ?? plaintextBytes - 1;
  const lastChunkOfSegment = Math.ceil(plaintextBytes / ENCRYPTION_CHUNK_PLAINTEXT_BYTES) - 1;
  let chunkIndex = plan.firstChunkIndex;
  // Bytes read but not yet opened: less than one sealed chunk between pieces, so a join copies little.
  let pending: Buffer = Buffer.alloc(0);
  const emit = (chunk: Buffer): Buffer => {
    const plaintext = openChunk(key, chunkIndex, chunk, chunkIndex === lastChunkOfSegment);
    const chunkStart = chunkIndex * ENCRYPTION_CHUNK_PLAINTEXT_BYTES;
    chunkIndex += 1;
    return plaintext.subarray(Math.max(0, startByte - chunkStart), Math.min(plaintext.byteLength, endByteInclusive - chunkStart + 1));
  };
  for await (const piece of sealed) {
    pending = pending.byteLength === 0 ? piece : Buffer.concat([pending, piece]);
    let offset = 0;
    while (pending.byteLength - offset >= SEALED_CHUNK_BYTES) {
      yield emit(pending.subarray(offset, offset + SEALED_CHUNK_BYTES));
      offset += SEALED_CHUNK_BYTES;
    }
    pending = pending.subarray(offset);
  }
  if (pending.byteLength > 0) yield emit(pending);
  if (chunkIndex !== plan.firstChunkIndex + plan.chunkCount) {
    throw new Error(`encrypted segment ended after chunk ${chunkIndex - 1}, expected ${plan.firstChunkIndex + plan.chunkCount - 1}`);
  }
}
