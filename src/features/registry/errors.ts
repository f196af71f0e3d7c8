// The OCI distribution error: an HTTP status and one of the spec's codes, answered as
// {"errors":[{code, message, detail}]}, with extra headers where the spec asks for them
// (WWW-Authenticate on 401, Retry-After on 429, Range on 416).
import type { ServerResponse } from 'node:http';

export class OciError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendOciError(res: ServerResponse, error: OciError): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail }] }), 'utf8');
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

export const blobUnknown = (digest: string): OciError => new OciError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest });
export const manifestUnknown = (reference: string): OciError => new OciError(404, 'MANIFEST_UNKNOWN', 'manifest unknown', { reference });
export const nameUnknown = (name: string): OciError => new OciError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
export const uploadUnknown = (uploadId: string): OciError => new OciError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { uploadId });
export const unsupported = (what: string): OciError => new OciError(405, 'UNSUPPORTED', `the operation is unsupported: ${what}`);
