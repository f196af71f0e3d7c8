// Builds `aws-chunked` request bodies the way AWS documents them (signed chunks, signed or unsigned
// trailers), so tests can send valid ones and deliberately broken ones.
import { createHash, createHmac } from 'node:crypto';
import { sendRaw, signer, type RawResponse } from './clients.js';
import { TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './server.js';

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

function signingKey(date: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${TEST_SECRET_KEY}`, date), TEST_REGION), 's3'), 'aws4_request');
}

export interface ChunkedSpec {
  path: string;
  query?: Record<string, string>;
  chunks: Buffer[];
  /** 'signed': STREAMING-AWS4-HMAC-SHA256-PAYLOAD; 'unsigned': STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  mode: 'signed' | 'unsigned';
  /** One trailer, e.g. ['x-amz-checksum-crc32', base64]. */
  trailer?: [string, string];
  /** Replace the signature of chunk N (0-based; chunks.length = the final empty chunk). */
  corruptChunkSignature?: number;
  corruptTrailerSignature?: boolean;
  /** Cut the encoded body to this many bytes (a truncated upload). */
  truncateToBytes?: number;
  /** Claim this decoded length instead of the real one. */
  declaredDecodedLengthBytes?: number;
  headers?: Record<string, string>;
}

export async function sendChunked(server: RunningServer, spec: ChunkedSpec): Promise<RawResponse> {
  const decodedLength = spec.chunks.reduce((total, chunk) => total + chunk.byteLength, 0);
  const contentSha256 = spec.mode === 'unsigned'
    ? 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
    : spec.trailer === undefined ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
  const host = `127.0.0.1:${server.port}`;
  const headers: Record<string, string> = {
    host,
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': contentSha256,
    'x-amz-decoded-content-length': String(spec.declaredDecodedLengthBytes ?? decodedLength),
    ...(spec.trailer === undefined ? {} : { 'x-amz-trailer': spec.trailer[0] }),
    ...spec.headers,
  };
  const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: spec.path, query: spec.query ?? {}, headers });
  const signedHeaders = signed.headers as Record<string, string>;
  const amzDate = signedHeaders['x-amz-date']!;
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${TEST_REGION}/s3/aws4_request`;
  const key = signingKey(date);
  let previous = /Signature=([0-9a-f]{64})/.exec(signedHeaders['authorization']!)![1]!;
  const pieces: Buffer[] = [];
  const frames = [...spec.chunks, Buffer.alloc(0)];
  frames.forEach((chunk, index) => {
    let extension = '';
    if (spec.mode === 'signed') {
      const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, createHash('sha256').update(chunk).digest('hex')].join('\n');
      previous = hmac(key, toSign).toString('hex');
      extension = `;chunk-signature=${index === spec.corruptChunkSignature ? '0'.repeat(64) : previous}`;
    }
    pieces.push(Buffer.from(`${chunk.byteLength.toString(16)}${extension}\r\n`), chunk);
    if (chunk.byteLength > 0) pieces.push(Buffer.from('\r\n'));
  });
  if (spec.trailer !== undefined) {
    const line = `${spec.trailer[0]}:${spec.trailer[1]}`;
    pieces.push(Buffer.from(`${line}\r\n`));
    if (spec.mode === 'signed') {
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, createHash('sha256').update(`${line}\n`).digest('hex')].join('\n');
      const signature = spec.corruptTrailerSignature ? 'f'.repeat(64) : hmac(key, toSign).toString('hex');
      pieces.push(Buffer.from(`x-amz-trailer-signature:${signature}\r\n`));
    }
  }
  pieces.push(Buffer.from('\r\n'));
  let body = Buffer.concat(pieces);
  if (spec.truncateToBytes !== undefined) body = body.subarray(0, spec.truncateToBytes);
  const query = new URLSearchParams(spec.query ?? {}).toString();
  return sendRaw(server, 'PUT', spec.path + (query === '' ? '' : `?${query}`), { ...signedHeaders, 'content-length': String(body.byteLength) }, body);
}
