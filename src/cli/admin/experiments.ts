// `cairn admin experiment …`: FIS experiments from the command line, through the server's FIS API
// signed with the admin credentials — start one from a template id, a template file (created first)
// or a saved `cairn admin fault` template (converted into an FIS template), show its status, stop
// it, list them.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { FaultTemplate } from '../../services/faults/experiments.js';
import { fisTemplateOf } from '../../features/fis/fault-templates.js';
import { clientCredentials } from '../credentials.js';
import { CommandFailure, EXIT_SUCCESS, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, DEFAULT_ENDPOINT, DEFAULT_REGION, describeError, parseCommandArgs } from './connection.js';
import { FisApiClient } from './fis-client.js';
import { AdminApiError } from './iam-client.js';

const EXPERIMENT_HELP = `commands:
  start TEMPLATE_ID             start an experiment from an FIS experiment template (EXT…)
  start --file FILE             create the FIS template in FILE (CreateExperimentTemplate's JSON;
                                roleArn and clientToken may be left out), then start it
  start --fault-template NAME   convert a template saved with \`cairn admin fault template put\` into
                                an FIS template, then start it
  status ID                     an experiment's state, its actions' states and the reason
  stop ID                       stop an experiment: every fault it injected is undone
  list                          experiments, newest first

options:
  --json                        print the FIS API's JSON answer`;

const ROLE_NAME = 'cairn-admin-experiment';
const EXPERIMENT_OPTIONS = { json: { type: 'boolean', default: false }, file: { type: 'string' }, 'fault-template': { type: 'string' } } as const;

interface ExperimentJson {
  id: string;
  experimentTemplateId?: string;
  state?: { status?: string; reason?: string };
  actions?: Record<string, { actionId?: string; state?: { status?: string; reason?: string } }>;
  creationTime?: number;
}

interface Invocation {
  fis: FisApiClient;
  json: boolean;
  io: AdminIo;
  admin: () => ReturnType<typeof connectAdmin>;
}

function print(invocation: Invocation, value: unknown, text: string): void {
  invocation.io.stdout.write(`${invocation.json ? JSON.stringify(value) : text}\n`);
}

function describeExperiment(experiment: ExperimentJson, withActions: boolean): string {
  const reason = experiment.state?.reason === undefined ? '' : `  (${experiment.state.reason})`;
  const line = `${experiment.id}  ${experiment.state?.status ?? '?'}  template ${experiment.experimentTemplateId ?? '?'}${reason}`;
  if (!withActions) return line;
  const actions = Object.entries(experiment.actions ?? {}).map(([name, action]) => `  ${name}  ${action.actionId ?? ''}  ${action.state?.status ?? '?'}`);
  return [line, ...actions].join('\n');
}

/** The arn:aws:cairn:REGION:ACCOUNT: prefix of the server's resources, read off an action's ARN. */
async function resourceArnPrefix(fis: FisApiClient): Promise<{ prefix: string; accountId: string }> {
  const { action } = await fis.call<{ action: { arn: string } }>('GET', '/actions/aws:fis:wait');
  const [, , , region, accountId] = action.arn.split(':');
  return { prefix: `arn:aws:cairn:${region}:${accountId}:`, accountId: accountId! };
}

/** The template body from --file or --fault-template; roleArn and clientToken filled in where missing. */
async function templateBody(invocation: Invocation, file: string | undefined, faultTemplate: string | undefined): Promise<Record<string, unknown>> {
  const { prefix, accountId } = await resourceArnPrefix(invocation.fis);
  let body: Record<string, unknown>;
  if (file !== undefined) {
    try {
      body = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new CommandFailure(`cannot read a JSON template from ${file}: ${(error as Error).message}`);
    }
  } else {
    const saved = await invocation.admin().json<FaultTemplate>('GET', `/fault-templates/${encodeURIComponent(faultTemplate!)}`);
    body = fisTemplateOf(faultTemplate!, saved, prefix);
  }
  return { roleArn: `arn:aws:iam::${accountId}:role/${ROLE_NAME}`, clientToken: randomUUID(), ...body };
}

async function start(invocation: Invocation, positionals: string[], values: { file?: string; 'fault-template'?: string }): Promise<void> {
  const sources = [positionals.length > 0, values.file !== undefined, values['fault-template'] !== undefined].filter(Boolean).length;
  if (sources !== 1 || positionals.length > 1) throw new UsageError('start: expected one of TEMPLATE_ID, --file FILE or --fault-template NAME');
  let templateId = positionals[0];
  if (templateId === undefined) {
    const created = await invocation.fis.call<{ experimentTemplate: { id: string } }>('POST', '/experimentTemplates', await templateBody(invocation, values.file, values['fault-template']));
    templateId = created.experimentTemplate.id;
  }
  const { experiment } = await invocation.fis.call<{ experiment: ExperimentJson }>('POST', '/experiments', { clientToken: randomUUID(), experimentTemplateId: templateId });
  print(invocation, { experiment }, `started ${describeExperiment(experiment, false)}`);
}

async function runExperimentCommand(invocation: Invocation, sub: string | undefined, rest: string[], values: { file?: string; 'fault-template'?: string }): Promise<void> {
  const one = (what: string): string => {
    if (rest.length !== 1) throw new UsageError(`${what}: expected ID`);
    return encodeURIComponent(rest[0]!);
  };
  if (sub === 'start') return start(invocation, rest, values);
  if (values.file !== undefined || values['fault-template'] !== undefined) throw new UsageError('--file and --fault-template go with start');
  if (sub === 'status') {
    const answer = await invocation.fis.call<{ experiment: ExperimentJson }>('GET', `/experiments/${one('status')}`);
    return print(invocation, answer, describeExperiment(answer.experiment, true));
  }
  if (sub === 'stop') {
    const answer = await invocation.fis.call<{ experiment: ExperimentJson }>('DELETE', `/experiments/${one('stop')}`);
    return print(invocation, answer, `stopping ${describeExperiment(answer.experiment, false)}`);
  }
  if (sub === 'list') {
    if (rest.length !== 0) throw new UsageError('list: expected no arguments');
    const answer = await invocation.fis.call<{ experiments: ExperimentJson[] }>('GET', '/experiments');
    return print(invocation, answer, answer.experiments.length === 0 ? 'no experiments' : answer.experiments.map((each) => describeExperiment(each, false)).join('\n'));
  }
  throw new UsageError(sub === undefined ? 'expected a command: start, status, stop or list' : `unknown experiment command '${sub}'`);
}

export const experimentCommand: AdminCommand = {
  name: 'experiment',
  summary: 'Run FIS experiments (drive, API faults; stop conditions) from the command line: start, status, stop, list.',
  synopsis: 'experiment start|status|stop|list …',
  help: EXPERIMENT_HELP,
  async run(args: string[], io: AdminIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, EXPERIMENT_OPTIONS, undefined);
    const endpoint = String(values.endpoint ?? DEFAULT_ENDPOINT);
    const credentials = clientCredentials(io.env);
    if (credentials === undefined) throw new UsageError('no credentials: set CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
    let fis: FisApiClient;
    try {
      fis = new FisApiClient(endpoint, credentials, String(values.region ?? DEFAULT_REGION));
    } catch {
      throw new UsageError(`--endpoint ${endpoint}: not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
    }
    const invocation: Invocation = { fis, json: values.json === true, io, admin: () => connectAdmin(values, io.env) };
    try {
      await runExperimentCommand(invocation, positionals[0], positionals.slice(1), values);
      return EXIT_SUCCESS;
    } catch (error) {
      if (error instanceof UsageError || error instanceof CommandFailure) throw error;
      if (error instanceof AdminApiError) throw new CommandFailure(`${error.code}: ${error.message}`);
      throw new CommandFailure(describeError(error, endpoint));
    }
  },
};
