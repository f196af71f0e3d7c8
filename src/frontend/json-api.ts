// What a signed JSON API surface (FIS, and the other restJson1 APIs told apart by their SigV4 signing
// service) does around its operations: read the small JSON body with a limit, verify the signature
// over the body's SHA-256 (these SDKs send no x-amz-content-sha256), authorize the operation's IAM
// action, and answer JSON or an error the API's clients parse.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { evaluateAccess } from '../services/iam/evaluate.js';
import type { Identities } from '../services/iam/identities.js';
import { identify, type RootIdentity } from './auth/identify.js';
import type { FrontendConfig, Principal } from './context.js';
import { isIndexFeatureUnsupported, isIndexUnavailable } from '../index/types.js';
import { S3Error } from './errors.js';
import type { ApiFailure } from './stub-surface.js';
import type { SurfaceRequest } from './surface.js';

/** A failure an operation of a JSON API answers: the API's error code, its HTTP status, a message. */
export class JsonApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface JsonApiCall {
  principal: Principal;
  /** The path's segments after the leading slash, each percent-decoded. */
  segments: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export interface JsonApiAuthentication {
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  signingService: string;
  bodySizeBytesMax: number;
  /** The API's code for a malformed request (ValidationException, BadRequestException…). */
  invalidCode: string;
}

async function readBody(req: IncomingMessage, limits: JsonApiAuthentication): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of req) {
    const piece = chunk as Buffer;
    sizeBytes += piece.byteLength;
    if (sizeBytes > limits.bodySizeBytesMax) {
      throw new JsonApiError(400, limits.invalidCode, `The request body is larger than ${limits.bodySizeBytesMax} bytes.`);
    }
    chunks.push(piece);
  }
  return Buffer.concat(chunks);
}

function parseBody(bytes: Buffer, invalidCode: string): Record<string, unknown> {
  if (bytes.byteLength === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JsonApiError(400, invalidCode, 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new JsonApiError(400, invalidCode, 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** Reads, authenticates and parses a request: the body is read before authentication, since the signature covers its hash. */
export async function readJsonApiCall(request: SurfaceRequest, options: JsonApiAuthentication): Promise<JsonApiCall> {
  const { req, rawUrl } = request;
  const bytes = await readBody(req, options);
  const bodySha256Hex = createHash('sha256').update(bytes).digest('hex');
  const { auth, principal } = await identify(req, rawUrl, undefined, options.root, options.identities,
    { expectedRegion: options.config.region, signingService: options.signingService, bodySha256Hex });
  if (auth.payload.kind === 'sha256' && auth.payload.expectedHex !== bodySha256Hex) {
    throw new JsonApiError(400, options.invalidCode, 'The x-amz-content-sha256 header does not match the body.');
  }
  let segments: string[];
  try {
    segments = request.path.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    throw new JsonApiError(400, options.invalidCode, 'The request path is not valid.');
  }
  return { principal, segments, query: new URLSearchParams(rawUrl.split('?')[1] ?? ''), body: parseBody(bytes, options.invalidCode) };
}

/** Root may do everything; a user needs its policy to allow the action on the resource; anonymous, nothing. */
export function authorizeJsonAction(principal: Principal, action: string, resource: string, deniedCode = 'AccessDeniedException'): void {
  if (principal.kind === 'root') return;
  const decision = principal.kind === 'anonymous' ? 'implicit-deny' : evaluateAccess(
    { principal: { kind: 'user', name: principal.name, canonicalId: principal.canonicalId }, action, resource, keys: new Map() },
    { userPolicy: principal.policy, allowedByDefault: false, ignoreBucketPolicyAllows: false },
  );
  if (decision !== 'allow') throw new JsonApiError(403, deniedCode, `You are not authorized to perform ${action} on ${resource}.`);
}

export function sendJsonAnswer(res: ServerResponse, requestId: string, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body ?? {}), 'utf8');
  res.statusCode = status;
  res.setHeader('x-amzn-RequestId', requestId);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', payload.byteLength);
  res.end(payload);
}

/** The failure to answer for what a handler threw; anything unexpected is logged with the request id and answered 500. */
export function jsonFailureOf(request: SurfaceRequest, error: unknown, internalCode: string): ApiFailure {
  if (error instanceof JsonApiError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof S3Error) return { status: error.httpStatus, code: error.code, message: error.message };
  if (isIndexUnavailable(error)) return { status: 503, code: 'ServiceUnavailableException', message: 'The index is unavailable right now. Please try again.' };
  if (isIndexFeatureUnsupported(error)) return { status: 501, code: 'NotImplemented', message: (error as Error).message };
  request.log(`request ${request.requestId}: internal error on ${request.req.method} ${request.path}: ${error instanceof Error ? error.stack : String(error)}`);
  return { status: 500, code: internalCode, message: 'We encountered an internal error. Please try again.' };
}
