// `cairn admin kms`: the built-in key service's SSE-KMS keys (create, list, disable, enable, rotate)
// and the master keys that wrap SSE-S3 data keys and the KMS keys' material. Both live in the data
// directory's keys/ (not behind the S3 API), so this command works on those files: a running server
// sees a change within a second, and every object written before a rotation still opens.
import { parseArgs } from 'node:util';
import { openKeyServices, type KmsKeyInfo } from '../../services/encryption/kms.js';
import { MasterKeyring, MASTER_KEY_ENVIRONMENT_VARIABLE } from '../../services/encryption/master-keys.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from '../server-command.js';
import { CommandFailure, EXIT_SUCCESS, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';

const ACTIONS_WITH_KEY_ID = ['disable', 'enable', 'rotate'];
const ACTIONS = ['create', 'list', ...ACTIONS_WITH_KEY_ID, 'rotate-master', 'list-master'];

interface KmsArgs { action: string; keyId?: string; data: string; description: string; arnPrefix: string }

function parseKmsArgs(args: string[]): KmsArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        data: { type: 'string' }, description: { type: 'string', default: '' }, region: { type: 'string', default: DEFAULT_REGION },
        'account-id': { type: 'string', default: DEFAULT_ACCOUNT_ID }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) throw new HelpRequested();
  const [action, keyId, ...rest] = parsed.positionals;
  if (action === undefined || !ACTIONS.includes(action)) throw new UsageError(`expected one of ${ACTIONS.join(', ')}, not ${action ?? 'nothing'}`);
  if (ACTIONS_WITH_KEY_ID.includes(action) && keyId === undefined) throw new UsageError(`${action} needs a KEY-ID`);
  const extra = ACTIONS_WITH_KEY_ID.includes(action) ? rest[0] : keyId;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  if (parsed.values.data === undefined) throw new UsageError('expected --data DIR (the server\'s data directory)');
  const arnPrefix = `arn:aws:kms:${parsed.values.region}:${parsed.values['account-id']}:key/`;
  return { action, keyId: keyId?.startsWith(arnPrefix) === true ? keyId.slice(arnPrefix.length) : keyId, data: parsed.values.data, description: parsed.values.description, arnPrefix };
}

function keyLine(key: KmsKeyInfo, arnPrefix: string): string {
  return `${arnPrefix}${key.keyId}  ${key.enabled ? 'Enabled' : 'Disabled'}  versions ${key.versions}  ${JSON.stringify(key.description)}\n`;
}

function runKeyAction(parsed: KmsArgs, io: AdminIo): number {
  const { kms } = openKeyServices(parsed.data, io.env);
  const known = parsed.keyId === undefined || kms.describe(parsed.keyId) !== undefined;
  if (!known) throw new CommandFailure(`no key ${parsed.keyId} in ${parsed.data}`);
  const changed = parsed.action === 'create' ? kms.create(parsed.description)
    : parsed.action === 'disable' ? kms.setEnabled(parsed.keyId!, false)
      : parsed.action === 'enable' ? kms.setEnabled(parsed.keyId!, true)
        : parsed.action === 'rotate' ? kms.rotate(parsed.keyId!) : undefined;
  const shown = changed === undefined ? kms.list() : [changed];
  io.stdout.write(shown.map((key) => keyLine(key, parsed.arnPrefix)).join(''));
  return EXIT_SUCCESS;
}

async function run(args: string[], io: AdminIo): Promise<number> {
  const parsed = parseKmsArgs(args);
  const { action, data } = parsed;
  if (action !== 'rotate-master' && action !== 'list-master') return runKeyAction(parsed, io);
  if (io.env[MASTER_KEY_ENVIRONMENT_VARIABLE] !== undefined) {
    throw new CommandFailure(`${MASTER_KEY_ENVIRONMENT_VARIABLE} is set: its master keys are rotated by putting a new key first in it (comma-separated, older keys after)`);
  }
  if (action === 'rotate-master') {
    const rotated = MasterKeyring.rotate(data);
    io.stdout.write(`master key rotated: ${rotated.previous} -> ${rotated.current} (${rotated.count} keys kept; no data rewritten)\n`);
    return EXIT_SUCCESS;
  }
  const ids = MasterKeyring.open(data, {}).keyIds();
  io.stdout.write(ids.map((id, index) => `${id}${index === 0 ? '  current' : ''}\n`).join(''));
  return EXIT_SUCCESS;
}

export const kmsCommand: AdminCommand = {
  name: 'kms',
  synopsis: 'kms (create [--description TEXT] | list | disable KEY-ID | enable KEY-ID | rotate KEY-ID | rotate-master | list-master) --data DIR',
  summary: 'SSE-KMS keys of the built-in key service, and the master keys (works on DIR/keys/).',
  offline: true,
  help: `create makes a key for SSE-KMS and prints its ARN (arn:aws:kms:REGION:ACCOUNT:key/UUID), state,
number of material versions and description; list prints every key (the one described "aws/s3" is
the default, used by aws:kms without a key id). disable makes GET of its objects answer
400 KMS.DisabledException (and new writes with it), enable undoes that. rotate adds key material:
new data keys are wrapped with it, older ones still open. KEY-ID is the UUID or the ARN.

rotate-master adds a new master key to DIR/keys/master.key (mode 0600) and makes it current: new
objects' data keys are wrapped by it, and objects written before still open with the key that wrapped
theirs (each wrapped key names its master key). Nothing is rewritten. A running server picks the
change up within a second. list-master prints the key ids, the current one first. With
${MASTER_KEY_ENVIRONMENT_VARIABLE} set the keys come from the environment instead, and this command refuses.

options:
  --data DIR          the server's data directory
  --description TEXT  create: what the key is for
  --region REGION, --account-id ID   the ARNs printed (as \`cairn server\`'s; defaults ${DEFAULT_REGION}, ${DEFAULT_ACCOUNT_ID})`,
  run,
};
