// A copy to a vault on another Cairn server ("cross-region copy"): the destination vault's ARN
// names a region, and <data>/backup/remotes.json says which server serves it
// ({"REGION": {"endpoint", "accessKeyId", "secretAccessKey"}}). The recovery point's objects stream
// through S3 into a staging bucket there, each with a SHA-256 checksum the remote verifies and
// answers, checked against the bytes sent; the remote then backs the staging bucket up into the vault
// (its own lock and retention rules apply) and the staging bucket is removed.
import { BackupClient, DescribeBackupJobCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readObject, type Layers } from '../../services/objects.js';
import { serverHeldDataKey } from '../../services/encryption/server-held-keys.js';
import type { CopyJobRecord } from './records.js';

const PAGE_OBJECTS = 100;
const REMOTE_JOB_WAIT_MS = 10 * 60_000;
const REMOTE_POLL_MS = 250;

interface Remote {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The remote server configured for a region, if any. */
export async function remoteFor(backupDirectory: string, region: string): Promise<Remote | undefined> {
  let text: string;
  try {
    text = await readFile(join(backupDirectory, 'remotes.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const remote = (JSON.parse(text) as Record<string, Remote>)[region];
  if (remote === undefined) return undefined;
  if (typeof remote.endpoint !== 'string' || typeof remote.accessKeyId !== 'string' || typeof remote.secretAccessKey !== 'string') {
    throw new Error(`remotes.json: region ${region} needs endpoint, accessKeyId and secretAccessKey`);
  }
  return remote;
}

async function sendObjects(layers: Layers, s3: S3Client, recoveryPointId: string, bucket: string): Promise<number> {
  let afterKey = '';
  let sizeBytes = 0;
  for (;;) {
    const objects = await layers.index.listRecoveryPointObjects(recoveryPointId, afterKey, PAGE_OBJECTS);
    for (const object of objects) {
      // Sent decrypted over the connection to the other server (use https for it), stored there under the staging bucket's defaults.
      const dataKey = serverHeldDataKey(layers, object.headers.encryption, object);
      const sha256 = createHash('sha256');
      const body = Readable.from((async function* hashed() {
        for await (const chunk of readObject(layers, object, undefined, dataKey)) {
          sha256.update(chunk);
          yield chunk;
        }
      })());
      const put = await s3.send(new PutObjectCommand({
        Bucket: bucket, Key: object.key, Body: body, ContentLength: object.sizeBytes, ContentType: object.headers.contentType, Metadata: object.userMetadata,
        ChecksumAlgorithm: 'SHA256',
      }));
      const sent = sha256.digest('base64');
      if (put.ChecksumSHA256 !== sent) throw new Error(`object ${object.key}: the remote stored SHA-256 ${put.ChecksumSHA256 ?? '(none)'}, not the ${sent} sent`);
      sizeBytes += object.sizeBytes;
    }
    if (objects.length < PAGE_OBJECTS) return sizeBytes;
    afterKey = objects.at(-1)!.key;
  }
}

async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const versions = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])];
    if (versions.length === 0) break;
    for (const version of versions) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Copies a recovery point to a vault of a remote server; the remote recovery point's ARN and the bytes sent. */
export async function copyToRemote(layers: Layers, job: CopyJobRecord, remote: Remote, region: string): Promise<{ recoveryPointArn: string; sizeBytes: number }> {
  const vaultName = job.destinationVaultArn.split(':backup-vault:')[1]!;
  const credentials = { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey };
  const s3 = new S3Client({ endpoint: remote.endpoint, region, credentials, forcePathStyle: true });
  const backup = new BackupClient({ endpoint: remote.endpoint, region, credentials });
  const staging = `cairn-copy-${job.id.replace(/-/g, '')}`;
  await s3.send(new CreateBucketCommand({ Bucket: staging }));
  try {
    await s3.send(new PutBucketVersioningCommand({ Bucket: staging, VersioningConfiguration: { Status: 'Enabled' } }));
    const sizeBytes = await sendObjects(layers, s3, job.sourceRecoveryPointId, staging);
    const started = await backup.send(new StartBackupJobCommand({
      BackupVaultName: vaultName, ResourceArn: `arn:aws:s3:::${staging}`, IamRoleArn: job.iamRoleArn, Lifecycle: job.lifecycle,
      RecoveryPointTags: { 'cairn:source-resource': job.resourceArn },
    }));
    const deadline = Date.now() + REMOTE_JOB_WAIT_MS;
    for (;;) {
      const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
      if (described.State === 'COMPLETED') return { recoveryPointArn: started.RecoveryPointArn!, sizeBytes };
      if (['FAILED', 'ABORTED', 'EXPIRED'].includes(described.State!) || Date.now() > deadline) throw new Error(`the remote backup job ${started.BackupJobId} ended ${described.State}: ${described.StatusMessage ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, REMOTE_POLL_MS));
    }
  } finally {
    await removeBucket(s3, staging).catch(() => undefined);
    s3.destroy();
    backup.destroy();
  }
}
