// Event notifications end to end: Put/GetBucketNotificationConfiguration (round trip and S3's
// errors, with nothing stored), a test-owned webhook with HMAC signatures, every broker kind fed a
// scripted workload and consumed with its own client, a webhook outage, and kill -9 of Cairn.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand, DeleteObjectCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand,
  PutObjectCommand, PutObjectTaggingCommand, S3Client, S3ServiceException, CreateBucketCommand, type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import * as amqp from 'amqplib';
import * as mqtt from 'mqtt';
import { connect as connectNats } from 'nats';
import pg from 'pg';
import { createClient } from 'redis';
import { startServer, type RunningServer } from './helpers/server.js';
import { sdkClient } from './helpers/clients.js';
import { cairnAdmin } from './helpers/iam.js';
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

describe('event notifications', { timeout: 120_000 }, () => {
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
    hook.messages.length = 0;
  });

  it('delivers the workload to NATS JetStream, Redis, RabbitMQ, MQTT and PostgreSQL, each consumed with its own client', async () => {
    const names = { nats: `nats-${RUN}`, redis: `redis-${RUN}`, amqp: `amqp-${RUN}`, mqtt: `mqtt-${RUN}`, postgres: `pg-${RUN}` };
    const subject = `cairn.events.${RUN}`;
    const exchange = `cairn-events-${RUN}`;
    const table = `events_${RUN}`;
    const redis = createClient({ url: 'redis://127.0.0.1:6379' });
    await redis.connect();
    const rabbit = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const channel = await rabbit.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, '#');
    const mqttClient = await mqtt.connectAsync('mqtt://127.0.0.1:1883');
    const mqttMessages: string[] = [];
    mqttClient.on('message', (_topic, payload) => mqttMessages.push(payload.toString('utf8')));
    await mqttClient.subscribeAsync(`cairn/${RUN}`, { qos: 1 });
    const nats = await connectNats({ servers: '127.0.0.1:4222' });
    const postgres = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await postgres.connect();
    try {
      await addTarget(server, names.nats, ['--type', 'nats', '--url', 'nats://127.0.0.1:4222', '--subject', subject]);
      await addTarget(server, names.redis, ['--type', 'redis', '--url', 'redis://127.0.0.1:6379', '--stream', `cairn-${RUN}`]);
      await addTarget(server, names.amqp, ['--type', 'amqp', '--url', 'amqp://guest:guest@127.0.0.1:5672', '--exchange', exchange, '--routing-key', 'events']);
      await addTarget(server, names.mqtt, ['--type', 'mqtt', '--url', 'mqtt://127.0.0.1:1883', '--topic', `cairn/${RUN}`]);
      await addTarget(server, names.postgres, ['--type', 'postgres', '--url', 'postgres://postgres@127.0.0.1:5432/test', '--table', table]);
      const buckets = Object.values(names).map((name) => `b-${name}`);
      const expected: Array<Array<[string, string]>> = [];
      for (const [position, name] of Object.values(names).entries()) {
        await s3.send(new CreateBucketCommand({ Bucket: buckets[position]! }));
        await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: buckets[position]!, NotificationConfiguration: queueConfig(name) }));
      }
      for (const bucket of buckets) expected.push(await workload(s3, bucket));
      const total = expected[0]!.length + 1; // the test event first

      const rabbitBodies: string[] = [];
      const bodies = {
        redis: async () => (await redis.xRange(`cairn-${RUN}`, '-', '+')).map((entry) => String(entry?.message['event'])),
        amqp: async () => {
          for (let got = await channel.get(queue, { noAck: true }); got !== false; got = await channel.get(queue, { noAck: true })) rabbitBodies.push(got.content.toString('utf8'));
          return rabbitBodies;
        },
        mqtt: async () => mqttMessages,
        postgres: async () => {
          try {
            return (await postgres.query(`SELECT event FROM ${table} ORDER BY id`)).rows.map((row: { event: unknown }) => JSON.stringify(row.event));
          } catch {
            return [];
          }
        },
        nats: async () => {
          const manager = await nats.jetstreamManager();
          const streamName = await manager.streams.find(subject).catch(() => undefined);
          if (streamName === undefined) return [];
          const info = await manager.streams.info(streamName);
          const found: string[] = [];
          for (let sequence = info.state.first_seq; sequence <= info.state.last_seq && info.state.messages > 0; sequence++) {
            found.push(new TextDecoder().decode((await manager.streams.getMessage(streamName, { seq: sequence })).data));
          }
          return found;
        },
      };
      for (const [position, kind] of (['nats', 'redis', 'amqp', 'mqtt', 'postgres'] as const).entries()) {
        let latest: string[] = [];
        await waitForCount(async () => (latest = await bodies[kind]()).length, total);
        const parsed = latest.map((body) => JSON.parse(body) as { Event?: string; Records?: S3EventRecord[] });
        assert.equal(parsed.length, total, `${kind}: ${latest.length} messages`);
        assert.equal(parsed[0]!.Event, 's3:TestEvent', kind);
        const records = parsed.flatMap((message) => message.Records ?? []);
        assert.deepEqual(pairs(records), expected[position], kind);
        assert.ok(records.every((record) => record.s3.bucket.name === buckets[position]), kind);
      }
    } finally {
      await redis.quit();
      await rabbit.close();
      await mqttClient.endAsync();
      await nats.close();
      await postgres.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await postgres.end();
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
});
