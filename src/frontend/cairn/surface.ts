// The reserved /_cairn/ space (path-style only: a virtual-hosted request is always S3's): the admin
// API (/_cairn/admin/…, JSON), the health check, and authenticated operations by exact path that a
// feature or the server adds (/_cairn/sql, /_cairn/metrics), which only the root identity may use.
// Failures other than the admin API's answer as S3 error documents, as they always have.
import type { AuditControl } from '../../services/audit/service.js';
import type { Identities } from '../../services/iam/identities.js';
import type { Layers } from '../../services/objects.js';
import { ADMIN_PATH_PREFIX, answerAdmin, type AdminExtension } from '../admin/api.js';
import type { StorageAdmin } from '../admin/storage-admin.js';
import { accessDenied } from '../auth/authorize.js';
import { identify, type RootIdentity } from '../auth/identify.js';
import type { FrontendConfig, RequestContext } from '../context.js';
import { answerPreflight, applyCorsHeaders } from '../ops/cors.js';
import type { Operation } from '../s3/endpoint.js';
import { answerS3Error } from '../s3/answer-error.js';
import type { ApiSurface, SurfaceRequest } from '../surface.js';

export const INTERNAL_PATH_PREFIX = '/_cairn/';
const HEALTH_PATH = `${INTERNAL_PATH_PREFIX}health`;

export interface CairnSurfaceOptions {
  layers: Layers;
  config: FrontendConfig;
  root: RootIdentity;
  identities: Identities;
  log: (line: string) => void;
  /** Authenticated operations under /_cairn/, by exact path (e.g. /_cairn/sql). */
  operations?: Record<string, Operation>;
  /** The durability audit's admin routes (/_cairn/admin/audit). */
  audit?: AuditControl;
  /** Fault injection (and heal) under /_cairn/admin/; absent in servers without it. */
  storageAdmin?: StorageAdmin;
  /** Admin routes features add (event targets, events listen). */
  adminExtensions?: readonly AdminExtension[];
}

function answerHealth(request: SurfaceRequest): void {
  const health = request.path === HEALTH_PATH;
  const { shuttingDown, res } = request;
  const status = health ? (shuttingDown ? 503 : 200) : 404;
  const body = JSON.stringify(health ? { status: shuttingDown ? 'shutting-down' : 'ok' } : { error: 'not found' });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function createCairnSurface(options: CairnSurfaceOptions): ApiSurface {
  const { layers, config, root, identities, log } = options;
  const operations = options.operations ?? {};

  async function runOperation(request: SurfaceRequest, operation: Operation): Promise<void> {
    const { req, res, requestId, rawUrl } = request;
    if (req.method === 'OPTIONS') {
      await answerPreflight(req, res, undefined);
      return;
    }
    await applyCorsHeaders(req, res, undefined);
    const { auth, principal } = await identify(req, rawUrl, undefined, root, identities);
    const context: RequestContext = {
      requestId, req, res, method: req.method ?? 'GET', query: new URLSearchParams(rawUrl.split('?')[1] ?? ''),
      auth, principal, bucketAccess: new Map(), layers, identities, config, log,
    };
    // Internal operations (/_cairn/sql) see every bucket: the root identity only.
    if (principal.kind !== 'root') throw accessDenied();
    await operation(context);
  }

  async function handle(request: SurfaceRequest): Promise<void> {
    const { path } = request;
    if (path.startsWith(ADMIN_PATH_PREFIX)) {
      await answerAdmin(request.req, request.res, root, identities, log, request.requestId, {
        audit: options.audit, storageAdmin: options.storageAdmin, extensions: options.adminExtensions,
      });
      return;
    }
    if (Object.hasOwn(operations, path)) {
      await runOperation(request, operations[path]!);
      return;
    }
    answerHealth(request);
  }

  return {
    name: 'cairn',
    claims: (request) => request.virtualHostBucket === undefined && request.path.startsWith(INTERNAL_PATH_PREFIX),
    handle,
    answerError: answerS3Error,
  };
}
