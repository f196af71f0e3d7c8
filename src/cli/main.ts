// The `cairn` command line.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { KEY_USAGE, runKeyCommand, runUserCommand, USER_USAGE } from './admin/users.js';
import {
  DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_ADDRESS,
  DEFAULT_DATA_DIRECTORY,
  DEFAULT_REGION,
  parseAddress,
  runServer,
} from './server-command.js';

/** More processes than this on one machine only contend for the index's write lock. */
const WORKERS_MAX = 64;

const USAGE = `usage: cairn <command> [options]

commands:
  server [--address HOST:PORT] [--data DIR] [--region REGION] [--domain NAME]...
      Serve S3. Defaults: --address ${DEFAULT_ADDRESS}, --data ${DEFAULT_DATA_DIRECTORY}, --region ${DEFAULT_REGION},
      --domain localhost (virtual-hosted-style requests to <bucket>.<domain>).
      --abandoned-upload-age SECONDS: multipart uploads idle longer are aborted (default 7 days).
      --workers N: processes serving on the one port, sharing index and drive (default: the number of cores).
      --account-id ID: the 12-digit account every user belongs to (default ${DEFAULT_ACCOUNT_ID}).
      Root credentials come from CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY; without them they are generated
      on first start and kept (mode 0600) in DIR/credentials.json.
  admin user add|list|show|remove|set-policy|get-policy|delete-policy … [--endpoint URL] [--json]
  admin key add|list|disable|enable|remove … [--endpoint URL] [--json]
      Users, access keys and user policies of a running server (root credentials from the environment).
  help
      Show this text.
`;

async function serverCommand(args: string[]): Promise<number | undefined> {
  const { values } = parseArgs({
    args,
    options: {
      address: { type: 'string', default: DEFAULT_ADDRESS },
      data: { type: 'string', default: DEFAULT_DATA_DIRECTORY },
      region: { type: 'string', default: DEFAULT_REGION },
      domain: { type: 'string', multiple: true, default: ['localhost'] },
      'account-id': { type: 'string', default: DEFAULT_ACCOUNT_ID },
      'abandoned-upload-age': { type: 'string', default: String(DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS) },
      workers: { type: 'string', default: String(availableParallelism()) },
    },
    strict: true,
    allowPositionals: false,
  });
  const { host, port } = parseAddress(values.address);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > WORKERS_MAX) {
    throw new Error(`--workers ${values.workers}: expected a whole number from 1 to ${WORKERS_MAX}`);
  }
  if (!/^\d{12}$/.test(values['account-id'])) throw new Error(`--account-id ${values['account-id']}: expected 12 digits`);
  const abandonedUploadAgeSeconds = Number(values['abandoned-upload-age']);
  if (!Number.isFinite(abandonedUploadAgeSeconds) || abandonedUploadAgeSeconds <= 0) {
    throw new Error(`--abandoned-upload-age ${values['abandoned-upload-age']}: expected a positive number of seconds`);
  }
  await runServer({
    host,
    port,
    dataDirectory: values.data,
    region: values.region,
    virtualHostDomains: values.domain.map((domain) => domain.toLowerCase()),
    accountId: values['account-id'],
    abandonedUploadAgeMs: abandonedUploadAgeSeconds * 1000,
    workers,
  });
  return undefined;
}

/** `cairn admin user …` and `cairn admin key …` (the other admin commands join this dispatch). */
async function adminCommand(args: string[]): Promise<number> {
  const [group, ...rest] = args;
  if (group === 'user') return runUserCommand(rest);
  if (group === 'key') return runKeyCommand(rest);
  process.stderr.write(`cairn admin: unknown command '${group ?? ''}'\n\n${USER_USAGE}\n${KEY_USAGE}`);
  return 2;
}

export async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return serverCommand(rest);
    case 'admin':
      return adminCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`cairn: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
