// FIS API faults and request-metric stop conditions, through @aws-sdk/client-fis on a real server with
// two worker processes: cairn:api:internal-error / throttle / unavailable answer the chosen S3
// operations with S3's InternalError 500 / SlowDown 503 / ServiceUnavailable 503 (for every worker,
// for the percentage asked) and other operations normally, until the experiment stops; a stop
// condition on http_5xx_rate stops the experiment and undoes the fault; bad templates are refused with
// ValidationException and nothing is saved.
import {
  CreateExperimentTemplateCommand, FisClient, FisServiceException, GetActionCommand, GetExperimentCommand, GetExperimentTemplateCommand, ListExperimentTemplatesCommand,
  StartExperimentCommand, StopExperimentCommand, type CreateExperimentTemplateCommandInput, type Experiment,
} from '@aws-sdk/client-fis';
import { HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, type RawResponse } from './helpers/clients.js';
import { eventually as eventuallyWithin } from './helpers/eventually.js';
import { closeDriveSet, openDriveSet, type DriveSetServer } from './helpers/drive-set.js';
import { cairnAdmin } from './helpers/iam.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY } from './helpers/server.js';

const BUCKET = 'api-faults';
const ROLE = 'arn:aws:iam::000000000000:role/cairn-fis';
const WAIT_MS = 20_000;
/** Every worker polls the fault directory (FAULT_POLL_INTERVAL_MS, 200 ms): once one answers with a fault, the others do within a few polls (25 here, for a loaded machine). */
const FAULT_SETTLE_MS = 5_000;
/** PUTs in a row that must fail (on new connections, so both workers answer some) before the fault counts as applied everywhere. */
const CONSECUTIVE_FAILURES = 6;

function template(actions: CreateExperimentTemplateCommandInput['actions'], extra: Partial<CreateExperimentTemplateCommandInput> = {}): CreateExperimentTemplateCommandInput {
  return { clientToken: `token-${Math.random()}`, description: 'API faults', roleArn: ROLE, stopConditions: [{ source: 'none' }], targets: {}, actions, ...extra };
}

const apiAction = (fault: string, operations: string, percentage = '100', duration = 'PT60S') => ({
  actionId: `cairn:api:${fault}`, parameters: { duration, operations, percentage },
});

async function failure(promise: Promise<unknown>): Promise<FisServiceException> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof FisServiceException, `expected an FIS error, got ${String(error)}`);
  return error;
}

/** `probe`'s first defined answer within WAIT_MS (helpers/eventually.ts). */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => eventuallyWithin(what, probe, WAIT_MS);

describe('FIS API faults on a server with two workers', () => {
  let set: DriveSetServer;
  let fis: FisClient;
  // A new connection for each request: the cluster hands connections to the two workers in turn.
  const headers = { connection: 'close' };
  const head = (key: string): Promise<RawResponse> => rawRequest(set.server, { method: 'HEAD', path: `/${BUCKET}/${key}`, headers });
  const get = (key: string): Promise<RawResponse> => rawRequest(set.server, { method: 'GET', path: `/${BUCKET}/${key}`, headers });
  const put = (key: string): Promise<RawResponse> => rawRequest(set.server, { method: 'PUT', path: `/${BUCKET}/${key}`, body: 'data', headers });

  async function start(actions: CreateExperimentTemplateCommandInput['actions'], extra: Partial<CreateExperimentTemplateCommandInput> = {}): Promise<string> {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(template(actions, extra)));
    const { experiment } = await fis.send(new StartExperimentCommand({ clientToken: `run-${Math.random()}`, experimentTemplateId: experimentTemplate!.id }));
    return experiment!.id!;
  }
  const experimentOf = async (id: string): Promise<Experiment> => (await fis.send(new GetExperimentCommand({ id }))).experiment!;
  const finished = (id: string): Promise<Experiment> => eventually(`experiment ${id} to end`, async () => {
    const experiment = await experimentOf(id);
    return ['stopped', 'completed', 'failed'].includes(experiment.state!.status!) ? experiment : undefined;
  });

  before(async () => {
    set = await openDriveSet('fis-api-faults', 1, 2, BUCKET);
    fis = new FisClient({ endpoint: set.server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    assert.equal((await put('present')).status, 200);
  });
  after(async () => {
    fis.destroy();
    await closeDriveSet(set);
  });

  it('refuses bad API-fault templates and stop conditions with ValidationException and saves nothing', async () => {
    const cases: Array<[string, CreateExperimentTemplateCommandInput, RegExp]> = [
      ['unknown action', template({ a: { actionId: 'cairn:api:explode', parameters: { duration: 'PT5S' } } }), /actionId cairn:api:explode is not supported/],
      ['unknown operation', template({ a: apiAction('internal-error', 'PutObject,LaunchRocket') }), /operation LaunchRocket is not an S3 operation/],
      ['empty operation', template({ a: apiAction('internal-error', 'PutObject,') }), /operation \(empty\) is not an S3 operation/],
      ['percentage 0', template({ a: apiAction('throttle', 'GetObject', '0') }), /percentage must be a whole number from 1 to 100/],
      ['percentage 101', template({ a: apiAction('throttle', 'GetObject', '101') }), /percentage must be a whole number from 1 to 100/],
      ['percentage text', template({ a: apiAction('throttle', 'GetObject', 'half') }), /percentage must be a whole number from 1 to 100/],
      ['missing operations', template({ a: { actionId: 'cairn:api:unavailable', parameters: { duration: 'PT5S', percentage: '10' } } }), /parameter operations is required/],
      ['other service', template({ a: { ...apiAction('unavailable', 'GetObject'), parameters: { ...apiAction('unavailable', 'GetObject').parameters, service: 'ec2' } } }), /service ec2 is not supported/],
      ['a target', template({ a: { ...apiAction('unavailable', 'GetObject'), targets: { Roles: 'Nowhere' } } }), /takes no target Roles/],
      ['unknown metric', template({ a: apiAction('unavailable', 'GetObject') }, { stopConditions: [{ source: 'cairn:metric', value: 'http_6xx_rate>0.2' }] }), /metric http_6xx_rate is not known/],
      ['malformed condition', template({ a: apiAction('unavailable', 'GetObject') }, { stopConditions: [{ source: 'cairn:metric', value: 'http_5xx_rate<0.2' }] }), /must read METRIC>N/],
    ];
    for (const [label, input, message] of cases) {
      const error = await failure(fis.send(new CreateExperimentTemplateCommand(input)));
      assert.equal(error.name, 'ValidationException', label);
      assert.equal(error.$metadata.httpStatusCode, 400, label);
      assert.match(error.message, message, label);
    }
    assert.deepEqual((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates, []);
  });

  it('lists the API actions with FIS\'s inject-api parameters', async () => {
    const { action } = await fis.send(new GetActionCommand({ id: 'cairn:api:throttle' }));
    assert.deepEqual(Object.keys(action!.parameters!).sort(), ['duration', 'operations', 'percentage', 'service']);
    assert.equal(action!.parameters!['operations']!.required, true);
    assert.deepEqual(action!.targets, {});
  });

  it('answers the chosen operation InternalError in every worker, others normally, until stopped', async () => {
    const id = await start({ failPuts: apiAction('internal-error', 'PutObject') });
    // Every worker applies it within a poll of the fault directory: then PUTs fail whichever worker answers.
    await eventually('every worker to apply the fault', async () => {
      for (let attempt = 0; attempt < CONSECUTIVE_FAILURES; attempt++) if ((await put('probe')).status !== 500) return undefined;
      return true;
    });
    // Whichever worker answers, every PUT fails and every HEAD is served.
    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = await put('never');
      assert.equal(answer.status, 500);
      assert.equal(answer.errorCode, 'InternalError');
      assert.equal((await head('present')).status, 200);
    }
    // The SDK (default settings, with its retries) sees the same error.
    const sdkError = await set.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'never', Body: 'x' })).catch((error: unknown) => error);
    assert.ok(sdkError instanceof S3ServiceException);
    assert.equal(sdkError.name, 'InternalError');
    assert.equal(sdkError.$metadata.httpStatusCode, 500);
    await fis.send(new StopExperimentCommand({ id }));
    assert.equal((await finished(id)).state!.status, 'stopped');
    // Nothing was written by the refused PUTs; once the fault is undone PUT works again.
    assert.equal((await head('never')).status, 404);
    await eventually('PUT to work again', async () => ((await put('after')).status === 200 ? true : undefined));
    await set.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'after' }));
  });

  it('answers SlowDown and ServiceUnavailable, for about the percentage asked', async () => {
    const throttled = await start({ throttle: apiAction('throttle', 'GetObject', '50') });
    await eventually('the throttle to apply', async () => ((await get('present')).status === 503 ? true : undefined));
    // Counted only once every worker throttles: one that has not yet read the fault would halve the rate.
    await new Promise((resolve) => setTimeout(resolve, FAULT_SETTLE_MS));
    const statuses = new Map<string, number>();
    for (let attempt = 0; attempt < 200; attempt++) {
      const answer = await get('present');
      const key = `${answer.status} ${answer.errorCode ?? ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    assert.deepEqual([...statuses.keys()].sort(), ['200 ', '503 SlowDown']);
    // 50% of 200: far outside 60–140 is more than five standard deviations off.
    assert.ok(statuses.get('503 SlowDown')! > 60 && statuses.get('503 SlowDown')! < 140, JSON.stringify([...statuses]));
    await fis.send(new StopExperimentCommand({ id: throttled }));
    await finished(throttled);
    const unavailable = await start({ unavailable: apiAction('unavailable', 'HeadObject,GetObject', '100', 'PT10S') });
    // A worker that has not yet read the throttle's end may still answer SlowDown; once the new fault
    // holds in every worker, each GET on a new connection is ServiceUnavailable.
    await eventually('the fault to apply in every worker', async () => {
      for (let attempt = 0; attempt < CONSECUTIVE_FAILURES; attempt++) {
        const got = await get('present');
        if (got.status !== 503 || got.errorCode !== 'ServiceUnavailable') return undefined;
      }
      return true;
    });
    // Its duration over, the experiment completes and the fault is gone.
    assert.equal((await finished(unavailable)).state!.status, 'completed');
    await eventually('GET to work again', async () => ((await get('present')).status === 200 ? true : undefined));
  });

  it('stops the experiment when the 5xx rate passes its stop condition, undoing the fault', async () => {
    const id = await start({ failHeads: apiAction('internal-error', 'HeadObject') }, { stopConditions: [{ source: 'cairn:metric', value: 'http_5xx_rate>0.5' }] });
    await eventually('the fault to apply', async () => ((await head('present')).status === 500 ? true : undefined));
    const stopped = await eventually('the stop condition to stop the experiment', async () => {
      // Several failing HEADs to each GetExperiment (which the rate counts too, answered 200).
      for (let attempt = 0; attempt < 4; attempt++) await head('present');
      const experiment = await experimentOf(id);
      return experiment.state!.status === 'stopped' ? experiment : undefined;
    });
    assert.match(stopped.state!.reason!, /Stop condition http_5xx_rate>0\.5 held \(http_5xx_rate was (0\.\d+|1)\)/);
    assert.equal(stopped.actions!['failHeads']!.state!.status, 'stopped');
    await eventually('HEAD to work again', async () => ((await head('present')).status === 200 ? true : undefined));
  });

  it('cairn admin experiment start (template file, saved fault template) / status / stop / list', async () => {
    const file = JSON.stringify({ description: 'from a file', stopConditions: [{ source: 'none' }], actions: { failPuts: apiAction('internal-error', 'PutObject') } });
    const started = await cairnAdmin(set.server, ['experiment', 'start', '--file', '-'], file);
    assert.equal(started.code, 0, started.stderr);
    const id = /^started (EXP[A-Za-z0-9]{15})  (initiating|pending)  template EXT[A-Za-z0-9]{15}/.exec(started.stdout)?.[1];
    assert.ok(id !== undefined, started.stdout);
    await eventually('the fault to apply', async () => ((await put('probe')).status === 500 ? true : undefined));
    assert.match((await cairnAdmin(set.server, ['experiment', 'status', id])).stdout, new RegExp(`^${id}  running  template .*\n  failPuts  cairn:api:internal-error  running`));
    assert.equal((await cairnAdmin(set.server, ['experiment', 'stop', id])).code, 0);
    assert.equal((await finished(id)).state!.status, 'stopped');
    assert.match((await cairnAdmin(set.server, ['experiment', 'list'])).stdout, new RegExp(`${id}  stopped`));
    await eventually('PUT to work again', async () => ((await put('probe')).status === 200 ? true : undefined));

    const saved = { targets: { drives: [1] }, actions: [{ action: 'slow', latencyMs: 5 }], durationSeconds: 1, stopCondition: { maxDrivesOffline: 0 } };
    assert.equal((await cairnAdmin(set.server, ['fault', 'template', 'put', 'slow-one', '-'], JSON.stringify(saved))).code, 0);
    const converted = await cairnAdmin(set.server, ['experiment', 'start', '--fault-template', 'slow-one', '--json']);
    assert.equal(converted.code, 0, converted.stderr);
    const experiment = (JSON.parse(converted.stdout) as { experiment: Experiment }).experiment;
    const { experimentTemplate } = await fis.send(new GetExperimentTemplateCommand({ id: experiment.experimentTemplateId }));
    assert.deepEqual(experimentTemplate!.actions, {
      'slow-1': { actionId: 'cairn:drive:slow', parameters: { duration: 'PT1S', latencyMilliseconds: '5' }, targets: { Drives: 'Drives' }, startAfter: [] },
    });
    assert.deepEqual(experimentTemplate!.stopConditions, [{ source: 'cairn:metric', value: `arn:aws:cairn:${TEST_REGION}:000000000000:alarm/drives_offline>0` }]);
    assert.equal((await finished(experiment.id!)).state!.status, 'completed');
  });

  it('cairn admin experiment refuses bad command lines and bad templates', async () => {
    const templatesBefore = (await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates!.length;
    assert.equal((await cairnAdmin(set.server, ['experiment', 'start'])).code, 2);
    assert.equal((await cairnAdmin(set.server, ['experiment', 'start', 'EXT1', '--file', 'x.json'])).code, 2);
    assert.equal((await cairnAdmin(set.server, ['experiment', 'explode'])).code, 2);
    const missing = await cairnAdmin(set.server, ['experiment', 'status', 'EXPnothing']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ResourceNotFoundException: Experiment EXPnothing not found/);
    const bad = await cairnAdmin(set.server, ['experiment', 'start', '--file', '-'], JSON.stringify({ description: 'bad', stopConditions: [{ source: 'none' }], actions: { a: { actionId: 'cairn:host:melt' } } }));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ValidationException: Action a: actionId cairn:host:melt is not supported/);
    const noSuchFaultTemplate = await cairnAdmin(set.server, ['experiment', 'start', '--fault-template', 'nothing']);
    assert.equal(noSuchFaultTemplate.code, 1);
    assert.match(noSuchFaultTemplate.stderr, /NoSuchTemplate/);
    assert.equal((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates!.length, templatesBefore);
  });
});
