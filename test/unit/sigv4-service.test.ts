// SigV4 verification for a signing service other than s3: the scope must name the service the
// endpoint verifies for, and the canonical URI is the wire path URI-encoded once more, as the AWS
// SDKs sign every service but S3. Requests are signed by the SDK's own signer.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { NodeSha256 } from '../../src/util/node-sha256.js';
import { S3Error } from '../../src/frontend/errors.js';
import { authenticate, type Credentials } from '../../src/frontend/auth/sigv4.js';
import { claimedSigningService } from '../../src/frontend/auth/scope.js';

const CREDENTIALS: Credentials = { accessKeyId: 'AKIDSERVICETEST00001', secretAccessKey: 'service-test-secret-0123456789' };
const lookup = (id: string): Credentials | undefined => (id === CREDENTIALS.accessKeyId ? CREDENTIALS : undefined);
const NOW = new Date(Date.UTC(2024, 0, 15, 12, 0, 0));
/** An S3 Tables path as its SDK puts it on the wire: the table bucket ARN percent-encoded once. */
const WIRE_PATH = `/buckets/${encodeURIComponent('arn:aws:s3tables:us-east-1:111122223333:bucket/my-tables')}/policy`;
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

function signer(service: string, uriEscapePath = true): SignatureV4 {
  return new SignatureV4({ credentials: CREDENTIALS, region: 'us-east-1', service, sha256: NodeSha256 as never, uriEscapePath });
}

async function signedParts(service: string, uriEscapePath = true): Promise<{ rawUrl: string; rawHeaders: string[]; authorization: string }> {
  const request: HttpRequest = {
    method: 'GET', protocol: 'http:', hostname: 'localhost', port: 9000, path: WIRE_PATH, query: {},
    headers: { host: 'localhost:9000', 'x-amz-content-sha256': EMPTY_SHA256 },
  };
  const signed = await signer(service, uriEscapePath).sign(request, { signingDate: NOW });
  const rawHeaders = Object.entries(signed.headers).flatMap(([name, value]) => [name, value]);
  return { rawUrl: WIRE_PATH, rawHeaders, authorization: signed.headers['authorization']! };
}

function verify(parts: { rawUrl: string; rawHeaders: string[] }, signingService?: string) {
  return authenticate({ method: 'GET', rawUrl: parts.rawUrl, rawHeaders: parts.rawHeaders, signingService }, lookup, NOW.getTime());
}

function s3ErrorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof S3Error) return error.code;
    throw error;
  }
  return undefined;
}

describe('SigV4 for a signing service other than s3', () => {
  it('verifies a request the s3tables SDK signed (path encoded twice in the canonical URI)', async () => {
    const parts = await signedParts('s3tables');
    assert.equal(verify(parts, 's3tables')?.accessKeyId, CREDENTIALS.accessKeyId);
  });

  it('refuses a scope naming another service than the endpoint verifies for', async () => {
    const parts = await signedParts('s3tables');
    assert.equal(s3ErrorCode(() => verify(parts)), 'AuthorizationHeaderMalformed');
    assert.equal(s3ErrorCode(() => verify(parts, 'ecr')), 'AuthorizationHeaderMalformed');
  });

  it('refuses an s3tables signature over the path encoded only once', async () => {
    const parts = await signedParts('s3tables', false);
    assert.equal(s3ErrorCode(() => verify(parts, 's3tables')), 'SignatureDoesNotMatch');
  });

  it('reads the signing service from the Authorization header and from a presigned X-Amz-Credential', async () => {
    const { authorization } = await signedParts('backup');
    assert.equal(claimedSigningService(authorization, WIRE_PATH), 'backup');
    const credential = encodeURIComponent(`${CREDENTIALS.accessKeyId}/20240115/us-east-1/ecr/aws4_request`);
    assert.equal(claimedSigningService(undefined, `/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}`), 'ecr');
    assert.equal(claimedSigningService(undefined, '/bucket/key'), undefined);
    assert.equal(claimedSigningService('AWS AKID:signature', '/'), undefined);
  });
});
