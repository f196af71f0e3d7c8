// `cairn admin kms`: the master keys that wrap SSE-S3 data keys. They live in the data directory's
// keys/master.key (not behind the S3 API), so this command works on that file: a running server sees
// a rotation within a second, and every object written before it still opens with its older key.
import { parseArgs } from 'node:util';
import { MasterKeyring, MASTER_KEY_ENVIRONMENT_VARIABLE } from '../../services/encryption/master-keys.js';
import { CommandFailure, EXIT_SUCCESS, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';

function parseKmsArgs(args: string[]): { action: string; data: string } {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { data: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) throw new HelpRequested();
  const [action, ...rest] = parsed.positionals;
  if (action !== 'rotate-master' && action !== 'list-master') throw new UsageError(`expected rotate-master or list-master, not ${action ?? 'nothing'}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (parsed.values.data === undefined) throw new UsageError('expected --data DIR (the server\'s data directory)');
  return { action, data: parsed.values.data };
}

async function run(args: string[], io: AdminIo): Promise<number> {
  const { action, data } = parseKmsArgs(args);
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
  synopsis: 'kms (rotate-master | list-master) --data DIR',
  summary: 'Rotate or list the master keys that wrap SSE-S3 data keys (works on DIR/keys/master.key).',
  offline: true,
  help: `rotate-master adds a new master key to DIR/keys/master.key (mode 0600) and makes it current: new
objects' data keys are wrapped by it, and objects written before still open with the key that wrapped
theirs (each wrapped key names its master key). Nothing is rewritten. A running server picks the
change up within a second. list-master prints the key ids, the current one first. With
${MASTER_KEY_ENVIRONMENT_VARIABLE} set the keys come from the environment instead, and this command refuses.

options:
  --data DIR          the server's data directory`,
  run,
};
