// AWS Signature Version 2 for S3 ("Signing and authenticating REST requests"): the
// `Authorization: AWS AKID:signature` header and the query-string form
// (`AWSAccessKeyId`, `Expires`, `Signature`). Legacy, but boto3 still presigns URLs this way by
// default in us-east-1, so clients that work unchanged against S3 need it. Payloads are not signed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLOCK_SKEW_MS_MAX } from '../../limits.js';
import { S3Error } from '../errors.js';
import type { Authentication, CredentialLookup } from './credentials.js';
import type { ParsedParam } from './wire.js';

/** Query parameters that belong to the signed resource (S3's list, plus the response overrides). */
const SIGNED_SUBRESOURCES = new Set([
  'acl', 'cors', 'delete', 'lifecycle', 'location', 'logging', 'notification', 'partNumber', 'policy', 'requestPayment',
  'restore', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language',
  'response-content-type', 'response-expires',
]);
const SIGNATURE_V2_HEADER_PATTERN = /^AWS ([^:\s]+):(\S+)$/;

export interface SigV2Request {
  method: string;
  rawPath: string;
  query: ParsedParam[];
  headers: Map<string, string[]>;
  /** The bucket named by the Host header (virtual-hosted style), which SigV2 signs as "/bucket". */
  virtualHostBucket?: string;
  /** The acceptAnySignature test switch (see sigv4.ts). */
  acceptAnySignature?: boolean;
}

/** A folded header value on one line; split/trim is linear in the value (no backtracking regex). */
function unfold(value: string): string {
  return value.split('\n').map((line) => line.trim()).join(' ').trim();
}

function canonicalizedAmzHeaders(headers: Map<string, string[]>): string {
  return [...headers.entries()]
    .filter(([name]) => name.startsWith('x-amz-'))
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([name, values]) => `${name}:${values.map(unfold).join(',')}\n`)
    .join('');
}

function canonicalizedResource(request: SigV2Request): string {
  const subresources = request.query
    .filter((param) => SIGNED_SUBRESOURCES.has(param.name))
    .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
    .map((param) => (param.value === '' ? param.name : `${param.name}=${param.value}`));
  const bucketPrefix = request.virtualHostBucket === undefined ? '' : `/${request.virtualHostBucket}`;
  return `${bucketPrefix}${request.rawPath}${subresources.length === 0 ? '' : `?${subresources.join('&')}`}`;
}

/** Method, Content-MD5, Content-Type, the date (or Expires), x-amz-* headers, resource. */
export function sigV2StringToSign(request: SigV2Request, dateOrExpires: string): string {
  const first = (name: string) => request.headers.get(name)?.[0] ?? '';
  return `${request.method}\n${first('content-md5')}\n${first('content-type')}\n${dateOrExpires}\n${canonicalizedAmzHeaders(request.headers)}${canonicalizedResource(request)}`;
}

function verify(request: SigV2Request, accessKeyId: string, signatureBase64: string, dateOrExpires: string, lookup: CredentialLookup): Authentication {
  const credentials = lookup(accessKeyId);
  if (credentials === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { extraFields: { AWSAccessKeyId: accessKeyId } });
  const stringToSign = sigV2StringToSign(request, dateOrExpires);
  const expected = createHmac('sha1', credentials.secretAccessKey).update(stringToSign, 'utf8').digest();
  const provided = Buffer.from(signatureBase64, 'base64');
  const matches = provided.byteLength === expected.byteLength && timingSafeEqual(provided, expected);
  if (!matches && request.acceptAnySignature !== true) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      extraFields: { AWSAccessKeyId: accessKeyId, StringToSign: stringToSign, SignatureProvided: signatureBase64 },
    });
  }
  return { accessKeyId, payload: { kind: 'unsigned' } };
}

const ISO_BASIC_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** An HTTP date (RFC 1123) or ISO 8601 basic ("20070327T193642Z"), as clients send either. */
function parseRequestDateMs(value: string | undefined): number {
  if (value === undefined) return NaN;
  const basic = ISO_BASIC_DATE_PATTERN.exec(value);
  if (basic === null) return Date.parse(value);
  const [year, month, day, hour, minute, second] = basic.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

export function isSigV2Header(authorization: string): boolean {
  return authorization.startsWith('AWS ');
}

export function verifySigV2Header(request: SigV2Request, authorization: string, lookup: CredentialLookup, nowMs: number): Authentication {
  const match = SIGNATURE_V2_HEADER_PATTERN.exec(authorization.trim());
  if (match === null) throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; expected "AWS AccessKeyId:Signature".');
  const amzDate = request.headers.get('x-amz-date')?.[0];
  const date = request.headers.get('date')?.[0];
  const timeMs = parseRequestDateMs(amzDate ?? date);
  if (Number.isNaN(timeMs)) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(timeMs - nowMs) > CLOCK_SKEW_MS_MAX) {
    throw new S3Error('RequestTimeTooSkewed', undefined, { extraFields: { RequestTime: amzDate ?? date ?? '', ServerTime: new Date(nowMs).toUTCString() } });
  }
  // With x-amz-date present, the Date position of the string to sign is empty (x-amz-date is signed among the x-amz-* headers).
  return verify(request, match[1]!, match[2]!, amzDate !== undefined ? '' : date ?? '', lookup);
}

export function isSigV2Query(query: ParsedParam[]): boolean {
  return query.some((param) => param.name === 'AWSAccessKeyId') && query.some((param) => param.name === 'Signature');
}

export function verifySigV2Query(request: SigV2Request, lookup: CredentialLookup, nowMs: number): Authentication {
  const value = (name: string) => request.query.find((param) => param.name === name)?.value;
  const expires = value('Expires');
  if (expires === undefined || !/^\d{1,12}$/.test(expires)) {
    throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  if (nowMs > Number(expires) * 1000) {
    throw new S3Error('AccessDenied', 'Request has expired', { extraFields: { Expires: new Date(Number(expires) * 1000).toISOString(), ServerTime: new Date(nowMs).toISOString() } });
  }
  return verify(request, value('AWSAccessKeyId')!, value('Signature')!, expires, lookup);
}
