// AWS Backup's scheduling across restarts, through @aws-sdk/client-backup (default settings) on a
// real server with two workers whose "day" is 96 s (CAIRN_BACKUP_DAY_SECONDS; an hourly rule fires
// every 4 s): runs that fell due while the server was down (killed with SIGKILL) get their jobs when
// it comes back, COMPLETED within the start window and EXPIRED past it, with AWS's StatusMessage; a
// job a crash left RUNNING past its completion window ends EXPIRED; never two jobs for one scheduled
// time; and StopBackupJob racing the runner at random moments: a stopped job ends ABORTED with no
// recovery point and never COMPLETED, a completed one is never ABORTED.
import {
  type BackupClient, type BackupJob, CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, DeleteBackupSelectionCommand, DescribeBackupJobCommand, GetBackupPlanCommand,
  DescribeRecoveryPointCommand, ListBackupJobsCommand, ListRecoveryPointsByBackupVaultCommand, StartBackupJobCommand, StopBackupJobCommand,
} from '@aws-sdk/client-backup';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BACKUP_ROLE, backupClient, backupFailure, until, versionedBucket } from './helpers/backup.js';
import { sdkClient } from './helpers/clients.js';
import { SeededRandom, suiteSeed } from './helpers/seeded-random.js';
import { startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const DAY_SECONDS = 96;
const HOUR_MS = (DAY_SECONDS * 1000) / 24;
/** Only a hang detector: scheduled runs are waited for by polling, however slow the machine. */
const RUNS_ENDED_DEADLINE_MS = 30_000;
const SERVER_OPTIONS = { env: { CAIRN_BACKUP_DAY_SECONDS: String(DAY_SECONDS) }, extraArgs: ['--workers', '2'] };
const STOP_ROUNDS = 20;
const RACE_OBJECTS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function allJobs(backup: BackupClient, vault: string): Promise<BackupJob[]> {
  const jobs: BackupJob[] = [];
  let NextToken: string | undefined;
  do {
    const page = await backup.send(new ListBackupJobsCommand({ ByBackupVaultName: vault, NextToken }));
    jobs.push(...page.BackupJobs!);
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return jobs;
}

/** Every job of the vault, once none is still waiting or running. */
async function jobsOnceEnded(backup: BackupClient, vault: string): Promise<BackupJob[] | undefined> {
  const jobs = await allJobs(backup, vault);
  return jobs.every((job) => ['COMPLETED', 'EXPIRED', 'FAILED', 'ABORTED', 'PARTIAL'].includes(job.State!)) ? jobs : undefined;
}

/** Each scheduled time of each rule has at most one job per bucket. */
function assertNoDuplicates(jobs: BackupJob[]): void {
  const keys = jobs.filter((job) => job.CreatedBy !== undefined).map((job) => `${job.CreatedBy!.BackupRuleId} ${job.ResourceArn} ${job.CreationDate!.getTime()}`);
  assert.equal(new Set(keys).size, keys.length, `duplicate scheduled jobs: ${keys.sort().join('\n')}`);
}

describe('AWS Backup scheduling and job races', () => {
  const servers: RunningServer[] = [];
  const start = async (dataDirectory: string) => {
    const server = await startServer({ ...SERVER_OPTIONS, dataDirectory });
    servers.push(server);
    return { server, s3: sdkClient(server), backup: backupClient(server) };
  };

  after(async () => {
    for (const server of servers) await server.dispose();
  });

  it('a run missed while the server was down runs within its start window, or ends EXPIRED; no scheduled time gets two jobs', async () => {
    const dataDirectory = temporaryDirectory('backup-schedule');
    let { server, s3, backup } = await start(dataDirectory);
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Sched' }));
    await versionedBucket(s3, 'sched-data', { 'a.txt': 'scheduled' });
    const plan = await backup.send(new CreateBackupPlanCommand({
      BackupPlan: {
        BackupPlanName: 'restarts', Rules: [
          { RuleName: 'wide', TargetBackupVaultName: 'Sched', ScheduleExpression: 'cron(0 * ? * * *)', StartWindowMinutes: 480 },
          { RuleName: 'narrow', TargetBackupVaultName: 'Sched', ScheduleExpression: 'cron(0 * ? * * *)', StartWindowMinutes: 60 },
        ],
      },
    }));
    const selection = await backup.send(new CreateBackupSelectionCommand({
      BackupPlanId: plan.BackupPlanId, BackupSelection: { SelectionName: 'one', IamRoleArn: BACKUP_ROLE, Resources: ['arn:aws:s3:::sched-data'] },
    }));
    await until('a first scheduled job of each rule', async () => {
      const completed = (await allJobs(backup, 'Sched')).filter((job) => job.State === 'COMPLETED');
      return new Set(completed.map((job) => job.CreatedBy?.BackupRuleId)).size === 2 ? true : undefined;
    }, RUNS_ENDED_DEADLINE_MS);
    const planRules = (await backup.send(new GetBackupPlanCommand({ BackupPlanId: plan.BackupPlanId }))).BackupPlan!.Rules!;
    const ruleId = (name: string) => planRules.find((rule) => rule.RuleName === name)!.RuleId!;

    // Down (SIGKILL, two workers) for more than two runs: the first missed run's 60-minute window closes before the server is back.
    await server.kill();
    const downMs = Date.now();
    await sleep(2 * HOUR_MS + 1_500);
    ({ server, s3, backup } = await start(dataDirectory));
    const upMs = Date.now();
    const missed = (jobs: BackupJob[]) => jobs.filter((job) => job.CreationDate!.getTime() > downMs && job.CreationDate!.getTime() < upMs);
    const settled = await until('every missed run ended', async () => {
      const jobs = missed(await allJobs(backup, 'Sched'));
      return jobs.length >= 4 && jobs.every((job) => ['COMPLETED', 'EXPIRED'].includes(job.State!)) ? jobs : undefined;
    }, RUNS_ENDED_DEADLINE_MS);
    const wide = settled.filter((job) => job.CreatedBy!.BackupRuleId === ruleId('wide')).sort(byCreation);
    const narrow = settled.filter((job) => job.CreatedBy!.BackupRuleId === ruleId('narrow')).sort(byCreation);
    // Every run of the 480-minute rule in the downtime ran when the server came back, one hour apart: none lost, none twice.
    assert.ok(wide.length >= 2, `runs of the wide rule while down: ${wide.length}`);
    assert.deepEqual(wide.map((job) => job.State), wide.map(() => 'COMPLETED'));
    for (let index = 1; index < wide.length; index += 1) {
      assert.ok(Math.abs(wide[index]!.CreationDate!.getTime() - wide[index - 1]!.CreationDate!.getTime() - HOUR_MS) < 5, 'one job per scheduled hour');
    }
    // The 60-minute rule's first missed run could not start in its window: EXPIRED, with AWS's StatusMessage, and no recovery point.
    const expired = narrow[0]!;
    assert.equal(expired.State, 'EXPIRED');
    const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: expired.BackupJobId }));
    assert.equal(described.State, 'EXPIRED');
    assert.equal(described.StatusMessage, 'Backup job failed to start within the start window.');
    assert.equal((await backupFailure(backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Sched', RecoveryPointArn: described.RecoveryPointArn })))).name, 'ResourceNotFoundException');
    assert.equal((await backup.send(new ListBackupJobsCommand({ ByBackupVaultName: 'Sched', ByState: 'EXPIRED' }))).BackupJobs!.some((job) => job.BackupJobId === expired.BackupJobId), true);
    for (const job of wide) {
      const point = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Sched', RecoveryPointArn: job.RecoveryPointArn }));
      assert.equal(point.Status, 'COMPLETED');
    }

    // Once more, a clean stop and start: still one job per scheduled time and rule.
    await server.stop();
    ({ server, s3, backup } = await start(dataDirectory));
    await sleep(HOUR_MS + 500);
    // No more runs, and the last one ended, before jobs and recovery points are counted.
    await backup.send(new DeleteBackupSelectionCommand({ BackupPlanId: plan.BackupPlanId, SelectionId: selection.SelectionId }));
    // A runner step that read the selection before the delete may still make a job; then any run still going ends.
    await sleep(1_000);
    const jobs = await until('the last run to end', () => jobsOnceEnded(backup, 'Sched'), RUNS_ENDED_DEADLINE_MS);
    assert.deepEqual(jobs.filter((job) => !['COMPLETED', 'EXPIRED'].includes(job.State!)), []);
    assertNoDuplicates(jobs);
    const points = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Sched' }))).RecoveryPoints!;
    assert.equal(points.length, jobs.filter((job) => job.State === 'COMPLETED').length);
    await server.stop();
  });

  it('a job a crash left RUNNING past its completion window ends EXPIRED, and keeps no recovery point', async () => {
    const dataDirectory = temporaryDirectory('backup-window');
    let { server, s3, backup } = await start(dataDirectory);
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Window' }));
    await versionedBucket(s3, 'window-data', { 'w.txt': 'window' });
    await server.kill();
    await mkdir(join(dataDirectory, 'backup', 'backup-jobs'), { recursive: true });
    // What a crash in the middle of a job leaves: its record RUNNING, its completion window already over.
    const id = '0123abcd-0000-4000-8000-00000000abcd';
    const creationMs = Date.now() - 10 * HOUR_MS;
    await writeFile(join(dataDirectory, 'backup', 'backup-jobs', `${id}.json`), JSON.stringify({
      id, vaultName: 'Window', resourceArn: 'arn:aws:s3:::window-data', iamRoleArn: BACKUP_ROLE, state: 'RUNNING', creationMs, startByMs: creationMs + HOUR_MS,
      completeWindowMinutes: 120, completeByMs: creationMs + 2 * HOUR_MS, recoveryPointId: 'fedc0000-1111-4222-8333-444455556666', recoveryPointTags: {},
    }));
    ({ server, s3, backup } = await start(dataDirectory));
    const job = await until('the job ended', async () => {
      const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: id }));
      return described.State === 'RUNNING' ? undefined : described;
    });
    assert.equal(job.State, 'EXPIRED');
    assert.equal(job.StatusMessage, 'Backup job expired before completion.');
    assert.deepEqual((await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Window' }))).RecoveryPoints, []);
    await server.stop();
  });

  it(`StopBackupJob racing the runner ${STOP_ROUNDS} times: a stopped job ends ABORTED and never COMPLETED, a completed one never ABORTED`, async (t) => {
    const { server, s3, backup } = await start(temporaryDirectory('backup-race'));
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Race' }));
    await versionedBucket(s3, 'race-data', {});
    for (let first = 0; first < RACE_OBJECTS; first += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, index) => s3.send(new PutObjectCommand({ Bucket: 'race-data', Key: `k/${first + index}`, Body: `object ${first + index}` }))));
    }
    const { seed, source } = suiteSeed('CAIRN_BACKUP_RACE_SEED', 'backup-stop-race');
    t.diagnostic(`seed ${seed} (${source}); replay with CAIRN_BACKUP_RACE_SEED=${seed}`);
    const random = new SeededRandom(seed);
    const outcomes: Array<{ id: string; stopped: boolean; seen: string }> = [];
    for (let round = 0; round < STOP_ROUNDS; round += 1) {
      const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Race', ResourceArn: 'arn:aws:s3:::race-data', IamRoleArn: BACKUP_ROLE }));
      const describe = async () => (await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }))).State!;
      let seen: string;
      if (round % 2 === 0) {
        // A random moment within two runner steps.
        await sleep(random.next() * 500);
        seen = await describe();
      } else {
        // The moment the runner takes the job: as close to its snapshot as a client can aim.
        do seen = await describe(); while (seen === 'CREATED');
      }
      const stop = await backup.send(new StopBackupJobCommand({ BackupJobId: started.BackupJobId })).then(() => undefined, (error: unknown) => error);
      if (stop !== undefined) assert.equal((await backupFailure(Promise.reject(stop))).name, 'InvalidRequestException');
      outcomes.push({ id: started.BackupJobId!, stopped: stop === undefined, seen });
    }
    t.diagnostic(`states seen before the stop: ${outcomes.map((outcome) => `${outcome.seen}${outcome.stopped ? '→stopped' : '→refused'}`).join(', ')}`);
    await until('every job ended', async () => {
      const jobs = await Promise.all(outcomes.map((outcome) => backup.send(new DescribeBackupJobCommand({ BackupJobId: outcome.id }))));
      return jobs.every((job) => ['ABORTED', 'COMPLETED'].includes(job.State!)) ? true : undefined;
    });
    // Two more runner steps, so a wrong late transition would show.
    await sleep(600);
    for (const outcome of outcomes) {
      const job = await backup.send(new DescribeBackupJobCommand({ BackupJobId: outcome.id }));
      assert.equal(job.State, outcome.stopped ? 'ABORTED' : 'COMPLETED', `job ${outcome.id} (${outcome.seen} when stopped)`);
      const point = backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Race', RecoveryPointArn: job.RecoveryPointArn }));
      if (outcome.stopped) assert.equal((await backupFailure(point)).name, 'ResourceNotFoundException');
      else assert.equal((await point).Status, 'COMPLETED');
    }
    const points = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Race' }))).RecoveryPoints!;
    assert.equal(points.length, outcomes.filter((outcome) => !outcome.stopped).length);
    // Stopping an ended job is AWS's InvalidRequestException, and changes nothing.
    const ended = outcomes[0]!;
    assert.equal((await backupFailure(backup.send(new StopBackupJobCommand({ BackupJobId: ended.id })))).name, 'InvalidRequestException');
    assert.equal((await backup.send(new DescribeBackupJobCommand({ BackupJobId: ended.id }))).State, ended.stopped ? 'ABORTED' : 'COMPLETED');
    await server.stop();
  });
});

const byCreation = (a: BackupJob, b: BackupJob): number => a.CreationDate!.getTime() - b.CreationDate!.getTime();
