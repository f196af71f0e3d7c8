// A copy to a vault on another Cairn server ("cross-region copy"): the destination vault's ARN
// names a region, and <data>/backup/remotes.json says which server serves it
// ({"REGION": {"endpoint", "accessKeyId", "secretAccessKey"}}). The recovery point's objects stream
// through S3 into a staging bucket there, each with a SHA-256 checksum the remote verifies and
// answers, checked against the bytes sent; the remote then backs the staging bucket up into the vault
// (its own lock and retention rules apply), its recovery point recording the source bucket's ARN and
// the source vault (two tags of the backup job, backup-jobs.ts), as AWS's cross-region copies do; the
// recovery point's size there must be the bytes sent. The staging bucket is removed in any case, and
// a remote recovery point of a copy that failed that check is deleted: a failed copy leaves nothing.
import { BackupClient, DeleteRecoveryPointCommand, DescribeBackupJobCommand, DescribeRecoveryPointCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import {
  BucketAlreadyOwnedByYou, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readObject, type Layers } from '../../services/objects.js';
import { serverHeldDataKey } from '../../services/encryption/server-held-keys.js';
import { COPY_SOURCE_RESOURCE_TAG, COPY_SOURCE_VAULT_TAG } from './backup-jobs.js';
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

async function waitForRemoteJob(backup: BackupClient, jobId: string): Promise<void> {
  const deadline = Date.now() + REMOTE_JOB_WAIT_MS;
  for (;;) {
    const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: jobId }));
    if (described.State === 'COMPLETED') return;
    if (['FAILED', 'ABORTED', 'EXPIRED'].includes(described.State!) || Date.now() > deadline) throw new Error(`the remote backup job ${jobId} ended ${described.State}: ${described.StatusMessage ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, REMOTE_POLL_MS));
  }
}

/** The remote recovery point holds exactly the bytes sent; else it is deleted and the copy fails. */
async function checkRemotePoint(backup: BackupClient, vaultName: string, recoveryPointArn: string, sizeBytes: number): Promise<void> {
  const point = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: vaultName, RecoveryPointArn: recoveryPointArn }));
  if (point.BackupSizeInBytes === sizeBytes) return;
  await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: vaultName, RecoveryPointArn: recoveryPointArn })).catch(() => undefined);
  throw new Error(`the remote recovery point holds ${point.BackupSizeInBytes ?? 0} bytes, not the ${sizeBytes} sent`);
}

/** Copies a recovery point to a vault of a remote server; the remote recovery point's ARN and the bytes sent. */
export async function copyToRemote(
  layers: Layers, job: CopyJobRecord, remote: Remote, names: { region: string; sourceVaultArn: string },
): Promise<{ recoveryPointArn: string; sizeBytes: number }> {
  const vaultName = job.destinationVaultArn.split(':backup-vault:')[1]!;
  const credentials = { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey };
  const s3 = new S3Client({ endpoint: remote.endpoint, region: names.region, credentials, forcePathStyle: true });
  const backup = new BackupClient({ endpoint: remote.endpoint, region: names.region, credentials });
  const staging = `cairn-copy-${job.id.replace(/-/g, '')}`;
  try {
    // Already there when a restart runs the copy again.
    await s3.send(new CreateBucketCommand({ Bucket: staging })).catch((error: unknown) => {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    });
    await s3.send(new PutBucketVersioningCommand({ Bucket: staging, VersioningConfiguration: { Status: 'Enabled' } }));
    const sizeBytes = await sendObjects(layers, s3, job.sourceRecoveryPointId, staging);
    const started = await backup.send(new StartBackupJobCommand({
      BackupVaultName: vaultName, ResourceArn: `arn:aws:s3:::${staging}`, IamRoleArn: job.iamRoleArn, Lifecycle: job.lifecycle,
      RecoveryPointTags: { [COPY_SOURCE_RESOURCE_TAG]: job.resourceArn, [COPY_SOURCE_VAULT_TAG]: names.sourceVaultArn },
    }));
    await waitForRemoteJob(backup, started.BackupJobId!);
    await checkRemotePoint(backup, vaultName, started.RecoveryPointArn!, sizeBytes);
    return { recoveryPointArn: started.RecoveryPointArn!, sizeBytes };
  } finally {
    await removeBucket(s3, staging).catch(() => undefined);
    s3.destroy();
    backup.destroy();
  }
}
