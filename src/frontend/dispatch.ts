// Per-request dispatch: a request id, the surface the request belongs to, and that surface's answer,
// or its error in the surface's own format. The surfaces are asked in the order the server command
// composed them: /_cairn/, /_iceberg/, /v2/ (OCI), the signing services of the JSON APIs
// (s3tables, backup, ecr, fis), and S3 last, which claims everything else.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, newRequestId2 } from '../util/ids.js';
import { claimedSigningService } from './auth/scope.js';
import { S3Error } from './errors.js';
import type { RequestMetrics } from './request-metrics.js';
import type { ApiSurface, SurfaceRequest } from './surface.js';

const RESPONSE_HEADERS_KEPT_ON_ERROR = new Set(['x-amz-request-id', 'x-amz-id-2', 'server', 'vary']);
/** CORS headers stay on errors, so a browser page can read why its request failed. */
const CORS_HEADER_PREFIX = 'access-control-';

export interface DispatchOptions {
  /** In the order they are asked; the last should claim every request (S3). */
  surfaces: readonly ApiSurface[];
  /** Host names under which `<bucket>.<domain>` addresses a bucket (virtual-hosted style). */
  virtualHostDomains: string[];
  log: (line: string) => void;
  /** Counts each request under the surface that answered it. */
  metrics?: RequestMetrics;
}

export type Dispatch = (req: IncomingMessage, res: ServerResponse, shuttingDown: boolean) => Promise<void>;

/** The bucket the host names in virtual-hosted style (`<bucket>.<domain>[:port]`), if any. */
export function bucketFromHost(hostHeader: string | undefined, domains: string[]): string | undefined {
  if (hostHeader === undefined) return undefined;
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  for (const domain of domains) {
    if (host.endsWith(`.${domain}`)) return host.slice(0, host.length - domain.length - 1);
  }
  return undefined;
}

function answerFailure(surface: ApiSurface, request: SurfaceRequest, error: unknown): void {
  const { req, res } = request;
  if (res.headersSent) {
    request.log(`request ${request.requestId}: failed after the response started: ${String(error)}`);
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) {
    if (!RESPONSE_HEADERS_KEPT_ON_ERROR.has(name) && !name.startsWith(CORS_HEADER_PREFIX)) res.removeHeader(name);
  }
  // A body we did not read may be large: close the connection instead of draining it.
  if (!req.complete) res.setHeader('Connection', 'close');
  surface.answerError(request, error);
}

export function createDispatch(options: DispatchOptions): Dispatch {
  const { surfaces, virtualHostDomains, log, metrics } = options;
  if (surfaces.length === 0) throw new Error('createDispatch: no API surface');

  return async (req, res, shuttingDown) => {
    const requestId = newRequestId();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', newRequestId2());
    res.setHeader('Server', 'Cairn');
    const rawUrl = req.url ?? '/';
    const request: SurfaceRequest = {
      requestId, req, res, rawUrl, path: rawUrl.split('?', 1)[0]!, shuttingDown, log,
      virtualHostBucket: bucketFromHost(req.headers.host, virtualHostDomains),
      signingService: claimedSigningService(req.headers.authorization, rawUrl),
    };
    const surface = surfaces.find((candidate) => candidate.claims(request)) ?? surfaces[surfaces.length - 1]!;
    metrics?.watch(surface.name, req, res);
    try {
      // A fragment never belongs in a request line; refusing it keeps what was signed and what is
      // routed the same string.
      if (rawUrl.includes('#')) throw new S3Error('InvalidURI');
      await surface.handle(request);
    } catch (error) {
      answerFailure(surface, request, error);
    }
  };
}
