// `--help` on every command of the command line (issue 13, defect 8): its usage on stdout, nothing on
// stderr, exit 0 — and nothing started or changed (the process is run in an empty directory).
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ADMIN_COMMANDS } from '../src/cli/admin/dispatch.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, temporaryDirectory } from './helpers/server.js';

const HELP_TIMEOUT_MS = 30_000;

/** Every command line that must answer help, and how its usage begins. */
const CASES: Array<[args: string[], usageStart: string]> = [
  [['--help'], 'usage: cairn <command>'],
  [['-h'], 'usage: cairn <command>'],
  [['help'], 'usage: cairn <command>'],
  [['server', '--help'], 'usage: cairn server'],
  [['server', '-h'], 'usage: cairn server'],
  [['server', '--address', '127.0.0.1:0', '--help'], 'usage: cairn server'],
  [['sql', '--help'], 'usage: cairn sql'],
  [['sql', '-h'], 'usage: cairn sql'],
  [['drive', '--help'], 'usage: cairn drive serve'],
  [['drive', 'serve', '-h'], 'usage: cairn drive serve'],
  [['admin', '--help'], 'usage: cairn admin <command>'],
  [['admin', 'help'], 'usage: cairn admin <command>'],
  ...ADMIN_COMMANDS.map((command): [string[], string] => [['admin', command.name, '--help'], `usage: cairn admin ${command.name}`]),
  [['admin', 'audit', '-h'], 'usage: cairn admin audit'],
  [['admin', 'user', 'create', '--help'], 'usage: cairn admin user'],
];

describe('cairn … --help', () => {
  for (const [args, usageStart] of CASES) {
    it(`cairn ${args.join(' ')} → usage on stdout, exit 0`, async () => {
      const directory = temporaryDirectory('help');
      const result = await runCommand(process.execPath, [CAIRN_BIN, ...args], { cwd: directory, timeoutMs: HELP_TIMEOUT_MS });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.ok(result.stdout.startsWith(usageStart), result.stdout.slice(0, 200));
      assert.deepEqual(readdirSync(directory), [], 'help creates no files');
      rmSync(directory, { recursive: true });
    });
  }
});
