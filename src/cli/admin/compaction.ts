// `cairn admin compaction`: shows compaction's status, and with --start asks for a pass now and
// follows it (docs/storage-format.md, "Compaction"). Passes also run by themselves every
// --compaction-interval seconds of the server.
import { setTimeout as delay } from 'node:timers/promises';
import type { CompactionCounts, CompactionStatus } from '../../services/compaction/status.js';
import { CommandFailure, EXIT_SUCCESS, UsageError, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, DEFAULT_ENDPOINT, describeError, parseCommandArgs } from './connection.js';
import { AdminApiError, type IamClient } from './iam-client.js';

const COMPACTION_HELP = `options:
  --start                  ask the server for a compaction pass now, and wait for it to finish
  --no-wait                with --start: do not wait for the pass
  --json                   print the status as JSON

A pass moves the records still referenced out of volume files that are mostly garbage (deleted or
overwritten objects) and marks those volumes; a marked volume is deleted by a later pass once the
server's --compaction-grace period is over.`;

const POLL_INTERVAL_MS = 250;
/** The background worker takes a request within its poll interval; this is far more. */
const START_WAIT_MS = 30_000;

function describeCounts(counts: CompactionCounts): string {
  return `${counts.volumesCompacted} volumes emptied (${counts.recordsMoved} records, ${counts.bytesMoved} bytes moved; ` +
    `${counts.tombstonesCopied} tombstones kept), ${counts.volumesDeleted} volumes deleted (${counts.bytesReclaimed} bytes reclaimed), ` +
    `${counts.placementConflicts} objects changed meanwhile, ${counts.recordsDamaged} damaged records left for repair`;
}

function describe(status: CompactionStatus): string {
  const pending = `${status.pendingDeletion.volumes} volumes (${status.pendingDeletion.bytes} bytes) wait for their grace period`;
  if (status.pass === undefined) return `no compaction pass has run; ${pending}`;
  const when = status.state === 'running' ? `pass running since ${status.pass.startedAt}` : `last pass finished at ${status.pass.finishedAt}`;
  const failed = status.pass.error !== undefined ? ` (failed: ${status.pass.error})` : '';
  return `${when}${failed}: ${describeCounts(status.pass.counts)}; ${pending}\n` +
    `since the start: ${status.passesCompleted} passes, ${status.totals.bytesReclaimed} bytes reclaimed`;
}

async function startPass(client: IamClient, wait: boolean): Promise<CompactionStatus> {
  const before = await client.json<CompactionStatus>('GET', '/compaction');
  await client.send('POST', '/compaction', {});
  const deadlineMs = Date.now() + START_WAIT_MS;
  let status: CompactionStatus;
  // The pass that answers the request is one that started after it; wait for it to start, then end.
  do {
    if (Date.now() > deadlineMs) throw new CommandFailure(`the server did not start a compaction pass within ${START_WAIT_MS / 1000} s`);
    await delay(POLL_INTERVAL_MS);
    status = await client.json<CompactionStatus>('GET', '/compaction');
  } while (status.pass?.startedAt === before.pass?.startedAt);
  while (wait && status.state === 'running') {
    await delay(POLL_INTERVAL_MS);
    status = await client.json<CompactionStatus>('GET', '/compaction');
  }
  return status;
}

async function run(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs(args, {
    json: { type: 'boolean', default: false }, start: { type: 'boolean', default: false }, 'no-wait': { type: 'boolean', default: false },
  }, []);
  if (values['no-wait'] && !values.start) throw new UsageError('--no-wait goes with --start');
  const endpoint = String(values.endpoint ?? DEFAULT_ENDPOINT);
  const client = connectAdmin(values, io.env);
  try {
    const status = values.start ? await startPass(client, !values['no-wait']) : await client.json<CompactionStatus>('GET', '/compaction');
    io.stdout.write(`${values.json ? JSON.stringify(status) : describe(status)}\n`);
    return EXIT_SUCCESS;
  } catch (error) {
    if (error instanceof CommandFailure) throw error;
    if (error instanceof AdminApiError) throw new CommandFailure(`${error.code}: ${error.message}`);
    throw new CommandFailure(describeError(error, endpoint));
  }
}

export const compactionCommand: AdminCommand = {
  name: 'compaction',
  summary: 'Show compaction\'s status, or --start a pass that reclaims the space of deleted and overwritten objects.',
  synopsis: 'compaction [--start [--no-wait]] [--json]',
  help: COMPACTION_HELP,
  run,
};
