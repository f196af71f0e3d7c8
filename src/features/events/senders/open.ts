// Opens the sender of a target's kind.
import type { EventTargetRecord } from '../../../index/types.js';
import { amqpSender, mqttSender, natsSender, postgresSender, redisSender } from './brokers.js';
import type { EventSender } from './sender.js';
import { webhookSender } from './webhook.js';

export async function openSender(target: EventTargetRecord): Promise<EventSender> {
  const { settings } = target;
  switch (target.kind) {
    case 'webhook': return webhookSender(settings);
    case 'nats': return natsSender(settings, `CAIRN_${target.name.replace(/[^A-Za-z0-9_]/g, '_').toUpperCase()}`);
    case 'redis': return redisSender(settings);
    case 'amqp': return amqpSender(settings);
    case 'mqtt': return mqttSender(settings, `cairn-${target.name}`);
    case 'postgres': return postgresSender(settings);
  }
}
