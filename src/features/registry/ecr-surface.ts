// The Amazon ECR API surface (awsJson1_1, SigV4 service "ecr"): it claims requests signed for ecr,
// reads the small JSON body, verifies the signature over the body's SHA-256, authorizes the
// `ecr:<Operation>` action (on the repository's ARN where the operation names one), runs the
// operation and answers JSON; errors as {"__type", "message"}. Operations not built yet answer
// 501 NotImplemented (after authorization, so a denied caller learns nothing).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { identify, type RootIdentity } from '../../frontend/auth/identify.js';
import { S3Error } from '../../frontend/errors.js';
import { AWS_JSON_1_1_ERRORS, type ApiFailure } from '../../frontend/stub-surface.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import type { Layers } from '../../services/objects.js';
import { isAllowed } from './access.js';
import { EcrError } from './ecr-call.js';
import { ECR_OPERATIONS } from './ecr-ops.js';
import { LAYER_PART_SIZE_BYTES_MAX } from './ecr-layers.js';
import { originOf } from './context.js';
import { bucketMaker } from './blob-store.js';
import { repositoryArn } from './names.js';
import { repositoryOfArn } from './ecr-tagging.js';
import type { PullRecorder } from './pull-records.js';
import { retryAfterSeconds, type RegistryThrottle } from './throttle.js';

export const ECR_SIGNING_SERVICE = 'ecr';
const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
/** The largest body an operation takes (a repository policy is at most 10 KiB)… */
const ECR_BODY_SIZE_BYTES_MAX = 64 * 1024;
/** The operations that write to the system bucket (made on the first of them). */
const BLOB_WRITING_OPERATIONS: ReadonlySet<string> = new Set(['InitiateLayerUpload', 'UploadLayerPart', 'CompleteLayerUpload']);
/** …but UploadLayerPart's, whose part (at most 20 MiB) travels in base64 (4 bytes per 3). */
const UPLOAD_PART_BODY_SIZE_BYTES_MAX = Math.ceil(LAYER_PART_SIZE_BYTES_MAX / 3) * 4 + ECR_BODY_SIZE_BYTES_MAX;

export interface EcrSurfaceOptions {
  layers: Layers;
  root: RootIdentity;
  identities: Identities;
  region: string;
  accountId: string;
  ownerId: string;
  /** How long a GetDownloadUrlForLayer URL is valid. */
  downloadUrlExpirySeconds: number;
  /** This process's registry throttle (shared with the OCI surface). */
  throttle: RegistryThrottle;
  pulls: PullRecorder;
  lifecycleDayMs: number;
  log: (line: string) => void;
}

async function readJson(req: IncomingMessage, sizeBytesMax: number): Promise<{ bytes: Buffer; body: Record<string, unknown> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > sizeBytesMax) throw new EcrError('InvalidParameterException', `The request body is larger than ${sizeBytesMax} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.byteLength === 0) return { bytes, body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new EcrError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EcrError('SerializationException', 'The request body must be a JSON object.');
  return { bytes, body: parsed as Record<string, unknown> };
}

function failureOf(request: SurfaceRequest, error: unknown): ApiFailure {
  if (error instanceof EcrError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof S3Error) return { status: error.httpStatus, code: error.code, message: error.message };
  request.log(`request ${request.requestId}: internal error on ECR ${request.req.headers['x-amz-target']}: ${error instanceof Error ? error.stack : String(error)}`);
  return { status: 500, code: 'ServerException', message: 'We encountered an internal error. Please try again.' };
}

export function createEcrSurface(options: EcrSurfaceOptions): ApiSurface {
  const { layers, root, identities, region, accountId } = options;
  const ensureBucket = bucketMaker(layers, region, options.ownerId);

  async function handle(request: SurfaceRequest): Promise<void> {
    const { req, res } = request;
    const target = String(req.headers['x-amz-target'] ?? '');
    const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const { bytes, body } = await readJson(req, operationName === 'UploadLayerPart' ? UPLOAD_PART_BODY_SIZE_BYTES_MAX : ECR_BODY_SIZE_BYTES_MAX);
    const bodySha256Hex = createHash('sha256').update(bytes).digest('hex');
    const { auth, principal } = await identify(req, request.rawUrl, undefined, root, identities, { expectedRegion: region, signingService: ECR_SIGNING_SERVICE, bodySha256Hex });
    if (auth.payload.kind === 'sha256' && auth.payload.expectedHex !== bodySha256Hex) throw new EcrError('InvalidSignatureException', 'The x-amz-content-sha256 header does not match the body.');
    const operation = ECR_OPERATIONS[operationName];
    // Tagging operations name their repository by ARN.
    const name = typeof body['repositoryName'] === 'string' ? body['repositoryName'] : repositoryOfArn(body['resourceArn'], region, accountId);
    const resource = operation?.onRepository === true && name !== undefined ? repositoryArn(region, accountId, name) : '*';
    const action = `ecr:${operationName}`;
    if (principal.kind === 'anonymous') throw new EcrError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
    const waitMs = options.throttle.tryTake(auth.accessKeyId, name, Date.now());
    if (waitMs > 0) throw new EcrError('ThrottlingException', 'Rate exceeded', 400, { 'Retry-After': String(retryAfterSeconds(waitMs)) });
    const record = name === undefined ? undefined : await layers.index.getRegistryRepository(name);
    if (!isAllowed({ principal, action, resource, repositoryPolicy: record?.policy, accountId })) {
      throw new EcrError('AccessDeniedException', `User is not authorized to perform: ${action} on resource: ${resource}`);
    }
    if (operation === undefined) throw new EcrError('NotImplemented', `The Amazon ECR operation ${operationName.slice(0, 128)} is not implemented yet.`, 501);
    if (BLOB_WRITING_OPERATIONS.has(operationName)) await ensureBucket(Date.now());
    const answer = await operation.run({
      layers, auth: { root, identities }, accessKeyId: auth.accessKeyId, region, accountId, host: req.headers.host ?? 'localhost',
      origin: originOf(req), downloadUrlExpirySeconds: options.downloadUrlExpirySeconds, body, nowMs: Date.now(),
      lifecycleDayMs: options.lifecycleDayMs, pulls: options.pulls,
    });
    const payload = Buffer.from(JSON.stringify(answer), 'utf8');
    res.statusCode = 200;
    res.setHeader('x-amzn-RequestId', request.requestId);
    res.setHeader('Content-Type', 'application/x-amz-json-1.1');
    res.setHeader('Content-Length', payload.byteLength);
    res.end(payload);
  }

  return {
    name: ECR_SIGNING_SERVICE,
    claims: (request) => request.signingService === ECR_SIGNING_SERVICE,
    handle,
    answerError: (request, error) => {
      if (error instanceof EcrError) for (const [name, value] of Object.entries(error.headers)) request.res.setHeader(name, value);
      AWS_JSON_1_1_ERRORS(request.res, failureOf(request, error), request.requestId);
    },
  };
}
