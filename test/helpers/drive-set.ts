// A real server over an erasure set of drive directories under a new temporary root, with one
// bucket: the setup the erasure, fault-injection and heal tests share.
import type { S3Client } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rawRequest, sdkClient } from './clients.js';
import { drivePathsUnder } from './faults.js';
import { startServer, temporaryDirectory, type RunningServer } from './server.js';

export interface DriveSetServer {
  root: string;
  drives: string[];
  server: RunningServer;
  s3: S3Client;
}

export async function openDriveSet(label: string, driveCount: number, workers: number, bucket: string): Promise<DriveSetServer> {
  const root = temporaryDirectory(label);
  const drives = drivePathsUnder(root, driveCount);
  const server = await startServer({ extraArgs: [...drives, '--workers', String(workers)] });
  assert.equal((await rawRequest(server, { method: 'PUT', path: `/${bucket}` })).status, 200);
  return { root, drives, server, s3: sdkClient(server) };
}

export async function closeDriveSet(set: DriveSetServer): Promise<void> {
  set.s3.destroy();
  await set.server.dispose();
  rmSync(set.root, { recursive: true, force: true });
}

/** PUTs a random body of each size as `object-<size>`, and remembers it in `stored`. */
export async function putSizedObjects(s3: S3Client, bucket: string, sizes: readonly number[], stored: Map<string, Buffer>): Promise<void> {
  for (const sizeBytes of sizes) {
    const body = randomBytes(sizeBytes);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `object-${sizeBytes}`, Body: body }));
    stored.set(`object-${sizeBytes}`, body);
  }
}
