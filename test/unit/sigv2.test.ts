// Signature Version 2 (header and query string), checked against the worked examples in AWS's
// "Signing and authenticating REST requests" and against signatures computed independently here.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { authenticate, type Credentials } from '../../src/frontend/auth/sigv4.js';
import { S3Error } from '../../src/frontend/errors.js';

const EXAMPLE: Credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const lookup = (accessKeyId: string) => (accessKeyId === EXAMPLE.accessKeyId ? EXAMPLE : undefined);

function expectS3Error(action: () => unknown, code: string): void {
  assert.throws(action, (error: unknown) => error instanceof S3Error && error.code === code);
}

describe('SigV2', () => {
  it('verifies AWS\'s header example (virtual-hosted GET)', () => {
    const nowMs = Date.parse('Tue, 27 Mar 2007 19:36:42 +0000');
    const request = {
      method: 'GET', rawUrl: '/photos/puppy.jpg', virtualHostBucket: 'awsexamplebucket1',
      rawHeaders: ['Host', 'awsexamplebucket1.us-west-1.s3.amazonaws.com', 'Date', 'Tue, 27 Mar 2007 19:36:42 +0000',
        'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g='],
    };
    const auth = authenticate(request, lookup, nowMs);
    assert.equal(auth?.accessKeyId, EXAMPLE.accessKeyId);
    assert.deepEqual(auth?.payload, { kind: 'unsigned' });
  });

  it('verifies AWS\'s header example for a PUT with Content-Type', () => {
    const nowMs = Date.parse('Tue, 27 Mar 2007 21:15:45 +0000');
    const request = {
      method: 'PUT', rawUrl: '/photos/puppy.jpg', virtualHostBucket: 'johnsmith',
      rawHeaders: ['Host', 'johnsmith.s3.amazonaws.com', 'Content-Type', 'image/jpeg', 'Content-Length', '94328',
        'Date', 'Tue, 27 Mar 2007 21:15:45 +0000', 'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg='],
    };
    assert.equal(authenticate(request, lookup, nowMs)?.accessKeyId, EXAMPLE.accessKeyId);
  });

  it('verifies AWS\'s query-string example until it expires', () => {
    const rawUrl = '/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620';
    const request = { method: 'GET', rawUrl, virtualHostBucket: 'johnsmith', rawHeaders: ['Host', 'johnsmith.s3.amazonaws.com'] };
    assert.equal(authenticate(request, lookup, 1175139620 * 1000 - 60_000)?.accessKeyId, EXAMPLE.accessKeyId);
    expectS3Error(() => authenticate(request, lookup, 1175139620 * 1000 + 1000), 'AccessDenied');
  });

  it('signs x-amz-* headers and sub-resources, and uses an empty Date when x-amz-date is present', () => {
    const amzDate = 'Tue, 27 Mar 2007 19:36:42 +0000';
    const stringToSign = `GET\n\n\n\nx-amz-date:${amzDate}\nx-amz-meta-a:1,2\n/bucket/key?uploadId=abc&versionId=v1`;
    const signature = createHmac('sha1', EXAMPLE.secretAccessKey).update(stringToSign).digest('base64');
    const request = {
      method: 'GET', rawUrl: '/bucket/key?versionId=v1&uploadId=abc&unsigned-param=x',
      rawHeaders: ['Host', 'localhost', 'X-Amz-Meta-A', '1', 'x-amz-meta-a', '2', 'X-Amz-Date', amzDate, 'Authorization', `AWS ${EXAMPLE.accessKeyId}:${signature}`],
    };
    assert.equal(authenticate(request, lookup, Date.parse(amzDate))?.accessKeyId, EXAMPLE.accessKeyId);
  });

  it('unfolds a folded x-amz-* header value into one line before signing', () => {
    const date = 'Tue, 27 Mar 2007 19:36:42 +0000';
    const stringToSign = `PUT\n\n\n${date}\nx-amz-meta-folded:first line second line\n/bucket/key`;
    const signature = createHmac('sha1', EXAMPLE.secretAccessKey).update(stringToSign).digest('base64');
    const request = {
      method: 'PUT', rawUrl: '/bucket/key',
      rawHeaders: ['Host', 'h', 'Date', date, 'x-amz-meta-folded', ' first line\n   second line ', 'Authorization', `AWS ${EXAMPLE.accessKeyId}:${signature}`],
    };
    assert.equal(authenticate(request, lookup, Date.parse(date))?.accessKeyId, EXAMPLE.accessKeyId);
  });

  it('refuses a wrong signature, an unknown key, and a skewed date', () => {
    const date = 'Tue, 27 Mar 2007 19:36:42 +0000';
    const base = { method: 'GET', rawUrl: '/photos/puppy.jpg', virtualHostBucket: 'awsexamplebucket1' };
    const withAuth = (authorization: string) => ({ ...base, rawHeaders: ['Host', 'h', 'Date', date, 'Authorization', authorization] });
    expectS3Error(() => authenticate(withAuth('AWS AKIAIOSFODNN7EXAMPLE:AAAAAAAAAAAAAAAAAAAAAAAAAAA='), lookup, Date.parse(date)), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate(withAuth('AWS AKIDUNKNOWN:qgk2+6Sv9/oM7G3qLEjTH1a1l1g='), lookup, Date.parse(date)), 'InvalidAccessKeyId');
    expectS3Error(() => authenticate(withAuth('AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g='), lookup, Date.parse(date) + 20 * 60_000), 'RequestTimeTooSkewed');
    expectS3Error(() => authenticate(withAuth('AWS no-colon'), lookup, Date.parse(date)), 'AuthorizationHeaderMalformed');
  });
});
