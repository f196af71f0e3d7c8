// `cairn admin restore BUCKET --to TIME`: options, the checks before anything is written, and the
// report (progress on stderr; a dry run's plan and the summary on stdout, as text or JSON lines).
import { GetBucketVersioningCommand, type BucketVersioningStatus } from '@aws-sdk/client-s3';
import { CommandFailure, EXIT_FAILURE, EXIT_SUCCESS, UsageError, type AdminCommand, type AdminIo } from '../command.js';
import { commandFailure, connect, parseCommandArgs, s3ErrorCode, type AdminConnection } from '../connection.js';
import { ProgressLine } from '../progress.js';
import { COPY_OBJECT_SIZE_BYTES_MAX, PART_SIZE_BYTES_MIN } from './apply.js';
import { restoreHelp } from './help.js';
import { RestoreReport } from './report.js';
import { Restore, type RestorePlan } from './run.js';
import { parseRestoreTime } from './time.js';

const SIZE_PATTERN = /^(\d+)\s*(B|KiB|MiB|GiB)?$/i;
const SIZE_UNIT_BYTES: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

const RESTORE_OPTIONS = {
  to: { type: 'string' },
  prefix: { type: 'string', default: '' },
  target: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  'multipart-threshold': { type: 'string', default: String(COPY_OBJECT_SIZE_BYTES_MAX) },
} as const;

function parseThreshold(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  const sizeBytes = match === null ? NaN : Number(match[1]) * SIZE_UNIT_BYTES[(match[2] ?? 'B').toLowerCase()]!;
  if (!(sizeBytes >= PART_SIZE_BYTES_MIN && sizeBytes <= COPY_OBJECT_SIZE_BYTES_MAX)) {
    throw new UsageError(`--multipart-threshold ${text}: expected a size from 5MiB to 5GiB (bytes, or with KiB, MiB, GiB)`);
  }
  return sizeBytes;
}

/** The bucket's versioning status; CommandFailure when it does not exist or cannot be read. */
async function versioningOf(connection: AdminConnection, bucket: string, role: 'source' | 'target'): Promise<BucketVersioningStatus | undefined> {
  try {
    return (await connection.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
  } catch (error) {
    if (s3ErrorCode(error) === 'NoSuchBucket') {
      throw new CommandFailure(role === 'source' ? `no bucket '${bucket}' at ${connection.endpoint}` : `target bucket '${bucket}' does not exist at ${connection.endpoint} (create it first, with versioning enabled)`);
    }
    throw commandFailure(error, connection, `reading the versioning of bucket '${bucket}'`);
  }
}

/** Refuses a restore that could not work or would destroy versions; warns about one that cannot be undone. */
async function checkBuckets(connection: AdminConnection, plan: RestorePlan, io: AdminIo): Promise<BucketVersioningStatus | undefined> {
  const sourceVersioning = await versioningOf(connection, plan.sourceBucket, 'source');
  if (sourceVersioning === undefined) {
    throw new CommandFailure(`bucket '${plan.sourceBucket}' has never had versioning enabled, so it keeps no earlier versions to restore from`);
  }
  if (plan.targetBucket === plan.sourceBucket) {
    if (sourceVersioning !== 'Enabled') {
      // In a suspended bucket every write replaces the key's null version: a restore in place would destroy versions.
      throw new CommandFailure(`bucket '${plan.sourceBucket}' has versioning Suspended: a restore in place would overwrite its null versions. `
        + 'Enable versioning on it again, or restore into another bucket with --target BUCKET');
    }
    return sourceVersioning;
  }
  const targetVersioning = await versioningOf(connection, plan.targetBucket, 'target');
  if (targetVersioning !== 'Enabled') {
    io.stderr.write(`warning: target bucket '${plan.targetBucket}' does not have versioning enabled: the objects the restore replaces or deletes there are gone for good, and the restore cannot be undone\n`);
  }
  return targetVersioning;
}

async function runRestore(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, RESTORE_OPTIONS, ['BUCKET']);
  if (values.to === undefined) throw new UsageError('--to TIME is required');
  const startedMs = io.nowMs();
  const sourceBucket = positionals[0]!;
  const plan: RestorePlan = {
    sourceBucket,
    targetBucket: values.target ?? sourceBucket,
    prefix: values.prefix,
    timeMs: parseRestoreTime(values.to, startedMs),
    dryRun: values['dry-run'],
    multipartThresholdBytes: parseThreshold(values['multipart-threshold']),
  };
  if (plan.targetBucket === '') throw new UsageError('--target: expected a bucket name');
  const connection = connect(values, io.env);
  try {
    const targetVersioning = await checkBuckets(connection, plan, io);
    const report = new RestoreReport(plan, io, values.json, targetVersioning === 'Enabled', startedMs);
    const restore = new Restore(connection.s3, plan, report, connection.endpoint);
    report.begin();
    const progress = new ProgressLine(io.stderr, () => report.progressText(restore.counts));
    report.attachProgress(progress);
    progress.start();
    try {
      await restore.run();
    } catch (error) {
      progress.stop();
      report.summary(restore.counts, io.nowMs(), false);
      throw commandFailure(error, connection, 'the restore stopped');
    }
    progress.stop();
    report.summary(restore.counts, io.nowMs(), true);
    return restore.counts.errors === 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  } finally {
    connection.s3.destroy();
  }
}

export const restoreCommand: AdminCommand = {
  name: 'restore',
  synopsis: 'restore BUCKET --to TIME [--prefix P] [--target BUCKET] [--dry-run] [--json]',
  summary: 'Bring a versioned bucket (or a prefix) back to its state at TIME with new versions and delete markers.',
  help: restoreHelp(),
  run: runRestore,
};
