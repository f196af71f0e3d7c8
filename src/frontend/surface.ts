// An API surface: one API the server answers on its port (S3, the /_cairn/ admin space, Iceberg REST,
// the OCI registry, the JSON APIs signed for s3tables, backup, ecr, fis…). The dispatcher
// (dispatch.ts) asks each surface in turn whether a request belongs to it; the one that claims it
// authenticates, routes and answers it, and answers its failures in its own API's error format.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the dispatcher knows of a request before any surface has seen it. */
export interface SurfaceRequest {
  requestId: string;
  req: IncomingMessage;
  res: ServerResponse;
  /** req.url as received: path and query, still percent-encoded. */
  rawUrl: string;
  /** The path of rawUrl (no query), still percent-encoded. */
  path: string;
  /** The bucket a virtual-hosted-style Host header names (`<bucket>.<domain>`), if any. */
  virtualHostBucket?: string;
  /**
   * The service the request's SigV4 credential scope names (Authorization header or presigned
   * X-Amz-Credential), e.g. "s3" or "s3tables"; undefined when the request is not SigV4-signed.
   */
  signingService?: string;
  /** Whether the server is draining for shutdown (the health endpoint reports it). */
  shuttingDown: boolean;
  log: (line: string) => void;
}

export interface ApiSurface {
  /** A short name for logs and docs ("s3", "iceberg", "oci"…). */
  readonly name: string;
  /** Whether the request belongs to this surface (the dispatcher asks the surfaces in order). */
  claims(request: SurfaceRequest): boolean;
  /** Authenticates, routes and answers the request; throws to answer an error. */
  handle(request: SurfaceRequest): Promise<void>;
  /**
   * Answers a failure `handle` threw, in this API's own error format. The response has not started,
   * and headers a failed handler set are already removed.
   */
  answerError(request: SurfaceRequest, error: unknown): void;
}
