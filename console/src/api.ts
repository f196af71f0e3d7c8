// Every call the console makes: to its own backend (login, session, presign) and, through the proxy,
// to S3 and the admin API as the logged-in identity. Failures become ApiError with the server's own
// code and message (S3's XML error or the admin API's JSON), for the page to show verbatim.
const API = '/_cairn/console/api/';
let csrfToken = '';

export interface Identity { identity: { kind: 'root' | 'user'; name: string }; accessKeyId: string; csrfToken: string }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Encodes a bucket and key as a path (each key segment encoded, slashes kept). */
export function objectPath(bucket: string, key = ''): string {
  return `${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function proxyUrl(path: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `${API}${path}${search === '' ? '' : `?${search}`}`;
}

export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } | string };
    if (typeof parsed.error === 'object') return new ApiError(response.status, parsed.error.code ?? `HTTP ${response.status}`, parsed.error.message ?? text);
  } catch {
    // Not JSON: S3's XML error document, read below.
  }
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const code = doc.querySelector('Error > Code')?.textContent;
  const message = doc.querySelector('Error > Message')?.textContent;
  return new ApiError(response.status, code ?? `HTTP ${response.status}`, message ?? (text || response.statusText));
}

export interface CallOptions { query?: Record<string, string>; body?: BodyInit; headers?: Record<string, string> }

/** A call through the console's API; resolves with the response when it is 2xx. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (method !== 'GET' && method !== 'HEAD') headers['x-cairn-csrf'] = csrfToken;
  const response = await fetch(proxyUrl(path, options.query), { method, headers, body: options.body, credentials: 'same-origin' });
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function s3Xml(method: string, path: string, options: CallOptions = {}): Promise<Document> {
  const text = await (await call(method, `s3/${path}`, options)).text();
  return new DOMParser().parseFromString(text, 'application/xml');
}

export async function adminJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await call(method, `cairn/admin/${path}`, {
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await response.text();
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** The text of each direct child element named `name` under `parent`. */
export function childText(parent: Element | Document, name: string): string {
  for (const child of Array.from(parent.children)) if (child.localName === name) return child.textContent ?? '';
  const found = parent.getElementsByTagName(name)[0];
  return found?.textContent ?? '';
}

export function elements(parent: Element | Document, name: string): Element[] {
  return Array.from(parent.getElementsByTagName(name));
}

/** x-amz-checksum-sha256 for bodies S3 requires an integrity header on (DeleteObjects, lifecycle, …). */
export async function checksumHeaders(body: string): Promise<Record<string, string>> {
  if (globalThis.crypto?.subtle === undefined) return {};
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
  return { 'x-amz-checksum-sha256': btoa(String.fromCharCode(...digest)) };
}

export async function login(accessKeyId: string, secretAccessKey: string): Promise<Identity> {
  const response = await fetch(`${API}login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId, secretAccessKey }), credentials: 'same-origin',
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as Identity;
}

export async function currentSession(): Promise<Identity | undefined> {
  const response = await fetch(`${API}session`, { credentials: 'same-origin' });
  return response.ok ? ((await response.json()) as Identity) : undefined;
}

export async function logout(): Promise<void> {
  await call('POST', 'logout');
}

export async function presign(bucket: string, key: string, expiresSeconds: number, versionId?: string): Promise<string> {
  const response = await call('POST', 'presign', { body: JSON.stringify({ bucket, key, expiresSeconds, versionId }), headers: { 'content-type': 'application/json' } });
  return ((await response.json()) as { url: string }).url;
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
