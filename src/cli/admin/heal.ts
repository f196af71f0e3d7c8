// `cairn admin heal`: shows (and with --start, starts) the heal job that rebuilds the shards of
// replaced or damaged drives (docs/storage-format.md, "Heal"); follows a running job with a progress bar.
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { HealStatus } from '../../services/heal/heal-status.js';
import { CommandFailure, EXIT_SUCCESS, HelpRequested, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, DEFAULT_ENDPOINT, DEFAULT_REGION, describeError } from './connection.js';
import { AdminApiError, type IamClient } from './iam-client.js';
import { plainLineIntervalMs, ProgressBar } from './progress.js';

const HEAL_HELP = `options:
  --start                  ask the server to heal now (every drive, or those given with --drive)
  --drive N                a drive to heal (1 = the first drive of the server's command line); repeatable
  --no-wait                do not follow a running job
  --json                   print the job's status as JSON (after it finishes, unless --no-wait)

A drive replaced while the server runs (an empty directory in its place) is formatted and healed
automatically; this command shows that job's progress.`;

const POLL_INTERVAL_MS = 250;
/** The background worker takes a request within its poll interval; this is far more. */
const START_WAIT_MS = 30_000;


function describe(status: HealStatus): string {
  if (status.state === 'idle') return 'no heal has run';
  const what = `heal of drive(s) ${status.drives.join(', ')}`;
  const counts = `${status.objectsDone} of ${status.objectsTotal} objects, ${status.shardsHealed} shards healed of ${status.shardsChecked} checked, ` +
    `${status.shardsUnhealable} unhealable, ${status.placementConflicts} changed meanwhile`;
  return status.state === 'done' ? `${what} done at ${status.finishedAt}: ${counts}` : `${what} running: ${counts}`;
}

async function follow(client: IamClient, io: AdminIo, first: HealStatus): Promise<HealStatus> {
  let status = first;
  const bar = new ProgressBar(io.stderr, status.objectsTotal, 'objects', () => ({
    done: status.objectsDone, counters: [{ label: 'shards healed', value: status.shardsHealed }, { label: 'unhealable', value: status.shardsUnhealable }],
  }), plainLineIntervalMs(io.env));
  bar.start();
  try {
    while (status.state === 'running') {
      await delay(POLL_INTERVAL_MS);
      status = await client.json<HealStatus>('GET', '/heal');
      bar.setTotal(status.objectsTotal);
    }
  } finally {
    bar.stop();
  }
  return status;
}

async function run(args: string[], io: AdminIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true,
      options: {
        endpoint: { type: 'string', default: DEFAULT_ENDPOINT }, region: { type: 'string', default: DEFAULT_REGION },
        json: { type: 'boolean', default: false }, start: { type: 'boolean', default: false }, 'no-wait': { type: 'boolean', default: false },
        drive: { type: 'string', multiple: true, default: [] }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) throw new HelpRequested();
  const drives = values.drive.map((drive) => {
    if (!/^\d+$/.test(drive)) throw new UsageError(`--drive ${drive}: expected a drive number`);
    return Number(drive);
  });
  if (drives.length > 0 && !values.start) throw new UsageError('--drive goes with --start');
  const client = connectAdmin(values, io.env);
  try {
    let status: HealStatus;
    if (values.start) {
      const before = await client.json<HealStatus>('GET', '/heal');
      await client.send('POST', '/heal', { drives });
      // The background worker takes the request within a poll interval: wait for the new job.
      const deadlineMs = Date.now() + START_WAIT_MS;
      do {
        if (Date.now() > deadlineMs) throw new CommandFailure(`the server did not start the heal within ${START_WAIT_MS / 1000} s`);
        await delay(POLL_INTERVAL_MS);
        status = await client.json<HealStatus>('GET', '/heal');
      } while (status.startedAt === before.startedAt);
    } else {
      status = await client.json<HealStatus>('GET', '/heal');
    }
    if (!values['no-wait'] && status.state === 'running') status = await follow(client, io, status);
    io.stdout.write(`${values.json ? JSON.stringify(status) : describe(status)}\n`);
    return EXIT_SUCCESS;
  } catch (error) {
    if (error instanceof CommandFailure) throw error;
    if (error instanceof AdminApiError) throw new CommandFailure(`${error.code}: ${error.message}`);
    throw new CommandFailure(describeError(error, values.endpoint));
  }
}

export const healCommand: AdminCommand = {
  name: 'heal',
  summary: 'Show (or --start) the heal job that rebuilds replaced drives\' shards, with its progress.',
  synopsis: 'heal [--start [--drive N]…] [--no-wait] [--json]',
  help: HEAL_HELP,
  run,
};
