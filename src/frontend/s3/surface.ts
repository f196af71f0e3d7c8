// The S3 API: every request no other surface claims. Resolves the bucket and key (path or
// virtual-hosted style), answers CORS preflights and browser form uploads (POST Object, which is
// authenticated by its form), authenticates with SigV4/SigV2 for the service "s3", routes by the
// endpoint table, authorizes the endpoint's IAM action and runs its handler.
import type { ApiFaultState } from '../../services/faults/api-faults.js';
import type { ApiFaultAction } from '../../services/faults/fault-store.js';
import type { Identities } from '../../services/iam/identities.js';
import type { Layers } from '../../services/objects.js';
import { enforceRoutePermission } from '../auth/authorize.js';
import { identify, type RootIdentity } from '../auth/identify.js';
import type { FrontendConfig, RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { answerPreflight, applyCorsHeaders } from '../ops/cors.js';
import { postObject } from '../ops/post-object.js';
import type { ApiSurface, SurfaceRequest } from '../surface.js';
import { bucketLookupOnce } from '../request/bucket.js';
import { answerS3Error, s3ErrorCodeOf } from './answer-error.js';
import { subresourceOf, type S3Endpoint } from './endpoint.js';
import { fallbackFor, findEndpoint, S3_ENDPOINTS, S3_UNCONFIGURED_ENDPOINTS } from './endpoints.js';
import { startRequestRecord, type S3RequestObserver, type S3RequestRecord } from './request-record.js';

export interface S3SurfaceOptions {
  layers: Layers;
  config: FrontendConfig;
  /** The root identity: may do everything. */
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  /** Endpoints a feature adds (S3 Metadata's ?metadataConfiguration…), matched after the core table. */
  endpoints?: readonly S3Endpoint[];
  /** Buckets clients may read but only Cairn writes, each with the message a write is refused with. */
  protectedBuckets?: ReadonlyMap<string, string>;
  /** Told of every request once its response has closed (server access logging). */
  observer?: S3RequestObserver;
  /** Injected API faults (FIS's cairn:api:* actions): errors answering a share of chosen operations. */
  apiFaults?: ApiFaultState;
}

/** The S3 error each API fault answers with. */
const INJECTED_ERRORS: Record<ApiFaultAction, () => S3Error> = {
  'internal-error': () => new S3Error('InternalError', 'We encountered an internal error. Please try again. (Injected by a fault-injection experiment.)'),
  throttle: () => new S3Error('SlowDown', 'Please reduce your request rate. (Injected by a fault-injection experiment.)'),
  unavailable: () => new S3Error('ServiceUnavailable', 'Service is unable to handle request. (Injected by a fault-injection experiment.)'),
};

export interface S3Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI');
  }
}

/** The bucket, key and query a request names, path-style or under a virtual-hosted bucket. */
export function resolveTarget(rawUrl: string, virtualHostBucket: string | undefined): S3Target {
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
  if (!path.startsWith('/')) throw new S3Error('InvalidURI');
  if (virtualHostBucket !== undefined) {
    const key = path.length > 1 ? decodePathPart(path.slice(1)) : undefined;
    return { bucket: virtualHostBucket, key, query };
  }
  const rest = path.slice(1);
  if (rest === '') return { query };
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decodePathPart(rest), query };
  const key = rest.slice(slash + 1);
  return { bucket: decodePathPart(rest.slice(0, slash)), key: key === '' ? undefined : decodePathPart(key), query };
}

/**
 * POST Object (a browser's form upload): a POST to a bucket with no sub-resource. It is
 * authenticated by its form fields, not its headers, so it is handed to its handler before header
 * authentication and never reaches the endpoint table.
 */
function isPostObject(method: string, target: S3Target): boolean {
  return method === 'POST' && target.bucket !== undefined && target.key === undefined && subresourceOf(target.query) === undefined;
}

/**
 * Whether a request's bucket read still describes its bucket once it has been answered: no object
 * request changes its bucket's settings, nor does a GET or HEAD of a bucket (server access logging
 * reuses the read of these; it reads the bucket again after the others).
 */
function mayShareBucketRead(method: string | undefined, target: S3Target): boolean {
  return target.key !== undefined || method === 'GET' || method === 'HEAD';
}

export function createS3Surface(options: S3SurfaceOptions): ApiSurface {
  const { layers, config, root, identities, log } = options;
  const table = [...S3_ENDPOINTS, ...(options.endpoints ?? []), ...S3_UNCONFIGURED_ENDPOINTS];
  const protectedBuckets = options.protectedBuckets ?? new Map<string, string>();
  /** The record of each request in flight, for answerError to note its error code in. */
  const records = new WeakMap<SurfaceRequest, S3RequestRecord>();

  async function handle(request: SurfaceRequest): Promise<void> {
    const { req, res, requestId, rawUrl, virtualHostBucket } = request;
    const target = resolveTarget(rawUrl, virtualHostBucket);
    const record = options.observer === undefined ? undefined
      : startRequestRecord(options.observer, { requestId, req, res, rawUrl, bucket: target.bucket, key: target.key, query: target.query });
    if (record !== undefined) records.set(request, record);
    // The request's bucket is read once, on first use, with what authorization needs: CORS,
    // authorization and the operation share that read (errors stay where each one throws them).
    const bucketLookup = target.bucket === undefined ? undefined : bucketLookupOnce(layers.index, target.bucket);
    if (record !== undefined && mayShareBucketRead(req.method, target)) record.bucketRead = bucketLookup;
    // A browser's preflight carries no credentials: it can only ever evaluate the bucket's CORS rules.
    if (req.method === 'OPTIONS') {
      await answerPreflight(req, res, (await bucketLookup?.())?.bucket);
      return;
    }
    await applyCorsHeaders(req, res, bucketLookup);
    if (isPostObject(req.method ?? 'GET', target)) {
      await postObject({
        requestId, req, res, bucket: target.bucket!, virtualHostBucket, layers, config, root, identities, log, bucketLookup: bucketLookup!,
        onAuthenticated: record === undefined ? undefined : (principal, key) => Object.assign(record, { principal, key }),
      });
      return;
    }
    const { auth, principal } = await identify(req, rawUrl, virtualHostBucket, root, identities, { expectedRegion: config.region, acceptAnySignature: config.acceptAnySignature });
    if (record !== undefined) record.principal = principal;
    const context: RequestContext = {
      requestId, req, res, method: req.method ?? 'GET', bucket: target.bucket, key: target.key, query: target.query,
      auth, principal, bucketAccess: new Map(), bucketLookup, layers, identities, config, log,
    };
    const protection = context.bucket === undefined ? undefined : protectedBuckets.get(context.bucket);
    if (protection !== undefined && context.method !== 'GET' && context.method !== 'HEAD') throw new S3Error('AccessDenied', protection);
    const endpoint = findEndpoint(table, context);
    if (endpoint === undefined) throw fallbackFor(context);
    const injected = options.apiFaults?.injectedFor(endpoint.name);
    if (injected !== undefined) throw INJECTED_ERRORS[injected]();
    await enforceRoutePermission(context, endpoint.permission);
    await endpoint.handler(context);
  }

  function answerError(request: SurfaceRequest, error: unknown): void {
    const record = records.get(request);
    if (record !== undefined) record.errorCode = s3ErrorCodeOf(error);
    answerS3Error(request, error);
  }

  return { name: 's3', claims: () => true, handle, answerError };
}
