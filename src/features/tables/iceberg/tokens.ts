// OAuth2 client credentials for the catalog (POST /v1/oauth/tokens): an access key id and its
// secret as client id and secret buy a short-lived bearer token. A token is not stored: it names
// the key and its expiry and carries an HMAC of both under the key's own secret, so it verifies
// only while that key is active and unchanged (deleting or disabling the key revokes its tokens).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { resolveClaimedKey, type RootIdentity } from '../../../frontend/auth/identify.js';
import type { Principal } from '../../../frontend/context.js';
import type { Identities } from '../../../services/iam/identities.js';
import { IcebergError } from './errors.js';

/** How long a token lasts (engines ask for a new one when it runs out). */
export const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const TOKEN_VERSION = 'cairn1';
const TOKEN_LENGTH_MAX = 512;
const ISSUED_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** An OAuth error (RFC 6749 §5.2): `{"error", "error_description"}`, 400, or 401 for a bad client. */
export class OAuthError extends Error {
  constructor(readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type', message: string) {
    super(message);
  }
  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

function signatureOf(secret: string, accessKeyId: string, expiresAtMs: number): string {
  return createHmac('sha256', secret).update(`iceberg-bearer\n${accessKeyId}\n${expiresAtMs}`).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.byteLength === right.byteLength && timingSafeEqual(left, right);
}

/** The client id and secret of a token request: form fields, or HTTP Basic credentials (RFC 6749 §2.3.1). */
function clientOf(form: URLSearchParams, headers: IncomingHttpHeaders): { id: string; secret: string } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers.authorization ?? '');
  if (basic !== null) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  if (id === null || secret === null) throw new OAuthError('invalid_request', 'client_id and client_secret are required');
  return { id, secret };
}

/** Answers a token request: the form's client credentials checked against the identity store. */
export async function issueToken(
  form: URLSearchParams, headers: IncomingHttpHeaders, root: RootIdentity, identities: Identities, nowMs: number,
): Promise<Record<string, unknown>> {
  if (form.get('grant_type') !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');
  const client = clientOf(form, headers);
  const key = await resolveClaimedKey(client.id, root, identities);
  const credentials = key.lookup(client.id);
  if (credentials === undefined || !sameText(credentials.secretAccessKey, client.secret)) throw new OAuthError('invalid_client', 'The client credentials are not valid');
  const expiresAtMs = nowMs + TOKEN_LIFETIME_MS;
  const token = `${TOKEN_VERSION}.${client.id}.${expiresAtMs}.${signatureOf(credentials.secretAccessKey, client.id, expiresAtMs)}`;
  return { access_token: token, token_type: 'bearer', expires_in: Math.floor(TOKEN_LIFETIME_MS / 1000), issued_token_type: ISSUED_TOKEN_TYPE };
}

/** The principal a bearer token stands for; a token that is malformed, forged, expired or of a revoked key is 401. */
export async function principalOfToken(token: string, root: RootIdentity, identities: Identities, nowMs: number): Promise<Principal> {
  const unauthorized = (why: string) => new IcebergError('NotAuthorizedException', `Not authorized: ${why}`);
  const parts = token.length <= TOKEN_LENGTH_MAX ? token.split('.') : [];
  if (parts.length !== 4 || parts[0] !== TOKEN_VERSION || !/^\d{1,15}$/.test(parts[2]!)) throw unauthorized('the bearer token is malformed');
  const [, accessKeyId, expiresText, signature] = parts as [string, string, string, string];
  const expiresAtMs = Number(expiresText);
  if (expiresAtMs <= nowMs) throw unauthorized('the bearer token has expired');
  const key = await resolveClaimedKey(accessKeyId, root, identities);
  const credentials = key.lookup(accessKeyId);
  if (credentials === undefined || !sameText(signatureOf(credentials.secretAccessKey, accessKeyId, expiresAtMs), signature)) {
    throw unauthorized('the bearer token is not valid');
  }
  return key.principalOf(accessKeyId);
}
