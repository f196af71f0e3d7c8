// Object keys compare as UTF-8 bytes (as S3 lists them). JavaScript compares strings by UTF-16
// code units, which disagrees for characters above U+FFFF against U+E000–U+FFFF, so every
// ordering decision on keys outside the index goes through these helpers.

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function compareUtf8(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

const HIGHEST_CODE_POINT = 0x10ffff;
const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;

/**
 * The smallest string that sorts (in UTF-8 byte order) after every string starting with `prefix`,
 * or null when no such string exists (empty prefix, or only U+10FFFF characters). Listing uses it to
 * skip a whole common prefix with one index seek.
 */
export function prefixSuccessor(prefix: string): string | null {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < HIGHEST_CODE_POINT) {
      let next = last + 1;
      if (next >= SURROGATE_FIRST && next <= SURROGATE_LAST) next = SURROGATE_LAST + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}

/** The smallest string that sorts after `text` itself. */
export function keySuccessor(text: string): string {
  return text + '\u0000';
}
