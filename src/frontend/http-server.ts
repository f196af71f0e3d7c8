// The HTTP front end: raw node:http (and node:https for TLS listeners), limits on connections,
// slow bodies and bodies in flight, S3-format answers for node's own refusals, each request handed to
// the dispatcher (dispatch.ts: the API surface it belongs to answers it), and a graceful shutdown that
// lets in-flight requests finish.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
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
import { S3Error } from './errors.js';
import { BodyBudget } from './body-budget.js';
import { answerClientError, answerEarly, answerUnknownExpectation, declaredBodyBytes, TIMER_DELAY_MS_MAX } from './client-errors.js';
import { ConnectionTracker, type ConnectionLimits } from './connections.js';
import { createDispatch } from './dispatch.js';
import { publishRequestCounts } from './request-counts.js';
import { FRONTEND_SURFACE_NAME, RequestMetrics } from './request-metrics.js';
import type { ApiSurface } from './surface.js';
import { loadTlsOptions, watchTlsFiles, type TlsFiles } from './tls.js';
import { createConnectionCut } from '../util/connection-cut.js';

export interface FrontendOptions {
  /** The API surfaces, in the order the dispatcher asks them (the server command composes them). */
  surfaces: readonly ApiSurface[];
  /** Host names under which `<bucket>.<domain>` addresses a bucket (virtual-hosted style). */
  virtualHostDomains: string[];
  log: (line: string) => void;
  /** Connection limits and timeouts; each defaults to its constant in limits.ts. */
  connections?: Partial<FrontendConnectionSettings>;
  /** Certificate and key for TLS listeners (see createListener). */
  tls?: TlsFiles;
  /** Where this process publishes its request totals for the whole server's watchers (request-counts.ts). */
  requestCountsDirectory?: string;
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
  /** Requests, durations and bytes by surface, for /_cairn/metrics. */
  requestMetrics: RequestMetrics;
  /** Stops accepting connections, waits for in-flight requests (bounded), then resolves. */
  shutdown(): Promise<void>;
  /** Until `untilMs`, every connection is dropped at once and every new one refused (a host cut off: FIS's cairn:host:disrupt-connectivity). */
  disruptUntil(untilMs: number): void;
}

const SHUTDOWN_POLL_MS = 50;

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

/** What admitBody needs from the front end: the budget, the log and where an admitted request goes. */
interface BodyAdmission {
  bodyBudget: BodyBudget;
  log: (line: string) => void;
  requestMetrics: RequestMetrics;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * A request that carries no body (no Transfer-Encoding, no Content-Length or 0; every GET and HEAD of
 * an SDK) and expects no 100 Continue: it reserves nothing and waits for nothing, so admitBody's
 * budget, deadline timer and close listener would all be no-ops for it.
 */
function hasNoBody(req: IncomingMessage, declaredBytes: number): boolean {
  const length = req.headers['content-length'];
  return declaredBytes === 0 && req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0') && !expectsContinue(req);
}

/** Waits for the body budget (the body stays unread meanwhile), then arms the body deadline and handles. */
async function admitBody(req: IncomingMessage, res: ServerResponse, declaredBytes: number, admission: BodyAdmission): Promise<void> {
  const { bodyBudget, log } = admission;
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
    if (!closed) {
      admission.requestMetrics.watch(FRONTEND_SURFACE_NAME, req, res);
      answerEarly(req, res, new S3Error('SlowDown'));
    }
    return;
  }
  if (closed) {
    release();
    return;
  }
  // A client that asked (Expect: 100-continue) sends its body only now, once there is room for it.
  if (expectsContinue(req)) res.writeContinue();
  bodyDeadline = watchBodyDeadline(req, declaredBytes, log);
  await admission.handle(req, res);
}

/**
 * An idle socket (no bytes either way) is closed; long uploads that keep sending are not cut.
 * A client may half-close once its request is sent (RFC 9112 §9.6): its answer is still written (then
 * the connection closes), even one that waits on the index. node's default ends the socket at the
 * client's FIN, losing any answer not yet written (PostgreSQL's reads are never synchronous). An
 * incomplete request that half-closes is still a parse error (answerClientError).
 */
function configureSockets(server: Server): void {
  server.setTimeout(REQUEST_IDLE_TIMEOUT_MS);
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

function serverOptionsFor(settings: FrontendConnectionSettings): ServerOptions {
  return {
    maxHeaderSize: REQUEST_HEADERS_SIZE_BYTES_MAX, requestTimeout: 0, headersTimeout: settings.headersTimeoutMs, keepAliveTimeout: settings.keepAliveIdleMs,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_INTERVAL_MS_MAX, Math.ceil(settings.headersTimeoutMs / CONNECTIONS_CHECK_INTERVALS_PER_HEADERS_TIMEOUT)),
  };
}

export function createFrontend(options: FrontendOptions): Frontend {
  const { log } = options;
  const requestMetrics = new RequestMetrics(options.surfaces.map((surface) => surface.name));
  const dispatch = createDispatch({ surfaces: options.surfaces, virtualHostDomains: options.virtualHostDomains, log, metrics: requestMetrics });
  let inFlightRequests = 0;
  let shuttingDown = false;
  const countsPublisher = options.requestCountsDirectory === undefined ? undefined : publishRequestCounts(options.requestCountsDirectory, () => requestMetrics.totals(), log);

  const settings: FrontendConnectionSettings = {
    perClientAddressMax: CONNECTIONS_PER_CLIENT_ADDRESS_MAX, totalMax: CONNECTIONS_PER_PROCESS_MAX,
    keepAliveIdleMs: CONNECTION_KEEP_ALIVE_IDLE_MS, headersTimeoutMs: REQUEST_HEADERS_TIMEOUT_MS, bodyBudgetBytes: REQUEST_BODIES_IN_FLIGHT_BYTES_MAX,
    ...options.connections,
  };
  const connections = new ConnectionTracker(settings, log);
  const bodyBudget = new BodyBudget(settings.bodyBudgetBytes, REQUEST_BODY_BUFFER_BYTES_MAX, REQUEST_BODY_BUDGET_WAIT_MS_MAX);
  const admission: BodyAdmission = { bodyBudget, log, requestMetrics, handle: (req, res) => dispatch(req, res, shuttingDown) };

  const onRequest: RequestListener = (req, res) => {
    inFlightRequests += 1;
    res.on('close', () => void (inFlightRequests -= 1));
    if (shuttingDown) res.setHeader('Connection', 'close');
    // Absurd declared lengths are refused before any timer is armed or any budget reserved.
    const declaredBytes = declaredBodyBytes(req);
    if (declaredBytes instanceof S3Error) {
      requestMetrics.watch(FRONTEND_SURFACE_NAME, req, res);
      answerEarly(req, res, declaredBytes);
      return;
    }
    if (hasNoBody(req, declaredBytes)) void admission.handle(req, res);
    else void admitBody(req, res, declaredBytes, admission);
  };
  const serverOptions = serverOptionsFor(settings);
  const servers: Server[] = [];
  /** Limits, timeouts and S3-format answers for node's own refusals, the same on every listener. */
  const cut = createConnectionCut();
  function configure<T extends Server>(server: T): T {
    cut.attach(server);
    connections.attach(server);
    configureSockets(server);
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
    countsPublisher?.stop();
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

  return { createListener, connections, bodyBudget, requestMetrics, shutdown, disruptUntil: cut.disruptUntil };
}
