// A cluster of hosts on one machine (issue #19): network namespaces with their own addresses on a
// bridge — two front-end hosts and three drive hosts with two drives each (one erasure set of 6
// drives, STANDARD 3+3: a lost host is 2 shards, within the parity) — and a PostgreSQL primary with a
// synchronous standby that this test owns, listening on the bridge's root address, reachable from
// every host. Each front end has its own data directory (the master key is shared through
// CAIRN_MASTER_KEY); every server and drive server registers as a host. Under a checker of
// acknowledged writes (PUT/GET/DELETE/LIST through both front ends) with 10 % of GETs throttled
// (cairn:api:throttle through each front end's FIS API): the index primary is killed and the standby
// promoted; one drive host is cut off for 30 s (cairn:host:disrupt-connectivity); one front end is
// cut off for 5 s (its calls to the drive servers fail too), then stopped (cairn:host:stop). Afterwards no acknowledged write is lost or torn, every answer was a
// success or 503, and heal restores full redundancy: a second heal finds nothing to rebuild, the
// audit is clean, and every key reads back with another drive host killed. Namespaces, links and
// PostgreSQL are removed at the end, also after a failure; skipped without root or iproute2.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateExperimentTemplateCommand, FisClient, GetExperimentCommand, StartExperimentCommand, StopExperimentCommand, type CreateExperimentTemplateCommandInput, type Experiment } from '@aws-sdk/client-fis';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AckedWriteChecker } from './helpers/acked-writes.js';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { serveDrives, TEST_CLUSTER_SECRET, type DriveServerProcess } from './helpers/drive-servers.js';
import { eventually } from './helpers/eventually.js';
import { cairnAdmin } from './helpers/iam.js';
import { NetnsLab, netnsUnavailable } from './helpers/netns.js';
import { OwnedPostgres, ownedPostgresUnavailable } from './helpers/postgres-instance.js';
import { startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const BUCKET = 'netns';
const DRIVE_HOSTS = ['drive-1', 'drive-2', 'drive-3'];
const FRONT_HOSTS = ['front-1', 'front-2'];
const DRIVES_PER_HOST = 2;
const CHECKER_LOOPS = 4;
const ROLE = 'arn:aws:iam::000000000000:role/cairn-fis';
const HOST_ARN = (id: string): string => `arn:aws:cairn:${TEST_REGION}:000000000000:host/${id}`;
/** The cut-off of one drive host. */
const DRIVE_HOST_CUT_SECONDS = 30;
/** The throttle outlasts every experiment; the test stops it before it verifies. */
const THROTTLE_DURATION = 'PT10M';
const THROTTLE_PERCENTAGE = '10';
/** Traffic before each experiment and after it, so each meets a running checker. */
const TRAFFIC_MS = 3_000;
/** A front end's cut-off: long enough for every health check of its drives to fail. */
const FRONT_HOST_CUT_SECONDS = 5;
const GAP_BEFORE_PROMOTION_MS = 1_500;
const WAIT_MS = 30_000;
const KIB = 1024;
const MIB = 1024 * KIB;
/** Objects PUT while a drive host is cut off: striped (over 16 KiB), so 4 of their 6 shards are written and heal owes 2 each. */
const STRIPED_SIZES = [20 * KIB, 300 * KIB, MIB + 7, 2 * MIB + 3 * KIB];
const FRONT_END_ARGS = ['--workers', '1', '--compaction-interval', '0'];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function synchronousStandbyReady(primary: OwnedPostgres): Promise<true | undefined> {
  const client = new pg.Client({ connectionString: primary.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ sync_state: string }>('SELECT sync_state FROM pg_stat_replication');
    return rows[0]?.sync_state === 'sync' ? true : undefined;
  } finally {
    await client.end();
  }
}

interface HealAnswer { state: string; objectsTotal: number; shardsChecked: number; shardsHealed: number; shardsUnhealable: number; placementConflicts: number }

function template(description: string, actions: Record<string, unknown>, targets: Record<string, unknown> = {}): CreateExperimentTemplateCommandInput {
  return { clientToken: `token-${Math.random()}`, description, roleArn: ROLE, stopConditions: [{ source: 'none' }], targets, actions } as unknown as CreateExperimentTemplateCommandInput;
}

function hostTemplate(actionId: string, hostId: string, parameters: Record<string, string> = {}): CreateExperimentTemplateCommandInput {
  return template(`${actionId} on ${hostId}`, { act: { actionId, parameters, targets: { Hosts: 'hosts' } } }, {
    hosts: { resourceType: 'cairn:cluster:host', selectionMode: 'ALL', resourceArns: [HOST_ARN(hostId)] },
  });
}

/** Answers counted since `since` (a copy of the checker's counts taken earlier). */
function countsSince(now: Record<string, number>, since: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([what, count]) => [what, count - (since[what] ?? 0)]).filter(([, count]) => (count as number) > 0));
}

describe('a cluster of network namespaces: two front ends, three drive hosts, PostgreSQL with a standby', { skip: netnsUnavailable() ?? ownedPostgresUnavailable() }, () => {
  const root = temporaryDirectory('cluster-netns');
  const masterKey = randomBytes(32).toString('base64');
  let lab: NetnsLab;
  let primary: OwnedPostgres;
  let standby: OwnedPostgres;
  let indexUrl: string;
  const driveHosts: DriveServerProcess[] = [];
  const frontEnds: RunningServer[] = [];
  const fisClients: FisClient[] = [];

  const hostDirectories = DRIVE_HOSTS.map((host, index) => Array.from({ length: DRIVES_PER_HOST }, (_, drive) => join(root, host, `drive${index + 1}${'ab'[drive]}`)));

  async function run(fis: FisClient, input: CreateExperimentTemplateCommandInput): Promise<string> {
    const { experimentTemplate } = await fis.send(new CreateExperimentTemplateCommand(input));
    const { experiment } = await fis.send(new StartExperimentCommand({ clientToken: `run-${Math.random()}`, experimentTemplateId: experimentTemplate!.id }));
    return experiment!.id!;
  }
  const ended = (fis: FisClient, id: string, withinMs = WAIT_MS): Promise<Experiment> => eventually(`experiment ${id} to end`, async () => {
    const { experiment } = await fis.send(new GetExperimentCommand({ id }));
    return ['stopped', 'completed', 'failed'].includes(experiment!.state!.status!) ? experiment : undefined;
  }, withinMs);

  before(async () => {
    lab = await NetnsLab.create([...DRIVE_HOSTS, ...FRONT_HOSTS]);
    primary = await OwnedPostgres.primary({ host: lab.rootAddress });
    await primary.start();
    standby = await OwnedPostgres.synchronousStandbyOf(primary);
    await standby.start();
    await eventually('the standby to be synchronous', () => synchronousStandbyReady(primary), WAIT_MS);
    indexUrl = `postgres://postgres@${primary.host}:${primary.port},${standby.host}:${standby.port}/postgres?target_session_attrs=read-write`;
    for (const [index, name] of DRIVE_HOSTS.entries()) {
      const host = lab.host(name);
      for (const directory of hostDirectories[index]!) mkdirSync(directory, { recursive: true });
      driveHosts.push(await serveDrives(hostDirectories[index]!, {
        host: host.address, launcher: host.launcher, extraArgs: ['--volume-size', '2', '--index', indexUrl], env: { CAIRN_HOST_ID: name },
      }));
    }
    const driveUrls = driveHosts.flatMap((host, index) => hostDirectories[index]!.map((directory) => `${host.baseUrl}/${directory.split('/').at(-1)}`));
    for (const name of FRONT_HOSTS) {
      const host = lab.host(name);
      frontEnds.push(await startServer({
        address: `${host.address}:0`, dataDirectory: join(root, name), launcher: host.launcher, extraArgs: [...driveUrls, '--index', indexUrl, ...FRONT_END_ARGS],
        env: { CAIRN_CLUSTER_SECRET: TEST_CLUSTER_SECRET, CAIRN_HOST_ID: name, CAIRN_MASTER_KEY: masterKey },
      }));
    }
    for (const frontEnd of frontEnds) {
      fisClients.push(new FisClient({ endpoint: frontEnd.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } }));
    }
  });

  after(async () => {
    await checker?.stop();
    for (const client of [...fisClients, ...s3]) client.destroy();
    for (const frontEnd of frontEnds) await frontEnd.kill();
    for (const host of driveHosts) await host.kill();
    await primary?.dispose();
    await standby?.dispose();
    if (lab !== undefined) {
      await lab.dispose();
      assert.deepEqual(await lab.leftovers(), [], 'every namespace and link the test made is gone');
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('every host registers: front ends and drive servers, each with its own address', async () => {
    assert.match(frontEnds[0]!.stderr(), /erasure set [0-9a-f-]+: 6 drives, 6 online; STANDARD 3\+3/);
    // node-postgres reads one host of a URL: the primary's own, before any failover.
    const client = new pg.Client({ connectionString: primary.url });
    await client.connect();
    try {
      const rows = await eventually('all five hosts to register', async () => {
        const { rows } = await client.query<{ host_id: string; role: string; address: string }>('SELECT host_id, role, address FROM cluster_hosts ORDER BY host_id');
        return rows.length === 5 ? rows : undefined;
      }, WAIT_MS);
      assert.deepEqual(rows, [
        ...DRIVE_HOSTS.map((name, index) => ({ host_id: name, role: 'drive-server', address: `${lab.host(name).address}:${driveHosts[index]!.port}` })),
        ...FRONT_HOSTS.map((name, index) => ({ host_id: name, role: 'frontend', address: `${lab.host(name).address}:${frontEnds[index]!.port}` })),
      ]);
    } finally {
      await client.end();
    }
  });

  // The experiments below run in turn under one checker's traffic; each asserts the answers of its phase.
  const s3: S3Client[] = [];
  const stored = new Map<string, Buffer>();
  const phases: Record<string, Record<string, number>> = {};
  let checker: AckedWriteChecker;
  let throttle: string;
  let mark: Record<string, number> = {};
  const endPhase = (name: string): Record<string, number> => {
    phases[name] = countsSince(checker.statuses, mark);
    mark = { ...checker.statuses };
    return phases[name]!;
  };
  const front = (index: number): RunningServer => frontEnds[index]!;
  const fis = (index: number): FisClient => fisClients[index]!;

  it('traffic through both front ends, with 10 % of GETs throttled through each one\'s FIS API', async () => {
    for (const frontEnd of frontEnds) s3.push(sdkClient(frontEnd));
    assert.equal((await rawRequest(front(0), { method: 'PUT', path: `/${BUCKET}` })).status, 200);
    let front2Stopped = false;
    void front(1).exited.then(() => void (front2Stopped = true));
    checker = new AckedWriteChecker([front(0), () => (front2Stopped ? front(0) : front(1))], BUCKET, CHECKER_LOOPS);
    // Each front end keeps its FIS experiments (and their API faults) in its own data directory.
    const throttleTemplate = template('throttle GETs', { throttle: { actionId: 'cairn:api:throttle', parameters: { duration: THROTTLE_DURATION, operations: 'GetObject', percentage: THROTTLE_PERCENTAGE } } });
    throttle = await run(fis(0), throttleTemplate);
    await run(fis(1), { ...throttleTemplate, clientToken: `token-${Math.random()}` });
    checker.start();
    await sleep(TRAFFIC_MS);
    const steady = endPhase('steady');
    assert.ok((steady['PUT 200'] ?? 0) > 0 && (steady['GET 200'] ?? 0) > 0, `traffic flows: ${JSON.stringify(steady)}`);
  });

  it('the index primary dies and the synchronous standby is promoted: both front ends reconnect by themselves', async () => {
    await primary.stop('immediate');
    await sleep(GAP_BEFORE_PROMOTION_MS);
    await standby.promote();
    for (const frontEnd of frontEnds) {
      const put = (): Promise<true | undefined> => rawRequest(frontEnd, { method: 'PUT', path: `/${BUCKET}/after-failover`, body: 'x', headers: { connection: 'close' } }).then((answer) => (answer.status === 200 ? true : undefined));
      await eventually('writes after the failover', put, WAIT_MS);
    }
    await sleep(TRAFFIC_MS);
    endPhase('failover');
  });

  it('one drive host cut off for 30 s: reads rebuilt from the other hosts, writes meet the quorum', async () => {
    // Its two drives go offline on both front ends; 3+3 writes need k+1 = 4 of the other 4 drives.
    const cut = await run(fis(0), hostTemplate('cairn:host:disrupt-connectivity', 'drive-3', { duration: `PT${DRIVE_HOST_CUT_SECONDS}S` }));
    const cutStartedMs = Date.now();
    await eventually('drive-3 to be cut off', async () => (/drive3[ab]\) is OFFLINE/.test(front(0).stderr()) ? true : undefined), WAIT_MS);
    for (const [index, sizeBytes] of STRIPED_SIZES.entries()) {
      const key = `striped-during-cut-${sizeBytes}`;
      const body = randomBytes(sizeBytes);
      await s3[index % 2]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      stored.set(key, body);
    }
    assert.equal((await ended(fis(0), cut, (DRIVE_HOST_CUT_SECONDS + 10) * 1000)).state!.status, 'completed');
    await eventually('drive-3 to be back online on both front ends', async () => (frontEnds.every((frontEnd) => /drive3[ab]\) is back online/.test(frontEnd.stderr())) ? true : undefined), WAIT_MS);
    assert.ok(Date.now() - cutStartedMs >= DRIVE_HOST_CUT_SECONDS * 1000 - 1_000, 'the cut lasted its 30 s');
    const cutOff = endPhase('drive host cut off');
    assert.ok((cutOff['GET 200'] ?? 0) > 0 && (cutOff['PUT 200'] ?? 0) > 0, `reads and writes served while drive-3 was cut off: ${JSON.stringify(cutOff)}`);
  });

  it('one front end cut off for 5 s: connections reset, its calls to the drive servers fail; then it serves again', async () => {
    const cut = await run(fis(0), hostTemplate('cairn:host:disrupt-connectivity', 'front-2', { duration: `PT${FRONT_HOST_CUT_SECONDS}S` }));
    await eventually('front-2 to lose its drive servers', async () => (/is OFFLINE: .*this host is cut off until/.test(front(1).stderr()) ? true : undefined), WAIT_MS);
    assert.equal((await ended(fis(0), cut)).state!.status, 'completed');
    const put = (): Promise<true | undefined> => rawRequest(front(1), { method: 'PUT', path: `/${BUCKET}/after-front-cut`, body: 'y', headers: { connection: 'close' } })
      .then((answer) => (answer.status === 200 ? true : undefined), () => undefined);
    await eventually('front-2 to serve again', put, WAIT_MS);
    const cutOff = endPhase('front end cut off');
    assert.ok((cutOff['PUT refused'] ?? 0) + (cutOff['GET refused'] ?? 0) > 0, `front-2 refused connections while cut off: ${JSON.stringify(cutOff)}`);
  });

  it('one front end stopped (cairn:host:stop): it exits cleanly, the other serves on', async () => {
    const stop = await run(fis(0), hostTemplate('cairn:host:stop', 'front-2'));
    const code = await Promise.race([front(1).exited, sleep(WAIT_MS).then(() => 'timeout' as const)]);
    assert.equal(code, 0, 'front-2 stopped cleanly');
    assert.equal((await ended(fis(0), stop)).state!.status, 'completed');
    await sleep(TRAFFIC_MS);
    endPhase('front end stopped');
  });

  it('afterwards: no acknowledged write lost or torn, every answer a success or 503', async (t) => {
    await checker.stop();
    assert.equal((await fis(0).send(new StopExperimentCommand({ id: throttle }))).experiment!.id, throttle);
    const report = await checker.verify(front(0));
    t.diagnostic(`answers by phase: ${JSON.stringify(phases)}; acknowledged writes ${report.acknowledgedWrites}; slowest ${report.slowestMs} ms`);
    assert.deepEqual(report.violations, [], JSON.stringify(report.statuses));
    assert.ok((report.statuses['GET 503'] ?? 0) > 0, `the throttle answered some GETs 503: ${JSON.stringify(report.statuses)}`);
  });

  it('heal restores full redundancy: nothing left to heal, a clean audit, every key read with another drive host killed', async (t) => {
    const heal = async (): Promise<HealAnswer> => {
      const healed = await cairnAdmin(front(0), ['heal', '--start', '--json']);
      assert.equal(healed.code, 0, healed.stderr);
      t.diagnostic(`heal: ${healed.stdout.trim()}`);
      return JSON.parse(healed.stdout) as HealAnswer;
    };
    const first = await heal();
    assert.deepEqual([first.state, first.shardsUnhealable, first.placementConflicts], ['done', 0, 0], JSON.stringify(first));
    // At least 2 shards of every stripe written while drive-3 was away (more: writes in flight as it went).
    const stripesDuringCut = STRIPED_SIZES.reduce((sum, sizeBytes) => sum + Math.ceil(sizeBytes / MIB), 0);
    assert.ok(first.shardsHealed >= 2 * stripesDuringCut, `the shards drive-3 missed were rebuilt: ${JSON.stringify(first)}`);
    const second = await heal();
    assert.deepEqual([second.state, second.shardsHealed, second.shardsUnhealable], ['done', 0, 0], `nothing left to heal: ${JSON.stringify(second)}`);
    const audited = await cairnAdmin(front(0), ['audit', '--json']);
    assert.equal(audited.code, 0, audited.stderr);
    const counts = (JSON.parse(audited.stdout) as { counts: Record<string, number> }).counts;
    assert.deepEqual([counts['corruptFound'], counts['unrecoverable']], [0, 0], audited.stdout);

    // With another drive host gone, every key still reads exactly what it may hold (an object written
    // during the cut-off had only drive-1's and drive-2's shards before heal: 2 of them left < k = 3).
    await driveHosts[0]!.kill();
    for (const [key, body] of stored) {
      const got = await s3[0]!.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body, key);
    }
    const afterLoss = await checker.verify(front(0));
    assert.deepEqual(afterLoss.violations, [], JSON.stringify(afterLoss.statuses));
  });
});
