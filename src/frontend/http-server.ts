// The HTTP front end: raw node:http, limits on connections and slow bodies, each request handed to
// the dispatcher (dispatch.ts: the API surface it belongs to answers it), and a graceful shutdown
// that lets in-flight requests finish.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  CONNECTIONS_PER_PROCESS_MAX,
  REQUEST_BODY_GRACE_MS,
  REQUEST_BODY_RATE_BYTES_PER_SECOND_MIN,
  REQUEST_HEADERS_SIZE_BYTES_MAX,
  REQUEST_HEADERS_TIMEOUT_MS,
  REQUEST_IDLE_TIMEOUT_MS,
  SHUTDOWN_GRACE_MS,
} from '../limits.js';
import { createDispatch } from './dispatch.js';
import type { ApiSurface } from './surface.js';

export interface FrontendOptions {
  /** The API surfaces, in the order the dispatcher asks them (the server command composes them). */
  surfaces: readonly ApiSurface[];
  /** Host names under which `<bucket>.<domain>` addresses a bucket (virtual-hosted style). */
  virtualHostDomains: string[];
  log: (line: string) => void;
}

export interface Frontend {
  server: Server;
  /** Stops accepting connections, waits for in-flight requests (bounded), then resolves. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_POLL_MS = 50;

/**
 * Cuts off a request whose body arrives slower than the minimum rate (after a grace period): a
 * request time limit that scales with the declared size, so large uploads are not cut short.
 */
function watchBodyDeadline(req: IncomingMessage, log: (line: string) => void): NodeJS.Timeout {
  const declaredBytes = Number(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'] ?? 0) || 0;
  const deadlineMs = REQUEST_BODY_GRACE_MS + (declaredBytes / REQUEST_BODY_RATE_BYTES_PER_SECOND_MIN) * 1000;
  const timer = setTimeout(() => {
    if (req.complete) return;
    log(`request body from ${req.socket.remoteAddress ?? '?'} not received within ${Math.round(deadlineMs / 1000)} s: closing the connection`);
    req.destroy();
  }, deadlineMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  return timer;
}

export function createFrontend(options: FrontendOptions): Frontend {
  const { log } = options;
  const dispatch = createDispatch({ surfaces: options.surfaces, virtualHostDomains: options.virtualHostDomains, log });
  let inFlightRequests = 0;
  let shuttingDown = false;

  const server = createServer({ maxHeaderSize: REQUEST_HEADERS_SIZE_BYTES_MAX, requestTimeout: 0, headersTimeout: REQUEST_HEADERS_TIMEOUT_MS }, (req, res) => {
    inFlightRequests += 1;
    if (shuttingDown) res.setHeader('Connection', 'close');
    const bodyDeadline = watchBodyDeadline(req, log);
    res.on('close', () => {
      inFlightRequests -= 1;
      clearTimeout(bodyDeadline);
    });
    void dispatch(req, res, shuttingDown);
  });
  server.maxConnections = CONNECTIONS_PER_PROCESS_MAX;
  // An idle socket (no bytes either way) is closed; long uploads that keep sending are not cut.
  server.setTimeout(REQUEST_IDLE_TIMEOUT_MS);

  async function shutdown(): Promise<void> {
    shuttingDown = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadlineMs = Date.now() + SHUTDOWN_GRACE_MS;
    while (inFlightRequests > 0 && Date.now() < deadlineMs) {
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
    }
    server.closeAllConnections();
    await closed;
  }

  return { server, shutdown };
}
