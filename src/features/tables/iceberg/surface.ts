// The Iceberg REST catalog surface, at `/_iceberg/v1/…` and, as S3 Tables serves it, at
// `/iceberg/v1/…` (signed for s3tables, or with a bearer token): authenticates (SigV4 with
// service s3tables, or a bearer token from /v1/oauth/tokens), resolves the warehouse the prefix
// names (a table bucket, by ARN or name), authorizes the route's `s3tables:` action through the
// IAM evaluator, honours Idempotency-Key, and answers JSON; errors as IcebergErrorResponse.
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { identify, type RootIdentity } from '../../../frontend/auth/identify.js';
import type { FrontendConfig, Principal } from '../../../frontend/context.js';
import { ICEBERG_ERRORS } from '../../../frontend/stub-surface.js';
import type { ApiSurface, SurfaceRequest } from '../../../frontend/surface.js';
import type { TableBucketRecord } from '../../../index/types.js';
import type { Identities } from '../../../services/iam/identities.js';
import type { Layers } from '../../../services/objects.js';
import { authorize, tableOrBucketTarget } from '../authorize.js';
import { asksForVendedCredentials, vendCredentials, VENDED_CREDENTIALS_LIFETIME_MS } from './vended.js';
import { bucketOfArn, tableBucketArn, type ArnScope } from '../names.js';
import type { CatalogAnswer, CatalogContext } from './catalog.js';
import { badRequest, IcebergError } from './errors.js';
import { IDEMPOTENCY_LIFETIME_ISO, once } from './idempotency.js';
import { losslessStringify } from './metadata-model.js';
import { asIcebergError, ICEBERG_BASE_PATHS, parseJsonBody, readBody, segmentsAfterBase } from './request.js';
import { ANNOUNCED_ENDPOINTS, catalogRouteOf } from './routes.js';
import { issueToken, OAuthError, principalOfToken } from './tokens.js';

const SIGNING_SERVICE = 's3tables';
const TOKEN_PATH = '/iceberg/v1/oauth/tokens';

export interface IcebergSurfaceOptions {
  layers: Layers;
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  /** How long vended credentials last (VENDED_CREDENTIALS_LIFETIME_MS unless set). */
  vendedCredentialsLifetimeMs?: number;
}

/**
 * `/_iceberg/` is reserved (no bucket has an underscore); `/iceberg/` is also a valid S3 bucket's
 * path, so it is the catalog's only when signed for s3tables, with a bearer token, or as the token form.
 */
function claims(request: SurfaceRequest): boolean {
  if (request.virtualHostBucket !== undefined) return false;
  if (request.path.startsWith(ICEBERG_BASE_PATHS[0])) return true;
  if (!request.path.startsWith(ICEBERG_BASE_PATHS[1])) return false;
  const { headers } = request.req;
  return request.signingService === SIGNING_SERVICE || /^Bearer\s/i.test(headers.authorization ?? '')
    || (request.path === TOKEN_PATH && (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'));
}

function send(request: SurfaceRequest, answer: CatalogAnswer): void {
  const { res } = request;
  const payload = answer.body === undefined ? undefined : Buffer.from(losslessStringify(answer.body), 'utf8');
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  if (payload !== undefined) {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', payload.byteLength);
  }
  res.end(payload);
}

/** An error the API answers (not a fault), as an answer an idempotent retry can be given again. */
function errorAnswer(error: IcebergError): CatalogAnswer {
  return { status: error.status, body: { error: { message: error.message, type: error.type, code: error.status } } };
}

interface Env extends IcebergSurfaceOptions {
  scope: ArnScope;
}

async function authenticate(env: Env, request: SurfaceRequest, body: Buffer): Promise<Principal> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.req.headers.authorization ?? '');
  if (bearer !== null) return principalOfToken(bearer[1]!, env.root, env.identities, Date.now());
  const bodySha256Hex = createHash('sha256').update(body).digest('hex');
  const { auth, principal } = await identify(request.req, request.rawUrl, undefined, env.root, env.identities,
    { expectedRegion: env.config.region, signingService: SIGNING_SERVICE, bodySha256Hex });
  if (auth.payload.kind === 'sha256' && auth.payload.expectedHex !== bodySha256Hex) throw badRequest('The x-amz-content-sha256 header does not match the body');
  if (principal.kind === 'anonymous') throw new IcebergError('NotAuthorizedException', 'Not authorized: sign the request (SigV4, service s3tables) or send a bearer token');
  return principal;
}

/** The table bucket a warehouse or prefix names: its ARN, or its name. */
async function warehouseOf(env: Env, text: string): Promise<TableBucketRecord> {
  const name = text.startsWith('arn:') ? bucketOfArn(env.scope, text) : text;
  const bucket = await env.layers.index.getTableBucket(name);
  if (bucket === undefined) throw new IcebergError('NoSuchWarehouseException', `Warehouse does not exist: ${text}`);
  return bucket;
}

async function configAnswer(env: Env, principal: Principal, query: URLSearchParams): Promise<CatalogAnswer> {
  const warehouse = query.get('warehouse');
  const base = { defaults: {}, endpoints: ANNOUNCED_ENDPOINTS, 'idempotency-key-lifetime': IDEMPOTENCY_LIFETIME_ISO };
  if (warehouse === null || warehouse === '') {
    authorize(principal, 's3tables:ListTableBuckets', '*');
    return { status: 200, body: { ...base, overrides: {} } };
  }
  const bucket = await warehouseOf(env, warehouse);
  const arn = tableBucketArn(env.scope, bucket.name);
  authorize(principal, 's3tables:GetTableBucket', await tableOrBucketTarget(env.layers.index, env.scope, bucket.name));
  return { status: 200, body: { ...base, overrides: { prefix: encodeURIComponent(arn) } } };
}

function s3ConfigOf(env: Env, request: SurfaceRequest): Record<string, string> {
  const secure = (request.req.socket as TLSSocket).encrypted === true;
  const host = request.req.headers.host ?? 'localhost';
  const region = env.config.region;
  return { 's3.endpoint': `${secure ? 'https' : 'http'}://${host}`, 's3.path-style-access': 'true', 's3.region': region, 'client.region': region };
}

async function catalogAnswer(env: Env, request: SurfaceRequest, principal: Principal, segments: string[], body: Buffer): Promise<CatalogAnswer> {
  const method = request.req.method ?? 'GET';
  const found = catalogRouteOf(method, segments.slice(2));
  if (found === undefined) throw new IcebergError('NotFoundException', `No catalog route for ${method} ${request.path}`);
  const bucket = await warehouseOf(env, segments[1]!);
  const target = await tableOrBucketTarget(env.layers.index, env.scope, bucket.name, found.namespace, found.table);
  authorize(principal, `s3tables:${found.route.action}`, target);
  const nowMs = Date.now();
  const context: CatalogContext = {
    layers: env.layers, bucket, s3Config: s3ConfigOf(env, request), tables: { index: env.layers.index, scope: env.scope, ownerId: env.root.canonicalId, nowMs, layers: env.layers },
  };
  if (asksForVendedCredentials(request.req.headers)) {
    const vending = {
      principal, resourcePolicy: target.resourcePolicy, scope: env.scope, tableBucket: bucket.name, signingSecret: env.root.secretAccessKey,
      lifetimeMs: env.vendedCredentialsLifetimeMs ?? VENDED_CREDENTIALS_LIFETIME_MS, nowMs,
    };
    context.vendCredentials = (location) => vendCredentials(vending, location);
  }
  const call = { namespace: found.namespace, table: found.table, query: new URLSearchParams(request.rawUrl.split('?')[1] ?? ''), body: parseJsonBody(body), headers: request.req.headers };
  const run = () => found.route.run(context, call).catch((error: unknown) => {
    const known = asIcebergError(error);
    if (known === undefined) throw error;
    return errorAnswer(known);
  });
  const key = request.req.headers['idempotency-key'];
  if (!found.route.mutation || typeof key !== 'string') return run();
  const who = principal.kind === 'anonymous' ? '' : principal.canonicalId;
  return once(env.layers.index, key, `${who}\n${method}\n${request.path}`, nowMs, run);
}

async function handle(env: Env, request: SurfaceRequest): Promise<void> {
  const body = await readBody(request.req);
  const segments = segmentsAfterBase(request.path);
  const method = request.req.method ?? 'GET';
  if (segments[0] !== 'v1') throw new IcebergError('NotFoundException', `No catalog route for ${method} ${request.path}`);
  if (method === 'POST' && segments.length === 3 && segments[1] === 'oauth' && segments[2] === 'tokens') {
    const answer = await issueToken(new URLSearchParams(body.toString('utf8')), request.req.headers, env.root, env.identities, Date.now());
    send(request, { status: 200, body: answer, headers: { 'Cache-Control': 'no-store' } });
    return;
  }
  const principal = await authenticate(env, request, body);
  if (method === 'GET' && segments.length === 2 && segments[1] === 'config') {
    send(request, await configAnswer(env, principal, new URLSearchParams(request.rawUrl.split('?')[1] ?? '')));
    return;
  }
  if (segments.length < 3) throw new IcebergError('BadRequestException', 'A warehouse prefix is required: GET /v1/config?warehouse=<table bucket name or ARN> names it');
  send(request, await catalogAnswer(env, request, principal, segments, body));
}

function answerError(request: SurfaceRequest, error: unknown): void {
  if (error instanceof OAuthError) {
    send(request, { status: error.status, body: { error: error.error, error_description: error.message } });
    return;
  }
  const known = asIcebergError(error);
  if (known === undefined) {
    request.log(`request ${request.requestId}: internal error on ${request.req.method} ${request.path}: ${error instanceof Error ? error.stack : String(error)}`);
    ICEBERG_ERRORS(request.res, { status: 500, code: 'InternalServerError', message: 'We encountered an internal error. Please try again.' }, request.requestId);
    return;
  }
  ICEBERG_ERRORS(request.res, { status: known.status, code: known.type, message: known.message }, request.requestId);
}

export function createIcebergSurface(options: IcebergSurfaceOptions): ApiSurface {
  const env: Env = { ...options, scope: { region: options.config.region, accountId: options.config.accountId } };
  return { name: 'iceberg', claims, handle: (request) => handle(env, request), answerError };
}
