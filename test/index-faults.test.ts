// A database that goes away, and FIS's index actions, on a real server (two workers) whose PostgreSQL
// index is a server this test owns (initdb/pg_ctl as the postgres user): with the database stopped,
// requests fail fast with 503 SlowDown and write nothing, the server stays up, and it serves again by
// itself once the database is back; under continuous traffic through a crash of the database, no
// acknowledged write is lost and no answer is a 500 or a hang. cairn:index:pause answers SlowDown for
// its duration and recovers; cairn:index:drop-connections breaks the pools' connections and the next
// requests reconnect. Index actions on a SQLite server, or aimed at the wrong resource, are refused
// with ValidationException and nothing is saved.
import {
  CreateExperimentTemplateCommand, FisClient, FisServiceException, GetExperimentCommand, ListExperimentTemplatesCommand, StartExperimentCommand,
  type CreateExperimentTemplateCommandInput, type Experiment,
} from '@aws-sdk/client-fis';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AckedWriteChecker, assertNoWorkerExited } from './helpers/acked-writes.js';
import { eventually } from './helpers/eventually.js';
import { rawRequest, type RawResponse } from './helpers/clients.js';
import { OwnedPostgres, ownedPostgresUnavailable } from './helpers/postgres-instance.js';
import { startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const BUCKET = 'index-faults';
const ROLE = 'arn:aws:iam::000000000000:role/cairn-fis';
/** An answer while the database is gone must come at least this fast (the pool's connect timeout is 2 s). */
const FAIL_FAST_MS = 5_000;
/** After the database returns, requests succeed again within this long. */
const RECOVERY_MS = 15_000;
const INDEX_ARN = `arn:aws:cairn:${TEST_REGION}:000000000000:index/default`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function indexTemplate(actions: CreateExperimentTemplateCommandInput['actions'], targets: CreateExperimentTemplateCommandInput['targets'] = {
  db: { resourceType: 'cairn:index:database', selectionMode: 'ALL' },
}): CreateExperimentTemplateCommandInput {
  return { clientToken: `token-${Math.random()}`, description: 'index faults', roleArn: ROLE, stopConditions: [{ source: 'none' }], targets, actions };
}

function fisClientOf(server: RunningServer): FisClient {
  return new FisClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
}

describe('a PostgreSQL index that goes away', { skip: ownedPostgresUnavailable() }, () => {
  let database: OwnedPostgres;
  let server: RunningServer;
  let fis: FisClient;
  const headers = { connection: 'close' };
  const put = (key: string, body = `body of ${key}`): Promise<RawResponse> => rawRequest(server, { method: 'PUT', path: `/${BUCKET}/${key}`, body, headers });
  const get = (key: string): Promise<RawResponse> => rawRequest(server, { method: 'GET', path: `/${BUCKET}/${key}`, headers });
  const list = (): Promise<RawResponse> => rawRequest(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2' }, headers });

  async function timed(request: () => Promise<RawResponse>): Promise<{ answer: RawResponse; elapsedMs: number }> {
    const startedMs = Date.now();
    const answer = await request();
    return { answer, elapsedMs: Date.now() - startedMs };
  }

  async function assertFailsFast(label: string, request: () => Promise<RawResponse>): Promise<void> {
    const { answer, elapsedMs } = await timed(request);
    assert.equal(answer.status, 503, `${label}: ${answer.text}`);
    assert.equal(answer.errorCode, 'SlowDown', label);
    assert.ok(elapsedMs < FAIL_FAST_MS, `${label} answered in ${elapsedMs} ms`);
  }

  async function runExperiment(input: CreateExperimentTemplateCommandInput): Promise<string> {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(input));
    const { experiment } = await fis.send(new StartExperimentCommand({ clientToken: `run-${Math.random()}`, experimentTemplateId: experimentTemplate!.id }));
    return experiment!.id!;
  }

  const ended = (id: string): Promise<Experiment> => eventually(`experiment ${id} to end`, async () => {
    const { experiment } = await fis.send(new GetExperimentCommand({ id }));
    return ['stopped', 'completed', 'failed'].includes(experiment!.state!.status!) ? experiment : undefined;
  }, 30_000);

  before(async () => {
    database = await OwnedPostgres.primary();
    await database.start();
    server = await startServer({ extraArgs: ['--index', database.url, '--workers', '2'] });
    fis = fisClientOf(server);
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
  });
  after(async () => {
    fis?.destroy();
    await server?.dispose();
    await database?.dispose();
  });

  it('fails fast with 503 SlowDown while the database is stopped, writes nothing, and recovers by itself', async () => {
    assert.equal((await put('before')).status, 200);
    await database.stop('fast');
    for (let attempt = 0; attempt < 4; attempt++) {
      await assertFailsFast(`PUT ${attempt}`, () => put(`during-${attempt}`));
      await assertFailsFast(`GET ${attempt}`, () => get('before'));
      await assertFailsFast(`LIST ${attempt}`, list);
    }
    assert.equal(server.process.exitCode, null, 'the server is still running');
    await database.start();
    await eventually('a PUT to succeed again', async () => ((await put('after')).status === 200 ? true : undefined), RECOVERY_MS);
    assert.equal((await get('before')).text, 'body of before');
    assert.equal((await get('after')).text, 'body of after');
    for (let attempt = 0; attempt < 4; attempt++) assert.equal((await get(`during-${attempt}`)).status, 404, `during-${attempt} was never written`);
  });

  it('loses no acknowledged write through a crash of the database under traffic, and answers only successes or 503', async (t) => {
    const checker = new AckedWriteChecker([server], BUCKET, 3);
    checker.start();
    await sleep(1_500);
    await database.stop('immediate');
    await sleep(3_000);
    await database.start();
    await sleep(3_000);
    await checker.stop();
    const report = await checker.verify(server);
    t.diagnostic(`answers: ${JSON.stringify(report.statuses)}; acknowledged writes ${report.acknowledgedWrites}; slowest ${report.slowestMs} ms`);
    assert.deepEqual(report.violations, [], JSON.stringify(report.statuses));
    assertNoWorkerExited(server);
    assert.ok((report.statuses['PUT 503'] ?? 0) > 0, `some PUTs met the outage: ${JSON.stringify(report.statuses)}`);
    assert.ok(report.acknowledgedWrites > 10, `traffic was acknowledged: ${report.acknowledgedWrites}`);
  });

  it('cairn:index:pause answers SlowDown in every worker for its duration, then serves again', async () => {
    const id = await runExperiment(indexTemplate({ pause: { actionId: 'cairn:index:pause', parameters: { duration: 'PT10S' }, targets: { Databases: 'db' } } }));
    // 10 s: the pause must outlast its detection in both workers and the GET after it on a loaded machine.
    await eventually('every worker to pause', async () => {
      for (let attempt = 0; attempt < 6; attempt++) if ((await put('paused')).status !== 503) return undefined;
      return true;
    }, 20_000);
    await assertFailsFast('GET while paused', () => get('before'));
    const experiment = await ended(id);
    assert.equal(experiment.state!.status, 'completed');
    await eventually('PUTs to succeed after the pause', async () => ((await put('after-pause')).status === 200 ? true : undefined), RECOVERY_MS);
    for (let attempt = 0; attempt < 6; attempt++) assert.equal((await get('after-pause')).status, 200);
  });

  it('cairn:index:drop-connections breaks every pooled connection, and the next requests reconnect', async () => {
    for (let attempt = 0; attempt < 6; attempt++) assert.equal((await put(`warm-${attempt}`)).status, 200);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const backends = async (): Promise<number[]> => (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'cairn'")).rows.map((row) => row.pid);
      const before = await backends();
      assert.ok(before.length > 0, 'the workers hold pooled connections');
      const experiment = await ended(await runExperiment(indexTemplate({ drop: { actionId: 'cairn:index:drop-connections', targets: { Databases: 'db' } } })));
      assert.equal(experiment.state!.status, 'completed');
      await eventually('the old connections to be gone', async () => ((await backends()).some((pid) => before.includes(pid)) ? undefined : true), 10_000);
      for (let attempt = 0; attempt < 6; attempt++) assert.equal((await get(`warm-${attempt}`)).status, 200);
      assert.ok((await backends()).length > 0, 'the pools connected again');
    } finally {
      await admin.end();
    }
  });

  it('refuses index targets of the wrong shape with ValidationException', async () => {
    const cases: Array<[string, CreateExperimentTemplateCommandInput, RegExp]> = [
      ['drive action on the index', indexTemplate({ a: { actionId: 'cairn:drive:fail', parameters: { duration: 'PT5S' }, targets: { Drives: 'db' } } }), /must be of resourceType cairn:storage:drive/],
      ['index action without target', indexTemplate({ a: { actionId: 'cairn:index:pause', parameters: { duration: 'PT5S' } } }), /needs a Databases target/],
      ['another index ARN', indexTemplate({ a: { actionId: 'cairn:index:drop-connections', targets: { Databases: 'db' } } }, {
        db: { resourceType: 'cairn:index:database', selectionMode: 'ALL', resourceArns: [INDEX_ARN.replace('default', 'other')] },
      }), /is not this server's index/],
      ['unknown resource type', indexTemplate({ a: { actionId: 'cairn:index:pause', parameters: { duration: 'PT5S' }, targets: { Databases: 'db' } } }, {
        db: { resourceType: 'cairn:index:table', selectionMode: 'ALL' },
      }), /resourceType cairn:index:table is not supported/],
    ];
    const templatesBefore = (await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates!.length;
    for (const [label, input, message] of cases) {
      const error = await fis.send(new CreateExperimentTemplateCommand(input)).then(() => undefined, (caught: unknown) => caught);
      assert.ok(error instanceof FisServiceException, label);
      assert.equal(error.name, 'ValidationException', label);
      assert.match(error.message, message, label);
    }
    assert.equal((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates!.length, templatesBefore);
  });
});

describe('index actions on a SQLite server', () => {
  it('are refused with ValidationException: the embedded index has no connections to drop', async () => {
    const indexDirectory = temporaryDirectory('sqlite-index');
    const server = await startServer({ extraArgs: ['--index', join(indexDirectory, 'index'), '--workers', '1'] });
    const fis = fisClientOf(server);
    try {
      const input = indexTemplate({ pause: { actionId: 'cairn:index:pause', parameters: { duration: 'PT5S' }, targets: { Databases: 'db' } } });
      const error = await fis.send(new CreateExperimentTemplateCommand(input)).then(() => undefined, (caught: unknown) => caught);
      assert.ok(error instanceof FisServiceException);
      assert.equal(error.name, 'ValidationException');
      assert.match(error.message, /needs the PostgreSQL index; this server's index is SQLite/);
      assert.deepEqual((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates, []);
    } finally {
      fis.destroy();
      await server.dispose();
      rmSync(indexDirectory, { recursive: true, force: true });
    }
  });
});
