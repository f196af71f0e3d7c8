// The console's proxy: a browser request under /_cairn/console/api/s3/…, /api/cairn/…, /api/s3tables/… or
// /api/ecr becomes an
// ordinary SigV4-signed request made with the session's own key, sent to this same server over
// loopback (the address the browser's request arrived on). The console so can never do what the
// user's policies forbid, and S3's and the admin API's answers (errors included) come back verbatim.
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { NodeSha256 } from '../../util/node-sha256.js';
import type { Credentials } from '../../frontend/auth/sigv4.js';

/** Request headers the browser may pass on; everything else (cookies, auth, hop-by-hop) stays behind. */
const FORWARDED_REQUEST_HEADERS = new Set([
  'content-type', 'content-length', 'content-md5', 'content-disposition', 'content-encoding', 'content-language',
  'cache-control', 'expires', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since',
  // ECR's JSON 1.1 protocol names the operation in this header.
  'x-amz-target',
]);
/** x-amz-* headers the signer sets itself. */
const SIGNER_HEADERS = new Set(['x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'authorization']);
/** Response headers never passed back to the browser. */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'set-cookie']);

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (SigV4's canonical form). */
export function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A raw path re-encoded segment by segment in SigV4's canonical form, or undefined when it is not validly encoded. */
export function canonicalPath(rawPath: string): string | undefined {
  try {
    return rawPath.split('/').map((segment) => strictEncode(decodeURIComponent(segment))).join('/');
  } catch {
    return undefined;
  }
}

function forwardedHeaders(req: IncomingMessage, host: string): Record<string, string> {
  const headers: Record<string, string> = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== 'string') continue;
    if (FORWARDED_REQUEST_HEADERS.has(name) || (name.startsWith('x-amz-') && !SIGNER_HEADERS.has(name))) headers[name] = value;
  }
  return headers;
}

function copyResponseHeaders(upstream: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) headers[name] = value;
  }
  // Object bytes are shown on the console's origin: an HTML or SVG object must not run as the console.
  // A PDF keeps the browser's viewer (which a sandbox blocks); the viewer runs no page script.
  if (upstream.headers['content-type'] !== 'application/pdf') headers['content-security-policy'] = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";
  headers['x-content-type-options'] = 'nosniff';
  headers['x-frame-options'] = 'SAMEORIGIN';
  return headers;
}

export interface ProxyTarget {
  method: string;
  /** The path on this server, in canonical encoding (e.g. /bucket/key or /_cairn/admin/users). */
  path: string;
  /** Decoded query parameters, in order. */
  query: Array<[string, string]>;
  /** The SigV4 service the request is signed for: s3 (S3 and the admin API), s3tables or ecr. */
  service: string;
}

/** Signs the target with the session's key and streams the request and its answer through. */
export async function forward(req: IncomingMessage, res: ServerResponse, credentials: Credentials, target: ProxyTarget, region: string): Promise<void> {
  const socket = req.socket as TLSSocket;
  const secure = socket.encrypted === true;
  const address = socket.localAddress ?? '127.0.0.1';
  const hostname = address.includes(':') ? `[${address}]` : address;
  const port = socket.localPort ?? 0;
  const host = `${hostname}:${port}`;
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region, service: target.service, sha256: NodeSha256 as never,
    // SigV4 encodes the path a second time for every service but S3 (as the AWS SDKs do).
    uriEscapePath: target.service !== 's3', applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of target.query) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signed = await signer.sign({ method: target.method, protocol: secure ? 'https:' : 'http:', hostname, port, path: target.path, query, headers: forwardedHeaders(req, host) });
  const queryText = target.query.map(([name, value]) => (value === '' ? strictEncode(name) : `${strictEncode(name)}=${strictEncode(value)}`)).join('&');
  const options = {
    host: address, port, method: target.method, path: queryText === '' ? target.path : `${target.path}?${queryText}`,
    headers: signed.headers,
    // The peer is this server's own listening socket (the address the browser's request came in on);
    // its certificate names the public host, not this address, so it is not checked by name.
    rejectUnauthorized: false,
  };
  await new Promise<void>((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)(options, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, copyResponseHeaders(upstream));
      upstream.pipe(res);
      upstream.on('end', resolve);
      upstream.on('error', reject);
      res.on('close', () => upstream.destroy());
    });
    outgoing.on('error', reject);
    req.on('aborted', () => outgoing.destroy());
    req.pipe(outgoing);
  });
}
