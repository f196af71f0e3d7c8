// The admin API under /_cairn/admin/: users, their access keys and policies, as JSON over HTTP,
// SigV4-signed by the root identity only (docs/admin-api.md). Secrets appear in a response once,
// when a key is created, and never in a log line.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADMIN_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { IdentityError, type AccessKeySummary, type Identities } from '../../services/iam/identities.js';
import type { UserRecord } from '../../index/types.js';
import type { AuditControl } from '../../services/audit/service.js';
import { identify, type RootIdentity } from '../auth/identify.js';
import type { Authentication } from '../auth/sigv4.js';
import { S3Error } from '../errors.js';
import { routeStorageAdmin, StorageAdminError, type StorageAdmin } from './storage-admin.js';

export const ADMIN_PATH_PREFIX = '/_cairn/admin/';

const IDENTITY_ERROR_STATUS: Record<IdentityError['code'], number> = {
  NoSuchEntity: 404, EntityAlreadyExists: 409, DeleteConflict: 409, LimitExceeded: 409, InvalidInput: 400, MalformedPolicy: 400,
};

class AdminError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** A JSON document sent back as it was stored (a user policy keeps its author's layout). */
class StoredJson {
  constructor(readonly text: string) {}
}

/** A request to an admin route a feature adds (e.g. /_cairn/admin/targets). */
export interface AdminExtensionRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: Buffer;
  /** For a streaming answer: the extension writes it and returns 'streamed'. */
  res: ServerResponse;
  requestId: string;
}

/** A feature's admin routes: an answer, 'streamed' when it wrote the response itself, undefined when the path is not its. */
export type AdminExtension = (request: AdminExtensionRequest) => Promise<[number, unknown] | 'streamed' | undefined>;

/** An error an extension throws to answer with its status and code. */
export class AdminExtensionError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface AdminRequest {
  method: string;
  /** Path segments after /_cairn/admin/, percent-decoded. */
  segments: string[];
  body: Buffer;
  identities: Identities;
  audit?: AuditControl;
  storageAdmin?: StorageAdmin;
}

/** What answerAdmin reaches beyond identities. */
export interface AdminParts {
  audit?: AuditControl;
  storageAdmin?: StorageAdmin;
  extensions?: readonly AdminExtension[];
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (value === undefined) {
    res.writeHead(status, { 'Content-Length': 0 });
    res.end();
    return;
  }
  const body = Buffer.from(value instanceof StoredJson ? value.text : JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.byteLength });
  res.end(body);
}

async function readBody(req: IncomingMessage, auth: Authentication): Promise<Buffer> {
  if (auth.payload.kind === 'aws-chunked') throw new AdminError(400, 'InvalidRequest', 'Admin requests take a plain body, not aws-chunked.');
  const pieces: Buffer[] = [];
  let sizeBytes = 0;
  for await (const piece of req as AsyncIterable<Buffer>) {
    sizeBytes += piece.byteLength;
    if (sizeBytes > ADMIN_BODY_SIZE_BYTES_MAX) throw new AdminError(413, 'EntityTooLarge', `Admin request bodies are at most ${ADMIN_BODY_SIZE_BYTES_MAX} bytes.`);
    pieces.push(piece);
  }
  const body = Buffer.concat(pieces);
  if (auth.payload.kind === 'sha256' && createHash('sha256').update(body).digest('hex') !== auth.payload.expectedHex) {
    throw new AdminError(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return body;
}

function jsonBody(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw new AdminError(400, 'InvalidInput', 'The request body must be a JSON object.');
}

function keyJson(key: AccessKeySummary): object {
  return { accessKeyId: key.accessKeyId, status: key.status, createdAt: new Date(key.createdAtMs).toISOString() };
}

async function userJson(identities: Identities, user: UserRecord): Promise<object> {
  return {
    name: user.name,
    arn: identities.userArn(user.name),
    canonicalId: user.canonicalId,
    createdAt: new Date(user.createdAtMs).toISOString(),
    hasPolicy: user.policy !== undefined,
    ...(user.email === undefined ? {} : { email: user.email }),
    accessKeys: (await identities.listAccessKeys(user.name)).map(keyJson),
  };
}

function methodNotAllowed(): never {
  throw new AdminError(405, 'MethodNotAllowed', 'The method is not allowed on this resource.');
}

async function routeUser(request: AdminRequest, name: string, rest: string[]): Promise<[number, unknown]> {
  const { method, identities } = request;
  if (rest.length === 0) {
    if (method === 'GET') return [200, await userJson(identities, await identities.requireUser(name))];
    if (method === 'DELETE') return [204, await identities.deleteUser(name)];
    methodNotAllowed();
  }
  if (rest[0] === 'policy' && rest.length === 1) {
    if (method === 'PUT') return [204, await identities.setUserPolicy(name, request.body.toString('utf8'))];
    if (method === 'GET') return [200, new StoredJson(await identities.getUserPolicy(name))];
    if (method === 'DELETE') return [204, await identities.deleteUserPolicy(name)];
    methodNotAllowed();
  }
  if (rest[0] === 'email' && rest.length === 1) {
    if (method === 'PUT') return [204, await identities.setUserEmail(name, jsonBody(request.body)['email'])];
    if (method === 'DELETE') return [204, await identities.setUserEmail(name, undefined)];
    methodNotAllowed();
  }
  if (rest[0] === 'keys' && rest.length === 1) {
    if (method === 'POST') return [201, await identities.createAccessKey(name)];
    if (method === 'GET') return [200, { accessKeys: (await identities.listAccessKeys(name)).map(keyJson) }];
    methodNotAllowed();
  }
  if (rest[0] === 'keys' && rest.length === 2) return routeKey(request, rest[1]!, name);
  throw new AdminError(404, 'NotFound', 'No such admin resource.');
}

async function routeKey(request: AdminRequest, accessKeyId: string, userName?: string): Promise<[number, unknown]> {
  const { method, identities } = request;
  if (method === 'PATCH') return [200, keyJson(await identities.setAccessKeyStatus(accessKeyId, jsonBody(request.body)['status'], userName))];
  if (method === 'DELETE') return [204, await identities.deleteAccessKey(accessKeyId, userName)];
  methodNotAllowed();
}

/** POST /audit starts a full pass ({"repair": true} to repair); GET /audit answers its status. */
async function routeAudit(request: AdminRequest): Promise<[number, unknown]> {
  const audit = request.audit;
  if (audit === undefined) throw new AdminError(404, 'NotFound', 'No such admin resource.');
  if (request.method === 'POST') {
    const repair = request.body.length === 0 ? false : jsonBody(request.body)['repair'] ?? false;
    if (typeof repair !== 'boolean') throw new AdminError(400, 'InvalidInput', '"repair" must be true or false.');
    return [202, { id: await audit.requestAudit(repair) }];
  }
  if (request.method === 'GET') return [200, await audit.status()];
  methodNotAllowed();
}

async function routeAdmin(request: AdminRequest): Promise<[number, unknown]> {
  const [collection, id, ...rest] = request.segments;
  if (collection === 'audit' && id === undefined) return routeAudit(request);
  const storageAnswer = await routeStorageAdmin(request.method, request.segments, request.body, request.storageAdmin);
  if (storageAnswer !== undefined) return storageAnswer;
  if (collection === 'users' && id === undefined) {
    if (request.method === 'GET') {
      const users = await request.identities.listUsers();
      return [200, { users: await Promise.all(users.map((user) => userJson(request.identities, user))) }];
    }
    if (request.method === 'POST') {
      const name = jsonBody(request.body)['name'];
      if (typeof name !== 'string') throw new AdminError(400, 'InvalidInput', 'Give the new user a "name".');
      return [201, await request.identities.createUser(name)];
    }
    methodNotAllowed();
  }
  if (collection === 'users' && id !== undefined) return routeUser(request, id, rest);
  if (collection === 'keys' && id !== undefined && rest.length === 0) return routeKey(request, id);
  throw new AdminError(404, 'NotFound', 'No such admin resource.');
}

function decodeSegments(path: string): string[] {
  try {
    return path.slice(ADMIN_PATH_PREFIX.length).split('/').filter((segment) => segment !== '').map(decodeURIComponent);
  } catch {
    throw new AdminError(400, 'InvalidInput', 'The path is not validly percent-encoded.');
  }
}

/** Answers one admin API request (the path starts with ADMIN_PATH_PREFIX). */
export async function answerAdmin(req: IncomingMessage, res: ServerResponse, root: RootIdentity, identities: Identities,
  log: (line: string) => void, requestId: string, parts: AdminParts = {}): Promise<void> {
  const { audit, storageAdmin } = parts;
  const rawUrl = req.url ?? '/';
  try {
    const { auth, principal } = await identify(req, rawUrl, undefined, root, identities);
    if (principal.kind !== 'root') throw new AdminError(403, 'AccessDenied', 'Only the root identity may use the admin API.');
    const body = await readBody(req, auth);
    const segments = decodeSegments(rawUrl.split('?', 1)[0]!);
    const method = req.method ?? 'GET';
    for (const extension of parts.extensions ?? []) {
      const answer = await extension({ method, segments, query: new URLSearchParams(rawUrl.split('?')[1] ?? ''), body, res, requestId });
      if (answer === 'streamed') return;
      if (answer !== undefined) {
        sendJson(res, answer[0], answer[1]);
        return;
      }
    }
    const [status, value] = await routeAdmin({ method, segments, body, identities, audit, storageAdmin });
    sendJson(res, status, value);
  } catch (error) {
    let failure: AdminError;
    if (error instanceof AdminError) failure = error;
    else if (error instanceof IdentityError) failure = new AdminError(IDENTITY_ERROR_STATUS[error.code], error.code, error.message);
    else if (error instanceof StorageAdminError) failure = new AdminError(error.status, error.code, error.message);
    else if (error instanceof AdminExtensionError) failure = new AdminError(error.status, error.code, error.message);
    else if (error instanceof S3Error) failure = new AdminError(error.httpStatus, error.code, error.message);
    else {
      log(`request ${requestId}: admin API internal error: ${error instanceof Error ? error.stack : String(error)}`);
      failure = new AdminError(500, 'InternalError', 'We encountered an internal error. Please try again.');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body we did not read may be large: close the connection instead of draining it.
    if (!req.complete) res.setHeader('Connection', 'close');
    sendJson(res, failure.status, { error: { code: failure.code, message: failure.message } });
  }
}
