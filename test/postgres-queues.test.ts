// Delivery queues on a shared PostgreSQL index: two servers on one database both run the event
// delivery job, and each queue is leased to one of them at a time (src/index/postgres/queue-leases.ts),
// so every event of a workload written through both servers reaches the webhook once, in commit
// order; a server that stops hands its queues on at once, and so does one killed with kill -9.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { sdkClient } from './helpers/clients.js';
import { recordsOf, startWebhook, waitForCount, type WebhookReceiver } from './helpers/event-receivers.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const SECRET = 'hook-secret';
const TOKEN = 'hook-token';
const ENV = { CAIRN_EVENTS_BACKOFF_BASE_MS: '20' };
const WORKLOAD_OBJECTS = 24;
/** Time for a second delivery of any event to arrive, were there one. */
const DUPLICATE_WAIT_MS = 1_500;
/** A stopped or killed holder frees its leases at once: the other server delivers well within this (the lapse is 60 s). */
const HANDOVER_WAIT_MS = 10_000;

/** Who holds an event queue's lease (pid@host/…), read from the database. */
async function leaseHolder(url: string, target: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ holder: string }>("SELECT holder FROM queue_leases WHERE kind = 'events' AND name = $1", [target]);
    assert.equal(rows.length, 1, 'the queue is leased');
    return rows[0]!.holder;
  } finally {
    await client.end();
  }
}

describe('delivery queues on a shared PostgreSQL index', { timeout: 300_000 }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function serverOn(url: string, dataDirectory: string): Promise<{ server: RunningServer; s3: S3Client }> {
    const server = await startServer({ dataDirectory, extraArgs: ['--index', url, '--workers', '1'], env: ENV });
    const s3 = sdkClient(server);
    cleanups.push(async () => {
      s3.destroy();
      await server.kill();
    });
    return { server, s3 };
  }

  it('delivers each event once and in order while two servers share the queue, and hands it over when one stops', async () => {
    const url = await createTestDatabase();
    cleanups.push(() => dropTestDatabase(url));
    const dataDirectory = temporaryDirectory('pg-queues');
    cleanups.push(async () => rmSync(dataDirectory, { recursive: true, force: true }));
    const hook: WebhookReceiver = await startWebhook(SECRET, TOKEN);
    cleanups.push(() => hook.close());
    const first = await serverOn(url, dataDirectory);
    const second = await serverOn(url, dataDirectory);
    const admin = new IamClient(first.server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    await admin.json('POST', '/targets', { name: 'hook', type: 'webhook', settings: { url: hook.url, secret: SECRET, bearerToken: TOKEN } });
    await first.s3.send(new CreateBucketCommand({ Bucket: 'shared' }));
    await first.s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: 'shared',
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'all', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:hook', Events: ['s3:ObjectCreated:*'] }] },
    }));
    assert.equal(await waitForCount(() => hook.messages.length, 1), 1, 'the s3:TestEvent');
    hook.messages.length = 0;

    const keys = Array.from({ length: WORKLOAD_OBJECTS }, (_, position) => `k${String(position).padStart(2, '0')}`);
    for (const [position, key] of keys.entries()) {
      await (position % 2 === 0 ? first : second).s3.send(new PutObjectCommand({ Bucket: 'shared', Key: key, Body: key }));
    }
    assert.equal(await waitForCount(() => recordsOf(hook.messages).length, keys.length), keys.length);
    await new Promise((resolveWait) => setTimeout(resolveWait, DUPLICATE_WAIT_MS));
    const records = recordsOf(hook.messages);
    assert.deepEqual(records.map((record) => record.s3.object.key), keys, 'each event once, in commit order');
    const sequencers = records.map((record) => record.s3.object.sequencer);
    assert.deepEqual([...sequencers].sort(), sequencers, 'sequencers increase in delivery order');
    assert.equal(hook.badSignatures, 0);
    hook.messages.length = 0;

    // The server holding the queue stops: the other delivers what comes next at once, not after the lease's minute.
    const holderPid = Number((await leaseHolder(url, 'hook')).split('@', 1)[0]);
    const [holder, other] = holderPid === first.server.process.pid ? [first, second] : [second, first];
    assert.equal(holderPid, holder.server.process.pid, 'one of the two servers holds the queue');
    assert.equal(await holder.server.stop(), 0);
    await other.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'after-stop', Body: 'x' }));
    assert.equal(await waitForCount(() => recordsOf(hook.messages).length, 1, HANDOVER_WAIT_MS), 1);
    assert.deepEqual(recordsOf(hook.messages).map((record) => record.s3.object.key), ['after-stop']);
    hook.messages.length = 0;

    // The new holder is killed (kill -9: no release): its presence session ends with it, so a third
    // server delivers at once too, not after the lease's minute.
    assert.equal(Number((await leaseHolder(url, 'hook')).split('@', 1)[0]), other.server.process.pid, 'the other server took the queue');
    const third = await serverOn(url, dataDirectory);
    await other.server.kill();
    await third.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'after-kill', Body: 'x' }));
    assert.equal(await waitForCount(() => recordsOf(hook.messages).length, 1, HANDOVER_WAIT_MS), 1);
    assert.deepEqual(recordsOf(hook.messages).map((record) => record.s3.object.key), ['after-kill']);
    assert.equal(Number((await leaseHolder(url, 'hook')).split('@', 1)[0]), third.server.process.pid, 'the third server holds the queue');
  });
});
