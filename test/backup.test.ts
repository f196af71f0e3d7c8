// AWS Backup through @aws-sdk/client-backup (default settings) on a real server whose "day" is a few
// seconds (CAIRN_BACKUP_DAY_SECONDS): vaults, the vault lock (refusals after the compliance grace
// period, each checked to change nothing; everything allowed before it), an accident (objects
// deleted and overwritten) and restores to a new bucket and to the original one, byte-identical and
// idempotent, plans with selections by tag that back up and copy on schedule, a webhook notified
// when a job ends, and the bad inputs the issue names, each refused with AWS's error and nothing written.
// Copies to another Cairn server: backup-remote.test.ts; scheduling across restarts and job races: backup-schedule.test.ts.
import {
  BackupClient, CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, DeleteBackupPlanCommand,
  DeleteBackupSelectionCommand, DeleteBackupVaultCommand, DeleteBackupVaultLockConfigurationCommand, DeleteRecoveryPointCommand, DescribeBackupJobCommand,
  DescribeBackupVaultCommand, DescribeRecoveryPointCommand, DescribeRestoreJobCommand, GetBackupVaultAccessPolicyCommand, ListBackupJobsCommand,
  ListBackupPlansCommand, ListBackupVaultsCommand, ListCopyJobsCommand, ListRecoveryPointsByBackupVaultCommand, ListRecoveryPointsByResourceCommand,
  PutBackupVaultAccessPolicyCommand, PutBackupVaultLockConfigurationCommand, PutBackupVaultNotificationsCommand, StartBackupJobCommand, StartRestoreJobCommand,
  UpdateRecoveryPointLifecycleCommand, CreateFrameworkCommand, CreateReportPlanCommand, StartReportJobCommand, DescribeReportJobCommand, ListFrameworksCommand, UpdateReportPlanCommand, DescribeReportPlanCommand, StartCopyJobCommand, DescribeCopyJobCommand, UpdateBackupPlanCommand, GetBackupPlanCommand, ListRestoreJobsCommand,
} from '@aws-sdk/client-backup';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutBucketTaggingCommand,
  PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { BACKUP_ROLE, backupFailure, until, versionedBucket } from './helpers/backup.js';
import { after, before, describe, it } from 'node:test';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { sdkClient } from './helpers/clients.js';
import { startWebhook, waitForCount, type WebhookReceiver } from './helpers/event-receivers.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const DAY_SECONDS = 3;
// The compliance lock's grace period (8 days: 24 s here) must outlast the five backup and copy jobs
// the test runs inside it on a loaded machine; 3 days (9 s) was once too short in CI.
const LOCK_GRACE_DAYS = 8;
const ACCOUNT = '000000000000';
const ROLE = BACKUP_ROLE;
const vaultArn = (name: string) => `arn:aws:backup:${TEST_REGION}:${ACCOUNT}:backup-vault:${name}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function contents(s3: S3Client, bucket: string): Promise<Record<string, string>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const result: Record<string, string> = {};
  for (const { Key } of listed.Contents ?? []) result[Key!] = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();
  return result;
}

async function versionCount(s3: S3Client, bucket: string): Promise<number> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return (listed.Versions?.length ?? 0) + (listed.DeleteMarkers?.length ?? 0);
}

async function backupNow(backup: BackupClient, vault: string, bucket: string, deleteAfterDays?: number): Promise<string> {
  const started = await backup.send(new StartBackupJobCommand({
    BackupVaultName: vault, ResourceArn: `arn:aws:s3:::${bucket}`, IamRoleArn: ROLE, ...(deleteAfterDays === undefined ? {} : { Lifecycle: { DeleteAfterDays: deleteAfterDays } }),
  }));
  const job = await until('backup job completed', async () => {
    const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
    return ['COMPLETED', 'FAILED'].includes(described.State!) ? described : undefined;
  });
  assert.equal(job.State, 'COMPLETED', job.StatusMessage);
  assert.equal(job.RecoveryPointArn, started.RecoveryPointArn);
  return started.RecoveryPointArn!;
}

async function restore(backup: BackupClient, recoveryPointArn: string, metadata: Record<string, string>): Promise<void> {
  const { RestoreJobId } = await backup.send(new StartRestoreJobCommand({ RecoveryPointArn: recoveryPointArn, IamRoleArn: ROLE, Metadata: metadata }));
  const job = await until('restore job finished', async () => {
    const described = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
    return ['COMPLETED', 'FAILED'].includes(described.Status!) ? described : undefined;
  });
  assert.equal(job.Status, 'COMPLETED', job.StatusMessage);
}

describe('AWS Backup', () => {
  let server: RunningServer;
  let s3: S3Client;
  let backup: BackupClient;
  let hook: WebhookReceiver;

  before(async () => {
    server = await startServer({ env: { CAIRN_BACKUP_DAY_SECONDS: String(DAY_SECONDS) } });
    s3 = sdkClient(server);
    backup = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    hook = await startWebhook('backup-secret', 'backup-token');
  });

  after(async () => {
    await hook?.close();
    await server?.stop();
  });

  it('creates, describes and lists vaults; refuses a repeated or badly named vault', async () => {
    const created = await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Gold', CreatorRequestId: 'r1' }));
    assert.equal(created.BackupVaultArn, vaultArn('Gold'));
    assert.equal((await backupFailure(backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Gold' })))).name, 'AlreadyExistsException');
    assert.equal((await backupFailure(backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'bad name!' })))).name, 'InvalidParameterValueException');
    const described = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'Gold' }));
    assert.equal(described.NumberOfRecoveryPoints, 0);
    assert.equal(described.Locked, false);
    assert.deepEqual((await backup.send(new ListBackupVaultsCommand({}))).BackupVaultList!.map((vault) => vault.BackupVaultName), ['Gold']);
    assert.equal((await backupFailure(backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'missing' })))).name, 'ResourceNotFoundException');
  });

  it('a vault access policy that denies DeleteRecoveryPoint binds even root', async () => {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Guarded' }));
    await versionedBucket(s3, 'guarded-data', { 'a.txt': 'alpha' });
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'backup:DeleteRecoveryPoint', Resource: '*' }] });
    await backup.send(new PutBackupVaultAccessPolicyCommand({ BackupVaultName: 'Guarded', Policy: policy }));
    assert.equal((await backup.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: 'Guarded' }))).Policy, policy);
    const point = await backupNow(backup, 'Guarded', 'guarded-data');
    assert.equal((await backupFailure(backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'Guarded', RecoveryPointArn: point })))).name, 'AccessDeniedException');
    assert.equal((await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Guarded', RecoveryPointArn: point }))).Status, 'COMPLETED');
  });

  it('a compliance lock: everything allowed in its grace period, nothing after it, and each refusal changes nothing', async () => {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Locked' }));
    await versionedBucket(s3, 'locked-data', { 'k.txt': 'kept' });
    await backup.send(new PutBackupVaultNotificationsCommand({ BackupVaultName: 'Locked', SNSTopicArn: `arn:aws:sns:${TEST_REGION}:${ACCOUNT}:backup-hook`, BackupVaultEvents: ['BACKUP_JOB_COMPLETED'] }));
    const admin = new IamClient(server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    await admin.json('POST', '/targets', { name: 'backup-hook', type: 'webhook', settings: { url: hook.url, secret: 'backup-secret', bearerToken: 'backup-token' } });
    // Bad input: a grace period below 3 days; nothing is locked.
    const tooShort = await backupFailure(backup.send(new PutBackupVaultLockConfigurationCommand({ BackupVaultName: 'Locked', MinRetentionDays: 7, ChangeableForDays: 2 })));
    assert.equal(tooShort.name, 'InvalidParameterValueException');
    assert.equal((await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'Locked' }))).MinRetentionDays, undefined);
    await backup.send(new PutBackupVaultLockConfigurationCommand({ BackupVaultName: 'Locked', MinRetentionDays: 7, MaxRetentionDays: 100, ChangeableForDays: LOCK_GRACE_DAYS }));
    const lockDate = (await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'Locked' }))).LockDate!;
    // Bad input: a retention below the lock's minimum. As on AWS, the vault fails the backup job (and a copy job into it), and no recovery point is made.
    const below = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Locked', ResourceArn: 'arn:aws:s3:::locked-data', IamRoleArn: ROLE, Lifecycle: { DeleteAfterDays: 3 } }));
    const failed = await until('the vault failed the job', async () => {
      const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: below.BackupJobId }));
      return ['CREATED', 'RUNNING'].includes(described.State!) ? undefined : described;
    });
    assert.equal(failed.State, 'FAILED');
    assert.equal(failed.StatusMessage, 'DeleteAfterDays 3 is below the minimum retention of backup vault Locked (7 days).');
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'LockSource' }));
    const unlocked = await backupNow(backup, 'LockSource', 'locked-data');
    const { CopyJobId } = await backup.send(new StartCopyJobCommand({
      RecoveryPointArn: unlocked, SourceBackupVaultName: 'LockSource', DestinationBackupVaultArn: vaultArn('Locked'), IamRoleArn: ROLE, Lifecycle: { DeleteAfterDays: 3 },
    }));
    const copy = await until('the vault failed the copy', async () => {
      const { CopyJob } = await backup.send(new DescribeCopyJobCommand({ CopyJobId }));
      return ['CREATED', 'RUNNING'].includes(CopyJob!.State!) ? undefined : CopyJob;
    });
    assert.equal(copy!.State, 'FAILED');
    assert.deepEqual((await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Locked' }))).RecoveryPoints, []);
    // A plan whose rule keeps less than the lock's minimum is refused, and no plan is made.
    const planBelow = await backupFailure(backup.send(new CreateBackupPlanCommand({
      BackupPlan: { BackupPlanName: 'below-lock', Rules: [{ RuleName: 'r', TargetBackupVaultName: 'Locked', ScheduleExpression: 'cron(0 5 ? * * *)', Lifecycle: { DeleteAfterDays: 3 } }] },
    })));
    assert.equal(planBelow.name, 'InvalidParameterValueException');
    assert.deepEqual((await backup.send(new ListBackupPlansCommand({}))).BackupPlansList, []);
    // In the grace period: a recovery point can be deleted, and its lifecycle shortened.
    const early = await backupNow(backup, 'Locked', 'locked-data', 30);
    await backup.send(new UpdateRecoveryPointLifecycleCommand({ BackupVaultName: 'Locked', RecoveryPointArn: early, Lifecycle: { DeleteAfterDays: 20 } }));
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'Locked', RecoveryPointArn: early }));
    const point = await backupNow(backup, 'Locked', 'locked-data', 30);
    const notified = await waitForCount(() => hook.messages.length, 2);
    assert.ok(notified >= 2);
    assert.equal((hook.messages[0]!.parsed as unknown as { eventType: string }).eventType, 'BACKUP_JOB_COMPLETED');
    await sleep(Math.max(0, lockDate.getTime() - Date.now()) + 200);
    const before = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Locked', RecoveryPointArn: point }));
    const refusals = [
      () => backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'Locked', RecoveryPointArn: point })),
      () => backup.send(new UpdateRecoveryPointLifecycleCommand({ BackupVaultName: 'Locked', RecoveryPointArn: point, Lifecycle: { DeleteAfterDays: 10 } })),
      () => backup.send(new DeleteBackupVaultLockConfigurationCommand({ BackupVaultName: 'Locked' })),
      () => backup.send(new PutBackupVaultLockConfigurationCommand({ BackupVaultName: 'Locked', MinRetentionDays: 1 })),
      () => backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'Locked' })),
    ];
    for (const refusal of refusals) assert.equal((await backupFailure(refusal())).name, 'InvalidRequestException');
    const after = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Locked', RecoveryPointArn: point }));
    assert.deepEqual(after.Lifecycle, { DeleteAfterDays: 30 });
    assert.deepEqual(after.CalculatedLifecycle, before.CalculatedLifecycle);
    const vault = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'Locked' }));
    assert.deepEqual([vault.Locked, vault.MinRetentionDays, vault.MaxRetentionDays, vault.NumberOfRecoveryPoints], [true, 7, 100, 1]);
  });

  it('after an accident, restores to a new bucket and to the original are byte-identical, and a second run changes nothing', async () => {
    const original = { 'docs/a.txt': 'first document', 'docs/b.txt': 'second document', 'img/c.bin': 'x'.repeat(100_000), 'top.txt': 'top' };
    await versionedBucket(s3, 'workshop-data', original);
    const point = await backupNow(backup, 'Gold', 'workshop-data', 90);
    assert.equal((await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::workshop-data' }))).RecoveryPoints!.length, 1);
    // The accident: deletions and overwrites.
    await s3.send(new DeleteObjectCommand({ Bucket: 'workshop-data', Key: 'docs/a.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'workshop-data', Key: 'img/c.bin' }));
    await s3.send(new PutObjectCommand({ Bucket: 'workshop-data', Key: 'top.txt', Body: 'overwritten by mistake' }));
    await restore(backup, point, { DestinationBucketName: 'workshop-restored', NewBucket: 'true' });
    assert.deepEqual(await contents(s3, 'workshop-restored'), original);
    await restore(backup, point, { DestinationBucketName: 'workshop-data', NewBucket: 'false' });
    assert.deepEqual(await contents(s3, 'workshop-data'), original);
    const versions = await versionCount(s3, 'workshop-data');
    await restore(backup, point, { DestinationBucketName: 'workshop-data', NewBucket: 'false' });
    assert.equal(await versionCount(s3, 'workshop-data'), versions);
    // Up to 5 keys or prefixes: only those.
    await restore(backup, point, { DestinationBucketName: 'workshop-partial', NewBucket: 'true', ItemsToRestore: JSON.stringify(['docs/', 's3://workshop-data/top.txt']) });
    assert.deepEqual(await contents(s3, 'workshop-partial'), { 'docs/a.txt': original['docs/a.txt'], 'docs/b.txt': original['docs/b.txt'], 'top.txt': 'top' });
  });

  it('refuses a restore into a bucket without versioning, and a backup of one, writing nothing', async () => {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Plain' }));
    await versionedBucket(s3, 'plain-source', { 'p.txt': 'plain' });
    const point = await backupNow(backup, 'Plain', 'plain-source');
    await s3.send(new CreateBucketCommand({ Bucket: 'unversioned' }));
    const refused = await backupFailure(backup.send(new StartRestoreJobCommand({ RecoveryPointArn: point, IamRoleArn: ROLE, Metadata: { DestinationBucketName: 'unversioned', NewBucket: 'false' } })));
    assert.equal(refused.name, 'InvalidParameterValueException');
    const tooMany = await backupFailure(backup.send(new StartRestoreJobCommand({ RecoveryPointArn: point, Metadata: { NewBucket: 'true', DestinationBucketName: 'many-items', ItemsToRestore: JSON.stringify(['a', 'b', 'c', 'd', 'e', 'f']) } })));
    assert.equal(tooMany.name, 'InvalidParameterValueException');
    await sleep(500);
    assert.deepEqual(await contents(s3, 'unversioned'), {});
    assert.equal((await backup.send(new ListRestoreJobsCommand({}))).RestoreJobs!.some((job) => job.RecoveryPointArn === point && job.Status !== 'COMPLETED'), false);
    const unversionedBackup = await backupFailure(backup.send(new StartBackupJobCommand({ BackupVaultName: 'Plain', ResourceArn: 'arn:aws:s3:::unversioned', IamRoleArn: ROLE })));
    assert.equal(unversionedBackup.name, 'InvalidParameterValueException');
    assert.equal((await backup.send(new ListBackupJobsCommand({ ByResourceArn: 'arn:aws:s3:::unversioned' }))).BackupJobs!.length, 0);
  });

  it('plans: an invalid cron is refused; a Gold rule backs up the tagged bucket on schedule and copies to another vault', async () => {
    const invalid = await backupFailure(backup.send(new CreateBackupPlanCommand({
      BackupPlan: { BackupPlanName: 'broken', Rules: [{ RuleName: 'r', TargetBackupVaultName: 'Gold', ScheduleExpression: 'cron(61 * * * ? *)' }] },
    })));
    assert.equal(invalid.name, 'InvalidParameterValueException');
    assert.deepEqual((await backup.send(new ListBackupPlansCommand({}))).BackupPlansList, []);
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'GoldCopies' }));
    await versionedBucket(s3, 'tier-gold', { 'g.txt': 'gold' });
    await versionedBucket(s3, 'untagged', { 'u.txt': 'untagged' });
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'tier-gold', Tagging: { TagSet: [{ Key: 'tier', Value: 'gold' }] } }));
    const plan = await backup.send(new CreateBackupPlanCommand({
      BackupPlan: {
        BackupPlanName: 'gold', Rules: [{
          RuleName: 'hourly', TargetBackupVaultName: 'Gold', ScheduleExpression: 'cron(0 * ? * * *)', StartWindowMinutes: 60, Lifecycle: { DeleteAfterDays: 90 },
          CopyActions: [{ DestinationBackupVaultArn: vaultArn('GoldCopies'), Lifecycle: { DeleteAfterDays: 90 } }],
        }],
      },
    }));
    // An invalid cron in an update is refused too, and the plan stays as it was.
    const badUpdate = await backupFailure(backup.send(new UpdateBackupPlanCommand({
      BackupPlanId: plan.BackupPlanId, BackupPlan: { BackupPlanName: 'gold', Rules: [{ RuleName: 'hourly', TargetBackupVaultName: 'Gold', ScheduleExpression: 'cron(0 * * * * *)' }] },
    })));
    assert.equal(badUpdate.name, 'InvalidParameterValueException');
    const kept = await backup.send(new GetBackupPlanCommand({ BackupPlanId: plan.BackupPlanId }));
    assert.equal(kept.VersionId, plan.VersionId);
    assert.equal(kept.BackupPlan!.Rules![0]!.ScheduleExpression, 'cron(0 * ? * * *)');
    const selection = await backup.send(new CreateBackupSelectionCommand({
      BackupPlanId: plan.BackupPlanId, BackupSelection: { SelectionName: 'tagged', IamRoleArn: ROLE, ListOfTags: [{ ConditionType: 'STRINGEQUALS', ConditionKey: 'tier', ConditionValue: 'gold' }] },
    }));
    await until('a scheduled backup', async () => {
      const jobs = (await backup.send(new ListBackupJobsCommand({ ByResourceArn: 'arn:aws:s3:::tier-gold', ByState: 'COMPLETED' }))).BackupJobs!;
      return jobs.find((job) => job.CreatedBy?.BackupPlanId === plan.BackupPlanId);
    });
    await until('a copy', async () => (await backup.send(new ListCopyJobsCommand({}))).CopyJobs!.find((job) => job.State === 'COMPLETED'));
    const copies = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'GoldCopies' }))).RecoveryPoints!;
    assert.ok(copies.length >= 1);
    assert.equal(copies[0]!.SourceBackupVaultArn, vaultArn('Gold'));
    await backup.send(new DeleteBackupSelectionCommand({ BackupPlanId: plan.BackupPlanId, SelectionId: selection.SelectionId }));
    await backup.send(new DeleteBackupPlanCommand({ BackupPlanId: plan.BackupPlanId }));
    assert.equal((await backup.send(new ListBackupJobsCommand({ ByResourceArn: 'arn:aws:s3:::untagged' }))).BackupJobs!.length, 0);
  });

  it('a control compliance report marks an unprotected bucket NON_COMPLIANT and a protected one COMPLIANT, in CSV and JSON', async () => {
    await versionedBucket(s3, 'silver-protected', { 's.txt': 'silver' });
    await versionedBucket(s3, 'silver-unprotected', { 'u.txt': 'loose' });
    await s3.send(new CreateBucketCommand({ Bucket: 'audit-reports' }));
    const plan = await backup.send(new CreateBackupPlanCommand({
      BackupPlan: { BackupPlanName: 'silver', Rules: [{ RuleName: 'daily', TargetBackupVaultName: 'Gold', ScheduleExpression: 'cron(0 5 ? * * *)', Lifecycle: { DeleteAfterDays: 30 } }] },
    }));
    await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: plan.BackupPlanId, BackupSelection: { SelectionName: 'one', IamRoleArn: ROLE, Resources: ['arn:aws:s3:::silver-protected'] } }));
    const badControl = await backupFailure(backup.send(new CreateFrameworkCommand({ FrameworkName: 'broken', FrameworkControls: [{ ControlName: 'NO_SUCH_CONTROL' }] })));
    assert.equal(badControl.name, 'InvalidParameterValueException');
    const scope = { ComplianceResourceIds: ['silver-protected', 'silver-unprotected'], ComplianceResourceTypes: ['S3'] };
    const framework = await backup.send(new CreateFrameworkCommand({ FrameworkName: 'workshop', FrameworkControls: [{ ControlName: 'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN', ControlScope: scope }] }));
    assert.deepEqual((await backup.send(new ListFrameworksCommand({}))).Frameworks!.map((item) => item.FrameworkName), ['workshop']);
    await backup.send(new CreateReportPlanCommand({
      ReportPlanName: 'compliance', ReportDeliveryChannel: { S3BucketName: 'audit-reports', S3KeyPrefix: 'audit', Formats: ['CSV', 'JSON'] },
      ReportSetting: { ReportTemplate: 'CONTROL_COMPLIANCE_REPORT', FrameworkArns: [framework.FrameworkArn!] },
    }));
    const { ReportJobId } = await backup.send(new StartReportJobCommand({ ReportPlanName: 'compliance' }));
    const job = await until('report job', async () => {
      const { ReportJob } = await backup.send(new DescribeReportJobCommand({ ReportJobId }));
      return ['COMPLETED', 'FAILED'].includes(ReportJob!.Status!) ? ReportJob : undefined;
    });
    assert.equal(job!.Status, 'COMPLETED', job!.StatusMessage);
    const keys = job!.ReportDestination!.S3Keys!;
    assert.equal(keys.length, 2);
    const files = await contents(s3, 'audit-reports');
    const json = JSON.parse(files[keys.find((key) => key.endsWith('.json'))!]!) as { reportItems: Array<{ ResourceName: string; ComplianceStatus: string }> };
    assert.deepEqual(json.reportItems.map((item) => [item.ResourceName, item.ComplianceStatus]).sort(), [['silver-protected', 'COMPLIANT'], ['silver-unprotected', 'NON_COMPLIANT']]);
    const csv = files[keys.find((key) => key.endsWith('.csv'))!]!;
    assert.match(csv, /^FrameworkName,ControlName,ResourceType,ResourceArn,ResourceName,ComplianceStatus,EvaluationTime$/m);
    assert.match(csv, /^workshop,BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN,S3,arn:aws:s3:::silver-unprotected,silver-unprotected,NON_COMPLIANT,/m);
    assert.match(csv, /^workshop,BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN,S3,arn:aws:s3:::silver-protected,silver-protected,COMPLIANT,/m);
    await backup.send(new UpdateReportPlanCommand({ ReportPlanName: 'compliance', ReportDeliveryChannel: { S3BucketName: 'audit-reports', Formats: ['JSON'] } }));
    const described = (await backup.send(new DescribeReportPlanCommand({ ReportPlanName: 'compliance' }))).ReportPlan!;
    assert.deepEqual(described.ReportDeliveryChannel!.Formats, ['JSON']);
    assert.equal(described.ReportSetting!.ReportTemplate, 'CONTROL_COMPLIANCE_REPORT');
  });
});
