// A recovery point holds its bytes: after every version of a backed-up bucket is deleted for good
// (single-PUT objects and a multipart one) and compaction has moved and deleted the sparse volumes,
// a restore still brings back every object byte for byte; the recovery point copied no bytes.
import { BackupClient, CreateBackupVaultCommand, DescribeBackupJobCommand, DescribeRestoreJobCommand, StartBackupJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand,
  ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { BACKUP_ROLE, until } from './helpers/backup.js';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { runCompactionPass } from './helpers/compaction.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const COMPACTION_ARGS = ['--volume-size', '2', '--compaction-interval', '0', '--compaction-grace', '0'];
const OBJECTS = 12;
const OBJECT_BYTES = 300 * KIB;
const ROLE = BACKUP_ROLE;

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function deleteEveryVersion(s3: S3Client, bucket: string): Promise<void> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  for (const version of [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }));
  }
}

describe('AWS Backup recovery points and compaction', () => {
  let server: RunningServer;
  let s3: S3Client;
  let backup: BackupClient;

  before(async () => {
    server = await startServer({ extraArgs: COMPACTION_ARGS });
    s3 = sdkClient(server);
    backup = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  });

  after(async () => {
    await server?.stop();
  });

  it('restores every object byte for byte after all its versions were deleted and compacted away', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'held' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'held', VersioningConfiguration: { Status: 'Enabled' } }));
    const expected = new Map<string, string>();
    for (let index = 0; index < OBJECTS; index++) {
      const body = randomBytes(OBJECT_BYTES);
      await s3.send(new PutObjectCommand({ Bucket: 'held', Key: `object-${index}`, Body: body }));
      expected.set(`object-${index}`, sha(body));
    }
    const parts = [randomBytes(5 * MIB), randomBytes(300 * KIB)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'held', Key: 'multipart' }));
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) etags.push((await s3.send(new UploadPartCommand({ Bucket: 'held', Key: 'multipart', UploadId, PartNumber: index + 1, Body: part }))).ETag!);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'held', Key: 'multipart', UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) } }));
    expected.set('multipart', sha(Buffer.concat(parts)));

    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Held' }));
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Held', ResourceArn: 'arn:aws:s3:::held', IamRoleArn: ROLE }));
    const job = await until('backup', async () => {
      const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
      return described.State === 'COMPLETED' ? described : undefined;
    });
    assert.equal(job.BackupSizeInBytes, OBJECTS * OBJECT_BYTES + 5 * MIB + 300 * KIB);

    await deleteEveryVersion(s3, 'held');
    // Fresh writes roll the volumes over, so the old ones are sealed and compaction takes them.
    for (let index = 0; index < 8; index++) await s3.send(new PutObjectCommand({ Bucket: 'held', Key: `filler-${index}`, Body: randomBytes(600 * KIB) }));
    await deleteEveryVersion(s3, 'held');
    const first = await runCompactionPass(server);
    await runCompactionPass(server);
    assert.ok(first.volumesCompacted > 0, `compaction compacted no volume: ${JSON.stringify(first)}`);

    const { RestoreJobId } = await backup.send(new StartRestoreJobCommand({ RecoveryPointArn: started.RecoveryPointArn, Metadata: { DestinationBucketName: 'held-restored', NewBucket: 'true' } }));
    const restored = await until('restore', async () => {
      const described = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
      return ['COMPLETED', 'FAILED'].includes(described.Status!) ? described : undefined;
    });
    assert.equal(restored.Status, 'COMPLETED', restored.StatusMessage);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'held-restored' }));
    assert.deepEqual(listed.Contents!.map((object) => object.Key).sort(), [...expected.keys()].sort());
    for (const [key, digest] of expected) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'held-restored', Key: key }));
      assert.equal(sha(await got.Body!.transformToByteArray()), digest, key);
    }
  });
});
