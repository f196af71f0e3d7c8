// `cairn admin user …` and `cairn admin key …`: users, access keys and user policies of a running
// server, through its admin API. A new key's secret is printed once, to stdout, never logged.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clientCredentials } from '../credentials.js';
import { AdminApiError, IamClient } from './iam-client.js';

const ENDPOINT_DEFAULT = 'http://127.0.0.1:9000';

export const USER_USAGE = `usage: cairn admin user <command> [--endpoint URL] [--json]

  add NAME                 create a user with an access key (its secret is shown only this once)
  list                     list users and their access keys
  show NAME                one user
  remove NAME              delete a user and its keys (refused while it owns buckets)
  set-policy NAME FILE     attach a policy (IAM JSON; FILE "-" reads stdin)
  get-policy NAME          print the user's policy
  delete-policy NAME       remove the user's policy
`;

export const KEY_USAGE = `usage: cairn admin key <command> [--endpoint URL] [--json]

  add USER                 create another access key for USER (at most 2 per user)
  list USER                list USER's keys
  disable KEY_ID           make a key Inactive (requests signed with it fail with InvalidAccessKeyId)
  enable KEY_ID            make a key Active again
  remove KEY_ID            delete a key
`;

interface NewKey { user: string; accessKeyId: string; secretAccessKey: string }
interface KeyJson { accessKeyId: string; status: string; createdAt: string }
interface UserJson { name: string; arn: string; canonicalId: string; createdAt: string; hasPolicy: boolean; accessKeys: KeyJson[] }

interface ParsedCommand {
  client: IamClient;
  json: boolean;
  positionals: string[];
}

function parse(argv: string[], usage: string): ParsedCommand | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      endpoint: { type: 'string', default: process.env['CAIRN_ENDPOINT'] ?? ENDPOINT_DEFAULT },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage);
    return undefined;
  }
  const credentials = clientCredentials(process.env);
  if (credentials === undefined) throw new Error('set CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to the root credentials');
  return { client: new IamClient(values.endpoint, credentials, values.region), json: values.json, positionals };
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printNewKey(key: NewKey, json: boolean): void {
  if (json) {
    print(JSON.stringify({ user: key.user, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }));
    return;
  }
  print([
    `user               ${key.user}`,
    `access key id      ${key.accessKeyId}`,
    `secret access key  ${key.secretAccessKey}`,
    '                   (shown only this once: keep it now)',
  ].join('\n'));
}

function describeUser(user: UserJson): string {
  const keys = user.accessKeys.map((key) => `  ${key.accessKeyId}  ${key.status.padEnd(8)}  created ${key.createdAt}`);
  return [`${user.name}  ${user.arn}${user.hasPolicy ? '  (has a policy)' : ''}`, ...keys].join('\n');
}

/** Requires exactly `count` positionals after the command word. */
function operands(command: ParsedCommand, count: number, usage: string): string[] {
  const rest = command.positionals.slice(1);
  if (rest.length !== count) throw new Error(`expected ${count} argument(s) after '${command.positionals[0]}'\n\n${usage}`);
  return rest;
}

const segment = (text: string) => encodeURIComponent(text);

/** Runs one `cairn admin user` command; returns the exit code. */
export async function runUserCommand(argv: string[]): Promise<number> {
  return reportErrors(async () => {
    const command = parse(argv, USER_USAGE);
    if (command === undefined) return 0;
    const { client, json } = command;
    switch (command.positionals[0]) {
      case 'add': {
        const [name] = operands(command, 1, USER_USAGE);
        printNewKey(await client.json<NewKey>('POST', '/users', { name }), json);
        return 0;
      }
      case 'list': {
        operands(command, 0, USER_USAGE);
        const { users } = await client.json<{ users: UserJson[] }>('GET', '/users');
        print(json ? JSON.stringify({ users }) : users.length === 0 ? '(no users)' : users.map(describeUser).join('\n'));
        return 0;
      }
      case 'show': {
        const [name] = operands(command, 1, USER_USAGE);
        const user = await client.json<UserJson>('GET', `/users/${segment(name!)}`);
        print(json ? JSON.stringify(user) : describeUser(user));
        return 0;
      }
      case 'remove':
        await client.send('DELETE', `/users/${segment(operands(command, 1, USER_USAGE)[0]!)}`);
        return 0;
      case 'set-policy': {
        const [name, file] = operands(command, 2, USER_USAGE);
        const text = readFileSync(file === '-' ? 0 : file!, 'utf8');
        await client.send('PUT', `/users/${segment(name!)}/policy`, text);
        return 0;
      }
      case 'get-policy':
        print((await client.send('GET', `/users/${segment(operands(command, 1, USER_USAGE)[0]!)}/policy`)).text);
        return 0;
      case 'delete-policy':
        await client.send('DELETE', `/users/${segment(operands(command, 1, USER_USAGE)[0]!)}/policy`);
        return 0;
      default:
        throw new Error(`unknown user command '${command.positionals[0]}'\n\n${USER_USAGE}`);
    }
  });
}

/** Runs one `cairn admin key` command; returns the exit code. */
export async function runKeyCommand(argv: string[]): Promise<number> {
  return reportErrors(async () => {
    const command = parse(argv, KEY_USAGE);
    if (command === undefined) return 0;
    const { client, json } = command;
    switch (command.positionals[0]) {
      case 'add': {
        const [user] = operands(command, 1, KEY_USAGE);
        printNewKey(await client.json<NewKey>('POST', `/users/${segment(user!)}/keys`), json);
        return 0;
      }
      case 'list': {
        const [user] = operands(command, 1, KEY_USAGE);
        const { accessKeys } = await client.json<{ accessKeys: KeyJson[] }>('GET', `/users/${segment(user!)}/keys`);
        print(json ? JSON.stringify({ accessKeys }) : accessKeys.map((key) => `${key.accessKeyId}  ${key.status.padEnd(8)}  created ${key.createdAt}`).join('\n'));
        return 0;
      }
      case 'disable':
      case 'enable': {
        const [accessKeyId] = operands(command, 1, KEY_USAGE);
        const status = command.positionals[0] === 'disable' ? 'Inactive' : 'Active';
        const key = await client.json<KeyJson>('PATCH', `/keys/${segment(accessKeyId!)}`, { status });
        print(json ? JSON.stringify(key) : `${key.accessKeyId}  ${key.status}`);
        return 0;
      }
      case 'remove':
        await client.send('DELETE', `/keys/${segment(operands(command, 1, KEY_USAGE)[0]!)}`);
        return 0;
      default:
        throw new Error(`unknown key command '${command.positionals[0]}'\n\n${KEY_USAGE}`);
    }
  });
}

async function reportErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AdminApiError) process.stderr.write(`cairn: ${error.code}: ${error.message}\n`);
    else process.stderr.write(`cairn: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
