// Record encoding and verification: the unit every volume file is made of.
//
//   0  magic u32 'CRN1'      4  headerJsonLength u32   8  payloadLength u32
//  12  type u8   13 flags u8 14 reserved u16 = 0
//  16  headerCrc32c u32 (over bytes 0..15 + header JSON)   20  payloadCrc32c u32
//  24  header JSON (UTF-8), then payload
//
// All integers are big-endian. See docs/storage-format.md.

import assert from 'node:assert/strict';
import { crc32c } from '@cairn/crc64nvme';
import {
  CHUNK_SIZE_BYTES_MAX,
  RECORD_FIXED_HEADER_SIZE_BYTES,
  RECORD_FLAG_FINAL,
  RECORD_FLAGS_KNOWN,
  RECORD_HEADER_JSON_SIZE_BYTES_MAX,
  RECORD_MAGIC,
  RECORD_TYPE_DATA,
  RECORD_TYPE_SHARD,
  RECORD_TYPE_TOMBSTONE,
} from './constants.js';

function isKnownType(type: number): boolean {
  return type === RECORD_TYPE_DATA || type === RECORD_TYPE_TOMBSTONE || type === RECORD_TYPE_SHARD;
}

/** Bytes 0..15 are covered by the header CRC; 16..23 hold the two CRCs themselves. */
const CRC_COVERED_FIXED_BYTES = 16;

export interface EncodedRecord {
  /** Fixed header + header JSON in one buffer, then the payload (not copied). */
  parts: Buffer[];
  sizeBytes: number;
  headerJsonLengthBytes: number;
  payloadLengthBytes: number;
}

export interface FixedHeader {
  magic: number;
  headerJsonLengthBytes: number;
  payloadLengthBytes: number;
  type: number;
  flags: number;
  reserved: number;
  headerCrc32c: number;
  payloadCrc32c: number;
}

export function recordSizeBytes(headerJsonLengthBytes: number, payloadLengthBytes: number): number {
  return RECORD_FIXED_HEADER_SIZE_BYTES + headerJsonLengthBytes + payloadLengthBytes;
}

/** Encodes one record. Throws RangeError if the header JSON exceeds its limit (caller input). */
export function encodeRecord(type: number, final: boolean, header: object, payload: Buffer): EncodedRecord {
  assert(isKnownType(type), `unknown record type ${type}`);
  assert(payload.length <= CHUNK_SIZE_BYTES_MAX, 'payload larger than a chunk');
  assert(type !== RECORD_TYPE_TOMBSTONE || payload.length === 0, 'tombstones carry no payload');
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > RECORD_HEADER_JSON_SIZE_BYTES_MAX) {
    throw new RangeError(
      `record header JSON is ${json.length} bytes, over the ${RECORD_HEADER_JSON_SIZE_BYTES_MAX}-byte limit`,
    );
  }
  const head = Buffer.allocUnsafe(RECORD_FIXED_HEADER_SIZE_BYTES + json.length);
  head.writeUInt32BE(RECORD_MAGIC, 0);
  head.writeUInt32BE(json.length, 4);
  head.writeUInt32BE(payload.length, 8);
  head.writeUInt8(type, 12);
  head.writeUInt8(final ? RECORD_FLAG_FINAL : 0, 13);
  head.writeUInt16BE(0, 14);
  head.writeUInt32BE(headerCrc32c(head.subarray(0, CRC_COVERED_FIXED_BYTES), json), 16);
  head.writeUInt32BE(crc32c(payload), 20);
  json.copy(head, RECORD_FIXED_HEADER_SIZE_BYTES);
  const parts = payload.length > 0 ? [head, payload] : [head];
  return {
    parts,
    sizeBytes: head.length + payload.length,
    headerJsonLengthBytes: json.length,
    payloadLengthBytes: payload.length,
  };
}

function headerCrc32c(fixedCovered: Uint8Array, json: Uint8Array): number {
  return crc32c(json, crc32c(fixedCovered));
}

export function decodeFixedHeader(bytes: Buffer): FixedHeader {
  assert(bytes.length >= RECORD_FIXED_HEADER_SIZE_BYTES, 'fixed header needs 24 bytes');
  return {
    magic: bytes.readUInt32BE(0),
    headerJsonLengthBytes: bytes.readUInt32BE(4),
    payloadLengthBytes: bytes.readUInt32BE(8),
    type: bytes.readUInt8(12),
    flags: bytes.readUInt8(13),
    reserved: bytes.readUInt16BE(14),
    headerCrc32c: bytes.readUInt32BE(16),
    payloadCrc32c: bytes.readUInt32BE(20),
  };
}

/** Checks of the fixed header alone that make its lengths safe to act on; returns a reason or null. */
export function fixedHeaderProblem(fixed: FixedHeader): string | null {
  if (fixed.magic !== RECORD_MAGIC) return `bad magic 0x${fixed.magic.toString(16).padStart(8, '0')}`;
  if (fixed.headerJsonLengthBytes > RECORD_HEADER_JSON_SIZE_BYTES_MAX) {
    return `header JSON length ${fixed.headerJsonLengthBytes} over the limit`;
  }
  if (fixed.payloadLengthBytes > CHUNK_SIZE_BYTES_MAX) return `payload length ${fixed.payloadLengthBytes} over the limit`;
  return null;
}

export type RecordCheck =
  | { ok: true; fixed: FixedHeader; header: Record<string, unknown>; payload: Buffer }
  /** headerIntact: the header CRC matched, so the lengths (and header, if parsed) can be trusted. */
  | { ok: false; problem: string; headerIntact: boolean; fixed: FixedHeader | null; header: Record<string, unknown> | null };

/**
 * Verifies a whole record held in `bytes` (fixed header, header JSON, payload). Checks the CRCs
 * before parsing, so JSON is only parsed from bytes known to be the ones written.
 */
export function verifyRecordBytes(bytes: Buffer): RecordCheck {
  const broken = (problem: string, fixed: FixedHeader | null = null) =>
    ({ ok: false, problem, headerIntact: false, fixed, header: null }) as const;
  if (bytes.length < RECORD_FIXED_HEADER_SIZE_BYTES) return broken('record shorter than its fixed header');
  const fixed = decodeFixedHeader(bytes);
  const fixedProblem = fixedHeaderProblem(fixed);
  if (fixedProblem !== null) return broken(fixedProblem, fixed);
  if (bytes.length !== recordSizeBytes(fixed.headerJsonLengthBytes, fixed.payloadLengthBytes)) {
    return broken('record length does not match the lengths in its header', fixed);
  }
  const jsonEnd = RECORD_FIXED_HEADER_SIZE_BYTES + fixed.headerJsonLengthBytes;
  const json = bytes.subarray(RECORD_FIXED_HEADER_SIZE_BYTES, jsonEnd);
  if (headerCrc32c(bytes.subarray(0, CRC_COVERED_FIXED_BYTES), json) !== fixed.headerCrc32c) {
    return broken('header CRC32C mismatch', fixed);
  }
  const header = parseHeaderJson(json);
  const problem = headerProblem(fixed, header);
  if (problem !== null) return { ok: false, problem, headerIntact: true, fixed, header };
  const payload = bytes.subarray(jsonEnd);
  if (crc32c(payload) !== fixed.payloadCrc32c) {
    return { ok: false, problem: 'payload CRC32C mismatch', headerIntact: true, fixed, header };
  }
  return { ok: true, fixed, header: header!, payload };
}

/** Checks of a CRC-verified header that a writer of this format would never have violated. */
function headerProblem(fixed: FixedHeader, header: Record<string, unknown> | null): string | null {
  if (fixed.reserved !== 0) return `reserved field is ${fixed.reserved}, not 0`;
  if ((fixed.flags & ~RECORD_FLAGS_KNOWN) !== 0) return `unknown flags 0x${fixed.flags.toString(16)}`;
  if (!isKnownType(fixed.type)) return `unknown record type ${fixed.type}`;
  if (fixed.type === RECORD_TYPE_TOMBSTONE && fixed.payloadLengthBytes !== 0) return 'tombstone with a payload';
  if (header === null) return 'header JSON is not a JSON object';
  return null;
}

function parseHeaderJson(json: Buffer): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  return parsed as Record<string, unknown>;
}
