// The HTTP front end: raw node:http, one request id per request, S3 error documents for every
// failure, reserved /_cairn/ space, and a graceful shutdown that lets in-flight requests finish.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import {
  CONNECTION_KEEP_ALIVE_IDLE_MS,
  CONNECTIONS_PER_CLIENT_ADDRESS_MAX,
  CONNECTIONS_PER_PROCESS_MAX,
  REQUEST_BODIES_IN_FLIGHT_BYTES_MAX,
  REQUEST_BODY_BUDGET_WAIT_MS_MAX,
  REQUEST_BODY_BUFFER_BYTES_MAX,
  REQUEST_BODY_GRACE_MS,
  REQUEST_BODY_RATE_BYTES_PER_SECOND_MIN,
  REQUEST_HEADERS_SIZE_BYTES_MAX,
  REQUEST_HEADERS_TIMEOUT_MS,
  REQUEST_IDLE_TIMEOUT_MS,
  SHUTDOWN_GRACE_MS,
} from '../limits.js';
import type { Identities } from '../services/iam/identities.js';
import { StorageUnavailableError, type Layers } from '../services/objects.js';
import { newRequestId } from '../util/ids.js';
import { ADMIN_PATH_PREFIX, answerAdmin } from './admin/api.js';
import type { AuditControl } from '../services/audit/service.js';
import type { StorageAdmin } from './admin/storage-admin.js';
import { accessDenied, enforceRoutePermission } from './auth/authorize.js';
import { identify, type RootIdentity } from './auth/identify.js';
import type { FrontendConfig, RequestContext } from './context.js';
import { S3Error } from './errors.js';
import { answerPreflight, applyCorsHeaders } from './ops/cors.js';
import { postObject } from './ops/post-object.js';
import { sendError } from './respond.js';
import { BodyBudget } from './body-budget.js';
import { answerClientError, answerEarly, answerUnknownExpectation, declaredBodyBytes, TIMER_DELAY_MS_MAX } from './client-errors.js';
import { ConnectionTracker, type ConnectionLimits } from './connections.js';
import { loadTlsOptions, watchTlsFiles, type TlsFiles } from './tls.js';
import { permissionFor } from './route-permissions.js';
import { isPostObject, route, type Operation } from './router.js';

export interface FrontendOptions {
  layers: Layers;
  config: FrontendConfig;
  /** The root identity: may do everything, and alone may use the admin API. */
  root: RootIdentity;
  /** Users and their access keys. */
  identities: Identities;
  log: (line: string) => void;
  /** Authenticated operations under /_cairn/, by exact path (e.g. /_cairn/sql). */
  internalOperations?: Record<string, Operation>;
  /** The durability audit's admin routes (/_cairn/admin/audit). */
  audit?: AuditControl;
  /** Fault injection (and heal) under /_cairn/admin/; absent in servers without it. */
  storageAdmin?: StorageAdmin;
  /** Connection limits and timeouts; each defaults to its constant in limits.ts. */
  connections?: Partial<FrontendConnectionSettings>;
  /** Certificate and key for TLS listeners (see createListener). */
  tls?: TlsFiles;
}

export interface FrontendConnectionSettings extends ConnectionLimits {
  /** A kept-alive connection with no request in progress is closed after this long. */
  keepAliveIdleMs: number;
  /** A connection that has not sent a request's whole header section by then gets RequestTimeout. */
  headersTimeoutMs: number;
  /** Bytes of request bodies in flight in this process (see body-budget.ts). */
  bodyBudgetBytes: number;
}

/** node checks header deadlines this often (its default, 30 s, would let a short deadline slip). */
const CONNECTIONS_CHECK_INTERVALS_PER_HEADERS_TIMEOUT = 4;
const CONNECTIONS_CHECK_INTERVAL_MS_MAX = 30 * 1000;

export interface Frontend {
  /**
   * A new server for one listening address: plain HTTP, or TLS (needs options.tls). Every server
   * shares the request handling, the connection limits, the body budget and shutdown.
   */
  createListener(secure: boolean): Server | HttpsServer;
  /** Process-wide connection and body-budget figures, for /_cairn/metrics. */
  connections: ConnectionTracker;
  bodyBudget: BodyBudget;
  /** Stops accepting connections, waits for in-flight requests (bounded), then resolves. */
  shutdown(): Promise<void>;
}

interface RequestTarget {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  path: string;
}

const RESPONSE_HEADERS_KEPT_ON_ERROR = new Set(['x-amz-request-id', 'x-amz-id-2', 'server', 'vary']);
/** CORS headers stay on errors, so a browser page can read why its request failed. */
const CORS_HEADER_PREFIX = 'access-control-';
const INTERNAL_PATH_PREFIX = '/_cairn/';
const SHUTDOWN_POLL_MS = 50;

function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI');
  }
}

/** The bucket the host names in virtual-hosted style (`<bucket>.<domain>[:port]`), if any. */
function bucketFromHost(hostHeader: string | undefined, domains: string[]): string | undefined {
  if (hostHeader === undefined) return undefined;
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  for (const domain of domains) {
    if (host.endsWith(`.${domain}`)) return host.slice(0, host.length - domain.length - 1);
  }
  return undefined;
}

export function resolveTarget(rawUrl: string, hostHeader: string | undefined, domains: string[]): RequestTarget {
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
  if (!path.startsWith('/')) throw new S3Error('InvalidURI');
  const virtualHostBucket = bucketFromHost(hostHeader, domains);
  if (virtualHostBucket !== undefined) {
    const key = path.length > 1 ? decodePathPart(path.slice(1)) : undefined;
    return { bucket: virtualHostBucket, key, query, path };
  }
  const rest = path.slice(1);
  if (rest === '') return { query, path };
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decodePathPart(rest), query, path };
  const key = rest.slice(slash + 1);
  return { bucket: decodePathPart(rest.slice(0, slash)), key: key === '' ? undefined : decodePathPart(key), query, path };
}

function answerError(res: ServerResponse, req: IncomingMessage, error: unknown, requestId: string, resource: string, log: (line: string) => void): void {
  if (res.headersSent) {
    log(`request ${requestId}: failed after the response started: ${String(error)}`);
    res.destroy();
    return;
  }
  let s3Error: S3Error;
  if (error instanceof S3Error) {
    s3Error = error;
  } else if (error instanceof StorageUnavailableError) {
    // Too few drives for a write quorum, or for k good shards: nothing was made visible; retryable.
    log(`request ${requestId}: ${req.method} ${resource}: 503: ${error.message}`);
    s3Error = new S3Error('ServiceUnavailable', 'The storage is unavailable: too few drives of the erasure set are online. Please try again.');
  } else {
    log(`request ${requestId}: internal error on ${req.method} ${resource}: ${error instanceof Error ? error.stack : String(error)}`);
    s3Error = new S3Error('InternalError');
  }
  for (const name of res.getHeaderNames()) {
    if (!RESPONSE_HEADERS_KEPT_ON_ERROR.has(name) && !name.startsWith(CORS_HEADER_PREFIX)) res.removeHeader(name);
  }
  // A body we did not read may be large: close the connection instead of draining it.
  if (!req.complete) res.setHeader('Connection', 'close');
  sendError(res, s3Error, requestId, resource);
}

function answerInternal(path: string, res: ServerResponse, shuttingDown: boolean): void {
  const health = path === `${INTERNAL_PATH_PREFIX}health`;
  const status = health ? (shuttingDown ? 503 : 200) : 404;
  const body = JSON.stringify(health ? { status: shuttingDown ? 'shutting-down' : 'ok' } : { error: 'not found' });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Cuts off a request whose body arrives slower than the minimum rate (after a grace period): a
 * request time limit that scales with the declared size, so large uploads are not cut short.
 */
function watchBodyDeadline(req: IncomingMessage, declaredBytes: number, log: (line: string) => void): NodeJS.Timeout {
  // declaredBytes is at most 5 GiB (declaredBodyBytes): ~23 h; the cap keeps setTimeout exact regardless.
  const deadlineMs = Math.min(REQUEST_BODY_GRACE_MS + (declaredBytes / REQUEST_BODY_RATE_BYTES_PER_SECOND_MIN) * 1000, TIMER_DELAY_MS_MAX);
  const timer = setTimeout(() => {
    if (req.complete) return;
    log(`request body from ${req.socket.remoteAddress ?? '?'} not received within ${Math.round(deadlineMs / 1000)} s: closing the connection`);
    req.destroy();
  }, deadlineMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  return timer;
}

function expectsContinue(req: IncomingMessage): boolean {
  return req.headers.expect?.toLowerCase() === '100-continue';
}

export function createFrontend(options: FrontendOptions): Frontend {
  const { layers, config, root, identities, log } = options;
  const internalOperations = options.internalOperations ?? {};
  let inFlightRequests = 0;
  let shuttingDown = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', randomBytes(24).toString('base64'));
    res.setHeader('Server', 'Cairn');
    const rawUrl = req.url ?? '/';
    let resource = rawUrl.split('?', 1)[0]!;
    try {
      // A fragment never belongs in a request line; refusing it keeps what was signed and what is
      // routed the same string.
      if (rawUrl.includes('#')) throw new S3Error('InvalidURI');
      const virtualHostBucket = bucketFromHost(req.headers.host, config.virtualHostDomains);
      const internal = virtualHostBucket === undefined && resource.startsWith(INTERNAL_PATH_PREFIX);
      if (internal && resource.startsWith(ADMIN_PATH_PREFIX)) {
        await answerAdmin(req, res, root, identities, log, requestId, options.audit, options.storageAdmin);
        return;
      }
      if (internal && !Object.hasOwn(internalOperations, resource)) {
        answerInternal(resource, res, shuttingDown);
        return;
      }
      const target: RequestTarget = internal ? { query: new URLSearchParams(rawUrl.split('?')[1] ?? ''), path: resource } : resolveTarget(rawUrl, req.headers.host, config.virtualHostDomains);
      resource = target.path;
      // A browser's preflight carries no credentials: it can only ever evaluate the bucket's CORS rules.
      if (req.method === 'OPTIONS') {
        await answerPreflight(req, res, target.bucket === undefined ? undefined : await layers.index.getBucket(target.bucket));
        return;
      }
      await applyCorsHeaders(req, res, layers, target.bucket);
      if (isPostObject(req.method ?? 'GET', target.bucket, target.key, target.query)) {
        await postObject({ requestId, req, res, bucket: target.bucket!, virtualHostBucket, layers, config, root, identities, log });
        return;
      }
      const { auth, principal } = await identify(req, rawUrl, virtualHostBucket, root, identities, config.region);
      const context: RequestContext = {
        requestId, req, res, method: req.method ?? 'GET', bucket: target.bucket, key: target.key, query: target.query,
        auth, principal, bucketAccess: new Map(), layers, identities, config, log,
      };
      if (internal) {
        // Internal operations (/_cairn/sql) see every bucket: the root identity only.
        if (principal.kind !== 'root') throw accessDenied();
        await internalOperations[resource]!(context);
        return;
      }
      const operation = route(context);
      await enforceRoutePermission(context, permissionFor(operation));
      await operation(context);
    } catch (error) {
      answerError(res, req, error, requestId, resource, log);
    }
  }

  const settings: FrontendConnectionSettings = {
    perClientAddressMax: CONNECTIONS_PER_CLIENT_ADDRESS_MAX, totalMax: CONNECTIONS_PER_PROCESS_MAX,
    keepAliveIdleMs: CONNECTION_KEEP_ALIVE_IDLE_MS, headersTimeoutMs: REQUEST_HEADERS_TIMEOUT_MS, bodyBudgetBytes: REQUEST_BODIES_IN_FLIGHT_BYTES_MAX,
    ...options.connections,
  };
  const connections = new ConnectionTracker(settings, log);
  const bodyBudget = new BodyBudget(settings.bodyBudgetBytes, REQUEST_BODY_BUFFER_BYTES_MAX, REQUEST_BODY_BUDGET_WAIT_MS_MAX);

  const onRequest: RequestListener = (req, res) => {
    inFlightRequests += 1;
    res.on('close', () => {
      inFlightRequests -= 1;
    });
    if (shuttingDown) res.setHeader('Connection', 'close');
    // Absurd declared lengths are refused before any timer is armed or any budget reserved.
    const declaredBytes = declaredBodyBytes(req);
    if (declaredBytes instanceof S3Error) {
      answerEarly(req, res, declaredBytes);
      return;
    }
    void admitBody(req, res, declaredBytes);
  };

  /** Waits for the body budget (the body stays unread meanwhile), then arms the body deadline and handles. */
  async function admitBody(req: IncomingMessage, res: ServerResponse, declaredBytes: number): Promise<void> {
    let release: (() => void) | undefined;
    let bodyDeadline: NodeJS.Timeout | undefined;
    let closed = false;
    res.on('close', () => {
      closed = true;
      release?.();
      clearTimeout(bodyDeadline);
    });
    release = await bodyBudget.acquire(bodyBudget.reservationFor(declaredBytes));
    if (release === undefined) {
      if (!closed) answerEarly(req, res, new S3Error('SlowDown'));
      return;
    }
    if (closed) {
      release();
      return;
    }
    // A client that asked (Expect: 100-continue) sends its body only now, once there is room for it.
    if (expectsContinue(req)) res.writeContinue();
    bodyDeadline = watchBodyDeadline(req, declaredBytes, log);
    await handle(req, res);
  }

  const serverOptions: ServerOptions = {
    maxHeaderSize: REQUEST_HEADERS_SIZE_BYTES_MAX, requestTimeout: 0, headersTimeout: settings.headersTimeoutMs, keepAliveTimeout: settings.keepAliveIdleMs,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_INTERVAL_MS_MAX, Math.ceil(settings.headersTimeoutMs / CONNECTIONS_CHECK_INTERVALS_PER_HEADERS_TIMEOUT)),
  };
  const servers: Server[] = [];
  /** Limits, timeouts and S3-format answers for node's own refusals, the same on every listener. */
  function configure<T extends Server>(server: T): T {
    connections.attach(server);
    // An idle socket (no bytes either way) is closed; long uploads that keep sending are not cut.
    server.setTimeout(REQUEST_IDLE_TIMEOUT_MS);
    server.on('clientError', (error: Error & { code?: string }, socket) => answerClientError(error, socket, log));
    server.on('checkExpectation', answerUnknownExpectation);
    // Answered by onRequest, which sends 100 Continue only once the body is admitted (or refuses it unsent).
    server.on('checkContinue', onRequest);
    servers.push(server);
    return server;
  }
  const tlsWatchers: Array<{ stop(): void }> = [];
  function createListener(secure: boolean): Server | HttpsServer {
    if (!secure) return configure(createServer(serverOptions, onRequest));
    if (options.tls === undefined) throw new Error('a TLS listener needs --tls-cert and --tls-key');
    const secureServer = configure(createHttpsServer({ ...serverOptions, ...loadTlsOptions(options.tls) }, onRequest));
    tlsWatchers.push(watchTlsFiles(options.tls, [secureServer], log));
    return secureServer;
  }

  async function shutdown(): Promise<void> {
    shuttingDown = true;
    for (const watcher of tlsWatchers) watcher.stop();
    const closed = servers.map((each) => new Promise<void>((resolve) => each.close(() => resolve())));
    const deadlineMs = Date.now() + SHUTDOWN_GRACE_MS;
    while (inFlightRequests > 0 && Date.now() < deadlineMs) {
      for (const each of servers) each.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
    }
    for (const each of servers) each.closeAllConnections();
    await Promise.all(closed);
  }

  return { createListener, connections, bodyBudget, shutdown };
}
