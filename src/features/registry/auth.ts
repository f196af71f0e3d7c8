// Who sends a registry request: Basic with an access key id and its secret, or a Bearer token this
// server signed (the token flow Docker clients follow: a 401 names the realm `/v2/token`, the
// client fetches a token there with Basic, then sends it). A token names only the access key: the
// key is looked up again on every request, so a disabled key stops working at once.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RootIdentity } from '../../frontend/auth/identify.js';
import type { Principal } from '../../frontend/context.js';
import type { Identities } from '../../services/iam/identities.js';
import { OciError } from './errors.js';

/** How long a token is valid: long enough for a slow push, short enough that a leaked one soon dies. */
export const TOKEN_LIFETIME_SECONDS = 15 * 60;
export const TOKEN_SERVICE = 'cairn';
/** A token is a few hundred bytes; anything longer is refused before it is parsed. */
const AUTHORIZATION_LENGTH_MAX = 8 * 1024;
const TOKEN_KEY_LABEL = 'cairn registry token v1';

interface TokenClaims {
  /** The access key id, or '' for an anonymous token. */
  sub: string;
  exp: number;
  iat: number;
}

export interface RegistryAuth {
  root: RootIdentity;
  identities: Identities;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.byteLength === right.byteLength && timingSafeEqual(left, right);
}

function tokenKey(root: RootIdentity): Buffer {
  return createHmac('sha256', root.secretAccessKey).update(TOKEN_KEY_LABEL).digest();
}

/** ECR's authorization tokens (GetAuthorizationToken, used as the password of user `AWS`) live 12 hours. */
export const ECR_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
/** The user name that sends an ECR authorization token as its Basic password. */
const ECR_TOKEN_USER = 'AWS';

export function signToken(auth: RegistryAuth, accessKeyId: string, nowMs: number, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): { token: string; issuedAt: string } {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { sub: accessKeyId, iat, exp: iat + lifetimeSeconds };
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  const signature = createHmac('sha256', tokenKey(auth.root)).update(payload).digest('base64url');
  return { token: `${payload}.${signature}`, issuedAt: new Date(iat * 1000).toISOString() };
}

const unauthorized = (message: string): OciError => new OciError(401, 'UNAUTHORIZED', message);

function verifyToken(auth: RegistryAuth, token: string, nowMs: number): TokenClaims {
  const [payload, signature, extra] = token.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined) throw unauthorized('authentication required');
  const expected = createHmac('sha256', tokenKey(auth.root)).update(payload).digest('base64url');
  if (!safeEqual(signature, expected)) throw unauthorized('authentication required');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) throw unauthorized('the token has expired');
  return claims;
}

/** The principal of an access key id (its secret already proven), or undefined if it is unknown or disabled. */
async function principalOfKey(auth: RegistryAuth, accessKeyId: string, secret: string | undefined): Promise<Principal | undefined> {
  const { root } = auth;
  if (accessKeyId === root.accessKeyId) {
    if (secret !== undefined && !safeEqual(secret, root.secretAccessKey)) return undefined;
    return { kind: 'root', canonicalId: root.canonicalId, name: root.displayName };
  }
  const user = await auth.identities.resolveAccessKey(accessKeyId);
  if (user === undefined || (secret !== undefined && !safeEqual(secret, user.secretAccessKey))) return undefined;
  return { kind: 'user', canonicalId: user.user.canonicalId, name: user.user.name, accessKeyId, policy: user.policy };
}

/** The Basic credentials of a request, if it sends them. */
export function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (header === undefined || !/^basic /i.test(header) || header.length > AUTHORIZATION_LENGTH_MAX) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Who sent the request: anonymous without an Authorization header; 401 for credentials that do not verify. */
export async function identifyRegistryCaller(auth: RegistryAuth, req: IncomingMessage, nowMs: number): Promise<{ principal: Principal; accessKeyId: string }> {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return { principal: { kind: 'anonymous' }, accessKeyId: '' };
  if (header.length > AUTHORIZATION_LENGTH_MAX) throw unauthorized('authentication required');
  const basic = basicCredentials(req);
  const token = /^bearer /i.test(header) ? header.slice(7).trim() : basic?.user === ECR_TOKEN_USER ? basic.password : undefined;
  if (token !== undefined) {
    let claims: TokenClaims;
    try {
      claims = verifyToken(auth, token, nowMs);
    } catch (error) {
      if (error instanceof OciError) throw error;
      throw unauthorized('authentication required');
    }
    if (claims.sub === '') return { principal: { kind: 'anonymous' }, accessKeyId: '' };
    const principal = await principalOfKey(auth, claims.sub, undefined);
    if (principal === undefined) throw unauthorized('authentication required');
    return { principal, accessKeyId: claims.sub };
  }
  if (basic === undefined) throw unauthorized('authentication required');
  const principal = await principalOfKey(auth, basic.user, basic.password);
  if (principal === undefined) throw unauthorized('authentication required');
  return { principal, accessKeyId: basic.user };
}
