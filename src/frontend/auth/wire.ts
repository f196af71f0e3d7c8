// Reading a request as it arrived on the wire, for signature checks: the raw path and query, percent
// decoding and AWS's URI encoding, the headers by lower-case name (repeats kept), and the canonical URI and query SigV4 signs.
import { S3Error, type S3ErrorCode } from '../errors.js';

/** The default signing service, and the one whose canonical URI is the path encoded once. */
export const S3_SERVICE = 's3';
const UNRESERVED_ONLY_PATTERN = /^[A-Za-z0-9\-._~]*$/;

export interface QueryParam { name: string; value: string }
export interface ParsedParam extends QueryParam { canonicalName: string; canonicalValue: string }

export function parseQuery(rawQuery: string): ParsedParam[] {
  const params: ParsedParam[] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const nameBytes = percentDecode(eq < 0 ? piece : piece.slice(0, eq), true);
    const valueBytes = percentDecode(eq < 0 ? '' : piece.slice(eq + 1), true);
    params.push({
      name: nameBytes.toString('utf8'), value: valueBytes.toString('utf8'), canonicalName: uriEncode(nameBytes), canonicalValue: uriEncode(valueBytes),
    });
  }
  return params;
}

export function splitRawUrl(rawUrl: string): { rawPath: string; rawQuery: string } {
  const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rawUrl);
  let url = origin === null ? rawUrl : rawUrl.slice(origin[0].length);
  const hash = url.indexOf('#');
  if (hash >= 0) url = url.slice(0, hash);
  const question = url.indexOf('?');
  const rawPath = question < 0 ? url : url.slice(0, question);
  return { rawPath: rawPath === '' ? '/' : rawPath, rawQuery: question < 0 ? '' : url.slice(question + 1) };
}

/** Node hands over raw non-ASCII URL bytes as latin1 characters; anything wider came from a JS caller as UTF-16. */
export function percentDecode(text: string, plusIsSpace: boolean): Buffer {
  const source = /[^\x00-\xff]/.test(text) ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1');
  const decoded = Buffer.allocUnsafe(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i]!; // i < source.length
    if (byte === 0x25) {
      const high = hexDigitValue(source[i + 1]);
      const low = hexDigitValue(source[i + 2]);
      if (high < 0 || low < 0) throw new S3Error('InvalidURI', "Couldn't parse the specified URI: malformed percent-escape.");
      decoded[length++] = high * 16 + low;
      i += 2;
    } else {
      decoded[length++] = byte === 0x2b && plusIsSpace ? 0x20 : byte;
    }
  }
  return decoded.subarray(0, length);
}

export function hexDigitValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

export const UPPER_HEX = '0123456789ABCDEF';

export function uriEncode(bytes: Buffer): string {
  let encoded = '';
  for (const byte of bytes) {
    const unreserved = (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
      || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
    encoded += unreserved ? String.fromCharCode(byte) : `%${UPPER_HEX.charAt(byte >> 4)}${UPPER_HEX.charAt(byte & 15)}`;
  }
  return encoded;
}

export function indexHeaders(rawHeaders: string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase(); // i + 1 < rawHeaders.length: a name and its value
    const value = rawHeaders[i + 1]!;
    const values = headers.get(name);
    if (values === undefined) headers.set(name, [value]);
    else values.push(value);
  }
  return headers;
}

export function singleHeader(headers: Map<string, string[]>, name: string, duplicateCode: S3ErrorCode): string | undefined {
  const values = headers.get(name);
  if (values !== undefined && values.length > 1) throw new S3Error(duplicateCode, `The ${name} header was given more than once.`);
  return values?.[0];
}

/**
 * S3 canonical URI: each segment %-decoded and re-encoded (RFC 3986 unreserved kept), no
 * normalization. Every other service signs the path as sent URI-encoded once more (the AWS SDKs'
 * uriEscapePath), so "%3A" on the wire is "%253A" in its canonical URI.
 */
export function canonicalUri(rawPath: string, service: string): string {
  if (service !== S3_SERVICE) return normalizedPathEncodedTwice(rawPath);
  return rawPath.split('/').map((segment) => (UNRESERVED_ONLY_PATTERN.test(segment) ? segment : uriEncode(percentDecode(segment, false)))).join('/');
}

/** The SDKs' canonical path for every service but S3: empty, "." and ".." segments resolved, then each segment encoded. */
function normalizedPathEncodedTwice(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(Buffer.from(segment, 'utf8')));
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

export function canonicalQuery(query: ParsedParam[], presigned: boolean): string {
  const pairs = query.filter((p) => !(presigned && p.name === 'X-Amz-Signature')).map((p): [string, string] => [p.canonicalName, p.canonicalValue]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}
