// The signing service a SigV4 request names in its credential scope
// (<key>/<date>/<region>/<service>/aws4_request), read cheaply before authentication so that the
// dispatcher can hand the request to the API that service belongs to (s3, s3tables, ecr…). A wrong
// or missing scope is harmless here: the surface's own authentication refuses it.

const AUTHORIZATION_SCOPE_PATTERN = /^\s*AWS4-HMAC-SHA256\s.*?Credential=[^/,\s]*\/[^/,\s]*\/[^/,\s]*\/([^/,\s]+)\//s;
const CREDENTIAL_PARAMETER = 'X-Amz-Credential';

/** The service of the SigV4 credential scope in the Authorization header or the X-Amz-Credential query parameter. */
export function claimedSigningService(authorization: string | undefined, rawUrl: string): string | undefined {
  if (authorization !== undefined) return AUTHORIZATION_SCOPE_PATTERN.exec(authorization)?.[1];
  const question = rawUrl.indexOf('?');
  if (question < 0) return undefined;
  for (const piece of rawUrl.slice(question + 1).split('&')) {
    const eq = piece.indexOf('=');
    if (eq < 0 || piece.slice(0, eq) !== CREDENTIAL_PARAMETER) continue;
    try {
      return decodeURIComponent(piece.slice(eq + 1)).split('/')[3];
    } catch {
      return undefined;
    }
  }
  return undefined;
}
