// The APIs planned beside S3 that are not built yet, each a stub surface answering "not implemented
// yet" in its own API's error format: the OCI registry (/v2/), and the JSON APIs told apart by the
// service their SigV4 signature names (backup, ecr, fis). S3 Tables (s3tables) and its Iceberg REST
// catalog (/_iceberg/) are real surfaces now: src/features/tables/.
import { AWS_JSON_1_1_ERRORS, createStubSurface, OCI_ERRORS, REST_JSON_ERRORS, type ErrorFormat } from './stub-surface.js';
import type { ApiSurface, SurfaceRequest } from './surface.js';

export const OCI_PATH_PREFIX = '/v2/';
const NOT_IMPLEMENTED_STATUS = 501;
/** The OCI reference registry answers UNSUPPORTED with 405. */
const OCI_UNSUPPORTED_STATUS = 405;

function notYet(api: string): string {
  return `The ${api} API is not implemented yet.`;
}

const pathPrefix = (prefix: string) => (request: SurfaceRequest): boolean =>
  request.virtualHostBucket === undefined && request.path.startsWith(prefix);

/** The stubs, in dispatch order (path prefixes first, then signing services). */
/** The path-claimed APIs not built yet, asked right after /_cairn/ and /_iceberg/: /v2/ (OCI). */
export function pendingPathSurfaces(): ApiSurface[] {
  return [
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
    signedFor('fis', 'AWS FIS', REST_JSON_ERRORS),
  ];
}
