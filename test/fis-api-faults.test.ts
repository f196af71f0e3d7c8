// FIS API faults and request-metric stop conditions, through @aws-sdk/client-fis on a real server with
// two worker processes: cairn:api:internal-error / throttle / unavailable answer the chosen S3
// operations with S3's InternalError 500 / SlowDown 503 / ServiceUnavailable 503 (for every worker,
// for the percentage asked) and other operations normally, until the experiment stops; a stop
// condition on http_5xx_rate stops the experiment and undoes the fault; bad templates are refused with
// ValidationException and nothing is saved.
import {
  CreateExperimentTemplateCommand, FisClient, FisServiceException, GetActionCommand, GetExperimentCommand, ListExperimentTemplatesCommand,
  StartExperimentCommand, StopExperimentCommand, type CreateExperimentTemplateCommandInput, type Experiment,
} from '@aws-sdk/client-fis';
import { HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, type RawResponse } from './helpers/clients.js';
import { closeDriveSet, openDriveSet, type DriveSetServer } from './helpers/drive-set.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY } from './helpers/server.js';

const BUCKET = 'api-faults';
const ROLE = 'arn:aws:iam::000000000000:role/cairn-fis';
const WAIT_MS = 20_000;
const POLL_MS = 100;
/** Three of the fault watcher's polls (FAULT_POLL_INTERVAL_MS). */
const FAULT_POLLS_WAIT_MS = 600;

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

async function eventually<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('FIS API faults on a server with two workers', () => {
  let set: DriveSetServer;
  let fis: FisClient;
  const head = (key: string): Promise<RawResponse> => rawRequest(set.server, { method: 'HEAD', path: `/${BUCKET}/${key}` });
  const get = (key: string): Promise<RawResponse> => rawRequest(set.server, { method: 'GET', path: `/${BUCKET}/${key}` });
  const put = (key: string): Promise<RawResponse> => rawRequest(set.server, { method: 'PUT', path: `/${BUCKET}/${key}`, body: 'data' });

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
    await eventually('the fault to apply', async () => ((await put('probe')).status === 500 ? true : undefined));
    // Every worker applies it within one poll of the fault directory.
    await new Promise((resolve) => setTimeout(resolve, FAULT_POLLS_WAIT_MS));
    // Two workers answer in turn on new connections: every PUT fails, every HEAD is served.
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
    const unavailable = await start({ unavailable: apiAction('unavailable', 'HeadObject,GetObject', '100', 'PT2S') });
    const answer = await eventually('the fault to apply', async () => {
      const got = await get('present');
      return got.status === 503 ? got : undefined;
    });
    assert.equal(answer.errorCode, 'ServiceUnavailable');
    // Its duration over, the experiment completes and the fault is gone.
    assert.equal((await finished(unavailable)).state!.status, 'completed');
    await eventually('GET to work again', async () => ((await get('present')).status === 200 ? true : undefined));
  });

  it('stops the experiment when the 5xx rate passes its stop condition, undoing the fault', async () => {
    const id = await start({ failHeads: apiAction('internal-error', 'HeadObject') }, { stopConditions: [{ source: 'cairn:metric', value: 'http_5xx_rate>0.5' }] });
    await eventually('the fault to apply', async () => ((await head('present')).status === 500 ? true : undefined));
    const stopped = await eventually('the stop condition to stop the experiment', async () => {
      await head('present');
      const experiment = await experimentOf(id);
      return experiment.state!.status === 'stopped' ? experiment : undefined;
    });
    assert.match(stopped.state!.reason!, /Stop condition http_5xx_rate>0\.5 held \(http_5xx_rate was (0\.\d+|1)\)/);
    assert.equal(stopped.actions!['failHeads']!.state!.status, 'stopped');
    await eventually('HEAD to work again', async () => ((await head('present')).status === 200 ? true : undefined));
  });
});
