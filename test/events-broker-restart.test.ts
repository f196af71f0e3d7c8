// The notification gaps: a real broker (a Redis server of this test's own, on a spare port; the
// machine's shared one is never touched) stopped for a while and started again loses no event; a
// target's queue at its bound refuses the change (503 SlowDown, nothing written) and accepts it once
// delivery has caught up; and target secrets are sealed at rest (no plaintext in the index files).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createClient } from 'redis';
import { startServer, temporaryDirectory, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { sdkClient } from './helpers/clients.js';
import { filesContaining } from './helpers/files-containing.js';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { choosePort } from '../src/cli/listen-address.js';

const QUEUE_LENGTH_MAX = 30;
const ENV = { CAIRN_EVENTS_BACKOFF_BASE_MS: '20', CAIRN_EVENT_QUEUE_LENGTH_MAX: String(QUEUE_LENGTH_MAX) };
const STREAM = 'cairn-restart';
const DELIVERY_TIMEOUT_MS = 60_000;

/** A Redis server of our own, appending every write to its file so a restart keeps the stream. */
async function startRedis(port: number, directory: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function streamKeys(port: number): Promise<string[]> {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  await client.connect();
  try {
    const entries = (await client.xRange(STREAM, '-', '+')) ?? [];
    return entries.flatMap((entry) => {
      const event = JSON.parse(String(entry?.message['event'])) as { Records?: Array<{ s3: { object: { key: string } } }> };
      return (event.Records ?? []).map((record) => decodeURIComponent(record.s3.object.key));
    });
  } finally {
    await client.quit();
  }
}

describe('event delivery across a broker restart, the queue bound, sealed secrets', () => {
  let cairn: RunningServer;
  let s3: S3Client;
  let redis: ChildProcess;
  let redisPort: number;
  const redisDirectory = temporaryDirectory('redis');

  before(async () => {
    // Below the ephemeral range: no outgoing connection takes it while Redis is down between restarts.
    redisPort = await choosePort('127.0.0.1');
    redis = await startRedis(redisPort, redisDirectory);
    cairn = await startServer({ env: ENV });
    s3 = sdkClient(cairn, { maxAttempts: 1 });
  });

  after(async () => {
    s3?.destroy();
    await cairn?.dispose();
    if (redis !== undefined) await stopRedis(redis);
  });

  it('delivers every event after the broker comes back, and bounds the queue meanwhile', async () => {
    const admin = new IamClient(cairn.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    await admin.json('POST', '/targets', { name: 'own-redis', type: 'redis', settings: { url: `redis://127.0.0.1:${redisPort}`, stream: STREAM } });
    await s3.send(new CreateBucketCommand({ Bucket: 'restart-bucket' }));
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: 'restart-bucket',
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'all', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:own-redis', Events: ['s3:ObjectCreated:*'] }] },
    }));
    const written: string[] = [];
    for (let i = 0; i < 10; i++) {
      await s3.send(new PutObjectCommand({ Bucket: 'restart-bucket', Key: `before/${i}`, Body: 'x' }));
      written.push(`before/${i}`);
    }
    await waitForKeys(redisPort, written);
    await stopRedis(redis);
    // The broker is down: the queue grows to its bound, then the next change is refused whole.
    let refused: S3ServiceException | undefined;
    for (let i = 0; i < QUEUE_LENGTH_MAX + 5 && refused === undefined; i++) {
      try {
        await s3.send(new PutObjectCommand({ Bucket: 'restart-bucket', Key: `during/${i}`, Body: 'y' }));
        written.push(`during/${i}`);
      } catch (error) {
        if (!(error instanceof S3ServiceException)) throw error;
        refused = error;
        assert.equal(error.name, 'SlowDown');
        assert.equal(error.$metadata.httpStatusCode, 503);
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'restart-bucket', Key: `during/${i}` })).catch((missing: S3ServiceException) => missing);
        assert.equal((head as S3ServiceException).$metadata.httpStatusCode, 404, 'the refused object was not written');
      }
    }
    assert.ok(refused !== undefined, 'a full queue refuses the change');
    assert.ok(written.length >= QUEUE_LENGTH_MAX - 1 && written.length <= QUEUE_LENGTH_MAX + 10, `${written.length} accepted`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    redis = await startRedis(redisPort, redisDirectory);
    await waitForKeys(redisPort, written);
    // Delivery caught up: the queue takes changes again.
    await s3.send(new PutObjectCommand({ Bucket: 'restart-bucket', Key: 'after/0', Body: 'z' }));
    await waitForKeys(redisPort, [...written, 'after/0']);
  });

  it('keeps target secrets sealed in the index', async () => {
    const admin = new IamClient(cairn.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    const secret = 'hook-secret-4f1d9c-plaintext';
    const password = 'url-password-8e2b71-plaintext';
    const secretKey = 'replica-secret-key-77aa03-plaintext';
    await admin.json('POST', '/targets', { name: 'sealed-hook', type: 'webhook', settings: { url: `http://user:${password}@127.0.0.1:9/hook`, secret } });
    await admin.json('POST', '/targets', { name: 'sealed-site', type: 's3', settings: { url: 'http://127.0.0.1:9', accessKeyId: 'AKIDSEALED', secretAccessKey: secretKey } });
    const { targets } = await admin.json<{ targets: Array<{ name: string; settings: Record<string, string> }> }>('GET', '/targets');
    const hook = targets.find((target) => target.name === 'sealed-hook')!;
    assert.equal(hook.settings['secret'], '***');
    assert.equal(hook.settings['url'], 'http://user:***@127.0.0.1:9/hook');
    assert.equal(targets.find((target) => target.name === 'sealed-site')!.settings['secretAccessKey'], '***');
    for (const plaintext of [secret, password, secretKey]) {
      assert.deepEqual(filesContaining(cairn.dataDirectory, Buffer.from(plaintext)), [], plaintext);
    }
  });
});

async function waitForKeys(port: number, keys: string[]): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  for (;;) {
    const received = new Set(await streamKeys(port).catch(() => [] as string[]));
    const missing = keys.filter((key) => !received.has(key));
    if (missing.length === 0) return;
    if (Date.now() > deadline) assert.fail(`events never arrived for ${missing.length} keys, e.g. ${missing.slice(0, 3).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
