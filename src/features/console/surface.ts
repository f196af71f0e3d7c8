// The web console's surface: /_cairn/console/ (claimed before the rest of /_cairn/). It serves the
// browser app, logs a key in (a session cookie; the secret never reaches the browser), and proxies the page's
// calls to S3 and the admin API as ordinary requests signed with that key (proxy.ts). Its own
// failures answer as JSON {error: {code, message}}; what the proxy relays comes back verbatim.
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { resolveClaimedKey, type RootIdentity } from '../../frontend/auth/identify.js';
import type { Credentials } from '../../frontend/auth/sigv4.js';
import type { FrontendConfig } from '../../frontend/context.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import { NodeSha256 } from '../../util/node-sha256.js';
import { answerAsset, answerIndexPage, securityHeaders } from './assets.js';
import {
  CONSOLE_PATH, ConsoleError, cookieValue, readJsonObject, requireCsrf, requireSameOrigin, sendJson, sessionCookie, isSecure, SESSION_COOKIE,
} from './http.js';
import { LoginRateLimit } from './login-limit.js';
import { canonicalPath, forward } from './proxy.js';
import { sameToken, SessionStore, SESSIONS_DIRECTORY_NAME, type ConsoleSession } from './sessions.js';

/** A share link lives at most 7 days (SigV4's presigning limit), at least a second. */
const PRESIGN_EXPIRY_SECONDS_MAX = 7 * 24 * 60 * 60;
const API_PREFIX = `${CONSOLE_PATH}/api/`;
/** The SigV4 service names of the S3 Tables and ECR APIs (AWS's own; a feature may not import another). */
const TABLES_SIGNING_SERVICE = 's3tables';
const ECR_SIGNING_SERVICE = 'ecr';

export interface ConsoleSurfaceOptions {
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  /** Sessions are kept under it, so that every worker of a cluster shares them. */
  dataDirectory: string;
}

function identityJson(session: ConsoleSession): object {
  return { identity: session.identity, accessKeyId: session.accessKeyId, csrfToken: session.csrfToken };
}

async function login(req: IncomingMessage, res: ServerResponse, options: ConsoleSurfaceOptions, sessions: SessionStore, limit: LoginRateLimit): Promise<void> {
  requireSameOrigin(req);
  const address = req.socket.remoteAddress ?? '';
  limit.check(address);
  const body = await readJsonObject(req);
  const { accessKeyId, secretAccessKey } = body;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') throw new ConsoleError(400, 'InvalidInput', 'Give "accessKeyId" and "secretAccessKey".');
  const claimed = await resolveClaimedKey(accessKeyId, options.root, options.identities);
  const known = claimed.lookup(accessKeyId);
  if (known === undefined || !sameToken(known.secretAccessKey, secretAccessKey)) {
    limit.failed(address);
    throw new ConsoleError(403, 'InvalidCredentials', 'The access key id or the secret is not valid (or the key is disabled).');
  }
  const principal = claimed.principalOf(accessKeyId);
  const identity = principal.kind === 'user' ? { kind: 'user' as const, name: principal.name } : { kind: 'root' as const, name: 'root' };
  const session = await sessions.create(identity, accessKeyId);
  options.log(`console: ${identity.kind} ${identity.name} logged in`);
  sendJson(res, 200, identityJson(session), { 'Set-Cookie': sessionCookie(req, session) });
}

async function presign(req: IncomingMessage, res: ServerResponse, credentials: Credentials, region: string): Promise<void> {
  const { bucket, key, versionId, expiresSeconds } = await readJsonObject(req);
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') throw new ConsoleError(400, 'InvalidInput', 'Give "bucket" and "key".');
  if (typeof expiresSeconds !== 'number' || !Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > PRESIGN_EXPIRY_SECONDS_MAX) {
    throw new ConsoleError(400, 'InvalidInput', `"expiresSeconds" must be a whole number from 1 to ${PRESIGN_EXPIRY_SECONDS_MAX}.`);
  }
  if (versionId !== undefined && typeof versionId !== 'string') throw new ConsoleError(400, 'InvalidInput', '"versionId" must be a string.');
  const host = req.headers.host ?? '';
  const protocol = isSecure(req) ? 'https:' : 'http:';
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }, region, service: 's3',
    sha256: NodeSha256 as never, uriEscapePath: false, applyChecksum: false,
  });
  // A presigned GET's payload is UNSIGNED-PAYLOAD (S3's rule); the header only tells the signer so.
  const headers = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const path = canonicalPath(`/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`)!;
  const query: Record<string, string> = versionId === undefined ? {} : { versionId };
  const signed = await signer.presign({ method: 'GET', protocol, hostname: host, path, query, headers }, { expiresIn: expiresSeconds, unsignableHeaders: new Set(['x-amz-content-sha256']) });
  const search = new URLSearchParams(signed.query as Record<string, string>).toString().replace(/\+/g, '%20');
  sendJson(res, 200, { url: `${protocol}//${host}${path}?${search}`, expiresSeconds });
}

/** The console route → the path on this server and the SigV4 service it is signed for, or undefined. */
function routeOf(apiPath: string): { rest: string; service: string } | undefined {
  if (apiPath.startsWith('s3/')) return { rest: `/${apiPath.slice('s3/'.length)}`, service: 's3' };
  if (apiPath.startsWith('cairn/') && !apiPath.startsWith('cairn/console')) return { rest: `/_cairn/${apiPath.slice('cairn/'.length)}`, service: 's3' };
  // The S3 Tables API (REST-JSON) and ECR (JSON 1.1, one path) are told apart by the signing service.
  if (apiPath.startsWith('s3tables/')) return { rest: `/${apiPath.slice('s3tables/'.length)}`, service: TABLES_SIGNING_SERVICE };
  if (apiPath === 'ecr') return { rest: '/', service: ECR_SIGNING_SERVICE };
  return undefined;
}

/** /api/s3/REST → /REST; /api/cairn/REST → /_cairn/REST (never the console itself); /api/s3tables/REST → /REST; /api/ecr → /. */
async function proxy(request: SurfaceRequest, session: ConsoleSession, credentials: Credentials, apiPath: string, region: string): Promise<void> {
  const { req, res, rawUrl } = request;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') requireCsrf(req, session);
  const route = routeOf(apiPath);
  if (route === undefined) throw new ConsoleError(404, 'NotFound', 'No such console route.');
  const path = canonicalPath(route.rest);
  if (path === undefined) throw new ConsoleError(400, 'InvalidInput', 'The path is not validly percent-encoded.');
  const rawQuery = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : '';
  const query = [...new URLSearchParams(rawQuery)];
  await forward(req, res, credentials, { method, path, query, service: route.service }, region);
}

export function createConsoleSurface(options: ConsoleSurfaceOptions): ApiSurface {
  const sessions = new SessionStore(join(options.dataDirectory, SESSIONS_DIRECTORY_NAME));
  const region = options.config.region;
  const loginLimit = new LoginRateLimit();

  async function requireSession(req: IncomingMessage): Promise<ConsoleSession> {
    const session = await sessions.get(cookieValue(req, SESSION_COOKIE));
    if (session === undefined) throw new ConsoleError(401, 'NotLoggedIn', 'Log in to use the console.');
    return session;
  }

  /** The session key's secret, read now: a key disabled or deleted since the login ends the session. */
  async function credentialsOf(session: ConsoleSession): Promise<Credentials> {
    const known = (await resolveClaimedKey(session.accessKeyId, options.root, options.identities)).lookup(session.accessKeyId);
    if (known !== undefined) return known;
    await sessions.delete(session.id);
    throw new ConsoleError(401, 'NotLoggedIn', 'The access key of this session is no longer valid: log in again.');
  }

  async function answerApi(request: SurfaceRequest, apiPath: string): Promise<void> {
    const { req, res } = request;
    const method = req.method ?? 'GET';
    if (apiPath === 'login' && method === 'POST') return login(req, res, options, sessions, loginLimit);
    const session = await requireSession(req);
    if (apiPath === 'session' && method === 'GET') return sendJson(res, 200, identityJson(session));
    if (apiPath === 'logout' && method === 'POST') {
      requireCsrf(req, session);
      await sessions.delete(session.id);
      return sendJson(res, 200, { loggedOut: true }, { 'Set-Cookie': sessionCookie(req, undefined) });
    }
    if (apiPath === 'presign' && method === 'POST') {
      requireCsrf(req, session);
      return presign(req, res, await credentialsOf(session), region);
    }
    return proxy(request, session, await credentialsOf(session), apiPath, region);
  }

  async function handle(request: SurfaceRequest): Promise<void> {
    const { req, res, path } = request;
    if (path.startsWith(API_PREFIX)) return answerApi(request, path.slice(API_PREFIX.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ConsoleError(405, 'MethodNotAllowed', 'The console pages are read with GET.');
    if (path === CONSOLE_PATH) {
      res.writeHead(308, { ...securityHeaders(), Location: `${CONSOLE_PATH}/`, 'Content-Length': 0 });
      res.end();
      return;
    }
    if (path === `${CONSOLE_PATH}/`) return answerIndexPage(res);
    const assetPrefix = `${CONSOLE_PATH}/assets/`;
    if (path.startsWith(assetPrefix) && (await answerAsset(res, path.slice(assetPrefix.length)))) return;
    throw new ConsoleError(404, 'NotFound', 'No such console page.');
  }

  return {
    name: 'console',
    claims: (request) => request.virtualHostBucket === undefined && (request.path === CONSOLE_PATH || request.path.startsWith(`${CONSOLE_PATH}/`)),
    handle,
    answerError(request, error) {
      if (error instanceof ConsoleError) return sendJson(request.res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
      request.log(`request ${request.requestId}: console internal error: ${error instanceof Error ? error.stack : String(error)}`);
      sendJson(request.res, 500, { error: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' } });
    },
  };
}
