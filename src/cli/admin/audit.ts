// `cairn admin audit [--repair] [--json]`: asks the server for a full durability audit pass
// (POST /_cairn/admin/audit), draws its progress while it runs, prints the summary. Exit 0 when
// nothing was unrecoverable, 1 otherwise.
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandFailure, EXIT_FAILURE, EXIT_SUCCESS, type AdminCommand, type AdminIo } from './command.js';
import { connectAdmin, describeError, parseCommandArgs } from './connection.js';
import type { IamClient } from './iam-client.js';
import { formatBytes, formatCount, plainLineIntervalMs, ProgressBar } from './progress.js';
import type { AuditRun } from '../../services/audit/files.js';

const STATUS_POLL_INTERVAL_MS = 200;

interface StatusAnswer { status: { run: AuditRun | null } }

async function fetchRun(client: IamClient): Promise<AuditRun | null> {
  return (JSON.parse((await client.send('GET', '/audit')).text) as StatusAnswer).status.run;
}

async function run(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs(args, { repair: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, []);
  const endpoint = String(values.endpoint);
  const client = connectAdmin(values, io.env);
  let latest: AuditRun | null = null;
  const bar = new ProgressBar(io.stderr, 0, 'objects', () => ({
    done: latest?.objectsChecked ?? 0,
    counters: [
      { label: 'records', value: formatCount(latest?.counts.recordsChecked ?? 0) },
      { label: 'bytes', value: formatBytes(latest?.counts.bytesChecked ?? 0) },
      { label: 'corrupt', value: latest?.counts.corruptFound ?? 0 },
      { label: 'repaired', value: latest?.counts.repaired ?? 0 },
      { label: 'unrecoverable', value: latest?.counts.unrecoverable ?? 0 },
    ],
  }), plainLineIntervalMs(io.env));
  try {
    const { id } = JSON.parse((await client.send('POST', '/audit', { repair: values.repair })).text) as { id: string };
    bar.start();
    for (;;) {
      const current = await fetchRun(client);
      if (current !== null && current.id === id) {
        latest = current;
        bar.setTotal(current.objectsTotal);
        if (current.state !== 'running') break;
      }
      await sleep(STATUS_POLL_INTERVAL_MS);
    }
  } catch (error) {
    throw new CommandFailure(`cairn admin audit: ${describeError(error, endpoint)}`);
  } finally {
    bar.stop();
  }
  const done = latest!;
  const { recordsChecked, bytesChecked, corruptFound, repaired, unrecoverable } = done.counts;
  if (values.json) io.stdout.write(`${JSON.stringify(done)}\n`);
  else {
    io.stdout.write(
      `audit ${done.state}: ${formatCount(done.objectsChecked)} objects, ${formatCount(recordsChecked)} records, ${formatBytes(bytesChecked)} checked; ` +
        `${corruptFound} corrupt, ${repaired} repaired, ${unrecoverable} unrecoverable\n`,
    );
  }
  if (done.state === 'failed') io.stderr.write(`cairn admin audit: the pass failed: ${done.error ?? 'unknown error'}\n`);
  return done.state === 'done' && unrecoverable === 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

export const auditCommand: AdminCommand = {
  name: 'audit',
  synopsis: 'audit [--repair] [--json]',
  summary: 'Verify every stored record now (and repair damaged shards with --repair); exit 1 if any is unrecoverable.',
  help: `options:
  --repair    rebuild damaged shards of erasure-coded objects from the others and rewrite them
  --json      print the pass's result as JSON
progress (objects, records, bytes, corrupt, repaired, unrecoverable) is drawn on stderr`,
  run,
};
