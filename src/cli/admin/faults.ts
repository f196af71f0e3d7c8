// `cairn admin fault …`: inject faults into a running server's drives, list and stop them, and
// save / run experiment templates, through the admin API (docs/fault-injection.md).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CommandFailure, EXIT_SUCCESS, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, DEFAULT_ENDPOINT, DEFAULT_REGION, describeError } from './connection.js';
import { AdminApiError, type IamClient } from './iam-client.js';

const FAULT_HELP = `commands:
  inject --drive N --action fail|slow|read-only|corrupt [--duration S] [--latency-ms MS] [--bytes N]
                           inject a fault into drive N (1 = the first drive of the server's command line):
                           fail = every I/O fails (EIO), slow = MS added to every I/O,
                           read-only = writes fail (EROFS), corrupt = flip N random bytes of random
                           records now; a fault ends after S seconds (default 60)
  list                     active faults
  stop ID                  stop a fault
  template put NAME FILE   save an experiment template (JSON; FILE "-" reads stdin)
  template get NAME        print a template
  template run NAME        run a saved template

options:
  --json                   print JSON`;

interface FaultJson { id: string; drive: number; action: string; latencyMs?: number; expiresAt: string; experiment?: string }

function parse(args: string[], io: AdminIo) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        endpoint: { type: 'string', default: DEFAULT_ENDPOINT },
        region: { type: 'string', default: DEFAULT_REGION },
        json: { type: 'boolean', default: false },
        drive: { type: 'string' },
        action: { type: 'string' },
        duration: { type: 'string' },
        'latency-ms': { type: 'string' },
        bytes: { type: 'string' },
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
  return { client, values, positionals, io };
}

type Parsed = ReturnType<typeof parse>;

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} ${value}: expected a whole number`);
  return Number(value);
}

function operands(command: Parsed, from: number, names: string[]): string[] {
  const given = command.positionals.slice(from);
  if (given.length !== names.length) throw new UsageError(`${command.positionals.slice(0, from).join(' ')}: expected ${names.length === 0 ? 'no arguments' : names.join(' ')}`);
  return given;
}

function describeFault(fault: FaultJson): string {
  const latency = fault.latencyMs !== undefined ? ` +${fault.latencyMs} ms` : '';
  const experiment = fault.experiment !== undefined ? `  (experiment ${fault.experiment})` : '';
  return `${fault.id}  drive ${fault.drive}  ${fault.action}${latency}  until ${fault.expiresAt}${experiment}`;
}

function print(command: Parsed, value: unknown, text: () => string): void {
  const out = command.values.json ? JSON.stringify(value) : text();
  command.io.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
}

function describeInjected(value: Record<string, unknown>): string {
  if ('id' in value) return `injected ${describeFault(value as unknown as FaultJson)}`;
  const corrupted = (value['corrupted'] as unknown[] | undefined)?.length ?? 0;
  return `corrupted ${corrupted} byte(s) on drive ${String(value['drive'])}`;
}

async function inject(command: Parsed): Promise<void> {
  operands(command, 1, []);
  const { values } = command;
  if (values.drive === undefined || values.action === undefined) throw new UsageError('inject: --drive and --action are required');
  const body = {
    drive: integerOption(values.drive, 'drive'), action: values.action, durationSeconds: integerOption(values.duration, 'duration'),
    latencyMs: integerOption(values['latency-ms'], 'latency-ms'), bytes: integerOption(values.bytes, 'bytes'),
  };
  const injected = await command.client.json<Record<string, unknown>>('POST', '/faults', body);
  print(command, injected, () => describeInjected(injected));
}

async function template(command: Parsed): Promise<void> {
  const sub = command.positionals[1];
  if (sub === 'put') {
    const [name, file] = operands(command, 2, ['NAME', 'FILE']);
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file!, 'utf8');
    } catch (error) {
      throw new CommandFailure(`cannot read ${file}: ${(error as Error).message}`);
    }
    await command.client.send('PUT', `/fault-templates/${encodeURIComponent(name!)}`, text);
    print(command, { saved: name }, () => `saved template ${name}`);
  } else if (sub === 'get') {
    const [name] = operands(command, 2, ['NAME']);
    const saved = await command.client.json<unknown>('GET', `/fault-templates/${encodeURIComponent(name!)}`);
    command.io.stdout.write(`${JSON.stringify(saved, null, command.values.json ? undefined : 2)}\n`);
  } else if (sub === 'run') {
    const [name] = operands(command, 2, ['NAME']);
    const ran = await command.client.json<{ experiment: string; injected: Array<Record<string, unknown>> }>('POST', `/fault-templates/${encodeURIComponent(name!)}/run`);
    print(command, ran, () => [`experiment ${ran.experiment}:`, ...ran.injected.map((one) => `  ${describeInjected(one)}`)].join('\n'));
  } else {
    throw new UsageError('template: expected put, get or run');
  }
}

async function runFault(command: Parsed): Promise<void> {
  const sub = command.positionals[0];
  if (sub === 'inject') return inject(command);
  if (sub === 'list') {
    operands(command, 1, []);
    const listed = await command.client.json<{ faults: FaultJson[] }>('GET', '/faults');
    print(command, listed, () => (listed.faults.length === 0 ? 'no active faults' : listed.faults.map(describeFault).join('\n')));
    return;
  }
  if (sub === 'stop') {
    const [id] = operands(command, 1, ['ID']);
    await command.client.send('DELETE', `/faults/${encodeURIComponent(id!)}`);
    print(command, { stopped: id }, () => `stopped ${id}`);
    return;
  }
  if (sub === 'template') return template(command);
  throw new UsageError(`unknown fault command '${sub}'`);
}

export const faultCommand: AdminCommand = {
  name: 'fault',
  summary: 'Inject faults into a running server\'s drives (fail, slow, read-only, corrupt); experiment templates.',
  synopsis: 'fault inject|list|stop|template …',
  help: FAULT_HELP,
  async run(args: string[], io: AdminIo): Promise<number> {
    const command = parse(args, io);
    try {
      await runFault(command);
      return EXIT_SUCCESS;
    } catch (error) {
      if (error instanceof UsageError || error instanceof CommandFailure) throw error;
      if (error instanceof AdminApiError) throw new CommandFailure(`${error.code}: ${error.message}`);
      throw new CommandFailure(describeError(error, command.values.endpoint));
    }
  },
};
