// A client for the admin API's identity routes (docs/admin-api.md): JSON requests SigV4-signed
// with the root identity's keys (CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY, or AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY).
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import type { Credentials } from '../../frontend/auth/sigv4.js';
import { NodeSha256 } from '../../util/node-sha256.js';

const ADMIN_PATH = '/_cairn/admin';
/** The admin API is signed for S3 in any region; this one when none is given. */
const SIGNING_REGION_DEFAULT = 'us-east-1';
const REQUEST_TIMEOUT_MS = 30_000;

/** An error answer of the admin API. */
export class AdminApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'AdminApiError';
  }
}

function failureOf(status: number, text: string): AdminApiError {
  let code = `HTTP${status}`;
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code ?? code;
    message = parsed.error?.message ?? message;
  } catch {
    // Not the admin API's JSON (a proxy, or an S3 XML error): reported as received.
  }
  return new AdminApiError(status, code, message);
}

export interface AdminResponse {
  status: number;
  /** The body as text (JSON), empty for 204. */
  text: string;
}

export class IamClient {
  private readonly signer: SignatureV4;
  private readonly endpoint: URL;

  constructor(endpoint: string, credentials: Credentials, region = SIGNING_REGION_DEFAULT) {
    this.endpoint = new URL(endpoint);
    this.signer = new SignatureV4({ credentials, region, service: 's3', sha256: NodeSha256 as never, uriEscapePath: false, applyChecksum: false });
  }

  /** Sends a signed request; resolves with the answer when its status is 2xx, rejects with AdminApiError otherwise. */
  async send(method: string, path: string, body?: unknown): Promise<AdminResponse> {
    const response = await this.request(method, path, body, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    const text = await response.text();
    if (response.status >= 200 && response.status < 300) return { status: response.status, text };
    throw failureOf(response.status, text);
  }

  /** A signed GET whose body is read as it arrives (a long-lived stream): the response once its status is 2xx. */
  async stream(path: string): Promise<Response> {
    const response = await this.request('GET', path, undefined, undefined);
    if (response.status >= 200 && response.status < 300) return response;
    throw failureOf(response.status, await response.text());
  }

  private async request(method: string, pathAndQuery: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const [path, queryText] = pathAndQuery.split('?', 2) as [string, string | undefined];
    const query = Object.fromEntries(new URLSearchParams(queryText ?? ''));
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const fullPath = `${this.endpoint.pathname.replace(/\/$/, '')}${ADMIN_PATH}${path}`;
    const headers: Record<string, string> = {
      host: this.endpoint.host,
      'x-amz-content-sha256': createHash('sha256').update(payload).digest('hex'),
    };
    if (payload !== '') headers['content-type'] = 'application/json';
    const signed = await this.signer.sign({
      method, protocol: this.endpoint.protocol, hostname: this.endpoint.hostname, port: Number(this.endpoint.port) || undefined,
      path: fullPath, query, headers, body: payload,
    });
    const url = new URL(fullPath, this.endpoint);
    url.search = new URLSearchParams(query).toString();
    return fetch(url, { method, headers: signed.headers as Record<string, string>, body: payload === '' ? undefined : payload, signal });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return JSON.parse((await this.send(method, path, body)).text) as T;
  }
}
