// Server-side AWS Signature Version 4 verification for S3: the Authorization header form and the
// presigned-URL (query string) form. See the S3 API reference, "Authenticating Requests (AWS Signature
// Version 4)". The canonical request is rebuilt from the request as received on the wire.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CLOCK_SKEW_MS_MAX, PRESIGNED_EXPIRES_SECONDS_MAX } from '../../limits.js';
import { S3Error, type S3ErrorCode } from '../errors.js';
import type { Authentication, CredentialLookup, PayloadCheck, SigningContext } from './credentials.js';
import { isSigV2Header, isSigV2Query, verifySigV2Header, verifySigV2Query } from './sigv2.js';
import {
  canonicalQuery, canonicalUri, indexHeaders, parseQuery, singleHeader, splitRawUrl, S3_SERVICE, withoutRegistryCredentials, type ParsedParam, type QueryParam,
} from './wire.js';

export type { QueryParam } from './wire.js';
export type { Authentication, CredentialLookup, Credentials, PayloadCheck, SigningContext } from './credentials.js';
/** rawUrl is req.url as received (path + ?query, still percent-encoded); rawHeaders is node's req.rawHeaders. */
export interface IncomingRequestParts {
  method: string;
  rawUrl: string;
  rawHeaders: string[];
  /** The bucket a virtual-hosted-style Host header names (SigV2 signs it as part of the resource). */
  virtualHostBucket?: string;
  /** The server's region: a SigV4 credential scope naming another is refused (as S3 does). Unchecked when absent. */
  expectedRegion?: string;
  /** The signing service this endpoint verifies for (default "s3"); a scope naming another is refused. */
  signingService?: string;
  bodySha256Hex?: string; // the body's SHA-256 hex: the payload hash signed by SDKs sending no x-amz-content-sha256 (S3 Tables)
  /** A test switch (startCairn's acceptAnySignature): a well-formed signature is accepted whatever its value. */
  acceptAnySignature?: boolean;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const SIGNING_KEY_CACHE_ENTRIES_MAX = 256;
const ARGUMENT_VALUE_ECHO_CHARS_MAX = 128;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_64_PATTERN = /^[0-9a-fA-F]{64}$/;
const STREAMING_PAYLOADS: Record<string, { chunkSignatures: boolean; trailer: 'none' | 'unsigned' | 'signed' }> = {
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { chunkSignatures: false, trailer: 'unsigned' },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { chunkSignatures: true, trailer: 'none' },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { chunkSignatures: true, trailer: 'signed' },
};
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const;

interface RequestTarget {
  method: string; rawPath: string; query: ParsedParam[]; headers: Map<string, string[]>; service: string; bodySha256Hex?: string; acceptAnySignature?: boolean;
}
export interface CredentialScope { accessKeyId: string; date: string; region: string; service: string; scope: string }
interface SignatureClaim {
  scope: CredentialScope; signedHeaders: string; signature: string; amzDate: string; payloadHash: string; presigned: boolean;
}

/** Returns null for an anonymous request (no Authorization header and no X-Amz-Algorithm query). Throws S3Error otherwise when authentication fails. */
export function authenticate(request: IncomingRequestParts, lookup: CredentialLookup, nowMs: number): Authentication | null {
  const headers = indexHeaders(request.rawHeaders);
  const { rawPath, rawQuery } = splitRawUrl(request.rawUrl);
  const query = parseQuery(rawQuery);
  // A stray X-Amz-Credential/X-Amz-Signature must not silently downgrade the request to anonymous.
  const presigned = query.some((p) => p.name === 'X-Amz-Algorithm' || p.name === 'X-Amz-Credential' || p.name === 'X-Amz-Signature');
  const authorization = withoutRegistryCredentials(singleHeader(headers, 'authorization', 'AuthorizationHeaderMalformed'), presigned);
  if (authorization !== undefined && presigned) {
    throw new S3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, '
      + 'Signature query string parameter or the Authorization header should be specified', { extraFields: { ArgumentName: 'Authorization' } });
  }
  const target: RequestTarget = {
    method: request.method, rawPath, query, headers, service: request.signingService ?? S3_SERVICE, bodySha256Hex: request.bodySha256Hex,
    acceptAnySignature: request.acceptAnySignature,
  };
  // Made only for SigV2: an object spread on every request cost several µs (bench/small-reads.js).
  const sigV2Request = () => ({ ...target, virtualHostBucket: request.virtualHostBucket });
  if (authorization !== undefined) {
    if (isSigV2Header(authorization)) return verifySigV2Header(sigV2Request(), authorization, lookup, nowMs);
    return verifyHeaderAuth(target, authorization, lookup, nowMs, request.expectedRegion);
  }
  if (presigned) return verifyPresigned(target, lookup, nowMs, request.expectedRegion);
  if (isSigV2Query(query)) return verifySigV2Query(sigV2Request(), lookup, nowMs);
  return null;
}

/**
 * The access key id a request claims, read cheaply before authentication so that the key's record can
 * be fetched (asynchronously) for the synchronous lookup. Undefined for anonymous requests. A wrong
 * guess is harmless: authentication then finds no such key.
 */
export function claimedAccessKeyId(authorization: string | undefined, rawUrl: string): string | undefined {
  if (authorization !== undefined) {
    const match = /Credential=([^/,\s]+)\//.exec(authorization) ?? /^\s*AWS ([^:\s]+):/.exec(authorization);
    return match?.[1];
  }
  const question = rawUrl.indexOf('?');
  if (question < 0) return undefined;
  for (const piece of rawUrl.slice(question + 1).split('&')) {
    const eq = piece.indexOf('=');
    const name = piece.slice(0, eq);
    if (name !== 'X-Amz-Credential' && name !== 'AWSAccessKeyId') continue;
    try {
      return decodeURIComponent(piece.slice(eq + 1)).split('/', 1)[0];
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), cached. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`;
  const cached = signingKeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let key = hmacSha256(Buffer.from(`AWS4${secretAccessKey}`, 'utf8'), date);
  for (const part of [region, service, TERMINATOR]) key = hmacSha256(key, part);
  if (signingKeyCache.size >= SIGNING_KEY_CACHE_ENTRIES_MAX) {
    signingKeyCache.delete(signingKeyCache.keys().next().value as string);
  }
  signingKeyCache.set(cacheKey, key);
  return key;
}
const signingKeyCache = new Map<string, Buffer>();

/**
 * Decodes a raw query string exactly as authentication does, so routing acts on the same values
 * that were signed: '&'/'=' split, %XX decoded, a raw '+' read as a space (form encoding; SDKs always
 * send %2B for a literal plus and %20 for a space, so only hand-built URLs are affected).
 */
export function parseQueryParams(rawQuery: string): QueryParam[] {
  return parseQuery(rawQuery).map(({ name, value }) => ({ name, value }));
}

function verifyHeaderAuth(target: RequestTarget, authorization: string, lookup: CredentialLookup, nowMs: number, expectedRegion?: string): Authentication {
  const fields = parseAuthorizationHeader(authorization);
  const scope = parseCredential(fields.credential, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; ', target.service);
  checkRegion(scope, expectedRegion, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; ');
  const contentSha256 = singleHeader(target.headers, 'x-amz-content-sha256', 'InvalidArgument') ?? target.bodySha256Hex;
  if (contentSha256 === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  validatePayloadHash(contentSha256, true);
  const { amzDate, timeMs, rawValue } = requestTimeFromHeaders(target.headers);
  if (scope.date !== amzDate.slice(0, 8)) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  if (Math.abs(timeMs - nowMs) > CLOCK_SKEW_MS_MAX) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      extraFields: { RequestTime: rawValue, ServerTime: isoSeconds(nowMs), MaxAllowedSkewMilliseconds: String(CLOCK_SKEW_MS_MAX) },
    });
  }
  const signing = verifySignature(target, {
    scope, signedHeaders: fields.signedHeaders, signature: fields.signature, amzDate, payloadHash: contentSha256, presigned: false,
  }, lookup);
  return { accessKeyId: scope.accessKeyId, payload: toPayloadCheck(contentSha256, signing) };
}

function verifyPresigned(target: RequestTarget, lookup: CredentialLookup, nowMs: number, expectedRegion?: string): Authentication {
  const params = presignParams(target.query);
  if (params['X-Amz-Algorithm'] !== ALGORITHM) throw queryParamsError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const scope = parseCredential(params['X-Amz-Credential'], 'AuthorizationQueryParametersError', 'Error parsing the X-Amz-Credential parameter; ', target.service);
  checkRegion(scope, expectedRegion, 'AuthorizationQueryParametersError', 'Error parsing the X-Amz-Credential parameter; ');
  const amzDate = params['X-Amz-Date'];
  const timeMs = parseAmzDate(amzDate);
  if (timeMs === undefined) throw queryParamsError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  const expiresSeconds = parseExpiresSeconds(params['X-Amz-Expires']);
  if (scope.date !== amzDate.slice(0, 8)) throw queryParamsError('Invalid credential date. Date is not the same as X-Amz-Date.');
  // AWS answers both of these with AccessDenied, not RequestTimeTooSkewed; the ±skew applies only to the future side.
  if (timeMs - nowMs > CLOCK_SKEW_MS_MAX) {
    throw new S3Error('AccessDenied', 'Request is not yet valid', { extraFields: { 'X-Amz-Date': amzDate, ServerTime: isoSeconds(nowMs) } });
  }
  const expiresAtMs = timeMs + expiresSeconds * 1000;
  if (nowMs > expiresAtMs) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      extraFields: { 'X-Amz-Expires': String(expiresSeconds), Expires: isoSeconds(expiresAtMs), ServerTime: isoSeconds(nowMs) },
    });
  }
  // Presigners hoist the x-amz-content-sha256 header into the query keeping its case, so match any case.
  const payloadHash = target.query.find((p) => p.name.toLowerCase() === 'x-amz-content-sha256')?.value
    ?? singleHeader(target.headers, 'x-amz-content-sha256', 'InvalidArgument') ?? target.bodySha256Hex ?? UNSIGNED_PAYLOAD;
  validatePayloadHash(payloadHash, false);
  const signing = verifySignature(target, {
    scope, signedHeaders: params['X-Amz-SignedHeaders'], signature: params['X-Amz-Signature'], amzDate, payloadHash, presigned: true,
  }, lookup);
  return { accessKeyId: scope.accessKeyId, payload: toPayloadCheck(payloadHash, signing) };
}

function verifySignature(target: RequestTarget, claim: SignatureClaim, lookup: CredentialLookup): SigningContext {
  const credentials = lookup(claim.scope.accessKeyId);
  if (credentials === undefined) {
    throw new S3Error('InvalidAccessKeyId', undefined, { extraFields: { AWSAccessKeyId: claim.scope.accessKeyId } });
  }
  const signedNames = claim.signedHeaders.split(';');
  if (signedNames.some((name) => name === '')) {
    throw claim.presigned
      ? queryParamsError('X-Amz-SignedHeaders is malformed.')
      : new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; SignedHeaders is malformed.');
  }
  requireSignedHeaders(target.headers, signedNames);
  const canonicalRequest = [
    target.method,
    canonicalUri(target.rawPath, target.service),
    canonicalQuery(target.query, claim.presigned),
    canonicalHeaders(target.headers, signedNames),
    claim.signedHeaders,
    claim.payloadHash,
  ].join('\n');
  const stringToSign = [ALGORITHM, claim.amzDate, claim.scope.scope, sha256Hex(canonicalRequest)].join('\n');
  const { date, region, service } = claim.scope;
  const signingKey = deriveSigningKey(credentials.secretAccessKey, date, region, service);
  const expected = hmacSha256(signingKey, stringToSign).toString('hex');
  if (target.acceptAnySignature === true) {
    return { signingKey, scope: claim.scope.scope, amzDate: claim.amzDate, seedSignature: claim.signature, signaturesChecked: false };
  }
  if (!hexEquals(expected, claim.signature)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      extraFields: {
        AWSAccessKeyId: claim.scope.accessKeyId, StringToSign: stringToSign, SignatureProvided: claim.signature, CanonicalRequest: canonicalRequest,
      },
    });
  }
  return { signingKey, scope: claim.scope.scope, amzDate: claim.amzDate, seedSignature: expected, signaturesChecked: true };
}

function parseAuthorizationHeader(value: string): { credential: string; signedHeaders: string; signature: string } {
  const trimmed = value.trim();
  const match = /^(\S+)\s+(.*)$/s.exec(trimmed);
  const scheme = match?.[1] ?? trimmed;
  if (scheme !== ALGORITHM) throw scheme.startsWith('AWS4-') ? unsupportedMechanism() : unsupportedAuthorizationType();
  const malformed = (): S3Error => new S3Error('AuthorizationHeaderMalformed',
    'The authorization header is malformed; expecting "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".');
  if (match === null) throw malformed();
  const fields = new Map<string, string>();
  for (const part of (match[2] ?? '').split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    if (key === '' || fields.has(key)) throw malformed();
    fields.set(key, part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature || fields.size !== 3) throw malformed();
  return { credential, signedHeaders, signature };
}

export function parseCredential(value: string, code: S3ErrorCode, messagePrefix: string, expectedService = S3_SERVICE): CredentialScope {
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '') || !/^\d{8}$/.test(parts[1] ?? '')) {
    throw new S3Error(code, `${messagePrefix}the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = parts; // five, checked above
  // The region is checked by the caller (checkRegion), which knows the server's.
  if (service !== expectedService) throw new S3Error(code, `${messagePrefix}incorrect service "${service}". This endpoint belongs to "${expectedService}".`);
  if (terminator !== TERMINATOR) throw new S3Error(code, `${messagePrefix}incorrect terminal "${terminator}". This endpoint uses "${TERMINATOR}".`);
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/${terminator}` };
}

/**
 * S3 answers a scope naming another region with the region it expected, in the message and a Region
 * element (SDKs read it to re-sign). The wrong region is echoed printable and bounded.
 */
function checkRegion(scope: CredentialScope, expectedRegion: string | undefined, code: S3ErrorCode, messagePrefix: string): void {
  if (expectedRegion === undefined || scope.region === expectedRegion) return;
  const shown = scope.region.slice(0, ARGUMENT_VALUE_ECHO_CHARS_MAX).replace(/[^\x20-\x7e]/g, '?');
  throw new S3Error(code, `${messagePrefix}the region '${shown}' is wrong; expecting '${expectedRegion}'`, { extraFields: { Region: expectedRegion } });
}

function presignParams(query: ParsedParam[]): Record<(typeof PRESIGN_PARAMS)[number], string> {
  const params = {} as Record<(typeof PRESIGN_PARAMS)[number], string>;
  for (const name of PRESIGN_PARAMS) {
    const [match, ...more] = query.filter((p) => p.name === name);
    if (match === undefined) {
      throw queryParamsError('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, '
        + 'X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
    }
    if (more.length > 0) throw queryParamsError(`Query-string authentication parameter ${name} was given more than once.`);
    params[name] = match.value;
  }
  return params;
}

function parseExpiresSeconds(value: string): number {
  if (!/^-?\d+$/.test(value)) throw queryParamsError('X-Amz-Expires should be a number');
  const seconds = Number(value);
  if (seconds < 0) throw queryParamsError('X-Amz-Expires must be non-negative');
  if (seconds > PRESIGNED_EXPIRES_SECONDS_MAX) {
    throw queryParamsError(`X-Amz-Expires must be less than a week (in seconds) that is ${PRESIGNED_EXPIRES_SECONDS_MAX}`);
  }
  if (seconds < 1) throw queryParamsError('X-Amz-Expires must be at least 1 second');
  return seconds;
}

/** X-Amz-Date, else the Date header (AWS's fallback); the string to sign then carries Date in ISO 8601 basic form. */
function requestTimeFromHeaders(headers: Map<string, string[]>): { amzDate: string; timeMs: number; rawValue: string } {
  const invalid = (): S3Error => new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const amzDate = singleHeader(headers, 'x-amz-date', 'AccessDenied');
  if (amzDate !== undefined) {
    const timeMs = parseAmzDate(amzDate);
    if (timeMs === undefined) throw invalid();
    return { amzDate, timeMs, rawValue: amzDate };
  }
  const date = singleHeader(headers, 'date', 'AccessDenied');
  const timeMs = date === undefined ? NaN : Date.parse(date);
  if (date === undefined || Number.isNaN(timeMs)) throw invalid();
  return { amzDate: toAmzDate(timeMs), timeMs, rawValue: date };
}

function validatePayloadHash(value: string, allowStreaming: boolean): void {
  if (value === UNSIGNED_PAYLOAD || HEX_64_PATTERN.test(value)) return;
  if (allowStreaming && Object.hasOwn(STREAMING_PAYLOADS, value)) return;
  const allowed = allowStreaming ? `UNSIGNED-PAYLOAD, ${Object.keys(STREAMING_PAYLOADS).join(', ')}` : 'UNSIGNED-PAYLOAD';
  throw new S3Error('InvalidArgument', `x-amz-content-sha256 must be ${allowed} or a valid sha256 value.`, {
    extraFields: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value.slice(0, ARGUMENT_VALUE_ECHO_CHARS_MAX) },
  });
}

function toPayloadCheck(payloadHash: string, signing: SigningContext): PayloadCheck {
  if (payloadHash === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
  const streaming = Object.hasOwn(STREAMING_PAYLOADS, payloadHash) ? STREAMING_PAYLOADS[payloadHash] : undefined;
  if (streaming !== undefined) return { kind: 'aws-chunked', ...streaming, signing };
  return { kind: 'sha256', expectedHex: payloadHash.toLowerCase() };
}

/** AWS rejects requests whose host or x-amz-* headers are not all signed (AccessDenied, HeadersNotSigned). */
function requireSignedHeaders(headers: Map<string, string[]>, signedNames: string[]): void {
  const signed = new Set(signedNames.map((name) => name.toLowerCase()));
  const unsigned = [...headers.keys()].filter((name) => (name === 'host' || name.startsWith('x-amz-')) && !signed.has(name));
  if (!signed.has('host') && !unsigned.includes('host')) unsigned.unshift('host');
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', {
      extraFields: { HeadersNotSigned: unsigned.join(', ') },
    });
  }
}

function canonicalHeaders(headers: Map<string, string[]>, signedNames: string[]): string {
  let canonical = '';
  for (const name of signedNames) {
    const values = headers.get(name.toLowerCase());
    if (values === undefined) {
      throw new S3Error('SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided. `
        + `Signed header "${name}" is missing from the request.`);
    }
    canonical += `${name}:${values.map((value) => value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '')).join(',')}\n`;
  }
  return canonical;
}

let lastAmzDate = '';
let lastAmzDateMs: number | undefined;

/** "20240115T103000Z" as ms, or undefined when it is not a real time; the last answer is cached (requests share their second). */
function parseAmzDate(value: string): number | undefined {
  if (value === lastAmzDate) return lastAmzDateMs;
  const match = AMZ_DATE_PATTERN.exec(value);
  let timeMs: number | undefined;
  if (match !== null) {
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
    const candidateMs = Date.UTC(year, month - 1, day, hour, minute, second);
    // Date.UTC rolls impossible fields over (Feb 30 becomes Mar 1): such a date is not valid.
    const inRange = month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59;
    if (inRange && new Date(candidateMs).getUTCDate() === day) timeMs = candidateMs;
  }
  lastAmzDate = value;
  lastAmzDateMs = timeMs;
  return timeMs;
}

const isoSeconds = (timeMs: number): string => new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
const toAmzDate = (timeMs: number): string => isoSeconds(timeMs).replace(/[-:]/g, '');

function hexEquals(expectedHex: string, providedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'latin1');
  const provided = Buffer.from(providedHex.toLowerCase(), 'latin1');
  return expected.length === provided.length && timingSafeEqual(expected, provided);
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hmacSha256 = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
const queryParamsError = (message: string): S3Error => new S3Error('AuthorizationQueryParametersError', message);
/** What AWS answers SigV4a requests in regions that accept only SigV4. */
const unsupportedMechanism = (): S3Error =>
  new S3Error('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
const unsupportedAuthorizationType = (): S3Error =>
  new S3Error('InvalidArgument', 'Unsupported Authorization Type', { extraFields: { ArgumentName: 'Authorization' } });
