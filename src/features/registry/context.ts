// What every registry handler receives: the request, who sent it, the layers, the settings and the
// repository it names (checked and authorized before the handler runs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RootIdentity } from '../../frontend/auth/identify.js';
import type { Principal } from '../../frontend/context.js';
import type { Layers } from '../../services/objects.js';
import type { PullRecorder } from './pull-records.js';

export interface RegistrySettings {
  /** Blob GETs answer 307 to a presigned URL of the blob's object (true), or stream the blob (false). */
  redirect: boolean;
  /** How long a presigned blob URL is valid. */
  redirectExpirySeconds: number;
  region: string;
  accountId: string;
  ownerId: string;
}

export interface RegistryContext {
  req: IncomingMessage;
  res: ServerResponse;
  layers: Layers;
  settings: RegistrySettings;
  root: RootIdentity;
  principal: Principal;
  /** The repository the path names ('' for /v2/_catalog). */
  repository: string;
  /** The last path segment: a reference, a digest or an upload id ('' when the route has none). */
  target: string;
  query: URLSearchParams;
  /** Records manifest pulls (for lifecycle rules on the last pull). */
  pulls: PullRecorder;
  /** `http(s)://host` as the client addressed this server. */
  origin: string;
  nowMs: number;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.statusCode = status;
  for (const [name, headerValue] of Object.entries(headers)) res.setHeader(name, headerValue);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

export function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', 0);
  res.end();
}

/** `http(s)://host` as the client addressed this server. */
export function originOf(req: IncomingMessage): string {
  const secure = (req.socket as TLSSocket).encrypted === true;
  return `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}
