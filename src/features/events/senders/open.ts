// Opens the sender of a target's kind.
import { createHash } from 'node:crypto';
import type { EventTargetRecord } from '../../../index/types.js';
import { amqpSender, mqttSender, natsSender, postgresSender, redisSender } from './brokers.js';
import type { EventSender } from './sender.js';
import { webhookSender } from './webhook.js';

/** The stream made for a subject no stream holds: named by the target and the subject, so it never clashes with an older one. */
export function natsStreamName(target: string, subject: string): string {
  const subjectHash = createHash('sha256').update(subject).digest('hex').slice(0, 8);
  return `CAIRN_${target.replace(/[^A-Za-z0-9_]/g, '_').toUpperCase()}_${subjectHash}`;
}

export async function openSender(target: EventTargetRecord): Promise<EventSender> {
  const { settings } = target;
  switch (target.kind) {
    case 'webhook': return webhookSender(settings);
    case 'nats': return natsSender(settings, natsStreamName(target.name, settings['subject']!));
    case 'redis': return redisSender(settings);
    case 'amqp': return amqpSender(settings);
    case 'mqtt': return mqttSender(settings, `cairn-${target.name}`);
    case 'postgres': return postgresSender(settings);
    case 's3': throw new Error('an s3 target is a replication destination: it is sent no events');
  }
}
