// Consumers of the brokers on this machine, each through its own client library, that read back what
// Cairn's event targets published: a JetStream stream, a Redis stream, a RabbitMQ queue bound to the
// exchange, an MQTT subscription (QoS 1) and a PostgreSQL table.
import * as amqp from 'amqplib';
import * as mqtt from 'mqtt';
import { connect as connectNats } from 'nats';
import pg from 'pg';
import { createClient } from 'redis';

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function brokerNames(run: string) {
  return { subject: `cairn.events.${run}`, exchange: `cairn-events-${run}`, table: `events_${run}`, stream: `cairn-${run}`, topic: `cairn/${run}` };
}

export type BrokerKind = 'nats' | 'redis' | 'amqp' | 'mqtt' | 'postgres';

export interface BrokerConsumers {
  /** Every message body received so far, in order, per broker. */
  bodies: Record<BrokerKind, () => Promise<string[]>>;
  close(): Promise<void>;
}

export async function openBrokerConsumers(run: string): Promise<BrokerConsumers> {
  const { subject, exchange, table, stream, topic } = brokerNames(run);
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
  await mqttClient.subscribeAsync(topic, { qos: 1 });
  const nats = await connectNats({ servers: '127.0.0.1:4222' });
  const postgres = new pg.Client({ connectionString: POSTGRES_URL });
  await postgres.connect();
  const rabbitBodies: string[] = [];
  const bodies: BrokerConsumers['bodies'] = {
    redis: async () => ((await redis.xRange(stream, '-', '+')) ?? []).map((entry) => String(entry?.message['event'])),
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
  return {
    bodies,
    async close() {
      await redis.del(stream).catch(() => undefined);
      await redis.quit();
      await channel.deleteExchange(exchange).catch(() => undefined);
      await rabbit.close();
      await mqttClient.endAsync();
      const manager = await nats.jetstreamManager();
      const streamName = await manager.streams.find(subject).catch(() => undefined);
      if (streamName !== undefined) await manager.streams.delete(streamName).catch(() => undefined);
      await nats.close();
      await postgres.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await postgres.end();
    },
  };
}
