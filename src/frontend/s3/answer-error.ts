// A failure as S3 answers it: an S3 error document naming the request's path and id. Errors that are
// not S3Errors become 503 ServiceUnavailable (too few drives), 503 SlowDown (the index's database is
// unreachable: clients retry), 501 NotImplemented (a feature the index engine lacks) or 500 InternalError, logged.
import { isIndexFeatureUnsupported, isIndexUnavailable } from '../../index/types.js';
import { StorageUnavailableError } from '../../services/objects.js';
import { S3Error } from '../errors.js';
import { sendError } from '../respond.js';
import type { SurfaceRequest } from '../surface.js';

/** The S3 error code answerS3Error answers `error` with. */
/** An index write refused because an event queue is full (src/index/event-index.ts): the writer retries later. */
function queueFull(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EventQueueFull';
}

export function s3ErrorCodeOf(error: unknown): string {
  if (error instanceof S3Error) return error.code;
  if (isIndexUnavailable(error)) return 'SlowDown';
  if (isIndexFeatureUnsupported(error)) return 'NotImplemented';
  if (queueFull(error)) return 'SlowDown';
  return error instanceof StorageUnavailableError ? 'ServiceUnavailable' : 'InternalError';
}

export function answerS3Error(request: SurfaceRequest, error: unknown): void {
  const { req, requestId, path, log } = request;
  let s3Error: S3Error;
  if (error instanceof S3Error) {
    s3Error = error;
  } else if (queueFull(error)) {
    log(`request ${requestId}: ${req.method} ${path}: 503: ${(error as Error).message}`);
    s3Error = new S3Error('SlowDown');
  } else if (error instanceof StorageUnavailableError) {
    // Too few drives for a write quorum, or for k good shards: nothing was made visible; retryable.
    log(`request ${requestId}: ${req.method} ${path}: 503: ${error.message}`);
    s3Error = new S3Error('ServiceUnavailable', 'The storage is unavailable: too few drives of the erasure set are online. Please try again.');
  } else if (isIndexUnavailable(error)) {
    log(`request ${requestId}: ${req.method} ${path}: 503 SlowDown: ${(error as Error).message}`);
    s3Error = new S3Error('SlowDown', 'The index is unavailable right now. Please try again.');
  } else if (isIndexFeatureUnsupported(error)) {
    s3Error = new S3Error('NotImplemented', (error as Error).message);
  } else {
    log(`request ${requestId}: internal error on ${req.method} ${path}: ${error instanceof Error ? error.stack : String(error)}`);
    s3Error = new S3Error('InternalError');
  }
  sendError(request.res, s3Error, requestId, path);
}
