// Raw OCI distribution requests for tests: fetch with Basic credentials (or a Bearer token, or
// none), no redirect following unless asked, and the two pushes every test needs (a blob in one
// POST, a manifest by tag or digest).
import assert from 'node:assert/strict';
import type { RunningServer } from './server.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from './server.js';

export const ROOT_BASIC = `Basic ${Buffer.from(`${TEST_ACCESS_KEY}:${TEST_SECRET_KEY}`).toString('base64')}`;

export function basicOf(accessKeyId: string, secret: string): string {
  return `Basic ${Buffer.from(`${accessKeyId}:${secret}`).toString('base64')}`;
}

export interface RegistryResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The parsed JSON body, when it is JSON. */
  json: unknown;
}

export async function registryFetch(
  server: RunningServer, method: string, path: string,
  options: { authorization?: string | null; headers?: Record<string, string>; body?: Buffer; follow?: boolean } = {},
): Promise<RegistryResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const authorization = options.authorization === undefined ? ROOT_BASIC : options.authorization;
  if (authorization !== null) headers['authorization'] = authorization;
  const response = await fetch(`${server.endpoint}${path}`, { method, headers, body: options.body === undefined ? undefined : new Uint8Array(options.body), redirect: options.follow === true ? 'follow' : 'manual' });
  const body = Buffer.from(await response.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, body, json };
}

/** The one error of an OCI error answer. */
export function ociError(response: RegistryResponse): { code: string; message: string; detail: unknown } {
  const errors = (response.json as { errors?: Array<{ code: string; message: string; detail: unknown }> } | undefined)?.errors;
  assert.ok(errors !== undefined && errors.length === 1, `expected one OCI error, got ${response.body.toString('utf8')}`);
  return errors[0]!;
}

export async function pushBlob(server: RunningServer, repository: string, digest: string, bytes: Buffer, authorization?: string): Promise<RegistryResponse> {
  return registryFetch(server, 'POST', `/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    authorization, body: bytes, headers: { 'content-type': 'application/octet-stream' },
  });
}

export async function pushManifest(server: RunningServer, repository: string, reference: string, bytes: Buffer, mediaType: string, authorization?: string): Promise<RegistryResponse> {
  return registryFetch(server, 'PUT', `/v2/${repository}/manifests/${reference}`, { authorization, body: bytes, headers: { 'content-type': mediaType } });
}
