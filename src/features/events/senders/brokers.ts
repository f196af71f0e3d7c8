// Broker targets, each through its own well-kept client: NATS JetStream (publish acknowledged by the
// stream; the message id lets JetStream drop a redelivery), Redis streams (XADD), AMQP 0.9.1 with
// publisher confirms (RabbitMQ), MQTT with QoS 1 (PUBACK), PostgreSQL (a row per event, the table
// created if absent). A batch is sent in order on one connection and awaited as a whole.
// Each client is imported when a target of its kind is first used, not at start: together they are
// ~1,000 modules (Redis's alone ~700) and a third of a second of every server process's start.
import { withTimeout, type EventSender } from './sender.js';

export async function natsSender(settings: Record<string, string>, streamName: string): Promise<EventSender> {
  const { connect: connectNats, headers: natsHeaders } = await import('nats');
  const url = new URL(settings['url']!);
  const connection = await connectNats({ servers: `${url.hostname}:${url.port || '4222'}`, timeout: 5_000 });
  const subject = settings['subject']!;
  const manager = await connection.jetstreamManager();
  try {
    await manager.streams.find(subject);
  } catch {
    // No stream holds the subject yet: one is made for it (file storage, so it outlives a NATS restart).
    await manager.streams.add({ name: streamName, subjects: [subject] });
  }
  const stream = connection.jetstream();
  return {
    async send(batch) {
      await withTimeout(Promise.all(batch.map((item) => {
        const extra = natsHeaders();
        extra.set('Content-Type', 'application/json');
        return stream.publish(subject, Buffer.from(item.body), { msgID: item.messageId, headers: extra });
      })), `nats ${subject}`);
    },
    close: () => connection.close(),
  };
}

export async function redisSender(settings: Record<string, string>): Promise<EventSender> {
  const { createClient } = await import('redis');
  const client = createClient({ url: settings['url']!, socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
  client.on('error', () => undefined);
  await client.connect();
  const stream = settings['stream']!;
  return {
    async send(batch) {
      await withTimeout(Promise.all(batch.map((item) => client.xAdd(stream, '*', { id: item.messageId, event: item.body }))), `redis ${stream}`);
    },
    async close() {
      await client.quit().catch(() => undefined);
    },
  };
}

export async function amqpSender(settings: Record<string, string>): Promise<EventSender> {
  const amqp = await import('amqplib');
  const connection = await amqp.connect(settings['url']!);
  connection.on('error', () => undefined);
  const exchange = settings['exchange']!;
  const routingKey = settings['routingKey'] ?? '';
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  return {
    async send(batch) {
      for (const item of batch) {
        channel.publish(exchange, routingKey, Buffer.from(item.body), { persistent: true, contentType: 'application/json', messageId: item.messageId });
      }
      await withTimeout(channel.waitForConfirms(), `amqp ${exchange}`);
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

export async function mqttSender(settings: Record<string, string>, clientId: string): Promise<EventSender> {
  const mqtt = await import('mqtt');
  const client = await mqtt.connectAsync(settings['url']!, { clientId, reconnectPeriod: 0, connectTimeout: 5_000 });
  client.on('error', () => undefined);
  const topic = settings['topic']!;
  return {
    async send(batch) {
      await withTimeout(Promise.all(batch.map((item) => client.publishAsync(topic, item.body, { qos: 1 }))), `mqtt ${topic}`);
    },
    async close() {
      await client.endAsync(true).catch(() => undefined);
    },
  };
}

export async function postgresSender(settings: Record<string, string>): Promise<EventSender> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: settings['url']!, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  const table = settings['table']!;
  // The table name was checked to be a plain SQL name (targets.ts); the unique message id makes a redelivery a no-op.
  await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id BIGSERIAL PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, event_name TEXT NOT NULL,
    bucket TEXT NOT NULL, key TEXT NOT NULL, sequencer TEXT NOT NULL, event_time TIMESTAMPTZ NOT NULL, event JSONB NOT NULL)`);
  return {
    async send(batch) {
      await withTimeout((async () => {
        // One statement per batch: its rows commit together, in queue order (the id column).
        const rows = batch.map((item) => [item.messageId, item.event.eventName, item.event.bucket, item.event.key,
          item.messageId.split(':')[0], new Date(item.event.eventTimeMs), item.body]);
        const placeholders = rows.map((_row, at) => `(${Array.from({ length: 7 }, (_unused, column) => `$${at * 7 + column + 1}`).join(', ')})`);
        await client.query(`INSERT INTO ${table} (message_id, event_name, bucket, key, sequencer, event_time, event)
          VALUES ${placeholders.join(', ')} ON CONFLICT (message_id) DO NOTHING`, rows.flat());
      })(), `postgres ${table}`);
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}
