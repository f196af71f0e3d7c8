// What the AWS Backup tests share: the role ARN their jobs name, the SDK error a refused call must
// be, and a poll for state the background runner reaches.
import { BackupServiceException } from '@aws-sdk/client-backup';
import assert from 'node:assert/strict';

export const BACKUP_ACCOUNT = '000000000000';
export const BACKUP_ROLE = `arn:aws:iam::${BACKUP_ACCOUNT}:role/cairn-backup`;
const POLL_INTERVAL_MS = 100;

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
