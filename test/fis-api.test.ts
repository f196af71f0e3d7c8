// The FIS API through @aws-sdk/client-fis (default settings) and the aws CLI, on a real 4-drive server:
// the catalog (actions, target resource types), experiment templates (create, idempotent repeat, get,
// update, list, tags, delete), bad templates refused with ValidationException and nothing saved,
// experiments run to completion (faults injected on the resolved drives for their duration, startAfter
// respected), stopped by StopExperiment and by a stop condition (every fault removed), and IAM.
import {
  CreateExperimentTemplateCommand, DeleteExperimentTemplateCommand, FisClient, FisServiceException, GetActionCommand, GetExperimentCommand,
  GetExperimentTemplateCommand, ListActionsCommand, ListExperimentResolvedTargetsCommand, ListExperimentTemplatesCommand, ListExperimentsCommand,
  ListTagsForResourceCommand, ListTargetResourceTypesCommand, StartExperimentCommand, StopExperimentCommand, TagResourceCommand,
  UntagResourceCommand, UpdateExperimentTemplateCommand, type CreateExperimentTemplateCommandInput, type Experiment,
} from '@aws-sdk/client-fis';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { closeDriveSet, openDriveSet, type DriveSetServer } from './helpers/drive-set.js';
import { adminCall } from './helpers/faults.js';
import { createUser } from './helpers/iam.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const DRIVES = 4;
const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cairn-fis`;
const EXPERIMENT_WAIT_MS = 20_000;
const driveArn = (drive: number) => `arn:aws:cairn:${TEST_REGION}:${ACCOUNT}:drive/${drive}`;

function fisClient(server: RunningServer, credentials = { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }): FisClient {
  return new FisClient({ endpoint: server.endpoint, region: TEST_REGION, credentials });
}

async function failure(promise: Promise<unknown>): Promise<FisServiceException> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof FisServiceException, `expected an FIS error, got ${String(error)}`);
  return error;
}

function template(actions: CreateExperimentTemplateCommandInput['actions'], extra: Partial<CreateExperimentTemplateCommandInput> = {}): CreateExperimentTemplateCommandInput {
  return {
    clientToken: `token-${Math.random()}`, description: 'a test template', roleArn: ROLE, stopConditions: [{ source: 'none' }],
    targets: { TwoDrives: { resourceType: 'cairn:storage:drive', resourceArns: [driveArn(1), driveArn(2)], selectionMode: 'ALL' } },
    actions, ...extra,
  };
}

async function experimentFaults(server: RunningServer, experimentId: string): Promise<Array<{ drive: number; action: string }>> {
  const { status, json } = await adminCall(server, 'GET', '/faults');
  assert.equal(status, 200);
  return (json.faults as Array<{ drive: number; action: string; experiment?: string }>).filter((fault) => fault.experiment === experimentId);
}

async function waitForStatus(fis: FisClient, id: string, statuses: string[]): Promise<Experiment> {
  const deadline = Date.now() + EXPERIMENT_WAIT_MS;
  for (;;) {
    const { experiment } = await fis.send(new GetExperimentCommand({ id }));
    if (statuses.includes(experiment!.state!.status!)) return experiment!;
    if (Date.now() > deadline) throw new Error(`experiment ${id} still ${experiment!.state!.status} after ${EXPERIMENT_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the FIS API on a 4-drive server', () => {
  let set: DriveSetServer;
  let fis: FisClient;
  before(async () => {
    set = await openDriveSet('fis', DRIVES, 1, 'fis-bucket');
    fis = fisClient(set.server);
  });
  after(async () => {
    fis.destroy();
    await closeDriveSet(set);
  });

  it('lists its actions and target resource types', async () => {
    const { actions } = await fis.send(new ListActionsCommand({}));
    assert.deepEqual(actions!.map((action) => action.id), [
      'cairn:drive:fail', 'cairn:drive:slow', 'cairn:drive:read-only', 'cairn:drive:corrupt', 'cairn:index:pause', 'cairn:index:drop-connections',
      'cairn:host:stop', 'cairn:host:disrupt-connectivity', 'cairn:api:internal-error', 'cairn:api:throttle', 'cairn:api:unavailable', 'aws:fis:wait',
    ]);
    const { action } = await fis.send(new GetActionCommand({ id: 'cairn:drive:slow' }));
    assert.deepEqual(Object.keys(action!.parameters!).sort(), ['duration', 'latencyMilliseconds']);
    assert.equal(action!.parameters!['duration']!.required, true);
    assert.deepEqual(action!.targets, { Drives: { resourceType: 'cairn:storage:drive' } });
    const types = await fis.send(new ListTargetResourceTypesCommand({}));
    assert.deepEqual(types.targetResourceTypes!.map((type) => type.resourceType), ['cairn:storage:drive', 'cairn:index:database', 'cairn:cluster:host']);
    const missing = await failure(fis.send(new GetActionCommand({ id: 'aws:ec2:stop-instances' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.$metadata.httpStatusCode, 404);
  });

  it('refuses bad templates with ValidationException and saves nothing', async () => {
    const fail = (parameters: Record<string, string> = { duration: 'PT5S' }) => ({ actionId: 'cairn:drive:fail', parameters, targets: { Drives: 'TwoDrives' } });
    const cases: Array<[string, CreateExperimentTemplateCommandInput, RegExp]> = [
      ['unknown action', template({ a: { actionId: 'aws:ec2:stop-instances', targets: { Drives: 'TwoDrives' } } }), /actionId aws:ec2:stop-instances is not supported/],
      ['undefined target', template({ a: { ...fail(), targets: { Drives: 'Nowhere' } } }), /target Nowhere is not defined/],
      ['missing duration', template({ a: fail({}) }), /parameter duration is required/],
      ['malformed duration', template({ a: fail({ duration: '30s' }) }), /not an ISO 8601 duration/],
      ['unknown parameter', template({ a: fail({ duration: 'PT5S', color: 'red' }) }), /has no parameter color/],
      ['startAfter cycle', template({ a: { ...fail(), startAfter: ['b'] }, b: { ...fail(), startAfter: ['a'] } }), /cycle/],
      ['unknown resource type', template({ a: fail() }, { targets: { TwoDrives: { resourceType: 'aws:ec2:instance', selectionMode: 'ALL' } } }), /resourceType aws:ec2:instance is not supported/],
      ['drive out of range', template({ a: fail() }, { targets: { TwoDrives: { resourceType: 'cairn:storage:drive', resourceArns: [driveArn(9)], selectionMode: 'ALL' } } }), /not a drive of this server/],
      ['bad selection mode', template({ a: fail() }, { targets: { TwoDrives: { resourceType: 'cairn:storage:drive', selectionMode: 'SOME' } } }), /selectionMode must be ALL, COUNT\(n\) or PERCENT\(n\)/],
      ['unknown stop metric', template({ a: fail() }, { stopConditions: [{ source: 'cairn:metric', value: 'cpu_temperature>90' }] }), /metric cpu_temperature is not known/],
      ['unknown stop source', template({ a: fail() }, { stopConditions: [{ source: 'aws:cloudwatch:alarm', value: 'arn:aws:cloudwatch:x' }] }), /source aws:cloudwatch:alarm is not supported/],
    ];
    for (const [label, input, message] of cases) {
      const error = await failure(fis.send(new CreateExperimentTemplateCommand(input)));
      assert.equal(error.name, 'ValidationException', label);
      assert.equal(error.$metadata.httpStatusCode, 400, label);
      assert.match(error.message, message, label);
    }
    const { experimentTemplates } = await fis.send(new ListExperimentTemplatesCommand({}));
    assert.deepEqual(experimentTemplates, []);
  });

  it('creates, repeats idempotently, gets, updates, tags and deletes a template', async () => {
    const input = template({ wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1S' } } }, { tags: { team: 'storage' } });
    const created = (await fis.send(new CreateExperimentTemplateCommand(input))).experimentTemplate!;
    assert.match(created.id!, /^EXT[A-Za-z0-9]{15}$/);
    // The registry's newest @aws-sdk/client-fis (3.523) predates the template's `arn` member: the ARN is built as FIS builds it.
    const arn = `arn:aws:fis:${TEST_REGION}:${ACCOUNT}:experiment-template/${created.id}`;
    assert.ok(created.creationTime instanceof Date);
    const again = (await fis.send(new CreateExperimentTemplateCommand(input))).experimentTemplate!;
    assert.equal(again.id, created.id);
    await fis.send(new UpdateExperimentTemplateCommand({ id: created.id, description: 'renamed' }));
    const got = (await fis.send(new GetExperimentTemplateCommand({ id: created.id }))).experimentTemplate!;
    assert.equal(got.description, 'renamed');
    assert.deepEqual(got.actions, { wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1S' }, targets: {}, startAfter: [] } });
    await fis.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'test' } }));
    await fis.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    assert.deepEqual((await fis.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: 'test' });
    assert.deepEqual((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates!.map((summary) => summary.id), [created.id]);
    await fis.send(new DeleteExperimentTemplateCommand({ id: created.id }));
    const gone = await failure(fis.send(new GetExperimentTemplateCommand({ id: created.id })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  it('runs an experiment: faults on the resolved drives for their duration, then the action after it', async () => {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(template({
      slowDrives: { actionId: 'cairn:drive:slow', parameters: { duration: 'PT2S', latencyMilliseconds: '5' }, targets: { Drives: 'TwoDrives' } },
      thenWait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1S' }, startAfter: ['slowDrives'] },
    })));
    const started = (await fis.send(new StartExperimentCommand({ clientToken: 'run-1', experimentTemplateId: experimentTemplate!.id }))).experiment!;
    assert.match(started.id!, /^EXP[A-Za-z0-9]{15}$/);
    assert.equal(started.state!.status, 'initiating');
    const running = await waitForStatus(fis, started.id!, ['running']);
    assert.equal(running.actions!['thenWait']!.state!.status, 'pending');
    assert.deepEqual((await experimentFaults(set.server, started.id!)).map((fault) => [fault.drive, fault.action]).sort(), [[1, 'slow'], [2, 'slow']]);
    const done = await waitForStatus(fis, started.id!, ['completed', 'failed', 'stopped']);
    assert.equal(done.state!.status, 'completed', JSON.stringify(done.state));
    const slow = done.actions!['slowDrives']!;
    const wait = done.actions!['thenWait']!;
    assert.equal(slow.state!.status, 'completed');
    assert.ok(slow.endTime!.getTime() - slow.startTime!.getTime() >= 2000);
    assert.ok(wait.startTime!.getTime() >= slow.endTime!.getTime());
    const resolved = await fis.send(new ListExperimentResolvedTargetsCommand({ experimentId: started.id }));
    assert.deepEqual(resolved.resolvedTargets!.map((target) => target.targetInformation!['arn']).sort(), [driveArn(1), driveArn(2)]);
    const listed = await fis.send(new ListExperimentsCommand({}));
    assert.deepEqual(listed.experiments!.map((experiment) => [experiment.id, experiment.experimentTemplateId]), [[started.id, experimentTemplate!.id]]);
  });

  it('stops an experiment on StopExperiment, removing its faults', async () => {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(template({
      failOne: { actionId: 'cairn:drive:fail', parameters: { duration: 'PT60S' }, targets: { Drives: 'OneDrive' } },
    }, { targets: { OneDrive: { resourceType: 'cairn:storage:drive', selectionMode: 'COUNT(1)' } } })));
    const started = (await fis.send(new StartExperimentCommand({ clientToken: 'run-stop', experimentTemplateId: experimentTemplate!.id }))).experiment!;
    await waitForStatus(fis, started.id!, ['running']);
    assert.equal((await experimentFaults(set.server, started.id!)).length, 1);
    const stopping = (await fis.send(new StopExperimentCommand({ id: started.id }))).experiment!;
    assert.equal(stopping.state!.status, 'stopping');
    const stopped = await waitForStatus(fis, started.id!, ['stopped', 'completed', 'failed']);
    assert.equal(stopped.state!.status, 'stopped');
    assert.equal(stopped.actions!['failOne']!.state!.status, 'stopped');
    assert.deepEqual(await experimentFaults(set.server, started.id!), []);
    const again = await failure(fis.send(new StopExperimentCommand({ id: started.id })));
    assert.equal(again.name, 'ConflictException');
  });

  it('stops an experiment when its stop condition holds', async () => {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(template({
      failTwo: { actionId: 'cairn:drive:fail', parameters: { duration: 'PT60S' }, targets: { Drives: 'TwoDrives' } },
      // The alarm-ARN form of the condition (the aws CLI's model wants a value of 20 characters or more).
    }, { stopConditions: [{ source: 'cairn:metric', value: `arn:aws:cairn:${TEST_REGION}:${ACCOUNT}:alarm/drives_offline>1` }] })));
    const started = (await fis.send(new StartExperimentCommand({ clientToken: 'run-condition', experimentTemplateId: experimentTemplate!.id }))).experiment!;
    const stopped = await waitForStatus(fis, started.id!, ['stopped', 'completed', 'failed']);
    assert.equal(stopped.state!.status, 'stopped');
    assert.match(stopped.state!.reason!, /Stop condition drives_offline>1 held \(drives_offline was 2\)/);
    assert.deepEqual(await experimentFaults(set.server, started.id!), []);
  });

  it('authorizes fis: actions by the user\'s policy', async () => {
    const keys = await createUser(set.server, 'fis-nobody');
    const user = fisClient(set.server, keys);
    const denied = await failure(user.send(new ListExperimentTemplatesCommand({})));
    user.destroy();
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.$metadata.httpStatusCode, 403);
  });

  it('answers the aws CLI\'s fis commands', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY, AWS_DEFAULT_REGION: TEST_REGION };
    const { stdout } = await promisify(execFile)('aws', ['fis', 'list-actions', '--endpoint-url', set.server.endpoint, '--output', 'json'], { env, timeout: 30_000 });
    const ids = (JSON.parse(stdout) as { actions: Array<{ id: string }> }).actions.map((action) => action.id);
    assert.ok(ids.includes('cairn:drive:fail'), stdout);
  });
});
