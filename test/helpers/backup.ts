// What the AWS Backup tests share: the role ARN their jobs name, a client of a test server, a bucket
// with versioning and objects, the SDK error a refused call must be, and a poll for state the
// background runner reaches.
import { BackupClient, BackupServiceException } from '@aws-sdk/client-backup';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY } from './server.js';

export const BACKUP_ACCOUNT = '000000000000';
export const BACKUP_ROLE = `arn:aws:iam::${BACKUP_ACCOUNT}:role/cairn-backup`;
const POLL_INTERVAL_MS = 100;

/** An AWS Backup client of a test server, with the SDK's default settings. */
export function backupClient(server: { endpoint: string }, region = TEST_REGION): BackupClient {
  return new BackupClient({ endpoint: server.endpoint, region, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
}

/** A bucket with versioning enabled holding `objects` (key → body). */
export async function versionedBucket(s3: S3Client, name: string, objects: Record<string, string | Uint8Array>): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  for (const [key, body] of Object.entries(objects)) await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
}

/** The AWS Backup error `promise` must reject with. */
export async function backupFailure(promise: Promise<unknown>): Promise<BackupServiceException> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof BackupServiceException, `expected an AWS Backup error, got ${String(error)}`);
  return error;
}

/** `probe`'s first defined answer, polled until `waitMs` has passed. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, waitMs = 30_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
