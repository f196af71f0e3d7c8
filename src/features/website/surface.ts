// The website endpoint: requests whose Host is `BUCKET.<website domain>[:port]` (`--website-domain`,
// repeatable) are a bucket's static website, answered as S3's website endpoints answer: GET and HEAD
// only, anonymous, HTML error pages. Composed first (src/cli/surfaces.ts): the Host alone decides, so
// a site's key may begin with `_cairn/` or `v2/` like any other.
import { ANONYMOUS_AUTHENTICATION } from '../../frontend/auth/identify.js';
import type { FrontendConfig, RequestContext } from '../../frontend/context.js';
import { bucketFromHost } from '../../frontend/dispatch.js';
import { S3Error } from '../../frontend/errors.js';
import { bucketLookupOnce } from '../../frontend/request/bucket.js';
import type { ApiSurface, SurfaceRequest } from '../../frontend/surface.js';
import type { Identities } from '../../services/iam/identities.js';
import { StorageUnavailableError, type Layers } from '../../services/objects.js';
import { sendErrorPage } from './error-page.js';
import { serveWebsiteRequest } from './serve.js';

export interface WebsiteSurfaceOptions {
  layers: Layers;
  config: FrontendConfig;
  identities: Identities;
  log: (line: string) => void;
  /** Host names under which `<bucket>.<domain>` is a bucket's website (lower case). */
  websiteDomains: readonly string[];
}

function decodedKey(path: string): string {
  try {
    return decodeURIComponent(path.slice(1));
  } catch {
    throw new S3Error('InvalidURI');
  }
}

export function createWebsiteSurface(options: WebsiteSurfaceOptions): ApiSurface {
  const { layers, config, identities, log } = options;
  const domains = [...options.websiteDomains];
  const bucketOf = (request: SurfaceRequest): string | undefined => bucketFromHost(request.req.headers.host, domains);

  async function handle(request: SurfaceRequest): Promise<void> {
    const { req, res, requestId } = request;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', { extraFields: { Method: method, ResourceType: 'OBJECT' } });
    }
    const bucket = bucketOf(request)!;
    const key = decodedKey(request.path);
    const context: RequestContext = {
      requestId, req, res, method, bucket, key, query: new URLSearchParams(),
      auth: ANONYMOUS_AUTHENTICATION, principal: { kind: 'anonymous' }, bucketAccess: new Map(),
      bucketLookup: bucketLookupOnce(layers.index, bucket), layers, identities, config, log,
    };
    await serveWebsiteRequest(context, key);
  }

  function answerError(request: SurfaceRequest, error: unknown): void {
    let s3Error: S3Error;
    if (error instanceof S3Error) {
      s3Error = error;
    } else if (error instanceof StorageUnavailableError) {
      s3Error = new S3Error('ServiceUnavailable', 'The storage is unavailable: too few drives of the erasure set are online. Please try again.');
    } else {
      log(`request ${request.requestId}: website internal error on ${request.req.method} ${request.path}: ${error instanceof Error ? error.stack : String(error)}`);
      s3Error = new S3Error('InternalError');
    }
    sendErrorPage(request.res, s3Error, request.requestId);
  }

  return { name: 'website', claims: (request) => domains.length > 0 && bucketOf(request) !== undefined, handle, answerError };
}
