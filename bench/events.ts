// Events delivered per second to each target kind. Per kind: a target whose broker is reached
// through a TCP gate owned by this script; the gate refuses connections while N objects are written
// (so N events queue up in the index), then opens, and the queue's drain is timed from the first
// acknowledged event to the last (read from /_cairn/metrics). Needs the brokers of this machine
// (.ci/start-brokers). Usage: npm run build && node dist/bench/events.js [--events N]
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { rawRequest, sdkClient } from '../test/helpers/clients.js';
import { startServer, TEST_ACCESS_KEY, TEST_SECRET_KEY } from '../test/helpers/server.js';
import * as amqp from 'amqplib';
import { connect as connectNats } from 'nats';
import pg from 'pg';
import { createClient } from 'redis';

/** Removes what the run left in the brokers (its stream, exchange, table). */
async function cleanBrokers(run: string): Promise<void> {
  const redis = createClient({ url: 'redis://127.0.0.1:6379' });
  await redis.connect();
  await redis.del(`bench-${run}`);
  await redis.quit();
  const rabbit = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  await (await rabbit.createChannel()).deleteExchange(`bench-${run}`);
  await rabbit.close();
  const nats = await connectNats({ servers: '127.0.0.1:4222' });
  const manager = await nats.jetstreamManager();
  const stream = await manager.streams.find(`bench.${run}`).catch(() => undefined);
  if (stream !== undefined) await manager.streams.delete(stream);
  await nats.close();
  const postgres = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await postgres.connect();
  await postgres.query(`DROP TABLE IF EXISTS bench_${run}`);
  await postgres.end();
}

const PUT_CONCURRENCY = 16;
const DRAIN_TIMEOUT_MS = 300_000;

/** A TCP gate to `port`: refuses (closes) connections until opened. */
async function startGate(port: number): Promise<{ port: number; open(): void; close(): void }> {
  let isOpen = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = createConnection(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    port: (server.address() as AddressInfo).port,
    open: () => { isOpen = true; },
    close: () => { for (const socket of sockets) socket.destroy(); server.close(); },
  };
}

function metric(text: string, name: string, target: string): number {
  const match = new RegExp(`^${name}\\{target="${target}",[^}]*\\} (\\S+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' } } });
  const eventCount = Number(values.events);
  const hook = createHttpServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); });
  await new Promise<void>((resolveListen) => hook.listen(0, '127.0.0.1', resolveListen));
  const hookPort = (hook.address() as AddressInfo).port;
  const server = await startServer({ env: { CAIRN_EVENTS_BACKOFF_BASE_MS: '20' } });
  const s3 = sdkClient(server);
  const admin = new IamClient(server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
  const run = Date.now().toString(36);
  const kinds: Array<{ kind: string; port: number; settings: (port: number) => Record<string, string> }> = [
    { kind: 'webhook', port: hookPort, settings: (port) => ({ url: `http://127.0.0.1:${port}/` }) },
    { kind: 'nats', port: 4222, settings: (port) => ({ url: `nats://127.0.0.1:${port}`, subject: `bench.${run}` }) },
    { kind: 'redis', port: 6379, settings: (port) => ({ url: `redis://127.0.0.1:${port}`, stream: `bench-${run}` }) },
    { kind: 'amqp', port: 5672, settings: (port) => ({ url: `amqp://guest:guest@127.0.0.1:${port}`, exchange: `bench-${run}` }) },
    { kind: 'mqtt', port: 1883, settings: (port) => ({ url: `mqtt://127.0.0.1:${port}`, topic: `bench/${run}` }) },
    { kind: 'postgres', port: 5432, settings: (port) => ({ url: `postgres://postgres@127.0.0.1:${port}/test`, table: `bench_${run}` }) },
  ];
  try {
    console.log(`events delivered per second, ${eventCount} queued events per target kind (one target each, batches of 100)`);
    for (const { kind, port, settings } of kinds) {
      const gate = await startGate(port);
      const name = `bench-${kind}`;
      const bucket = `bench-${kind}-${run}`;
      await admin.json('POST', '/targets', { name, type: kind, settings: settings(gate.port) });
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {
        QueueConfigurations: [{ QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`, Events: ['s3:ObjectCreated:*'] }],
      } }));
      let next = 0;
      await Promise.all(Array.from({ length: PUT_CONCURRENCY }, async () => {
        for (let n = next++; n < eventCount; n = next++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${n}`, Body: 'x' }));
      }));
      // Let the failed connection attempts' backoff settle to a short delay before opening.
      await sleep(200);
      gate.open();
      const total = eventCount + 1;
      let firstAtMs: number | undefined;
      let firstDelivered = 0;
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      for (;;) {
        const text = (await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' })).text;
        const delivered = metric(text, 'cairn_events_delivered_total', name);
        if (delivered > 0 && firstAtMs === undefined) {
          firstAtMs = Date.now();
          firstDelivered = delivered;
        }
        if (delivered >= total || Date.now() > deadline) {
          const seconds = (Date.now() - (firstAtMs ?? Date.now())) / 1000;
          console.log(`${kind.padEnd(9)} ${delivered === total ? '' : `(only ${delivered}/${total}) `}${Math.round((delivered - firstDelivered) / Math.max(seconds, 0.001))} events/s`);
          break;
        }
        await sleep(20);
      }
      gate.close();
    }
  } finally {
    s3.destroy();
    hook.close();
    await server.dispose();
    await cleanBrokers(run);
  }
}

await main();
