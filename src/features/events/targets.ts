// Event targets: the kinds, the settings each kind takes (checked before a target is stored), and
// the ARN a target is named by in a bucket's notification configuration
// (arn:aws:sqs:<region>:<account id>:NAME, or sns / lambda …:function:NAME).
import type { EventTargetKind } from '../../index/types.js';

export const EVENT_TARGET_KINDS: readonly EventTargetKind[] = ['webhook', 'nats', 'redis', 'amqp', 'mqtt', 'postgres', 's3'];
const TARGET_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
const SETTING_LENGTH_MAX = 2048;
/** SQL identifiers for the postgres kind's table: [schema.]table, plain names only. */
const TABLE_NAME_PATTERN = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;

/** Per kind: the settings it needs, and those it may have. */
const KIND_SETTINGS: Record<EventTargetKind, { required: string[]; optional: string[]; schemes: string[] }> = {
  webhook: { required: ['url'], optional: ['secret', 'bearerToken'], schemes: ['http:', 'https:'] },
  nats: { required: ['url', 'subject'], optional: [], schemes: ['nats:', 'tls:'] },
  redis: { required: ['url', 'stream'], optional: [], schemes: ['redis:', 'rediss:'] },
  amqp: { required: ['url', 'exchange'], optional: ['routingKey'], schemes: ['amqp:', 'amqps:'] },
  mqtt: { required: ['url', 'topic'], optional: [], schemes: ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'] },
  postgres: { required: ['url', 'table'], optional: [], schemes: ['postgres:', 'postgresql:'] },
  // A replication destination (src/features/replication): an S3 endpoint and the credentials to write with.
  s3: { required: ['url', 'accessKeyId', 'secretAccessKey'], optional: ['region', 'bucket'], schemes: ['http:', 'https:'] },
};

/** Settings that are secrets: never shown by `target list`. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set(['secret', 'bearerToken', 'secretAccessKey']);

export class TargetInputError extends Error {}

export function checkTargetName(name: unknown): string {
  if (typeof name !== 'string' || !TARGET_NAME_PATTERN.test(name)) {
    throw new TargetInputError('A target name is 1–80 letters, digits, "-" or "_".');
  }
  return name;
}

/** The kind and settings of a new target, checked; TargetInputError says what is wrong. */
export function checkTargetSettings(kind: unknown, given: unknown): { kind: EventTargetKind; settings: Record<string, string> } {
  if (typeof kind !== 'string' || !(EVENT_TARGET_KINDS as readonly string[]).includes(kind)) {
    throw new TargetInputError(`"type" must be one of ${EVENT_TARGET_KINDS.join(', ')}.`);
  }
  const spec = KIND_SETTINGS[kind as EventTargetKind];
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new TargetInputError('"settings" must be an object.');
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!spec.required.includes(name) && !spec.optional.includes(name)) throw new TargetInputError(`a ${kind} target takes no "${name}" (it takes ${[...spec.required, ...spec.optional].join(', ')})`);
    if (typeof value !== 'string' || value === '' || value.length > SETTING_LENGTH_MAX) throw new TargetInputError(`"${name}" must be a non-empty string of at most ${SETTING_LENGTH_MAX} characters.`);
    settings[name] = value;
  }
  for (const name of spec.required) if (settings[name] === undefined) throw new TargetInputError(`a ${kind} target needs "${name}"`);
  let url: URL;
  try {
    url = new URL(settings['url']!);
  } catch {
    throw new TargetInputError(`"url" is not a URL: ${settings['url']}`);
  }
  if (!spec.schemes.includes(url.protocol)) throw new TargetInputError(`a ${kind} target's url must start with ${spec.schemes.map((scheme) => `${scheme}//`).join(' or ')}`);
  if (kind === 'postgres' && !TABLE_NAME_PATTERN.test(settings['table']!)) throw new TargetInputError('"table" must be a plain lower-case SQL name ([schema.]table).');
  return { kind: kind as EventTargetKind, settings };
}

/** The ARN of a target, as a QueueArn. */
export function targetArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sqs:${region}:${accountId}:${name}`;
}

/** The target name an ARN of this server names, or undefined when it names no target of ours. */
export function targetNameOfArn(arn: string, region: string, accountId: string): string | undefined {
  const match = /^arn:aws:(sqs|sns|lambda):([^:]*):([^:]*):(?:function:)?([^:]+)$/.exec(arn);
  if (match === null || match[2] !== region || match[3] !== accountId) return undefined;
  return match[4];
}

/** A target as `target list` shows it: secrets replaced by "***". */
export function redactedSettings(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([name, value]) => {
    if (SECRET_SETTINGS.has(name)) return [name, '***'];
    if (name === 'url') {
      try {
        const url = new URL(value);
        if (url.password !== '') url.password = '***';
        return [name, url.toString()];
      } catch {
        return [name, value];
      }
    }
    return [name, value];
  }));
}
