// The setup most test files share: a real server, an SDK client for it, and a bucket to work in.
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { rawRequest, sdkClient } from './clients.js';
import { startServer, type RunningServer, type StartOptions } from './server.js';

/** Starts a server (with `options`), makes an SDK client for it, and creates `bucket` (when given) on it. */
export async function openSuite(bucket?: string, options: StartOptions = {}): Promise<{ server: RunningServer; s3: S3Client }> {
  const server = await startServer(options);
  const s3 = sdkClient(server);
  if (bucket !== undefined) assert.equal((await rawRequest(server, { method: 'PUT', path: `/${bucket}` })).status, 200);
  return { server, s3 };
}

export async function closeSuite(server: RunningServer | undefined, s3: S3Client | undefined): Promise<void> {
  s3?.destroy();
  await server?.dispose();
}
