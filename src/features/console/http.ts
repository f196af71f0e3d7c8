// The console's own small HTTP helpers: its JSON answers and errors, the session cookie, and the
// same-origin and CSRF checks every mutating request passes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { securityHeaders } from './assets.js';
import { CONSOLE_SESSION_LIFETIME_MS, sameToken, type ConsoleSession } from './sessions.js';

export const CONSOLE_PATH = '/_cairn/console';
export const SESSION_COOKIE = 'cairn_console';
export const CSRF_HEADER = 'x-cairn-csrf';
/** Login and presign bodies are small JSON documents. */
export const CONSOLE_JSON_BODY_BYTES_MAX = 16 * 1024;

export class ConsoleError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'application/json', 'Content-Length': body.byteLength, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

export function isSecure(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true;
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

export function sessionCookie(req: IncomingMessage, session: ConsoleSession | undefined): string {
  const attributes = ['HttpOnly', 'SameSite=Strict', `Path=${CONSOLE_PATH}`, ...(isSecure(req) ? ['Secure'] : [])];
  const value = session === undefined ? '' : session.id;
  const maxAge = session === undefined ? 0 : Math.floor(CONSOLE_SESSION_LIFETIME_MS / 1000);
  return [`${SESSION_COOKIE}=${value}`, `Max-Age=${maxAge}`, ...attributes].join('; ');
}

/** The request's Origin must be this server as the browser addressed it (scheme and Host). */
export function requireSameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  const expected = `${isSecure(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  if (origin === undefined || origin !== expected) throw new ConsoleError(403, 'CrossOriginRequest', 'This request must come from the console page itself (Origin does not match).');
}

/** Every mutating call: same origin, and the session's CSRF token in x-cairn-csrf. */
export function requireCsrf(req: IncomingMessage, session: ConsoleSession): void {
  requireSameOrigin(req);
  const provided = req.headers[CSRF_HEADER];
  if (!sameToken(session.csrfToken, typeof provided === 'string' ? provided : undefined)) {
    throw new ConsoleError(403, 'InvalidCsrfToken', `The ${CSRF_HEADER} header is missing or does not match this session.`);
  }
}

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const pieces: Buffer[] = [];
  let sizeBytes = 0;
  for await (const piece of req as AsyncIterable<Buffer>) {
    sizeBytes += piece.byteLength;
    if (sizeBytes > CONSOLE_JSON_BODY_BYTES_MAX) throw new ConsoleError(413, 'EntityTooLarge', `Console request bodies are at most ${CONSOLE_JSON_BODY_BYTES_MAX} bytes.`);
    pieces.push(piece);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(pieces).toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw new ConsoleError(400, 'InvalidInput', 'The request body must be a JSON object.');
}
