// `cairn admin <command> …`: finds the command, runs it, and turns what it throws into a message and
// an exit code (2 for a wrong command line, 1 for a failure), never a stack trace.
import { CommandFailure, EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { CONNECTION_OPTIONS_HELP, describeError } from './connection.js';
import { experimentCommand } from './experiments.js';
import { faultCommand } from './faults.js';
import { healCommand } from './heal.js';
import { compactionCommand } from './compaction.js';
import { rebuildIndexCommand } from './rebuild-index.js';
import { restoreCommand } from './restore/command.js';
import { keyCommand, userCommand } from './users.js';
import { auditCommand } from './audit.js';
import { kmsCommand } from './kms.js';
import { eventsCommand, targetCommand } from './targets.js';

/** Every admin command. A new one is a file exporting an AdminCommand, added here. */
export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  restoreCommand, userCommand, keyCommand, auditCommand, faultCommand, experimentCommand, healCommand, compactionCommand, rebuildIndexCommand, kmsCommand, targetCommand, eventsCommand,
];

/** The lines `cairn help` shows for the admin commands. */
export function adminCommandsSummary(indent: string): string {
  return ADMIN_COMMANDS.map((command) => `${indent}${command.synopsis}\n${indent}    ${command.summary}`).join('\n');
}

function adminUsage(): string {
  return `usage: cairn admin <command> [options]

Administer a running Cairn server through its S3 API (rebuild-index, marked OFFLINE, works on the
files of a stopped server instead and takes no connection options).

commands:
${adminCommandsSummary('  ')}
  help
      Show this text. \`cairn admin <command> --help\` shows a command's options.

${CONNECTION_OPTIONS_HELP}
`;
}

function commandHelp(command: AdminCommand): string {
  const connectionHelp = command.offline === true ? '' : `\n\n${CONNECTION_OPTIONS_HELP}`;
  return `usage: cairn admin ${command.synopsis}\n\n${command.summary}\n\n${command.help.trimEnd()}${connectionHelp}\n`;
}

export function processIo(): AdminIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, nowMs: () => Date.now() };
}

export async function runAdmin(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(adminUsage());
    return name === undefined ? EXIT_USAGE : EXIT_SUCCESS;
  }
  const command = ADMIN_COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr.write(`cairn admin: unknown command '${name}'\n\n${adminUsage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout.write(commandHelp(command));
      return EXIT_SUCCESS;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`cairn admin ${command.name}: ${error.message}\n(see: cairn admin ${command.name} --help)\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof CommandFailure ? error.message : describeError(error);
    io.stderr.write(`cairn admin ${command.name}: ${message}\n`);
    return EXIT_FAILURE;
  }
}
