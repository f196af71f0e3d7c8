// AWS Signature V4 header signing, written for a load generator: the signing key is derived once
// per UTC day and the x-amz-date string once per second, so signing one request costs one SHA-256
// of the canonical request and one HMAC. Bodies are never hashed: every request carries
// `x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3 accepts for header-signed requests.
import { createHash, createHmac } from 'node:crypto';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 's3';
const SIGNED_HEADERS = 'host;x-amz-content-sha256;x-amz-date';
const MS_PER_SECOND = 1000;

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** Query parameters in the order given; the signer sorts them for the canonical request. */
export type QueryParameters = ReadonlyArray<readonly [name: string, value: string]>;

export interface SignedRequestParts {
  /** Path and query string as sent on the wire, e.g. "/bucket/key?list-type=2". */
  pathAndQuery: string;
  /** Flat [name, value, name, value, …] list, the form undici takes without copying. */
  headers: string[];
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A–Z a–z 0–9 - _ . ~ is encoded. */
export function uriEncode(value: string, keepSlashes: boolean): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const isUnreserved = (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
      || byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e;
    if (isUnreserved || (keepSlashes && byte === 0x2f)) encoded += String.fromCharCode(byte);
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class SigV4Signer {
  private readonly credentials: SigV4Credentials;
  private readonly host: string;
  private cachedDay = '';
  private cachedSigningKey: Buffer = Buffer.alloc(0);
  private cachedScope = '';
  private cachedSecondMs = -1;
  private cachedAmzDate = '';

  /** `host` is the Host header value the server will see, e.g. "127.0.0.1:9000". */
  constructor(credentials: SigV4Credentials, host: string) {
    this.credentials = credentials;
    this.host = host;
  }

  /**
   * Path-style request: `path` is "/bucket/key" unencoded; the key is encoded here. `extraHeaders`
   * (lowercase names, e.g. x-amz-storage-class) are sent and signed too.
   */
  sign(method: string, path: string, query: QueryParameters = [], extraHeaders: ReadonlyArray<readonly [name: string, value: string]> = []): SignedRequestParts {
    const nowMs = Date.now();
    this.refreshDate(nowMs);
    const canonicalPath = uriEncode(path, true);
    const canonicalQuery = query.length === 0 ? '' : query
      .map(([name, value]) => [uriEncode(name, false), uriEncode(value, false)] as const)
      .sort(([nameA, valueA], [nameB, valueB]) => compareCodeUnits(nameA, nameB) || compareCodeUnits(valueA, valueB))
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    const signedHeaders: Array<readonly [string, string]> = [
      ['host', this.host], ['x-amz-content-sha256', UNSIGNED_PAYLOAD], ['x-amz-date', this.cachedAmzDate], ...extraHeaders,
    ];
    if (extraHeaders.length > 0) signedHeaders.sort(([nameA], [nameB]) => compareCodeUnits(nameA, nameB));
    const signedHeaderNames = extraHeaders.length === 0 ? SIGNED_HEADERS : signedHeaders.map(([name]) => name).join(';');
    const canonicalRequest = `${method}\n${canonicalPath}\n${canonicalQuery}\n`
      + signedHeaders.map(([name, value]) => `${name}:${value}\n`).join('') + '\n'
      + `${signedHeaderNames}\n${UNSIGNED_PAYLOAD}`;
    const stringToSign = `${ALGORITHM}\n${this.cachedAmzDate}\n${this.cachedScope}\n`
      + createHash('sha256').update(canonicalRequest).digest('hex');
    const signature = createHmac('sha256', this.cachedSigningKey).update(stringToSign).digest('hex');
    const authorization = `${ALGORITHM} Credential=${this.credentials.accessKeyId}/${this.cachedScope}, `
      + `SignedHeaders=${signedHeaderNames}, Signature=${signature}`;
    return {
      pathAndQuery: canonicalQuery === '' ? canonicalPath : `${canonicalPath}?${canonicalQuery}`,
      headers: [...signedHeaders.flat(), 'authorization', authorization],
    };
  }

  private refreshDate(nowMs: number): void {
    const secondMs = nowMs - (nowMs % MS_PER_SECOND);
    if (secondMs === this.cachedSecondMs) return;
    this.cachedSecondMs = secondMs;
    // "2024-01-02T03:04:05.000Z" → "20240102T030405Z"
    const iso = new Date(secondMs).toISOString();
    this.cachedAmzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const day = this.cachedAmzDate.slice(0, 8);
    if (day === this.cachedDay) return;
    this.cachedDay = day;
    this.cachedScope = `${day}/${this.credentials.region}/${SERVICE}/aws4_request`;
    const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
    const dateKey = hmac(`AWS4${this.credentials.secretAccessKey}`, day);
    const regionKey = hmac(dateKey, this.credentials.region);
    const serviceKey = hmac(regionKey, SERVICE);
    this.cachedSigningKey = hmac(serviceKey, 'aws4_request');
  }
}
