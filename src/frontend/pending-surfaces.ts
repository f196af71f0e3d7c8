// The APIs planned beside S3 that are not built yet, each a stub surface answering "not implemented
// yet" in its own API's error format: Iceberg REST (/_iceberg/), the OCI registry (/v2/), and the
// JSON APIs told apart by the service their SigV4 signature names (backup, ecr). S3 Tables
// (s3tables) and FIS (fis) are real surfaces now: src/features/tables/, src/features/fis/.
import { AWS_JSON_1_1_ERRORS, createStubSurface, ICEBERG_ERRORS, OCI_ERRORS, REST_JSON_ERRORS, type ErrorFormat } from './stub-surface.js';
import type { ApiSurface, SurfaceRequest } from './surface.js';

export const ICEBERG_PATH_PREFIX = '/_iceberg/';
export const OCI_PATH_PREFIX = '/v2/';
const NOT_IMPLEMENTED_STATUS = 501;
/** Iceberg REST's own answer for an operation a catalog does not support (UnsupportedOperationResponse). */
const ICEBERG_UNSUPPORTED_STATUS = 406;
/** The OCI reference registry answers UNSUPPORTED with 405. */
const OCI_UNSUPPORTED_STATUS = 405;

function notYet(api: string): string {
  return `The ${api} API is not implemented yet.`;
}

const pathPrefix = (prefix: string) => (request: SurfaceRequest): boolean =>
  request.virtualHostBucket === undefined && request.path.startsWith(prefix);

/** The stubs, in dispatch order (path prefixes first, then signing services). */
/** The path-claimed APIs not built yet, asked right after /_cairn/: /_iceberg/ and /v2/ (OCI). */
export function pendingPathSurfaces(): ApiSurface[] {
  return [
    createStubSurface({
      name: 'iceberg', claims: pathPrefix(ICEBERG_PATH_PREFIX), format: ICEBERG_ERRORS,
      notImplemented: { status: ICEBERG_UNSUPPORTED_STATUS, code: 'UnsupportedOperationException', message: notYet('Iceberg REST catalog') },
    }),
    createStubSurface({
      name: 'oci', claims: pathPrefix(OCI_PATH_PREFIX), format: OCI_ERRORS,
      notImplemented: { status: OCI_UNSUPPORTED_STATUS, code: 'UNSUPPORTED', message: notYet('OCI distribution (container registry)') },
    }),
  ];
}

/** The JSON APIs not built yet, claimed by the signing service of their SigV4 credential scope. */
export function pendingSignedSurfaces(): ApiSurface[] {
  const signedFor = (service: string, api: string, format: ErrorFormat): ApiSurface => createStubSurface({
    name: service,
    claims: (request) => request.signingService === service,
    format,
    notImplemented: { status: NOT_IMPLEMENTED_STATUS, code: 'NotImplemented', message: notYet(api) },
  });
  return [
    signedFor('backup', 'AWS Backup', REST_JSON_ERRORS),
    signedFor('ecr', 'Amazon ECR', AWS_JSON_1_1_ERRORS),
  ];
}
