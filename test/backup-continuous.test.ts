// AWS Backup continuous backup and point-in-time restore through @aws-sdk/client-backup (default
// settings): a plan's continuous rule makes one continuous recovery point of a versioned bucket
// (ARN recovery-point:continuous:…), writes at t1, an overwrite, a delete and a new key at t2, and a
// restore to a time between into a new bucket gives exactly the t1 state, byte for byte; a version
// deleted for good (and a delete marker removed) after a restore time is restored as it was; a restore
// time outside the window (or on a snapshot recovery point), a copy of a continuous recovery point
// and a continuous rule kept over 35 days are refused with AWS's error,
// and nothing is created.
import {
  BackupClient, CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, DescribeRecoveryPointCommand,
  DescribeBackupJobCommand, DescribeRestoreJobCommand, ListBackupPlansCommand, ListCopyJobsCommand, StartBackupJobCommand, StartCopyJobCommand, ListRecoveryPointsByBackupVaultCommand, ListRestoreJobsCommand, StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BACKUP_ROLE, backupFailure, until } from './helpers/backup.js';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const ACCOUNT = '000000000000';
const ROLE = BACKUP_ROLE;
const SOURCE = 'pitr-source';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function contents(s3: S3Client, bucket: string): Promise<Record<string, Buffer>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const result: Record<string, Buffer> = {};
  for (const { Key } of listed.Contents ?? []) result[Key!] = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray());
  return result;
}

const put = (s3: S3Client, key: string, body: Buffer | string) => s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body }));

describe('AWS Backup continuous backup and point-in-time restore', () => {
  let server: RunningServer;
  let s3: S3Client;
  let backup: BackupClient;
  let pointArn: string;

  before(async () => {
    server = await startServer();
    s3 = sdkClient(server);
    backup = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Pitr' }));
    await s3.send(new CreateBucketCommand({ Bucket: SOURCE }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: SOURCE, VersioningConfiguration: { Status: 'Enabled' } }));
  });

  after(async () => {
    await server?.stop();
  });

  it('refuses a continuous rule kept over 35 days, and creates no plan', async () => {
    const refused = await backupFailure(backup.send(new CreateBackupPlanCommand({
      BackupPlan: { BackupPlanName: 'too-long', Rules: [{ RuleName: 'pitr', TargetBackupVaultName: 'Pitr', EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 36 } }] },
    })));
    assert.equal(refused.name, 'InvalidParameterValueException');
    assert.equal(refused.$metadata.httpStatusCode, 400);
    assert.equal((await backup.send(new ListBackupPlansCommand({}))).BackupPlansList?.length ?? 0, 0);
  });

  it('makes one continuous recovery point for the selected bucket', async () => {
    const plan = await backup.send(new CreateBackupPlanCommand({
      BackupPlan: { BackupPlanName: 'continuous', Rules: [{ RuleName: 'pitr', TargetBackupVaultName: 'Pitr', EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } }] },
    }));
    await backup.send(new CreateBackupSelectionCommand({
      BackupPlanId: plan.BackupPlanId, BackupSelection: { SelectionName: 'source', IamRoleArn: ROLE, Resources: [`arn:aws:s3:::${SOURCE}`] },
    }));
    const points = await until('continuous recovery point', async () => {
      const listed = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Pitr' }));
      return (listed.RecoveryPoints?.length ?? 0) > 0 ? listed.RecoveryPoints! : undefined;
    });
    await sleep(1000); // the runner steps again: still one point
    assert.equal((await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Pitr' }))).RecoveryPoints?.length, 1);
    pointArn = points[0]!.RecoveryPointArn!;
    assert.match(pointArn, new RegExp(`^arn:aws:backup:${TEST_REGION}:${ACCOUNT}:recovery-point:continuous:${SOURCE}-[0-9a-f]{8}$`));
    const described = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Pitr', RecoveryPointArn: pointArn }));
    assert.equal(described.Status, 'COMPLETED');
    assert.equal(described.ResourceArn, `arn:aws:s3:::${SOURCE}`);
    assert.equal(described.ResourceType, 'S3');
    assert.equal(described.IsParent, false);
    assert.deepEqual(described.Lifecycle, { DeleteAfterDays: 35 });
    assert.ok(described.CalculatedLifecycle?.DeleteAt instanceof Date);
  });

  it('restores the bucket as it was at a time between two writes, byte-identical', async () => {
    const firstA = randomBytes(200_000);
    await put(s3, 'a.bin', firstA);
    await put(s3, 'b.txt', 'bee at t1');
    await put(s3, 'dir/c.txt', 'sea at t1');
    await sleep(1100);
    const restoreTime = new Date();
    await sleep(1100);
    await put(s3, 'a.bin', randomBytes(1000));
    await s3.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'b.txt' }));
    await put(s3, 'd.txt', 'new at t2');

    const started = await backup.send(new StartRestoreJobCommand({
      RecoveryPointArn: pointArn, IamRoleArn: ROLE, Metadata: { DestinationBucketName: 'pitr-restored', NewBucket: 'true', RestoreTime: restoreTime.toISOString() },
    }));
    const job = await until('restore job', async () => {
      const described = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: started.RestoreJobId }));
      return ['COMPLETED', 'FAILED'].includes(described.Status!) ? described : undefined;
    });
    assert.equal(job.Status, 'COMPLETED', job.StatusMessage);
    assert.equal(job.CreatedResourceArn, 'arn:aws:s3:::pitr-restored');
    const restored = await contents(s3, 'pitr-restored');
    assert.deepEqual(Object.keys(restored).sort(), ['a.bin', 'b.txt', 'dir/c.txt']);
    assert.ok(restored['a.bin']!.equals(firstA));
    assert.equal(restored['b.txt']!.toString(), 'bee at t1');
    assert.equal(restored['dir/c.txt']!.toString(), 'sea at t1');
    // The source is untouched: still its t2 state.
    assert.deepEqual(Object.keys(await contents(s3, SOURCE)).sort(), ['a.bin', 'd.txt', 'dir/c.txt']);
  });

  it('restores a version deleted for good after the restore time, and keeps a key deleted then deleted though its marker was removed later', async () => {
    const kept = randomBytes(50_000);
    const { VersionId: keptVersion } = await put(s3, 'kept.bin', kept);
    await put(s3, 'marked.txt', 'marked before');
    const { VersionId: markerVersion } = await s3.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'marked.txt' }));
    await sleep(1100);
    const restoreTime = new Date();
    await sleep(1100);
    // After the restore time: kept.bin's only version goes for good; marked.txt's delete marker goes, so its old version is current again.
    await s3.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'kept.bin', VersionId: keptVersion }));
    await s3.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'marked.txt', VersionId: markerVersion }));
    assert.equal((await s3.send(new ListObjectVersionsCommand({ Bucket: SOURCE, Prefix: 'kept.bin' }))).Versions, undefined);
    assert.deepEqual(Object.keys(await contents(s3, SOURCE)).sort(), ['a.bin', 'd.txt', 'dir/c.txt', 'marked.txt']);

    const started = await backup.send(new StartRestoreJobCommand({
      RecoveryPointArn: pointArn, IamRoleArn: ROLE, Metadata: { DestinationBucketName: 'pitr-kept', NewBucket: 'true', RestoreTime: restoreTime.toISOString() },
    }));
    const job = await until('restore job', async () => {
      const described = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: started.RestoreJobId }));
      return ['COMPLETED', 'FAILED'].includes(described.Status!) ? described : undefined;
    });
    assert.equal(job.Status, 'COMPLETED', job.StatusMessage);
    const restored = await contents(s3, 'pitr-kept');
    assert.deepEqual(Object.keys(restored).sort(), ['a.bin', 'd.txt', 'dir/c.txt', 'kept.bin']);
    assert.ok(restored['kept.bin']!.equals(kept));
    assert.equal(restored['d.txt']!.toString(), 'new at t2');
  });

  it('refuses a restore time outside the window or not a time, and creates nothing', async () => {
    const jobsBefore = (await backup.send(new ListRestoreJobsCommand({}))).RestoreJobs?.length ?? 0;
    const tooEarly = new Date(Date.now() - 36 * 86_400_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const restoreTime of [tooEarly, '2020-01-01T00:00:00Z', future, 'yesterday']) {
      const refused = await backupFailure(backup.send(new StartRestoreJobCommand({
        RecoveryPointArn: pointArn, IamRoleArn: ROLE, Metadata: { DestinationBucketName: 'pitr-never', NewBucket: 'true', RestoreTime: restoreTime },
      })));
      assert.equal(refused.name, 'InvalidParameterValueException', restoreTime);
      assert.equal(refused.$metadata.httpStatusCode, 400);
    }
    // RestoreTime on a snapshot recovery point, and a copy of the continuous one: refused too.
    const snapshot = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Pitr', ResourceArn: `arn:aws:s3:::${SOURCE}`, IamRoleArn: ROLE }));
    await until('snapshot recovery point', async () => ((await backup.send(new DescribeBackupJobCommand({ BackupJobId: snapshot.BackupJobId }))).State === 'COMPLETED' ? true : undefined));
    const onSnapshot = await backupFailure(backup.send(new StartRestoreJobCommand({
      RecoveryPointArn: snapshot.RecoveryPointArn, IamRoleArn: ROLE, Metadata: { DestinationBucketName: 'pitr-never', NewBucket: 'true', RestoreTime: new Date().toISOString() },
    })));
    assert.equal(onSnapshot.name, 'InvalidParameterValueException');
    const copy = await backupFailure(backup.send(new StartCopyJobCommand({
      RecoveryPointArn: pointArn, SourceBackupVaultName: 'Pitr', DestinationBackupVaultArn: `arn:aws:backup:${TEST_REGION}:${ACCOUNT}:backup-vault:Pitr`, IamRoleArn: ROLE,
    })));
    assert.equal(copy.name, 'InvalidParameterValueException');
    assert.equal((await backup.send(new ListCopyJobsCommand({}))).CopyJobs?.length ?? 0, 0);
    await sleep(500);
    assert.equal((await backup.send(new ListRestoreJobsCommand({}))).RestoreJobs?.length ?? 0, jobsBefore);
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'pitr-never' })).then(() => 200, (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode);
    assert.equal(head, 404);
  });
});
