// What the S3 Tables tests share: a client of the S3 Tables API with default settings (root's keys
// unless others are given), and the exact error a refused call must answer.
import { S3TablesClient, S3TablesServiceException } from '@aws-sdk/client-s3tables';
import assert from 'node:assert/strict';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './server.js';

export function tablesClient(server: RunningServer, keys: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }): S3TablesClient {
  return new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: keys });
}

/** Asserts the SDK failed with exactly this error (its name, status and message when given). */
export async function rejectsWith(promise: Promise<unknown>, name: string, status: number, message?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3TablesServiceException, `not an S3 Tables error: ${String(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}
