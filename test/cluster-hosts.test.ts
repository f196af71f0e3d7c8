// FIS's host actions on two front ends sharing one PostgreSQL index (a database of this test on the
// local PostgreSQL): each registers itself (host id, role, address) with a heartbeat; an experiment
// made through one front end's FIS API (@aws-sdk/client-fis) reaches the other through the database:
// cairn:host:disrupt-connectivity cuts it off (connections reset, its own index calls fail) for the
// duration, then it serves again by itself; cairn:host:stop makes its server (primary and workers)
// exit. Bad host targets are refused with ValidationException, and a target naming no live host fails
// the experiment. A drive server started with --index (`cairn drive serve --index`) registers as a
// drive-server host and obeys the same two actions. (Each front end keeps its own local drive here:
// this is not a shared-storage cluster; test/cluster-netns.test.ts is one.)
import {
  CreateExperimentTemplateCommand, FisClient, FisServiceException, GetExperimentCommand, ListExperimentResolvedTargetsCommand, ListTargetResourceTypesCommand,
  StartExperimentCommand, type CreateExperimentTemplateCommandInput, type Experiment,
} from '@aws-sdk/client-fis';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { request } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { serveDrives, type DriveServerProcess } from './helpers/drive-servers.js';
import { eventually } from './helpers/eventually.js';
import { rawRequest, type RawResponse } from './helpers/clients.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const ROLE = 'arn:aws:iam::000000000000:role/cairn-fis';
const HOST_ARN = (id: string): string => `arn:aws:cairn:${TEST_REGION}:000000000000:host/${id}`;
/**
 * How long the cut-off lasts in this test: long enough for the detection and six requests inside it
 * on a loaded machine, and well below HOST_HEARTBEAT_STALE_MS (10 s), past which a cut-off host
 * drops out of the registry and the stop command that follows could not resolve it.
 */
const DISRUPTION_SECONDS = 7;
/** New connections refused in a row that show every process of a cut-off front end has read its command. */
const CUT_OFF_PROBES = 6;
const WAIT_MS = 20_000;

/** An unsigned request to a drive server: its status (401) while it serves, undefined when the connection fails. */
function driveServerAnswers(drives: DriveServerProcess): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(`${drives.baseUrl}/drive/format`, { headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function hostTemplate(action: Record<string, unknown>, target: Record<string, unknown>): CreateExperimentTemplateCommandInput {
  return {
    clientToken: `token-${Math.random()}`, description: 'host faults', roleArn: ROLE, stopConditions: [{ source: 'none' }],
    targets: { hosts: { resourceType: 'cairn:cluster:host', selectionMode: 'ALL', ...target } }, actions: { act: { ...action, targets: { Hosts: 'hosts' } } },
  } as unknown as CreateExperimentTemplateCommandInput;
}

describe('FIS host actions on two front ends sharing a PostgreSQL index', () => {
  let url: string;
  let frontA: RunningServer;
  let frontB: RunningServer;
  let drives: DriveServerProcess;
  const driveRoot = temporaryDirectory('cluster-hosts-drive');
  let fis: FisClient;
  const put = (server: RunningServer, key: string): Promise<RawResponse> => rawRequest(server, { method: 'PUT', path: `/hosts-${key}`, headers: { connection: 'close' } });

  async function run(input: CreateExperimentTemplateCommandInput): Promise<string> {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(input));
    const { experiment } = await fis.send(new StartExperimentCommand({ clientToken: `run-${Math.random()}`, experimentTemplateId: experimentTemplate!.id }));
    return experiment!.id!;
  }
  const ended = (id: string): Promise<Experiment> => eventually(`experiment ${id} to end`, async () => {
    const { experiment } = await fis.send(new GetExperimentCommand({ id }));
    return ['stopped', 'completed', 'failed'].includes(experiment!.state!.status!) ? experiment : undefined;
  }, WAIT_MS);

  before(async () => {
    url = await createTestDatabase();
    frontA = await startServer({ extraArgs: ['--index', url, '--workers', '2'], env: { CAIRN_HOST_ID: 'front-a' } });
    frontB = await startServer({ extraArgs: ['--index', url, '--workers', '1'], env: { CAIRN_HOST_ID: 'front-b' } });
    mkdirSync(join(driveRoot, 'drive'));
    drives = await serveDrives([join(driveRoot, 'drive')], { extraArgs: ['--index', url], env: { CAIRN_HOST_ID: 'drives-c' } });
    fis = new FisClient({ endpoint: frontB.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  });
  after(async () => {
    fis?.destroy();
    await frontA?.dispose();
    await frontB?.dispose();
    await drives?.kill();
    rmSync(driveRoot, { recursive: true, force: true });
    if (url !== undefined) await dropTestDatabase(url);
  });

  it('registers each front end and the drive server with its address, role and heartbeat', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await eventually('both hosts to register', async () => {
        const { rows } = await client.query<{ host_id: string; role: string; address: string }>('SELECT host_id, role, address FROM cluster_hosts ORDER BY host_id');
        return rows.length === 3 ? rows : undefined;
      }, WAIT_MS);
      assert.deepEqual(rows, [
        { host_id: 'drives-c', role: 'drive-server', address: `127.0.0.1:${drives.port}` },
        { host_id: 'front-a', role: 'frontend', address: `127.0.0.1:${frontA.port}` },
        { host_id: 'front-b', role: 'frontend', address: `127.0.0.1:${frontB.port}` },
      ]);
    } finally {
      await client.end();
    }
    const { targetResourceTypes } = await fis.send(new ListTargetResourceTypesCommand({}));
    assert.ok(targetResourceTypes!.some((type) => type.resourceType === 'cairn:cluster:host'));
  });

  it('refuses bad host targets with ValidationException, and fails an experiment whose target names no live host', async () => {
    const cases: Array<[string, CreateExperimentTemplateCommandInput, RegExp]> = [
      ['unknown action', hostTemplate({ actionId: 'cairn:host:explode' }, {}), /actionId cairn:host:explode is not supported/],
      ['malformed ARN', hostTemplate({ actionId: 'cairn:host:stop' }, { resourceArns: ['arn:aws:cairn:us-east-1:000000000000:host/a b'] }), /is not a host ARN of this cluster/],
      ['other region', hostTemplate({ actionId: 'cairn:host:stop' }, { resourceArns: ['arn:aws:cairn:eu-west-1:000000000000:host/front-a'] }), /is not a host ARN of this cluster/],
      ['unknown tag', hostTemplate({ actionId: 'cairn:host:stop' }, { resourceTags: { zone: 'a' } }), /hosts carry one tag, role/],
      ['missing duration', hostTemplate({ actionId: 'cairn:host:disrupt-connectivity' }, {}), /parameter duration is required/],
    ];
    for (const [label, input, message] of cases) {
      const error = await fis.send(new CreateExperimentTemplateCommand(input)).then(() => undefined, (caught: unknown) => caught);
      assert.ok(error instanceof FisServiceException, label);
      assert.equal(error.name, 'ValidationException', label);
      assert.match(error.message, message, label);
    }
    const experiment = await ended(await run(hostTemplate({ actionId: 'cairn:host:stop' }, { resourceArns: [HOST_ARN('front-z')] })));
    assert.equal(experiment.state!.status, 'failed');
    assert.match(experiment.state!.reason!, /resolved to no cairn:cluster:host/);
    assert.equal(frontA.process.exitCode, null);
  });

  it('cairn:host:disrupt-connectivity cuts one front end off for the duration; the other serves throughout', async () => {
    assert.equal((await put(frontA, 'a-before')).status, 200);
    const id = await run(hostTemplate({ actionId: 'cairn:host:disrupt-connectivity', parameters: { duration: `PT${DISRUPTION_SECONDS}S` } }, { resourceArns: [HOST_ARN('front-a')] }));
    // Each serving process of front-a reads the command on its own poll (within HOST_POLL_INTERVAL_MS
    // of the others), and new connections go to its workers in turn: the host is cut off once
    // CUT_OFF_PROBES new connections in a row are refused.
    const cutAtMs = await eventually('every process of front-a to be cut off', async () => {
      for (let probe = 0; probe < CUT_OFF_PROBES; probe++) {
        if (await put(frontA, 'a-during').then(() => true, () => false)) return undefined;
      }
      return Date.now();
    }, WAIT_MS);
    const { resolvedTargets } = await fis.send(new ListExperimentResolvedTargetsCommand({ experimentId: id }));
    assert.deepEqual(resolvedTargets!.map((target) => target.targetInformation!['arn']), [HOST_ARN('front-a')]);
    // While it is cut off, front-a resets every connection; front-b answers.
    for (let attempt = 0; attempt < 3; attempt++) {
      await assert.rejects(put(frontA, `a-cut-${attempt}`), (error: Error & { code?: string }) => ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(error.code ?? '') || /socket hang up/.test(error.message));
      assert.equal((await put(frontB, `b-during-${attempt}`)).status, 200);
    }
    await eventually('front-a to serve again', async () => ((await put(frontA, 'a-after').catch(() => undefined))?.status === 200 ? true : undefined), WAIT_MS);
    assert.ok(Date.now() - cutAtMs < (DISRUPTION_SECONDS + 5) * 1000, 'the cut-off ended by itself at its deadline');
    assert.equal((await ended(id)).state!.status, 'completed');
    assert.equal(frontA.process.exitCode, null);
  });

  it('a drive server obeys both: cut off for the duration (connections reset), then serving; stopped, it exits', async () => {
    assert.equal(await driveServerAnswers(drives), 401, 'an unsigned request is refused by a serving drive server');
    const id = await run(hostTemplate({ actionId: 'cairn:host:disrupt-connectivity', parameters: { duration: `PT${DISRUPTION_SECONDS}S` } }, { resourceTags: { role: 'drive-server' } }));
    const cutAtMs = await eventually('the drive server to be cut off', async () => ((await driveServerAnswers(drives)) === undefined ? Date.now() : undefined), WAIT_MS);
    const { resolvedTargets } = await fis.send(new ListExperimentResolvedTargetsCommand({ experimentId: id }));
    assert.deepEqual(resolvedTargets!.map((target) => target.targetInformation!['arn']), [HOST_ARN('drives-c')]);
    assert.equal(await driveServerAnswers(drives), undefined, 'still cut off');
    await eventually('the drive server to serve again', async () => ((await driveServerAnswers(drives)) === 401 ? true : undefined), WAIT_MS);
    assert.ok(Date.now() - cutAtMs < (DISRUPTION_SECONDS + 5) * 1000, 'the cut-off ended by itself at its deadline');
    assert.match(drives.output(), /hosts: drives-c is cut off until/);
    assert.equal((await ended(id)).state!.status, 'completed');
    const stop = await run(hostTemplate({ actionId: 'cairn:host:stop' }, { resourceArns: [HOST_ARN('drives-c')] }));
    const code = await Promise.race([drives.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), WAIT_MS))]);
    assert.equal(code, 0, 'the drive server stopped cleanly');
    assert.equal((await ended(stop)).state!.status, 'completed');
  });

  it('cairn:host:stop, chosen by role and ARN, makes that front end\'s server exit; the other keeps serving', async () => {
    const id = await run(hostTemplate({ actionId: 'cairn:host:stop' }, { resourceArns: [HOST_ARN('front-a')], resourceTags: { role: 'frontend' } }));
    const code = await Promise.race([frontA.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), WAIT_MS))]);
    assert.equal(code, 0, 'front-a stopped cleanly');
    assert.equal((await ended(id)).state!.status, 'completed');
    assert.equal((await put(frontB, 'b-after-stop')).status, 200);
    assert.equal(frontB.process.exitCode, null);
  });
});
