// Assertions on S3 errors, shared by the tests: the SDK's exceptions and raw HTTP answers.
import { S3ServiceException } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import type { RawResponse } from './clients.js';

/** The SDK call fails with exactly this S3 error code and HTTP status. */
export async function expectS3Error(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3ServiceException, `expected an S3 error, got ${String(error)}`);
    assert.equal(error.name, code);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

/** The raw answer is S3's error document with this status and code, and carries a request id. */
export function expectErrorResponse(response: RawResponse, status: number, code: string): void {
  assert.equal(response.status, status, `${code}: ${response.text}`);
  assert.equal(response.errorCode, code, response.text);
  assert.match(String(response.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
}
