// Hostile values for the fuzz suite: object keys, header values, query values, and a mutator that
// damages a valid text body (XML or JSON) the ways parsers get hurt — truncation, stray markup,
// character references, entities, deep nesting, huge numbers, odd Unicode.
import type { SeededRandom } from '../seeded-random.js';

/** Pieces keys are built from: every one is a key S3 allows (UTF-8, ≤ 1,024 bytes, no NUL issues in XML). */
const KEY_PIECES = [
  'a', 'Z', '0', ' ', '/', '//', '.', '..', '../', './', '~', '%', '%2F', '%00', '+', '&', '&amp;', '<', '>', '"', "'",
  '?', '#', '=', ';', ',', '\\', '*', '|', '{', '}', '[', ']', '^', '`', '!', '$', '@', ':', '\t', '\n', '\r',
  '\u0085', '\u2028', '\u00e9', '\u20ac', '\ud83d\ude00', '\ufeff', '\ufffd', '\u0301', 'CON', 'nul', '.vol', 'x'.repeat(200),
];

/** An object key a client may legitimately send: some hostile pieces, ≤ 1,024 UTF-8 bytes, not empty. */
export function hostileKey(random: SeededRandom, prefix = ''): string {
  let key = prefix;
  const pieces = random.int(1, 8);
  for (let index = 0; index < pieces; index++) key += random.pick(KEY_PIECES);
  while (Buffer.byteLength(key) > 1024) key = key.slice(0, -1);
  // A lone surrogate left by the cut has no UTF-8 form.
  return key.replace(/[\ud800-\udbff]$/, '') || 'k';
}

/** Percent-encodes a key for a path the way SigV4 clients do (every byte but unreserved and '/'). */
export function encodeKeyPath(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

const HEADER_VALUES = [
  '', ' ', 'a', '0', '-1', '1e309', '99999999999999999999', 'NaN', 'true', 'null', 'bytes=0-0', 'bytes=-', 'bytes=5-1',
  'bytes=0-,-1', '*', 'W/"x"', '"', '\u00e9\u00ff', 'a'.repeat(2000), '=?utf-8?b?w6k=?=', 'AAAA', '====', '%zz', '..',
  'Thu, 01 Jan 1970 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', '2025-13-45T99:99:99Z', 'text/plain; charset=\u00ff',
];

/** A header value node:http will send (visible ASCII, tab, space and obs-text bytes; no CR/LF/NUL). */
export function hostileHeaderValue(random: SeededRandom): string {
  if (random.chance(0.2)) {
    const length = random.int(0, 64);
    let value = '';
    for (let index = 0; index < length; index++) value += String.fromCharCode(random.chance(0.8) ? random.int(0x20, 0x7e) : random.int(0x80, 0xff));
    return value.trim();
  }
  return random.pick(HEADER_VALUES);
}

/** Headers S3 gives meaning to, for mutated-header requests. */
export const MEANINGFUL_HEADERS = [
  'content-type', 'content-md5', 'content-encoding', 'content-language', 'content-disposition', 'cache-control', 'expires',
  'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'x-amz-meta-a', 'x-amz-meta-\u00e9'.replace('\u00e9', 'e'),
  'x-amz-storage-class', 'x-amz-acl', 'x-amz-grant-read', 'x-amz-tagging', 'x-amz-website-redirect-location',
  'x-amz-server-side-encryption', 'x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-sha256', 'x-amz-checksum-crc64nvme',
  'x-amz-sdk-checksum-algorithm', 'x-amz-checksum-algorithm', 'x-amz-checksum-mode', 'x-amz-object-lock-mode',
  'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold', 'x-amz-bypass-governance-retention',
  'x-amz-copy-source', 'x-amz-copy-source-range', 'x-amz-metadata-directive', 'x-amz-tagging-directive',
  'x-amz-expected-bucket-owner', 'x-amz-request-payer', 'x-amz-mfa', 'x-amz-write-offset-bytes', 'if-match-initiated-time',
  'x-amz-object-attributes', 'x-amz-max-parts', 'x-amz-part-number-marker', 'x-amz-delete-marker', 'x-amz-bucket-object-lock-enabled',
];

/** Query parameters S3 gives meaning to, with hostile values. */
export const MEANINGFUL_QUERY = [
  'prefix', 'delimiter', 'max-keys', 'marker', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'list-type',
  'key-marker', 'version-id-marker', 'upload-id-marker', 'max-uploads', 'versionId', 'partNumber', 'uploadId', 'max-parts',
  'part-number-marker', 'response-content-type', 'response-content-disposition', 'response-expires', 'response-cache-control',
  'x-id', 'tagging', 'versions', 'uploads', 'acl', 'attributes', 'location', 'policyStatus',
];

const QUERY_VALUES = ['', '0', '-1', '1001', '2147483648', '1e3', 'url', 'xml', 'true', '/', '\u00e9', '\ud83d\ude00', 'null', '..', 'a'.repeat(1500), '%', '&'];

export function hostileQueryValue(random: SeededRandom): string {
  return random.chance(0.15) ? hostileKey(random) : random.pick(QUERY_VALUES);
}

/** Fragments that hurt XML parsers: references valid and not, entities, CDATA, comments, PIs. */
const XML_INSERTS = [
  '&#x0A;', '&#x0D;', '&#x85;', '&#x2028;', '&#xFFFE;', '&#x110000;', '&#99999999999;', '&#;', '&#x;', '&amp', '&lt;', '&unknown;',
  '<![CDATA[x]]>', '<![CDATA[', '<!-- c -->', '<!--', '<?xml version="1.0"?>', '<?pi x?>', '<!DOCTYPE a [<!ENTITY e "x">]>', '&e;',
  '<a>', '</a>', '<', '>', '"', "'", '\u0000', '\u0001', '\ufffe', '\ud800', ' xmlns="urn:x"', '<x:y xmlns:x="u"/>', '\u20ac',
];

const NUMBERS = ['0', '-1', '1e309', '99999999999999999999', '1.5', 'NaN', '0x10', '', ' 7 ', '00001'];

/** Damages a valid body: 1–4 mutations, each of a kind parsers mishandle. */
export function mutateText(text: string, random: SeededRandom): string {
  let out = text;
  const count = random.int(1, 4);
  for (let step = 0; step < count; step++) {
    const at = random.int(0, out.length);
    switch (random.int(0, 7)) {
      case 0: out = out.slice(0, at); break;
      case 1: out = out.slice(0, at) + random.pick(XML_INSERTS) + out.slice(at); break;
      case 2: out = out.slice(0, at) + out.slice(Math.min(out.length, at + random.int(1, 20))); break;
      case 3: out = out.replace(/>(\d+)</, () => `>${random.pick(NUMBERS)}<`); break;
      case 4: out = out.replace(/>([^<>]+)</, () => `>${hostileKey(random)}<`); break;
      case 5: { const depth = random.int(10, 400); out = out.slice(0, at) + '<d>'.repeat(depth) + '</d>'.repeat(depth) + out.slice(at); break; }
      case 6: { const from = random.int(0, out.length); const piece = out.slice(from, from + random.int(1, 200)); out = out.slice(0, at) + piece.repeat(random.int(2, 20)) + out.slice(at); break; }
      default: out = out.slice(0, at) + String.fromCharCode(random.int(0, 0xffff)) + out.slice(at); break;
    }
  }
  return out;
}
