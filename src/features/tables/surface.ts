// The S3 Tables API surface (REST-JSON, SigV4 service "s3tables"): it claims requests signed for
// s3tables, reads the (small) JSON body, verifies the signature over the body's SHA-256 (the SDK
// sends no x-amz-content-sha256), authorizes the operation's `s3tables:` action, routes by method
// and path, and answers in the API's JSON; errors as restJson1 (x-amzn-ErrorType + {"message"}).
// Operations of the model not built yet answer 501 NotImplemented.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { identify, type RootIdentity } from '../../frontend/auth/identify.js';
import type { FrontendConfig } from '../../frontend/context.js';
import { S3Error } from '../../frontend/errors.js';
import { REST_JSON_ERRORS, type ApiFailure } from '../../frontend/stub-surface.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import type { Layers } from '../../services/objects.js';
import type { Index } from '../../index/types.js';
import { authorize, tableOrBucketTarget, tableTargetById, type AccessTarget } from './authorize.js';
import type { TablesCall, TablesContext } from './catalog-ops.js';
import { badRequest, bucketOfArn, tableBucketArn, tableOfArn, TablesError, type ArnScope } from './names.js';
import { routeOf } from './routes.js';

export const TABLES_SIGNING_SERVICE = 's3tables';
/** The largest body an operation of this slice takes (CreateTable with an Iceberg schema is the largest). */
const TABLES_BODY_SIZE_BYTES_MAX = 1024 * 1024;

export interface TablesSurfaceOptions {
  layers: Layers;
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
}

async function readJsonBody(req: IncomingMessage): Promise<{ bytes: Buffer; body: Record<string, unknown> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const piece = chunk as Buffer;
    size += piece.byteLength;
    if (size > TABLES_BODY_SIZE_BYTES_MAX) throw badRequest(`The request body is larger than ${TABLES_BODY_SIZE_BYTES_MAX} bytes.`);
    chunks.push(piece);
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.byteLength === 0) return { bytes, body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('The request body must be a JSON object.');
  return { bytes, body: parsed as Record<string, unknown> };
}

/** The path's segments, each percent-decoded (the SDK encodes the ARN's `/` and `:` inside one segment). */
function segmentsOf(path: string): string[] {
  try {
    return path.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    throw badRequest('The request path is not valid.');
  }
}

/**
 * What an action is judged on: the table the request names (by ARN, or by bucket, namespace and
 * name when it exists), else the table bucket it names (the new one for CreateTableBucket), else
 * `*`; with the resource policies that govern it.
 */
async function targetOf(index: Index, scope: ArnScope, call: TablesCall, operation: string): Promise<AccessTarget> {
  if (operation === 'CreateTableBucket') return { arn: typeof call.body['name'] === 'string' ? tableBucketArn(scope, call.body['name']) : '*' };
  const byTableArn = call.segments[0] === 'get-table' ? call.query.get('tableArn') : call.segments[0] === 'tag' && call.segments[1]?.includes('/table/') ? call.segments[1] : null;
  if (byTableArn !== null && byTableArn !== undefined) {
    const { bucket, tableId } = tableOfArn(scope, byTableArn);
    return tableTargetById(index, scope, bucket, tableId);
  }
  const arn = call.segments[0] === 'get-table' ? call.query.get('tableBucketARN') : call.segments[1];
  if (arn === undefined || arn === null || arn === '') return { arn: '*' };
  const bucket = bucketOfArn(scope, arn);
  const [namespace, name] = call.segments[0] === 'get-table'
    ? [call.query.get('namespace') ?? undefined, call.query.get('name') ?? undefined]
    : call.segments[0] === 'tables' && call.segments.length >= 4 ? [call.segments[2], call.segments[3]] : [undefined, undefined];
  return tableOrBucketTarget(index, scope, bucket, namespace, name);
}

function failureOf(request: SurfaceRequest, error: unknown): ApiFailure {
  if (error instanceof TablesError) return { status: error.status, code: error.code, message: error.message };
  // AWS's JSON APIs answer an expired session token with their common ExpiredTokenException.
  if (error instanceof S3Error && error.code === 'ExpiredToken') return { status: 403, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' };
  if (error instanceof S3Error) return { status: error.httpStatus, code: error.code, message: error.message };
  request.log(`request ${request.requestId}: internal error on ${request.req.method} ${request.path}: ${error instanceof Error ? error.stack : String(error)}`);
  return { status: 500, code: 'InternalServerErrorException', message: 'We encountered an internal error. Please try again.' };
}

export function createTablesSurface(options: TablesSurfaceOptions): ApiSurface {
  const { layers, config, root, identities } = options;
  const scope: ArnScope = { region: config.region, accountId: config.accountId };

  async function handle(request: SurfaceRequest): Promise<void> {
    const { req, res, rawUrl } = request;
    const { bytes, body } = await readJsonBody(req);
    const bodySha256Hex = createHash('sha256').update(bytes).digest('hex');
    const { auth, principal } = await identify(req, rawUrl, undefined, root, identities,
      { expectedRegion: config.region, signingService: TABLES_SIGNING_SERVICE, bodySha256Hex });
    if (auth.payload.kind === 'sha256' && auth.payload.expectedHex !== bodySha256Hex) {
      throw badRequest('The x-amz-content-sha256 header does not match the body.');
    }
    const call: TablesCall = { segments: segmentsOf(request.path), query: new URLSearchParams(rawUrl.split('?')[1] ?? ''), body };
    const route = routeOf(req.method ?? 'GET', call.segments);
    authorize(principal, `s3tables:${route.operation}`, route.run === undefined ? '*' : await targetOf(layers.index, scope, call, route.operation));
    if (route.run === undefined) throw new TablesError('NotImplemented', `The S3 Tables operation ${route.operation} is not implemented in Cairn.`);
    const context: TablesContext = { index: layers.index, scope, ownerId: root.canonicalId, nowMs: Date.now(), kms: layers.kms, layers };
    const answer = await route.run(context, call);
    const payload = answer.body === undefined ? undefined : Buffer.from(JSON.stringify(answer.body), 'utf8');
    res.statusCode = answer.status;
    res.setHeader('x-amzn-RequestId', request.requestId);
    if (payload !== undefined) {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Length', payload.byteLength);
    }
    res.end(payload);
  }

  return {
    name: 's3tables',
    claims: (request) => request.signingService === TABLES_SIGNING_SERVICE,
    handle,
    answerError: (request, error) => REST_JSON_ERRORS(request.res, failureOf(request, error), request.requestId),
  };
}
