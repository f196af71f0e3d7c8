// `cairn admin user …` and `cairn admin key …`: users, access keys and user policies of a running
// server, through its admin API (docs/admin-api.md). A new key's secret is printed once, to stdout,
// never logged.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CommandFailure, EXIT_SUCCESS, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, DEFAULT_ENDPOINT, DEFAULT_REGION, describeError } from './connection.js';
import { AdminApiError, type IamClient } from './iam-client.js';

const USER_HELP = `commands:
  add NAME                 create a user with an access key (its secret is shown only this once)
  list                     list users and their access keys
  show NAME                one user
  remove NAME              delete a user and its keys (refused while it owns buckets)
  set-policy NAME FILE     attach a policy (IAM JSON; FILE "-" reads stdin)
  get-policy NAME          print the user's policy
  delete-policy NAME       remove the user's policy
  set-email NAME EMAIL     the address ACL grants may name the user by (x-amz-grant-read: emailAddress="…")
  delete-email NAME        remove the user's email address

options:
  --json                   print JSON (add: exactly {"user", "accessKeyId", "secretAccessKey"})
  the root identity's credentials sign every request; users may not use the admin API`;

const KEY_HELP = `commands:
  add USER                 create another access key for USER (at most 2 per user)
  list USER                list USER's keys
  disable KEY_ID           make a key Inactive (requests signed with it fail with InvalidAccessKeyId)
  enable KEY_ID            make a key Active again
  remove KEY_ID            delete a key

options:
  --json                   print JSON`;

interface NewKey { user: string; accessKeyId: string; secretAccessKey: string }
interface KeyJson { accessKeyId: string; status: string; createdAt: string }
interface UserJson { name: string; arn: string; canonicalId: string; createdAt: string; hasPolicy: boolean; email?: string; accessKeys: KeyJson[] }

interface ParsedCommand {
  client: IamClient;
  endpoint: string;
  json: boolean;
  /** The subcommand, then its operands. */
  positionals: string[];
  io: AdminIo;
}

function parse(args: string[], io: AdminIo): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        endpoint: { type: 'string', default: DEFAULT_ENDPOINT },
        region: { type: 'string', default: DEFAULT_REGION },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) throw new HelpRequested();
  if (positionals.length === 0) throw new UsageError('expected a command');
  const client = connectAdmin(values, io.env);
  return { client, endpoint: values.endpoint, json: values.json, positionals, io };
}

function print(command: ParsedCommand, text: string): void {
  command.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printNewKey(command: ParsedCommand, key: NewKey): void {
  if (command.json) {
    print(command, JSON.stringify({ user: key.user, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }));
    return;
  }
  print(command, [
    `user               ${key.user}`,
    `access key id      ${key.accessKeyId}`,
    `secret access key  ${key.secretAccessKey}`,
    '                   (shown only this once: keep it now)',
  ].join('\n'));
}

function describeUser(user: UserJson): string {
  const keys = user.accessKeys.map(describeKey);
  return [`${user.name}  ${user.arn}${user.email === undefined ? '' : `  <${user.email}>`}${user.hasPolicy ? '  (has a policy)' : ''}`, ...keys.map((line) => `  ${line}`)].join('\n');
}

function describeKey(key: KeyJson): string {
  return `${key.accessKeyId}  ${key.status.padEnd(8)}  created ${key.createdAt}`;
}

/** Exactly `names.length` operands after the subcommand. */
function operands(command: ParsedCommand, names: string[]): string[] {
  const given = command.positionals.slice(1);
  if (given.length !== names.length) {
    throw new UsageError(`${command.positionals[0]}: expected ${names.length === 0 ? 'no arguments' : names.join(' ')}`);
  }
  return given;
}

const segment = (text: string) => encodeURIComponent(text);

/** Runs a subcommand, turning the admin API's refusals and network errors into CommandFailure. */
async function running(args: string[], io: AdminIo, run: (command: ParsedCommand) => Promise<void>): Promise<number> {
  const command = parse(args, io);
  try {
    await run(command);
    return EXIT_SUCCESS;
  } catch (error) {
    if (error instanceof UsageError || error instanceof CommandFailure) throw error;
    if (error instanceof AdminApiError) throw new CommandFailure(`${error.code}: ${error.message}`);
    throw new CommandFailure(describeError(error, command.endpoint));
  }
}

async function runUser(command: ParsedCommand): Promise<void> {
  const { client } = command;
  switch (command.positionals[0]) {
    case 'add': {
      const [name] = operands(command, ['NAME']);
      printNewKey(command, await client.json<NewKey>('POST', '/users', { name }));
      return;
    }
    case 'list': {
      operands(command, []);
      const { users } = await client.json<{ users: UserJson[] }>('GET', '/users');
      print(command, command.json ? JSON.stringify({ users }) : users.length === 0 ? '(no users)' : users.map(describeUser).join('\n'));
      return;
    }
    case 'show': {
      const [name] = operands(command, ['NAME']);
      const user = await client.json<UserJson>('GET', `/users/${segment(name!)}`);
      print(command, command.json ? JSON.stringify(user) : describeUser(user));
      return;
    }
    case 'remove':
      await client.send('DELETE', `/users/${segment(operands(command, ['NAME'])[0]!)}`);
      return;
    case 'set-policy': {
      const [name, file] = operands(command, ['NAME', 'FILE']);
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file!, 'utf8');
      } catch (error) {
        throw new CommandFailure(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await client.send('PUT', `/users/${segment(name!)}/policy`, text);
      return;
    }
    case 'get-policy':
      print(command, (await client.send('GET', `/users/${segment(operands(command, ['NAME'])[0]!)}/policy`)).text);
      return;
    case 'delete-policy':
      await client.send('DELETE', `/users/${segment(operands(command, ['NAME'])[0]!)}/policy`);
      return;
    case 'set-email': {
      const [name, email] = operands(command, ['NAME', 'EMAIL']);
      await client.send('PUT', `/users/${segment(name!)}/email`, JSON.stringify({ email }));
      return;
    }
    case 'delete-email':
      await client.send('DELETE', `/users/${segment(operands(command, ['NAME'])[0]!)}/email`);
      return;
    default:
      throw new UsageError(`unknown command '${command.positionals[0]}'`);
  }
}

async function runKey(command: ParsedCommand): Promise<void> {
  const { client } = command;
  switch (command.positionals[0]) {
    case 'add': {
      const [user] = operands(command, ['USER']);
      printNewKey(command, await client.json<NewKey>('POST', `/users/${segment(user!)}/keys`));
      return;
    }
    case 'list': {
      const [user] = operands(command, ['USER']);
      const { accessKeys } = await client.json<{ accessKeys: KeyJson[] }>('GET', `/users/${segment(user!)}/keys`);
      print(command, command.json ? JSON.stringify({ accessKeys }) : accessKeys.map(describeKey).join('\n'));
      return;
    }
    case 'disable':
    case 'enable': {
      const [accessKeyId] = operands(command, ['KEY_ID']);
      const status = command.positionals[0] === 'disable' ? 'Inactive' : 'Active';
      const key = await client.json<KeyJson>('PATCH', `/keys/${segment(accessKeyId!)}`, { status });
      print(command, command.json ? JSON.stringify(key) : `${key.accessKeyId}  ${key.status}`);
      return;
    }
    case 'remove':
      await client.send('DELETE', `/keys/${segment(operands(command, ['KEY_ID'])[0]!)}`);
      return;
    default:
      throw new UsageError(`unknown command '${command.positionals[0]}'`);
  }
}

export const userCommand: AdminCommand = {
  name: 'user',
  summary: 'Create, list and delete users; set their policies (root credentials only).',
  synopsis: 'user add|list|show|remove|set-policy|get-policy|delete-policy|set-email|delete-email [NAME] [FILE|EMAIL] [--json]',
  help: USER_HELP,
  run: (args, io) => running(args, io, runUser),
};

export const keyCommand: AdminCommand = {
  name: 'key',
  summary: "Add, list, disable, enable and delete users' access keys (root credentials only).",
  synopsis: 'key add|list|disable|enable|remove USER|KEY_ID [--json]',
  help: KEY_HELP,
  run: (args, io) => running(args, io, runKey),
};
