// AWS Backup's IAM and retention, on a real server whose day is 2 s: a user's policy grants backup:
// actions one by one (a denied call answers 403 AccessDeniedException and creates nothing), a
// recovery point goes when its DeleteAfterDays has passed, the aws CLI drives the API, and a plan
// keeps running its schedule after the server restarts.
import {
  BackupClient, CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, ListBackupJobsCommand,
  DescribeBackupJobCommand, ListBackupVaultsCommand, ListRecoveryPointsByBackupVaultCommand, StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BACKUP_ROLE, backupFailure } from './helpers/backup.js';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { cairnAdmin, createUser } from './helpers/iam.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

// A day of 6 s: a 1-day recovery point stays long enough to be seen on a loaded machine (an hour is 250 ms).
const DAY_SECONDS = 6;
const ROLE = BACKUP_ROLE;
const WAIT_MS = 20_000;

describe('AWS Backup access and retention', () => {
  let server: RunningServer;
  let s3: S3Client;
  let backup: BackupClient;

  before(async () => {
    server = await startServer({ env: { CAIRN_BACKUP_DAY_SECONDS: String(DAY_SECONDS) } });
    s3 = sdkClient(server);
    backup = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  });

  after(async () => {
    await server?.stop();
  });

  it('authorizes backup: actions by the user\'s policy', async () => {
    const keys = await createUser(server, 'backup-reader');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['backup:List*', 'backup:Describe*'], Resource: '*' }] });
    const set = await cairnAdmin(server, ['user', 'set-policy', 'backup-reader', '-'], policy);
    assert.equal(set.code, 0, set.stderr);
    const user = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: keys });
    try {
      assert.deepEqual((await user.send(new ListBackupVaultsCommand({}))).BackupVaultList, []);
      const denied = await backupFailure(user.send(new CreateBackupVaultCommand({ BackupVaultName: 'Sneaky' })));
      assert.equal(denied.name, 'AccessDeniedException');
      assert.equal(denied.$metadata.httpStatusCode, 403);
      assert.deepEqual((await backup.send(new ListBackupVaultsCommand({}))).BackupVaultList, []);
    } finally {
      user.destroy();
    }
  });

  it('removes a recovery point once its DeleteAfterDays has passed', async () => {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Short' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'short-lived', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'short-lived', Key: 'k', Body: 'v' }));
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Short', ResourceArn: 'arn:aws:s3:::short-lived', IamRoleArn: ROLE, Lifecycle: { DeleteAfterDays: 1 } }));
    const deadline = Date.now() + WAIT_MS;
    let seen = false;
    for (;;) {
      const state = (await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }))).State;
      const points = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Short' }))).RecoveryPoints!;
      seen ||= points.length === 1;
      if (state === 'COMPLETED' && seen && points.length === 0) break;
      assert.ok(Date.now() < deadline, `the recovery point was not removed (job ${state}, seen ${seen})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('answers the aws CLI\'s backup commands', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY, AWS_DEFAULT_REGION: TEST_REGION };
    const cli = (args: string[]) => promisify(execFile)('aws', ['backup', ...args, '--endpoint-url', server.endpoint, '--output', 'json'], { env, timeout: 30_000 });
    await cli(['create-backup-vault', '--backup-vault-name', 'FromCli']);
    const { stdout } = await cli(['describe-backup-vault', '--backup-vault-name', 'FromCli']);
    assert.equal((JSON.parse(stdout) as { BackupVaultName: string }).BackupVaultName, 'FromCli');
    const refused = await cli(['put-backup-vault-lock-configuration', '--backup-vault-name', 'FromCli', '--changeable-for-days', '1']).then(() => undefined, (error: { stderr: string }) => error);
    assert.match(refused!.stderr, /InvalidParameterValueException/);
  });

  it('a plan keeps its schedule across a restart of the server', async () => {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Scheduled' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'scheduled-data' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'scheduled-data', VersioningConfiguration: { Status: 'Enabled' } }));
    const plan = await backup.send(new CreateBackupPlanCommand({
      BackupPlan: { BackupPlanName: 'every-hour', Rules: [{ RuleName: 'hourly', TargetBackupVaultName: 'Scheduled', ScheduleExpression: 'cron(0 * ? * * *)', StartWindowMinutes: 720 }] },
    }));
    await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: plan.BackupPlanId, BackupSelection: { SelectionName: 'one', IamRoleArn: ROLE, Resources: ['arn:aws:s3:::scheduled-data'] } }));
    await server.stop();
    const restartedMs = Date.now();
    server = await startServer({ dataDirectory: server.dataDirectory, env: { CAIRN_BACKUP_DAY_SECONDS: String(DAY_SECONDS) } });
    backup.destroy();
    backup = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const jobs = (await backup.send(new ListBackupJobsCommand({ ByResourceArn: 'arn:aws:s3:::scheduled-data', ByState: 'COMPLETED' }))).BackupJobs!;
      if (jobs.some((job) => job.CreatedBy?.BackupPlanId === plan.BackupPlanId && job.CreationDate!.getTime() >= restartedMs)) break;
      assert.ok(Date.now() < deadline, 'no scheduled backup after the restart');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
