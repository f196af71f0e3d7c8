// The API planned beside S3 that is not built yet, a stub surface answering "not implemented yet" in
// its own API's error format: AWS Backup, told apart by the service its SigV4 signature names. S3
// Tables and its Iceberg REST catalog, FIS, the OCI registry and Amazon ECR are real surfaces now:
// src/features/tables/, fis/ and registry/.
import { createStubSurface, REST_JSON_ERRORS } from './stub-surface.js';
import type { ApiSurface } from './surface.js';

const NOT_IMPLEMENTED_STATUS = 501;

/** The JSON APIs not built yet, claimed by the signing service of their SigV4 credential scope. */
export function pendingSignedSurfaces(): ApiSurface[] {
  return [
    createStubSurface({
      name: 'backup',
      claims: (request) => request.signingService === 'backup',
      format: REST_JSON_ERRORS,
      notImplemented: { status: NOT_IMPLEMENTED_STATUS, code: 'NotImplemented', message: 'The AWS Backup API is not implemented yet.' },
    }),
  ];
}
