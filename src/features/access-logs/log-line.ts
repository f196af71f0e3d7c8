// One server access log record, in S3's format: 27 space-separated fields in AWS's order, `-` for
// what is unknown or does not apply. Never a secret: no Authorization header is written, and the
// request-URI of a presigned request is written without its signature (see redactedRequestUri).
import { TLSSocket } from 'node:tls';
import type { S3RequestRecord } from '../../frontend/s3/request-record.js';
import { operationName } from './operation.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IPV4_MAPPED_PREFIX = '::ffff:';
/** Query parameters that carry a request's signature (SigV4 presigned, SigV2 query) or a session token. */
const SECRET_QUERY_PARAMETERS: ReadonlySet<string> = new Set(['x-amz-signature', 'signature', 'x-amz-security-token']);

export interface LogLineContext {
  bucketOwnerId: string;
  accountId: string;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `[06/Feb/2019:00:00:38 +0000]`. */
export function logTime(timeMs: number): string {
  const date = new Date(timeMs);
  return `[${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000]`;
}

/** Control characters, spaces and quotes percent-encoded: a field never splits the line or the record. */
function safe(text: string): string {
  return text.replace(/[\u0000-\u0020"\u007f]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

const orDash = (value: string | number | undefined): string => (value === undefined || value === '' ? '-' : String(value));
/** A quoted field keeps its spaces; quotes and control characters are percent-encoded. */
const quoted = (value: string | undefined): string =>
  `"${value === undefined || value === '' ? '-' : value.replace(/[\u0000-\u001f"\u007f]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}"`;

/**
 * The request-URI without signature parameters. AWS writes the URI as received; Cairn leaves out
 * X-Amz-Signature (SigV4 presigned), Signature (SigV2 query) and X-Amz-Security-Token, so whoever
 * can read the logs cannot replay a presigned URL from them.
 */
export function redactedRequestUri(rawUrl: string): string {
  const queryStart = rawUrl.indexOf('?');
  if (queryStart < 0) return rawUrl;
  const kept = rawUrl.slice(queryStart + 1).split('&').filter((pair) => {
    const name = pair.split('=', 1)[0]!;
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // An undecodable name is kept as it is: it names no signature parameter.
    }
    return !SECRET_QUERY_PARAMETERS.has(decoded.toLowerCase());
  });
  return kept.length === 0 ? rawUrl.slice(0, queryStart) : `${rawUrl.slice(0, queryStart)}?${kept.join('&')}`;
}

function requesterOf(record: S3RequestRecord, accountId: string): string {
  const principal = record.principal;
  if (principal === undefined || principal.kind === 'anonymous') return '-';
  if (principal.kind === 'root') return principal.canonicalId;
  return `arn:aws:iam::${accountId}:user/${principal.name}`;
}

/** Signature version and authentication type, from how the request claims to be signed. */
function signatureOf(record: S3RequestRecord): [string, string] {
  if (record.principal === undefined || record.principal.kind === 'anonymous') return ['-', '-'];
  const authorization = record.req.headers.authorization;
  if (authorization !== undefined) return [authorization.startsWith('AWS4-') ? 'SigV4' : 'SigV2', 'AuthHeader'];
  if (record.query.has('X-Amz-Algorithm')) return ['SigV4', 'QueryString'];
  if (record.query.has('Signature')) return ['SigV2', 'QueryString'];
  // A browser form (POST Object) is signed in its fields: neither of S3's authentication types.
  return ['-', '-'];
}

function header(record: S3RequestRecord, name: string): string | undefined {
  const value = record.req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The object's size: from the response of a read, from the request of a write. */
function objectSize(record: S3RequestRecord): string | undefined {
  const { res } = record;
  if (record.key === undefined || res.statusCode >= 300) return undefined;
  const method = record.req.method;
  if (method === 'GET' || method === 'HEAD') {
    const range = res.getHeader('content-range');
    if (typeof range === 'string') return range.split('/')[1];
    const length = res.getHeader('content-length');
    return length === undefined ? undefined : String(length);
  }
  if (method === 'PUT' && record.req.headers['x-amz-copy-source'] === undefined) {
    return header(record, 'x-amz-decoded-content-length') ?? header(record, 'content-length');
  }
  return undefined;
}

function tlsFields(record: S3RequestRecord): [string, string] {
  const socket = record.req.socket;
  if (!(socket instanceof TLSSocket)) return ['-', '-'];
  return [orDash(socket.getCipher()?.standardName), orDash(socket.getProtocol()?.replace('TLSv', 'TLSV') ?? undefined)];
}

function encodedKey(key: string | undefined): string {
  return key === undefined ? '-' : encodeURIComponent(key).replaceAll('%2F', '/');
}

/** The record's line (without the newline). */
export function formatLogLine(record: S3RequestRecord, context: LogLineContext): string {
  const { req, res } = record;
  const address = req.socket.remoteAddress;
  const remoteIp = address?.startsWith(IPV4_MAPPED_PREFIX) === true ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
  const operation = operationName({ method: req.method ?? 'GET', key: record.key, query: record.query, copying: req.headers['x-amz-copy-source'] !== undefined });
  const turnAroundMs = record.firstByteAtMs === undefined || record.requestReadAtMs === undefined ? undefined : Math.max(0, record.firstByteAtMs - record.requestReadAtMs);
  const versionId = res.getHeader('x-amz-version-id') ?? record.query.get('versionId') ?? undefined;
  const [signatureVersion, authenticationType] = signatureOf(record);
  const [cipherSuite, tlsVersion] = tlsFields(record);
  const fields = [
    context.bucketOwnerId, safe(record.bucket ?? '-'), logTime(record.startedAtMs), orDash(remoteIp), requesterOf(record, context.accountId),
    record.requestId, operation, encodedKey(record.key), quoted(`${req.method ?? 'GET'} ${redactedRequestUri(record.rawUrl)} HTTP/${req.httpVersion}`),
    String(res.statusCode), orDash(record.errorCode), record.bytesSent === 0 ? '-' : String(record.bytesSent), orDash(objectSize(record)),
    String(Math.max(0, record.finishedAtMs - record.startedAtMs)), orDash(turnAroundMs), quoted(header(record, 'referer')), quoted(header(record, 'user-agent')),
    safe(orDash(versionId === undefined ? undefined : String(versionId))), orDash(String(res.getHeader('x-amz-id-2') ?? '')), signatureVersion, cipherSuite,
    authenticationType, safe(orDash(header(record, 'host'))), tlsVersion,
    // Access point ARN, aclRequired, source region: Cairn has no access points, needs no ACL for any
    // request, and does not know which region a request came from.
    '-', '-', '-',
  ];
  return fields.join(' ');
}
