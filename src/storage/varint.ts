// Unsigned LEB128 varints for numbers up to 2^53 − 1, the encoding of placements.

import assert from 'node:assert/strict';

/** A u53 varint needs at most 8 bytes (7 bits each). */
export const VARINT_SIZE_BYTES_MAX = 8;

export function writeVarint(out: Buffer, offset: number, value: number): number {
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

export function readVarint(bytes: Buffer, cursor: { offset: number }): number {
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

/** Signed values as varints: 0, −1, 1, −2, 2… → 0, 1, 2, 3, 4… */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
