// Event notifications end to end: Put/GetBucketNotificationConfiguration (round trip and S3's
// errors, with nothing stored), a test-owned webhook with HMAC signatures, every broker kind fed a
// scripted workload and consumed with its own client, a webhook outage, and kill -9 of Cairn.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand, DeleteObjectCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand,
  PutObjectCommand, PutObjectTaggingCommand, S3Client, S3ServiceException, CreateBucketCommand, type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { CAIRN_BIN, startServer, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { expiresIn, postForm, sigV4Conditions, sigV4Fields } from './helpers/forms.js';
import { cairnAdmin } from './helpers/iam.js';
import { brokerNames, openBrokerConsumers, POSTGRES_URL } from './helpers/broker-consumers.js';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { recordsOf, startWebhook, waitForCount, type S3EventRecord, type WebhookReceiver } from './helpers/event-receivers.js';

const SECRET = 'hook-secret';
const TOKEN = 'hook-token';
const RUN = Date.now().toString(36);
const ENV = { CAIRN_EVENTS_BACKOFF_BASE_MS: '20' };

function arn(name: string): string {
  return `arn:aws:sqs:us-east-1:000000000000:${name}`;
}

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  assert.fail('expected an S3 error');
}

function queueConfig(target: string, events = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectTagging:*']): NotificationConfiguration {
  return { QueueConfigurations: [{ Id: `to-${target}`, QueueArn: arn(target), Events: events as never }] };
}

/** Through the admin API (the CLI's client): a node process per target would cost seconds each. */
async function addTargetByApi(server: RunningServer, name: string, type: string, settings: Record<string, string>): Promise<void> {
  const admin = new IamClient(server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
  const created = await admin.json<{ arn: string }>('POST', '/targets', { name, type, settings });
  assert.equal(created.arn, arn(name));
}

async function addTarget(server: RunningServer, name: string, args: string[]): Promise<void> {
  const result = await cairnAdmin(server, ['target', 'add', name, ...args]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), arn(name));
}

/** The scripted workload of one bucket, and the (event, key) pairs it must produce, in order. */
async function workload(s3: S3Client, bucket: string): Promise<Array<[string, string]>> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a b.txt', Body: 'one' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'two' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a b.txt', Body: 'three!' }));
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'k3', CopySource: `${bucket}/k2` }));
  await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'k3', Tagging: { TagSet: [{ Key: 't', Value: 'v' }] } }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k2' }));
  return [
    ['ObjectCreated:Put', 'a+b.txt'], ['ObjectCreated:Put', 'k2'], ['ObjectCreated:Put', 'a+b.txt'], ['ObjectCreated:Copy', 'k3'],
    ['ObjectTagging:Put', 'k3'], ['ObjectRemoved:Delete', 'k2'],
  ];
}

function pairs(records: S3EventRecord[]): Array<[string, string]> {
  return records.map((record) => [record.eventName, record.s3.object.key]);
}

describe('event notifications', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let s3: S3Client;
  let hook: WebhookReceiver;

  before(async () => {
    server = await startServer({ env: ENV });
    s3 = sdkClient(server);
    hook = await startWebhook(SECRET, TOKEN);
    await addTarget(server, 'hook', ['--type', 'webhook', '--url', hook.url, '--secret', SECRET, '--bearer-token', TOKEN]);
  });

  after(async () => {
    s3?.destroy();
    await hook?.close();
    await server?.dispose();
  });

  it('round-trips a configuration, refuses bad ones with S3 errors and stores nothing, and sends s3:TestEvent', async () => {
    const bucket = `cfg-${RUN}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const empty = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal(empty.QueueConfigurations, undefined);
    const unknown = await s3Error(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: queueConfig('nobody') })));
    assert.equal(unknown.name, 'InvalidArgument');
    assert.equal(unknown.$metadata.httpStatusCode, 400);
    assert.equal(unknown.message, 'Unable to validate the following destination configurations');
    const overlapping = await s3Error(s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: [
        { Id: 'one', QueueArn: arn('hook'), Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }] } } },
        { Id: 'two', QueueArn: arn('hook'), Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/2024' }] } } },
      ] },
    })));
    assert.equal(overlapping.name, 'InvalidArgument');
    assert.match(overlapping.message, /^Configuration is ambiguously defined/);
    const badEvent = await s3Error(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: queueConfig('hook', ['s3:ObjectMade:*']) })));
    assert.equal(badEvent.name, 'InvalidArgument');
    assert.equal(badEvent.$metadata.httpStatusCode, 400);
    assert.deepEqual(await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket })).then((answer) => answer.QueueConfigurations), undefined);
    assert.equal(hook.messages.length, 0, 'no test event for a refused configuration');

    const configuration: NotificationConfiguration = { QueueConfigurations: [{
      Id: 'logs', QueueArn: arn('hook'), Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:DeleteMarkerCreated'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }, { Name: 'suffix', Value: '.txt' }] } },
    }] };
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: configuration }));
    const stored = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.deepEqual(stored.QueueConfigurations, [{
      Id: 'logs', QueueArn: arn('hook'), Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:DeleteMarkerCreated'],
      Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'logs/' }, { Name: 'Suffix', Value: '.txt' }] } },
    }]);
    assert.equal(await waitForCount(() => hook.messages.length, 1), 1);
    assert.equal(hook.messages[0]!.parsed.Event, 's3:TestEvent');
    assert.equal(hook.messages[0]!.parsed.Bucket, bucket);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/x.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/x.txt', Body: 'x' }));
    assert.equal(await waitForCount(() => hook.messages.length, 2), 2);
    const record = recordsOf(hook.messages)[0]!;
    assert.equal(record.eventVersion, '2.1');
    assert.equal(record.eventSource, 'aws:s3');
    assert.equal(record.eventName, 'ObjectCreated:Put');
    assert.equal(record.s3.configurationId, 'logs');
    assert.deepEqual(record.s3.bucket.arn, `arn:aws:s3:::${bucket}`);
    assert.equal(record.s3.object.key, 'logs%2Fx.txt');
    assert.equal(record.s3.object.size, 1);
    assert.equal(record.s3.object.eTag, '9dd4e461268c8034f5c8564e155c67a6');
    assert.equal(record.requestParameters.sourceIPAddress, '127.0.0.1');
    assert.equal(hook.badSignatures, 0);
    const date = new Date();
    const fields = sigV4Fields({ expiration: expiresIn(600), conditions: [{ bucket }, { key: 'logs/post.txt' }, ...sigV4Conditions(date)] }, { date });
    assert.equal((await postForm(`${server.endpoint}/${bucket}`, [['key', 'logs/post.txt'], ...fields], { content: 'posted' })).status, 204);
    assert.equal(await waitForCount(() => hook.messages.length, 3), 3);
    assert.deepEqual(pairs(recordsOf(hook.messages).slice(1)), [['ObjectCreated:Post', 'logs%2Fpost.txt']]);
    hook.messages.length = 0;
  });

  it('delivers every event of a workload to a webhook in order, through a 503 outage', async () => {
    const bucket = `hook-${RUN}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: queueConfig('hook') }));
    await waitForCount(() => hook.messages.length, 1);
    hook.messages.length = 0;
    hook.failing = true;
    const expected = await workload(s3, bucket);
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
    assert.equal(recordsOf(hook.messages).length, 0);
    hook.failing = false;
    assert.equal(await waitForCount(() => recordsOf(hook.messages).length, expected.length), expected.length);
    assert.deepEqual(pairs(recordsOf(hook.messages)), expected);
    const sequencers = recordsOf(hook.messages).map((record) => record.s3.object.sequencer);
    assert.deepEqual([...sequencers].sort(), sequencers, 'sequencers increase in delivery order');
    const metrics = (await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' })).text;
    assert.match(metrics, /^cairn_events_pending\{target="hook",type="webhook"\} 0$/m);
    assert.match(metrics, /^cairn_events_oldest_pending_age_seconds\{target="hook",type="webhook"\} 0\.000$/m);
    assert.match(metrics, /^cairn_events_dead_letters_total\{target="hook",type="webhook"\} 0$/m);
    assert.ok(Number(/^cairn_events_failed_total\{target="hook",type="webhook"\} (\d+)$/m.exec(metrics)?.[1]) > 0, 'the outage counted failures');
    assert.ok(Number(/^cairn_events_delivered_total\{target="hook",type="webhook"\} (\d+)$/m.exec(metrics)?.[1]) >= expected.length + 2);
    hook.messages.length = 0;
  });

  it('delivers the workload to NATS JetStream, Redis, RabbitMQ, MQTT and PostgreSQL, each consumed with its own client', async () => {
    const names = { nats: `nats-${RUN}`, redis: `redis-${RUN}`, amqp: `amqp-${RUN}`, mqtt: `mqtt-${RUN}`, postgres: `pg-${RUN}` };
    const { subject, exchange, table, stream, topic } = brokerNames(RUN);
    const consumers = await openBrokerConsumers(RUN);
    try {
      await addTargetByApi(server, names.nats, 'nats', { url: 'nats://127.0.0.1:4222', subject });
      await addTargetByApi(server, names.redis, 'redis', { url: 'redis://127.0.0.1:6379', stream });
      await addTargetByApi(server, names.amqp, 'amqp', { url: 'amqp://guest:guest@127.0.0.1:5672', exchange, routingKey: 'events' });
      await addTargetByApi(server, names.mqtt, 'mqtt', { url: 'mqtt://127.0.0.1:1883', topic });
      await addTargetByApi(server, names.postgres, 'postgres', { url: POSTGRES_URL, table });
      const buckets = Object.values(names).map((name) => `b-${name}`);
      const expected: Array<Array<[string, string]>> = [];
      for (const [position, name] of Object.values(names).entries()) {
        await s3.send(new CreateBucketCommand({ Bucket: buckets[position]! }));
        await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: buckets[position]!, NotificationConfiguration: queueConfig(name) }));
      }
      for (const bucket of buckets) expected.push(await workload(s3, bucket));
      const total = expected[0]!.length + 1; // the test event first

      for (const [position, kind] of (['nats', 'redis', 'amqp', 'mqtt', 'postgres'] as const).entries()) {
        let latest: string[] = [];
        await waitForCount(async () => (latest = await consumers.bodies[kind]()).length, total);
        const parsed = latest.map((body) => JSON.parse(body) as { Event?: string; Records?: S3EventRecord[] });
        assert.equal(parsed.length, total, `${kind}: ${latest.length} messages`);
        assert.equal(parsed[0]!.Event, 's3:TestEvent', kind);
        const records = parsed.flatMap((message) => message.Records ?? []);
        assert.deepEqual(pairs(records), expected[position], kind);
        assert.ok(records.every((record) => record.s3.bucket.name === buckets[position]), kind);
      }
    } finally {
      await consumers.close();
    }
  });

  it('loses nothing across kill -9 of Cairn: every acknowledged write arrives, a duplicate only with the same sequencer', async () => {
    const bucket = `kill-${RUN}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: queueConfig('hook', ['s3:ObjectCreated:*']) }));
    await waitForCount(() => hook.messages.length, 1);
    hook.messages.length = 0;
    hook.delayMs = 5;
    const acknowledged: string[] = [];
    const writes = (async () => {
      for (let n = 0; n < 400; n++) {
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${String(n).padStart(4, '0')}`, Body: 'x' }));
          acknowledged.push(`k${String(n).padStart(4, '0')}`);
        } catch {
          return;
        }
      }
    })();
    await waitForCount(() => recordsOf(hook.messages).length, 20);
    // Deliveries can run ahead of the acknowledgements the client has read: wait for those too.
    await waitForCount(() => acknowledged.length, 21);
    await server.kill();
    await writes;
    s3.destroy();
    server = await startServer({ dataDirectory: server.dataDirectory, env: ENV });
    s3 = sdkClient(server);
    hook.delayMs = 0;
    assert.ok(acknowledged.length > 20, `${acknowledged.length} writes acknowledged before the kill`);
    await waitForCount(() => new Set(recordsOf(hook.messages).map((record) => record.s3.object.key)).size, acknowledged.length);
    const records = recordsOf(hook.messages);
    const keys = new Set(records.map((record) => record.s3.object.key));
    for (const key of acknowledged) assert.ok(keys.has(key), `the event of ${key} arrived`);
    const sequencerOfKey = new Map<string, string>();
    for (const record of records) {
      const seen = sequencerOfKey.get(record.s3.object.key);
      if (seen !== undefined) assert.equal(record.s3.object.sequencer, seen, `a duplicate of ${record.s3.object.key} has the same sequencer`);
      sequencerOfKey.set(record.s3.object.key, record.s3.object.sequencer);
    }
    assert.ok(records.length - keys.size <= 100, `${records.length - keys.size} duplicates: at most one batch in flight`);
    hook.messages.length = 0;
  });

  it('streams a bucket\'s events to `cairn admin events listen` as NDJSON, filtered by prefix', async () => {
    const bucket = `listen-${RUN}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const child = spawn(process.execPath, [CAIRN_BIN, 'admin', 'events', 'listen', bucket, '--prefix', 'in/', '--endpoint', server.endpoint], {
      env: { ...process.env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (piece: Buffer) => { output += piece.toString('utf8'); });
    child.stderr.on('data', (piece: Buffer) => { errors += piece.toString('utf8'); });
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    try {
      // The command says so once the server has registered the listener.
      await waitForCount(() => (errors.includes('listening for events') ? 1 : 0), 1);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/one', Body: '1' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'out/two', Body: '2' }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'in/one' }));
      await waitForCount(() => output.split('\n').filter((line) => line !== '').length, 2);
      const records = output.split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { Records: S3EventRecord[] }).Records[0]!);
      assert.deepEqual(pairs(records), [['ObjectCreated:Put', 'in%2Fone'], ['ObjectRemoved:Delete', 'in%2Fone']]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const missing = await cairnAdmin(server, ['events', 'listen', `no-such-${RUN}`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /The bucket no-such-\S+ does not exist/);
  });

  it('refuses bad targets through the admin API with nothing stored, hides secrets in the list, and removes a target', async () => {
    const admin = new IamClient(server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    const before = await admin.json<{ targets: Array<{ name: string }> }>('GET', '/targets');
    const refusals: Array<[unknown, string]> = [
      [{ name: 'k1', type: 'kafka', settings: { url: 'kafka://x' } }, '"type" must be one of webhook, nats, redis, amqp, mqtt, postgres, s3.'],
      [{ name: 'bad name', type: 'webhook', settings: { url: 'http://x' } }, 'A target name is 1–80 letters, digits, "-" or "_".'],
      [{ name: 'r1', type: 'redis', settings: { url: 'redis://127.0.0.1:6379' } }, 'a redis target needs "stream"'],
      [{ name: 'w1', type: 'webhook', settings: { url: 'ftp://x' } }, 'a webhook target\'s url must start with http:// or https://'],
      [{ name: 'p1', type: 'postgres', settings: { url: POSTGRES_URL, table: 'x; DROP TABLE y' } }, '"table" must be a plain lower-case SQL name ([schema.]table).'],
      [{ name: 'hook', type: 'webhook', settings: { url: 'http://x' } }, 'A target named hook exists already.'],
    ];
    for (const [body, message] of refusals) {
      await assert.rejects(admin.send('POST', '/targets', body), (error: Error & { status?: number }) => {
        assert.equal(error.message, message);
        assert.equal(error.status, message.includes('exists already') ? 409 : 400);
        return true;
      });
    }
    const listed = await admin.json<{ targets: Array<{ name: string; settings: Record<string, string> }> }>('GET', '/targets');
    assert.deepEqual(listed.targets.map((target) => target.name), before.targets.map((target) => target.name));
    const hookTarget = listed.targets.find((target) => target.name === 'hook')!;
    assert.equal(hookTarget.settings['secret'], '***');
    assert.equal(hookTarget.settings['bearerToken'], '***');
    await addTargetByApi(server, `gone-${RUN}`, 'webhook', { url: 'http://127.0.0.1:9/' });
    assert.equal((await admin.send('DELETE', `/targets/gone-${RUN}`)).status, 204);
    await assert.rejects(admin.send('DELETE', `/targets/gone-${RUN}`), (error: Error & { code?: string }) => error.code === 'NoSuchTarget');
  });
});
