// `cairn admin target add|list|remove` (event notification targets) and `cairn admin events listen`
// (a bucket's events as newline-delimited JSON, for as long as the command runs).
import { CommandFailure, EXIT_SUCCESS, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, describeError, parseCommandArgs } from './connection.js';

/** Command-line options → the settings a target kind takes (src/features/events/targets.ts checks them). */
const SETTING_OPTIONS = {
  url: 'url', secret: 'secret', 'bearer-token': 'bearerToken', subject: 'subject', stream: 'stream', exchange: 'exchange',
  'routing-key': 'routingKey', topic: 'topic', table: 'table', 'access-key': 'accessKeyId', 'secret-key': 'secretAccessKey',
  'target-region': 'region', bucket: 'bucket',
} as const;

const TARGET_OPTIONS = {
  type: { type: 'string' }, json: { type: 'boolean', default: false },
  ...Object.fromEntries(Object.keys(SETTING_OPTIONS).map((name) => [name, { type: 'string' }])),
} as const;

interface TargetJson { name: string; type: string; arn: string; settings: Record<string, string>; deadLetters: number }

async function runTarget(args: string[], io: AdminIo): Promise<number> {
  const [action, ...rest] = args;
  const positionals = action === 'add' || action === 'remove' ? ['NAME'] : [];
  if (action !== 'add' && action !== 'list' && action !== 'remove') {
    if (action === '--help' || action === '-h') parseCommandArgs(['--help'], {}, []);
    throw new UsageError('expected add, list or remove');
  }
  const { values, positionals: names } = parseCommandArgs(rest, action === 'add' ? TARGET_OPTIONS : { json: { type: 'boolean', default: false } }, positionals);
  const client = connectAdmin(values, io.env);
  const given = values as Record<string, string | boolean | undefined>;
  try {
    if (action === 'add') {
      if (typeof given['type'] !== 'string') throw new UsageError('--type is required (webhook, nats, redis, amqp, mqtt, postgres or s3)');
      const settings = Object.fromEntries(Object.entries(SETTING_OPTIONS).filter(([option]) => typeof given[option] === 'string').map(([option, setting]) => [setting, given[option]]));
      const created = await client.json<{ arn: string }>('POST', '/targets', { name: names[0], type: given['type'], settings });
      io.stdout.write(given['json'] === true ? `${JSON.stringify(created)}\n` : `${created.arn}\n`);
    } else if (action === 'remove') {
      await client.send('DELETE', `/targets/${encodeURIComponent(names[0]!)}`);
    } else {
      const { targets } = await client.json<{ targets: TargetJson[] }>('GET', '/targets');
      if (given['json'] === true) io.stdout.write(`${JSON.stringify(targets)}\n`);
      else for (const target of targets) io.stdout.write(`${target.name}\t${target.type}\t${target.arn}\t${target.settings['url'] ?? ''}\tdead letters: ${target.deadLetters}\n`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new CommandFailure(describeError(error, String(values.endpoint)));
  }
  return EXIT_SUCCESS;
}

export const targetCommand: AdminCommand = {
  name: 'target',
  synopsis: 'target add NAME --type webhook|nats|redis|amqp|mqtt|postgres|s3 --url URL … | target list | target remove NAME',
  summary: 'Manage event notification targets (arn:aws:sqs:REGION:ACCOUNT:NAME in a notification configuration) and replication destinations (--type s3: the Role arn:aws:iam::ACCOUNT:role/NAME).',
  help: `options of add:
  --type KIND            webhook, nats, redis, amqp, mqtt, postgres, or s3 (a replication destination)
  --url URL              where the target is (http(s)://, nats://, redis://, amqp://, mqtt://, postgres://)
  --secret S             webhook: sign each body, header X-Cairn-Signature: sha256=HMAC-SHA256(S, body) in hex
  --bearer-token T       webhook: send Authorization: Bearer T
  --subject S            nats: the JetStream subject (a stream is created for it if none holds it)
  --stream S             redis: the stream (XADD)
  --exchange E           amqp: the exchange (declared as a durable topic exchange if absent)
  --routing-key K        amqp: the routing key
  --topic T              mqtt: the topic (QoS 1)
  --table T              postgres: the table (created if absent, a row per event)
  --access-key K         s3: the access key id to write replicas with (--url is the S3 endpoint)
  --secret-key S         s3: its secret access key
  --target-region R      s3: the region to sign for (default us-east-1)
  --bucket B             s3: the only destination bucket this target may be used for
  --json                 print the new target as JSON`,
  run: runTarget,
};

async function runListen(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { prefix: { type: 'string' }, suffix: { type: 'string' }, events: { type: 'string' } }, ['BUCKET']);
  const client = connectAdmin(values, io.env);
  const query = new URLSearchParams({ bucket: positionals[0]! });
  for (const name of ['prefix', 'suffix', 'events'] as const) if (typeof values[name] === 'string') query.set(name, values[name]);
  try {
    const response = await client.stream(`/events/listen?${query.toString()}`);
    // The server registered the listener before it answered: from here on no event of the bucket is missed.
    io.stderr.write(`listening for events of ${positionals[0]}\n`);
    for await (const piece of response.body ?? []) io.stdout.write(piece);
  } catch (error) {
    throw new CommandFailure(describeError(error, String(values.endpoint)));
  }
  return EXIT_SUCCESS;
}

export const eventsCommand: AdminCommand = {
  name: 'events',
  synopsis: 'events listen BUCKET [--prefix P] [--suffix S] [--events s3:ObjectCreated:*,…]',
  summary: "Print a bucket's events as newline-delimited S3 event JSON as they happen, until interrupted.",
  help: `options:
  --prefix P     only keys that start with P
  --suffix S     only keys that end with S
  --events LIST  comma-separated event names (default: every event)`,
  run: async (args, io) => {
    const [action, ...rest] = args;
    if (action === '--help' || action === '-h') parseCommandArgs(['--help'], {}, []);
    if (action !== 'listen') throw new UsageError('expected listen BUCKET');
    return runListen(rest, io);
  },
};
