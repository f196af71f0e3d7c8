// A surface for an API Cairn does not offer yet: it claims that API's requests and answers each with
// a "not implemented yet" error in the API's own error format, never S3's XML, so that the API's
// clients report a clear error. A later issue replaces a stub by the real surface (the server
// command composes them), keeping its error format.
import type { ServerResponse } from 'node:http';
import { S3Error } from './errors.js';
import type { ApiSurface, SurfaceRequest } from './surface.js';

/** A failure as every error format needs it. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
}

/** Writes a failure in one API's error format. */
export type ErrorFormat = (res: ServerResponse, failure: ApiFailure, requestId: string) => void;

function sendJson(res: ServerResponse, status: number, contentType: string, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.statusCode = status;
  for (const [name, headerValue] of Object.entries(headers)) res.setHeader(name, headerValue);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

/** Smithy restJson1 (S3 Tables, AWS Backup, FIS): the code in x-amzn-ErrorType, the message in the body. */
export const REST_JSON_ERRORS: ErrorFormat = (res, failure, requestId) =>
  sendJson(res, failure.status, 'application/json', { message: failure.message }, { 'x-amzn-ErrorType': failure.code, 'x-amzn-RequestId': requestId });

/** Smithy awsJson1_1 (ECR): the code in the body's __type. */
export const AWS_JSON_1_1_ERRORS: ErrorFormat = (res, failure, requestId) =>
  sendJson(res, failure.status, 'application/x-amz-json-1.1', { __type: failure.code, message: failure.message }, { 'x-amzn-RequestId': requestId });

/** Iceberg REST catalog: IcebergErrorResponse, {"error": {message, type, code}}. */
export const ICEBERG_ERRORS: ErrorFormat = (res, failure) =>
  sendJson(res, failure.status, 'application/json', { error: { message: failure.message, type: failure.code, code: failure.status } });

/** OCI distribution: {"errors": [{code, message, detail}]}. */
export const OCI_ERRORS: ErrorFormat = (res, failure) =>
  sendJson(res, failure.status, 'application/json', { errors: [{ code: failure.code, message: failure.message, detail: {} }] });

export interface StubSurfaceOptions {
  name: string;
  claims: (request: SurfaceRequest) => boolean;
  format: ErrorFormat;
  /** What every request is answered with (the API's own word for "not implemented"). */
  notImplemented: ApiFailure;
}

class NotImplementedYet extends Error {}

export function createStubSurface(options: StubSurfaceOptions): ApiSurface {
  return {
    name: options.name,
    claims: options.claims,
    // Nothing is authenticated: "not implemented" tells anyone nothing. (The AWS SDKs of these APIs
    // send no x-amz-content-sha256, so verifying them needs the body's hash: their real surface's job.)
    async handle() {
      throw new NotImplementedYet(options.notImplemented.message);
    },
    answerError(request, error) {
      let failure: ApiFailure;
      if (error instanceof NotImplementedYet) {
        failure = options.notImplemented;
      } else if (error instanceof S3Error) {
        failure = { status: error.httpStatus, code: error.code, message: error.message };
      } else {
        request.log(`request ${request.requestId}: internal error on ${request.req.method} ${request.path}: ${error instanceof Error ? error.stack : String(error)}`);
        failure = { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' };
      }
      options.format(request.res, failure, request.requestId);
    },
  };
}
