// Temporary S3 credentials (vended by the Iceberg catalog with a table): an access key id, a secret
// and a session token, none of them stored. The token carries its grant (a bucket, a key prefix, an
// expiry) and an HMAC of it under root's secret; the key id and secret are derived from the token
// under the same secret. A request signed with them and carrying the token is the session's while the
// token is unexpired and untampered, and may do only what the grant's policy allows.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parsedPolicy } from './policy-cache.js';
import type { ParsedPolicy } from './policy.js';

export interface SessionGrant {
  bucket: string;
  /** Keys the session may read and write start with it (a table's folder, ending in `/`). */
  prefix: string;
  /** May it write (PutObject, multipart uploads) as well as read? */
  write: boolean;
  expiresAtMs: number;
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface VerifiedSession extends SessionGrant {
  accessKeyId: string;
  secretAccessKey: string;
  canonicalId: string;
  policy: ParsedPolicy;
}

const TOKEN_VERSION = 'cairn-session1';
/** A longer token is no token of ours: refused before any work. */
export const SESSION_TOKEN_LENGTH_MAX = 2048;
const SESSION_KEY_ID_PREFIX = 'ASIA';

function mac(secret: string, label: string, text: string): Buffer {
  return createHmac('sha256', secret).update(`${label}\n${text}`).digest();
}

function keysOf(secret: string, sessionToken: string): { accessKeyId: string; secretAccessKey: string } {
  const id = mac(secret, 'session-key-id', sessionToken).toString('hex').slice(0, 16).toUpperCase();
  return { accessKeyId: `${SESSION_KEY_ID_PREFIX}${id}`, secretAccessKey: mac(secret, 'session-secret', sessionToken).toString('base64url') };
}

export function issueSessionCredentials(signingSecret: string, grant: SessionGrant): SessionCredentials {
  const payload = Buffer.from(JSON.stringify([grant.bucket, grant.prefix, grant.write, grant.expiresAtMs]), 'utf8').toString('base64url');
  const body = `${TOKEN_VERSION}.${payload}`;
  const sessionToken = `${body}.${mac(signingSecret, 'session-token', body).toString('base64url')}`;
  return { ...keysOf(signingSecret, sessionToken), sessionToken };
}

/** The policy a session acts under: its prefix's objects, and listing under that prefix. */
function sessionPolicy(grant: SessionGrant): ParsedPolicy {
  const reads = ['s3:GetObject', 's3:GetObjectAttributes'];
  const writes = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: grant.write ? [...reads, ...writes] : reads, Resource: `arn:aws:s3:::${grant.bucket}/${grant.prefix}*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${grant.bucket}`, Condition: { StringLike: { 's3:prefix': `${grant.prefix}*` } } },
    ],
  });
  return parsedPolicy(text, { kind: 'user', accountId: '' });
}

function grantOf(payload: string): SessionGrant | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 4) return undefined;
  const [bucket, prefix, write, expiresAtMs] = fields as unknown[];
  if (typeof bucket !== 'string' || typeof prefix !== 'string' || typeof write !== 'boolean' || typeof expiresAtMs !== 'number') return undefined;
  return { bucket, prefix, write, expiresAtMs };
}

/** The grant of a token that is ours and untampered (expired or not); else undefined. */
function genuineGrant(signingSecret: string, sessionToken: string): SessionGrant | undefined {
  if (sessionToken.length > SESSION_TOKEN_LENGTH_MAX) return undefined;
  const parts = sessionToken.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_VERSION) return undefined;
  const expected = mac(signingSecret, 'session-token', `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return undefined;
  return grantOf(parts[1]!);
}

/** Whether a token is one of ours, untampered, that has run out (answered ExpiredToken, not as an unknown key). */
export function sessionTokenHasExpired(signingSecret: string, sessionToken: string, nowMs: number): boolean {
  const grant = genuineGrant(signingSecret, sessionToken);
  return grant !== undefined && grant.expiresAtMs <= nowMs;
}

/** The session a token names, when the token is ours, untampered and unexpired; else undefined. */
export function verifySessionToken(signingSecret: string, sessionToken: string, nowMs: number): VerifiedSession | undefined {
  const grant = genuineGrant(signingSecret, sessionToken);
  if (grant === undefined || grant.expiresAtMs <= nowMs) return undefined;
  const keys = keysOf(signingSecret, sessionToken);
  // Its own canonical id: a session owns nothing and so is allowed nothing by default.
  const canonicalId = createHash('sha256').update(`session\n${keys.accessKeyId}`).digest('hex');
  return { ...grant, ...keys, canonicalId, policy: sessionPolicy(grant) };
}
