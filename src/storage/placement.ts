// Placement: where an object's records live. The index stores it as an opaque blob, so it is
// compact: a version byte, then unsigned LEB128 varints —
//   version=1, sizeBytes, chunkCount, then per chunk: volumeId, recordOffsetBytes,
//   headerJsonLengthBytes, payloadLengthBytes.
// A 4 KiB object's placement is about 13 bytes.

import assert from 'node:assert/strict';
import {
  CHUNK_SIZE_BYTES_MAX,
  OBJECT_SIZE_BYTES_MAX,
  PLACEMENT_CHUNKS_MAX,
  PLACEMENT_FORMAT_VERSION,
  RECORD_HEADER_JSON_SIZE_BYTES_MAX,
  VOLUME_ID_MAX,
  VOLUME_SIZE_BYTES_MAX,
} from './constants.js';

export interface ChunkLocation {
  volumeId: number;
  recordOffsetBytes: number;
  headerJsonLengthBytes: number;
  payloadLengthBytes: number;
}

export interface Placement {
  sizeBytes: number;
  chunks: ChunkLocation[];
}

/** A u53 varint needs at most 8 bytes (7 bits each). */
const VARINT_SIZE_BYTES_MAX = 8;

/** Returns a reason if the placement is not one this storage could have produced, else null. */
export function placementProblem(placement: Placement): string | null {
  const { sizeBytes, chunks } = placement;
  if (!isCount(sizeBytes) || sizeBytes > OBJECT_SIZE_BYTES_MAX) return `bad sizeBytes ${sizeBytes}`;
  if (!Array.isArray(chunks) || chunks.length < 1 || chunks.length > PLACEMENT_CHUNKS_MAX) {
    return `bad chunk count ${Array.isArray(chunks) ? chunks.length : typeof chunks}`;
  }
  let totalBytes = 0;
  for (const chunk of chunks) {
    const problem = chunkProblem(chunk);
    if (problem !== null) return problem;
    totalBytes += chunk.payloadLengthBytes;
  }
  if (totalBytes !== sizeBytes) return `chunk payloads sum to ${totalBytes}, not sizeBytes ${sizeBytes}`;
  return null;
}

function chunkProblem(chunk: ChunkLocation): string | null {
  if (!isCount(chunk.volumeId) || chunk.volumeId < 1 || chunk.volumeId > VOLUME_ID_MAX) {
    return `bad volumeId ${chunk.volumeId}`;
  }
  if (!isCount(chunk.recordOffsetBytes) || chunk.recordOffsetBytes >= VOLUME_SIZE_BYTES_MAX) {
    return `bad recordOffsetBytes ${chunk.recordOffsetBytes}`;
  }
  if (!isCount(chunk.headerJsonLengthBytes) || chunk.headerJsonLengthBytes > RECORD_HEADER_JSON_SIZE_BYTES_MAX) {
    return `bad headerJsonLengthBytes ${chunk.headerJsonLengthBytes}`;
  }
  if (!isCount(chunk.payloadLengthBytes) || chunk.payloadLengthBytes > CHUNK_SIZE_BYTES_MAX) {
    return `bad payloadLengthBytes ${chunk.payloadLengthBytes}`;
  }
  return null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function encodePlacement(placement: Placement): Buffer {
  const problem = placementProblem(placement);
  if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
  const numbers = [placement.sizeBytes, placement.chunks.length];
  for (const chunk of placement.chunks) {
    numbers.push(chunk.volumeId, chunk.recordOffsetBytes, chunk.headerJsonLengthBytes, chunk.payloadLengthBytes);
  }
  const out = Buffer.allocUnsafe(1 + numbers.length * VARINT_SIZE_BYTES_MAX);
  out[0] = PLACEMENT_FORMAT_VERSION;
  let offset = 1;
  for (const value of numbers) offset = writeVarint(out, offset, value);
  return Buffer.from(out.subarray(0, offset));
}

export function decodePlacement(encoded: Buffer | Uint8Array): Placement {
  const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  if (bytes.length < 1) throw new RangeError('invalid placement: empty');
  if (bytes[0] !== PLACEMENT_FORMAT_VERSION) {
    throw new RangeError(`invalid placement: unknown format version ${bytes[0]}`);
  }
  const cursor = { offset: 1 };
  const sizeBytes = readVarint(bytes, cursor);
  const chunkCount = readVarint(bytes, cursor);
  if (chunkCount < 1 || chunkCount > PLACEMENT_CHUNKS_MAX) {
    throw new RangeError(`invalid placement: chunk count ${chunkCount}`);
  }
  const chunks: ChunkLocation[] = [];
  for (let index = 0; index < chunkCount; index++) {
    chunks.push({
      volumeId: readVarint(bytes, cursor),
      recordOffsetBytes: readVarint(bytes, cursor),
      headerJsonLengthBytes: readVarint(bytes, cursor),
      payloadLengthBytes: readVarint(bytes, cursor),
    });
  }
  if (cursor.offset !== bytes.length) throw new RangeError('invalid placement: trailing bytes');
  const placement = { sizeBytes, chunks };
  const problem = placementProblem(placement);
  if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
  return placement;
}

function writeVarint(out: Buffer, offset: number, value: number): number {
  assert(Number.isSafeInteger(value) && value >= 0, `varint out of range: ${value}`);
  let rest = value;
  // Division, not bit shifts: JS bitwise operators truncate to 32 bits.
  while (rest >= 0x80) {
    out[offset++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[offset++] = rest;
  return offset;
}

function readVarint(bytes: Buffer, cursor: { offset: number }): number {
  let value = 0;
  let scale = 1;
  for (let index = 0; index < VARINT_SIZE_BYTES_MAX; index++) {
    if (cursor.offset >= bytes.length) throw new RangeError('invalid placement: truncated');
    const byte = bytes[cursor.offset++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) throw new RangeError('invalid placement: number too large');
      return value;
    }
    scale *= 0x80;
  }
  throw new RangeError('invalid placement: varint too long');
}
