// Placement: where an object's records live. The index stores it as an opaque blob, so it is
// compact: a version byte, then unsigned LEB128 varints. Version 1 (a standalone drive) —
//   version=1, sizeBytes, chunkCount, then per chunk: volumeId, recordOffsetBytes,
//   headerJsonLengthBytes, payloadLengthBytes.
// A 4 KiB object's placement is about 13 bytes. Version 2 (an erasure set) is in
// erasure/placement-codec.ts.

import {
  CHUNK_SIZE_BYTES_MAX,
  OBJECT_SIZE_BYTES_MAX,
  PLACEMENT_CHUNKS_MAX,
  PLACEMENT_FORMAT_VERSION,
  PLACEMENT_FORMAT_VERSION_ERASURE,
  RECORD_HEADER_JSON_SIZE_BYTES_MAX,
  VOLUME_ID_MAX,
  VOLUME_SIZE_BYTES_MAX,
} from './constants.js';
import { decodeErasurePlacement, encodeErasurePlacement, erasurePlacementProblem, type ErasurePlacement } from './erasure/placement-codec.js';
import { readVarint, VARINT_SIZE_BYTES_MAX, writeVarint } from './varint.js';

export interface ChunkLocation {
  volumeId: number;
  recordOffsetBytes: number;
  headerJsonLengthBytes: number;
  payloadLengthBytes: number;
}

/** An object on a standalone drive: its data records, in order. */
export interface DrivePlacement {
  sizeBytes: number;
  chunks: ChunkLocation[];
  erasure?: undefined;
}

/** An object in an erasure set: its stripes and where each shard is. */
export interface ErasureSetPlacement {
  sizeBytes: number;
  /** Always empty: kept so every placement has the same shape in the index and in tests. */
  chunks: ChunkLocation[];
  erasure: ErasurePlacement;
}

/**
 * Where an object's records are: a discriminated union on `erasure` (absent: a standalone drive;
 * present: an erasure set). The discriminant is a field the encoded forms already imply, so the
 * bytes in the index and on disk are unchanged. Consumers narrow with `placement.erasure !==
 * undefined` or, to have both kinds handled checked by the compiler, with matchPlacement.
 */
export type Placement = DrivePlacement | ErasureSetPlacement;

/** Calls the handler for the placement's kind: a new kind fails to compile until every caller handles it. */
export function matchPlacement<T>(placement: Placement, handlers: { drive: (placement: DrivePlacement) => T; erasure: (placement: ErasureSetPlacement) => T }): T {
  return placement.erasure === undefined ? handlers.drive(placement) : handlers.erasure(placement);
}

/** Returns a reason if the placement is not one this storage could have produced, else null. */
export function placementProblem(placement: Placement): string | null {
  const { sizeBytes, chunks } = placement;
  if (!isCount(sizeBytes) || sizeBytes > OBJECT_SIZE_BYTES_MAX) return `bad sizeBytes ${sizeBytes}`;
  if (placement.erasure !== undefined) {
    if (!Array.isArray(chunks) || chunks.length !== 0) return 'an erasure placement has no chunks';
    return erasurePlacementProblem(sizeBytes, placement.erasure);
  }
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

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function encodePlacement(placement: Placement): Buffer {
  const problem = placementProblem(placement);
  if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
  if (placement.erasure !== undefined) return encodeErasurePlacement(placement.sizeBytes, placement.erasure);
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
  if (bytes[0] === PLACEMENT_FORMAT_VERSION_ERASURE) {
    const decoded = decodeErasurePlacement(bytes);
    const placement: ErasureSetPlacement = { sizeBytes: decoded.sizeBytes, chunks: [], erasure: decoded.erasure };
    const problem = placementProblem(placement);
    if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
    return placement;
  }
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
  const placement: DrivePlacement = { sizeBytes, chunks };
  const problem = placementProblem(placement);
  if (problem !== null) throw new RangeError(`invalid placement: ${problem}`);
  return placement;
}
