// A presigned S3 GET of one blob's object (SigV4 query signing with the root key): the registry
// answers a blob GET with a 307 to it, so the bytes are served by the S3 surface. The URL names
// that one object and expires after a short time; the system bucket is read-only over S3.
import { createHash, createHmac } from 'node:crypto';
import { deriveSigningKey } from '../../frontend/auth/sigv4.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 's3';

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface PresignRequest {
  origin: string;
  host: string;
  bucket: string;
  key: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  expiresSeconds: number;
  nowMs: number;
}

export function presignGet(request: PresignRequest): string {
  const amzDate = new Date(request.nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${request.region}/${SERVICE}/aws4_request`;
  const path = `/${request.bucket}/${request.key.split('/').map(encodeRfc3986).join('/')}`;
  const params: Array<[string, string]> = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${request.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(request.expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = params.map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`).sort().join('&');
  const canonicalRequest = ['GET', path, query, `host:${request.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = [ALGORITHM, amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const signature = createHmac('sha256', deriveSigningKey(request.secretAccessKey, date, request.region, SERVICE)).update(stringToSign).digest('hex');
  return `${request.origin}${path}?${query}&X-Amz-Signature=${signature}`;
}
