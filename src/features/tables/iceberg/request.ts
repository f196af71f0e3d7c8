// Reading a catalog request: its body (JSON for the catalog, a form for the token endpoint, with
// a size limit), its path after `/_iceberg/` or `/iceberg/` as decoded segments, and the failures
// of other layers (S3 Tables' own errors, SigV4's) in the catalog's error terms.
import type { IncomingMessage } from 'node:http';
import { S3Error } from '../../../frontend/errors.js';
import { TablesError } from '../names.js';
import { badRequest, IcebergError } from './errors.js';
import { isObject, losslessParse, type JsonObject } from './metadata-model.js';

/** The largest request body the catalog takes (a commit of many snapshots or a big schema fits). */
export const CATALOG_BODY_SIZE_BYTES_MAX = 4 * 1024 * 1024;
export const ICEBERG_BASE_PATHS = ['/_iceberg/', '/iceberg/'] as const;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const piece = chunk as Buffer;
    size += piece.byteLength;
    if (size > CATALOG_BODY_SIZE_BYTES_MAX) throw badRequest(`The request body is larger than ${CATALOG_BODY_SIZE_BYTES_MAX} bytes`);
    chunks.push(piece);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(bytes: Buffer): JsonObject {
  if (bytes.byteLength === 0) return {};
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    // Int64 ids (snapshot ids) beyond 2^53 - 1 are kept exactly, never rounded.
    parsed = losslessParse(text);
  } catch {
    throw badRequest('Malformed request: the body is not valid JSON');
  }
  if (!isObject(parsed)) throw badRequest('Malformed request: the body must be a JSON object');
  return parsed;
}

/** The decoded segments after the base path (`v1`, then the rest). */
export function segmentsAfterBase(path: string): string[] {
  const base = ICEBERG_BASE_PATHS.find((prefix) => path.startsWith(prefix)) ?? '/';
  try {
    return path.slice(base.length).split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw badRequest('Malformed request: the path is not valid');
  }
}

/** Another layer's failure in the catalog's terms; undefined for a fault (a 500). */
export function asIcebergError(error: unknown): IcebergError | undefined {
  if (error instanceof IcebergError) return error;
  if (error instanceof TablesError) {
    if (error.code === 'BadRequestException') return new IcebergError('BadRequestException', error.message);
    if (error.code === 'AccessDeniedException') return new IcebergError('ForbiddenException', error.message);
    if (error.code === 'NotFoundException') return new IcebergError('NoSuchWarehouseException', error.message);
    if (error.code === 'ConflictException') return new IcebergError('AlreadyExistsException', error.message);
    return new IcebergError('NotImplementedException', error.message);
  }
  // An expired session token is 401, as the spec prefers for an expired token (over 419).
  if (error instanceof S3Error && error.code === 'ExpiredToken') return new IcebergError('NotAuthorizedException', `${error.code}: ${error.message}`);
  // SigV4's refusals (bad signature, unknown key, skewed clock) are failed authentication: 401.
  if (error instanceof S3Error) return new IcebergError(error.httpStatus === 400 ? 'BadRequestException' : 'NotAuthorizedException', `${error.code}: ${error.message}`);
  return undefined;
}
