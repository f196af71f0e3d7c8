// The `cairn` command line.
import { parseNewBucketDefaults } from '../services/access-defaults.js';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONNECTION_KEEP_ALIVE_IDLE_MS, CONNECTIONS_PER_CLIENT_ADDRESS_MAX, REQUEST_BODIES_IN_FLIGHT_BYTES_MAX, REQUEST_BODY_BUDGET_WAIT_MS_MAX, REQUEST_BODY_BUFFER_BYTES_MAX, REQUEST_HEADERS_TIMEOUT_MS } from '../limits.js';
import {
  DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_ADDRESS,
  DEFAULT_DATA_DIRECTORY,
  DEFAULT_REGION,
  resolveStorageLocations,
  runServer,
  type ServerSettings,
} from './server-command.js';
import { parseListener } from './listen-address.js';
import { parseIndexOption } from './index-engine.js';
import { DEFAULT_LIFECYCLE_DAY_SECONDS, defaultLifecycleIntervalMs, LIFECYCLE_INTERVAL_MS_MIN } from '../services/lifecycle/worker.js';
import { SCRUB_RATE_MB_PER_SECOND_DEFAULT } from '../services/audit/service.js';
import { DEFAULT_COMPACTION_GRACE_MS, DEFAULT_COMPACTION_INTERVAL_SECONDS, DEFAULT_COMPACTION_RATE_MB_PER_SECOND } from '../services/compaction/service.js';
import { VOLUME_SIZE_BYTES_MAX } from '../storage/index.js';
import { ACCESS_LOG_INTERVAL_MS_MIN, DEFAULT_DELIVERY_INTERVAL_MS } from '../features/access-logs/delivery.js';
import { EPHEMERAL_HELP } from './embed/ephemeral-command.js';
import { parseRegistryOptions, REGISTRY_FLAGS, REGISTRY_HELP } from '../features/registry/options.js';

/** More processes than this on one machine only contend for the index's write lock. */
const WORKERS_MAX = 64;
const MIB = 1024 * 1024;
/** A volume holds at least one record of the largest size (1 MiB of payload plus its header). */
const VOLUME_SIZE_MIB_MIN = 2;

/** `cairn server`'s synopsis and options: part of `cairn help`, and all of `cairn server --help`. */
function serverHelp(): string {
  return `  server [--address HOST:PORT]... [--tls-cert FILE --tls-key FILE] [--data DIR] [--region REGION] [--domain NAME]... [--index DIR|postgres://…] [--cluster-secret SECRET] [--drive DRIVE]... [DRIVE...]
      Serve S3. Defaults: --address ${DEFAULT_ADDRESS}, --data ${DEFAULT_DATA_DIRECTORY}, --region ${DEFAULT_REGION},
      --domain localhost (virtual-hosted-style requests to <bucket>.<domain>).
      --website-domain NAME (repeatable): <bucket>.<NAME>[:port] is the bucket's static website (PutBucketWebsite).
      --restore-delay-seconds N: how long every RestoreObject of a GLACIER or DEEP_ARCHIVE object takes
          (default: per tier, as AWS: GLACIER 5 min / 5 h / 12 h, DEEP_ARCHIVE 12 h / 48 h). Env CAIRN_RESTORE_DELAY_SECONDS.
      --address [http://|https://]HOST:PORT is repeatable: one listener each. --tls-cert FILE --tls-key FILE (PEM; the certificate
          file holds the chain) serve TLS 1.2/1.3 (HTTP/1.1); the files are reloaded when they change.
          With them an address without a scheme is TLS; prefix http:// for plain HTTP beside it, e.g.
          --address 127.0.0.1:9443 --address http://127.0.0.1:9000.
      --connections-per-client N: open connections one client address may hold (default ${CONNECTIONS_PER_CLIENT_ADDRESS_MAX});
          more from it are refused, others still served. --keep-alive-timeout SECONDS: idle kept-alive
          connections close (default ${CONNECTION_KEEP_ALIVE_IDLE_MS / 1000}). --header-timeout SECONDS: time to send the headers (default ${REQUEST_HEADERS_TIMEOUT_MS / 1000}).
      --body-budget MiB: request bodies in flight per process (default ${REQUEST_BODIES_IN_FLIGHT_BYTES_MAX / MIB}); past it new bodies wait
          unread, and after ${REQUEST_BODY_BUDGET_WAIT_MS_MAX / 1000} s are answered 503 SlowDown.
      Storage: without drives, one drive in DIR/drive and the index in DIR. With 2–16 drives (as
      arguments or --drive, or both), an erasure set over them: STANDARD objects are Reed–Solomon
      coded k+m across the drives, REDUCED_REDUNDANCY and EXPRESS_ONEZONE are kept as two copies.
      A drive may be http://HOST:PORT/NAME, served by \`cairn drive serve\` on another host; shards go to
      distinct hosts before distinct drives. --cluster-secret SECRET (or env CAIRN_CLUSTER_SECRET) signs
      requests to drive servers; a wrong secret, unknown drive or unreachable server is refused at start.
      --index DIR: where the index lives (default: DIR of --data if given, else DRIVE1/index);
      credentials are kept in --data DIR if given, else beside the index.
      --index postgres://USER@HOST:PORT/DATABASE (or env CAIRN_INDEX_URL): the index in PostgreSQL ≥ 14,
          shared by every server on that database (README: Running on PostgreSQL).
      --abandoned-upload-age SECONDS: multipart uploads idle longer are aborted (default 7 days).
      --workers N: processes serving on the one port, sharing index and drive (default: the number of cores).
      --lifecycle-day-seconds N: the length of a lifecycle "day" (default ${DEFAULT_LIFECYCLE_DAY_SECONDS}, S3's day);
          a short day makes lifecycle rules act in seconds (tests, demos). Env CAIRN_LIFECYCLE_DAY_SECONDS.
      --scrub-rate MB/s: byte-rate cap of the background durability scrub (default 50; 0 disables it).
      --compaction-interval SECONDS: time between compaction passes, which reclaim the space of deleted
          and overwritten objects (default ${DEFAULT_COMPACTION_INTERVAL_SECONDS}; 0: only when asked, cairn admin compaction --start).
      --compaction-rate MB/s: byte-rate cap of what compaction reads from the drives (default ${DEFAULT_COMPACTION_RATE_MB_PER_SECOND}; 0: no cap).
      --compaction-grace SECONDS: how long an emptied volume is kept before it is deleted (default ${DEFAULT_COMPACTION_GRACE_MS / 1000}).
      --volume-size MiB: volume files roll over at this size (default ${VOLUME_SIZE_BYTES_MAX / MIB}, at least ${VOLUME_SIZE_MIB_MIN}).
      --lifecycle-interval SECONDS: time between lifecycle passes (default: a 24th of the day, 0.25 s to 1 h).
          Env CAIRN_LIFECYCLE_INTERVAL_SECONDS.
      --access-log-interval-seconds SECONDS: time between deliveries of server access logs to their target
          buckets (default ${DEFAULT_DELIVERY_INTERVAL_MS / 1000}, at least ${ACCESS_LOG_INTERVAL_MS_MIN / 1000}). Env CAIRN_ACCESS_LOG_INTERVAL_SECONDS.
      --new-bucket-defaults current|legacy: what new buckets start with: current (default) is AWS's since
          April 2023 (Object Ownership BucketOwnerEnforced, all of Block Public Access on); legacy is
          the one before (ObjectWriter, ACLs enabled, no Block Public Access), as older tools assume.
      --insecure-sse-c: accept SSE-C (customer-provided keys) over plain HTTP, for local use and tests;
          without it SSE-C needs TLS, as on S3 (the key travels in a header).
      --account-id ID: the 12-digit account every user belongs to (default ${DEFAULT_ACCOUNT_ID}); policies
          name users as arn:aws:iam::ID:user/NAME.
      Root credentials come from CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY; without them they are generated
      on first start and kept (mode 0600) in DIR/credentials.json.
${REGISTRY_HELP}`;
}

/** `cairn sql`'s synopsis and options: part of `cairn help`, and all of `cairn sql --help`. */
const SQL_HELP = `  sql "SELECT …" [--endpoint URL] [--format table|csv|json] [--region REGION]
      Run SQL over the S3 Metadata tables of a running server: journal."<bucket>", inventory."<bucket>"
      (or AWS's "b_<bucket>".journal). Default endpoint http://${DEFAULT_ADDRESS}; credentials as for server.
`;

/** True when the command line asks for help (before a `--` that ends the options). */
function wantsHelp(args: string[]): boolean {
  const optionsEnd = args.indexOf('--');
  const options = optionsEnd < 0 ? args : args.slice(0, optionsEnd);
  return options.includes('--help') || options.includes('-h');
}

/**
 * The text of `cairn help`. The admin and sql commands are imported only when used (here too, for
 * their summaries): they load the AWS SDK, which would add ~0.4 s to the start of every server process.
 */
async function usage(): Promise<string> {
  const { adminCommandsSummary } = await import('./admin/dispatch.js');
  return `usage: cairn <command> [options]

commands:
${serverHelp()}${EPHEMERAL_HELP}  admin <command> [--endpoint URL] [--region REGION] ...
      Administer a running server over its S3 API; credentials from CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY
      (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). \`cairn admin <command> --help\` for details.
${adminCommandsSummary('    ')}
${SQL_HELP}  drive serve DIR... --address HOST:PORT --cluster-secret SECRET [--index postgres://…]
      Serve drive directories to a cluster (http://HOST:PORT/NAME), authenticated with the cluster secret;
      with the cluster's PostgreSQL index, also a host for FIS's cairn:host:* actions.
  help
      Show this text.
`;
}

async function serverCommand(args: string[]): Promise<number | undefined> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      address: { type: 'string', multiple: true, default: [DEFAULT_ADDRESS] },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'connections-per-client': { type: 'string', default: String(CONNECTIONS_PER_CLIENT_ADDRESS_MAX) },
      'keep-alive-timeout': { type: 'string', default: String(CONNECTION_KEEP_ALIVE_IDLE_MS / 1000) },
      'header-timeout': { type: 'string', default: String(REQUEST_HEADERS_TIMEOUT_MS / 1000) },
      'body-budget': { type: 'string', default: String(REQUEST_BODIES_IN_FLIGHT_BYTES_MAX / MIB) },
      data: { type: 'string' },
      drive: { type: 'string', multiple: true, default: [] },
      index: { type: 'string' }, 'cluster-secret': { type: 'string' },
      region: { type: 'string', default: DEFAULT_REGION },
      domain: { type: 'string', multiple: true, default: ['localhost'] },
      'website-domain': { type: 'string', multiple: true, default: [] },
      'account-id': { type: 'string', default: DEFAULT_ACCOUNT_ID }, 'new-bucket-defaults': { type: 'string', default: 'current' },
      'abandoned-upload-age': { type: 'string', default: String(DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS) },
      workers: { type: 'string', default: String(availableParallelism()) },
      'lifecycle-day-seconds': { type: 'string', default: process.env['CAIRN_LIFECYCLE_DAY_SECONDS'] ?? String(DEFAULT_LIFECYCLE_DAY_SECONDS) },
      'lifecycle-interval': { type: 'string', default: process.env['CAIRN_LIFECYCLE_INTERVAL_SECONDS'] },
      'restore-delay-seconds': { type: 'string', default: process.env['CAIRN_RESTORE_DELAY_SECONDS'] },
      'scrub-rate': { type: 'string', default: String(SCRUB_RATE_MB_PER_SECOND_DEFAULT) },
      'compaction-interval': { type: 'string', default: String(DEFAULT_COMPACTION_INTERVAL_SECONDS) },
      'compaction-rate': { type: 'string', default: String(DEFAULT_COMPACTION_RATE_MB_PER_SECOND) },
      'compaction-grace': { type: 'string', default: String(DEFAULT_COMPACTION_GRACE_MS / 1000) },
      'volume-size': { type: 'string', default: String(VOLUME_SIZE_BYTES_MAX / MIB) },
      'access-log-interval-seconds': { type: 'string', default: process.env['CAIRN_ACCESS_LOG_INTERVAL_SECONDS'] ?? String(DEFAULT_DELIVERY_INTERVAL_MS / 1000) },
      ...REGISTRY_FLAGS,
      'insecure-sse-c': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const listen = parseListenSettings(values);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > WORKERS_MAX) {
    throw new Error(`--workers ${values.workers}: expected a whole number from 1 to ${WORKERS_MAX}`);
  }
  if (!/^\d{12}$/.test(values['account-id'])) throw new Error(`--account-id ${values['account-id']}: expected 12 digits`);
  const scrubRateMbPerSecond = Number(values['scrub-rate']);
  if (!Number.isFinite(scrubRateMbPerSecond) || scrubRateMbPerSecond < 0) throw new Error(`--scrub-rate ${values['scrub-rate']}: expected MB/s, 0 or more`);
  const compaction = parseCompactionSettings(values);
  const volumeSizeBytesMax = parseVolumeSizeBytes(values['volume-size']);
  const abandonedUploadAgeSeconds = Number(values['abandoned-upload-age']);
  if (!Number.isFinite(abandonedUploadAgeSeconds) || abandonedUploadAgeSeconds <= 0) {
    throw new Error(`--abandoned-upload-age ${values['abandoned-upload-age']}: expected a positive number of seconds`);
  }
  const lifecycle = parseLifecycleSettings(values);
  const { indexUrl, indexDirectory } = parseIndexOption(values.index, process.env);
  await runServer({
    ...listen,
    ...resolveStorageLocations({ dataDirectory: values.data, drives: [...positionals, ...values.drive], indexDirectory }),
    indexUrl, clusterSecret: values['cluster-secret'] ?? process.env['CAIRN_CLUSTER_SECRET'],
    region: values.region,
    ...parseDomains(values),
    restoreDelayMs: values['restore-delay-seconds'] === undefined ? undefined : nonNegativeNumber('restore-delay-seconds', values['restore-delay-seconds'], 'seconds') * 1000,
    accountId: values['account-id'],
    newBucketDefaults: parseNewBucketDefaults(values['new-bucket-defaults']),
    abandonedUploadAgeMs: abandonedUploadAgeSeconds * 1000,
    workers,
    ...lifecycle,
    accessLogIntervalMs: parseAccessLogIntervalMs(values['access-log-interval-seconds']),
    scrubRateMbPerSecond,
    compaction,
    volumeSizeBytesMax, registry: parseRegistryOptions(values), insecureSseC: values['insecure-sse-c'],
  });
  return undefined;
}

/**
 * --domain and --website-domain. A name may not be both: every `<bucket>.<name>` request would go to
 * the website (AWS keeps them apart too: s3.… and s3-website.…).
 */
function parseDomains(values: { domain: string[]; 'website-domain': string[] }): Pick<ServerSettings, 'virtualHostDomains' | 'websiteDomains'> {
  const virtualHostDomains = values.domain.map((domain) => domain.toLowerCase());
  const websiteDomains = values['website-domain'].map((domain) => domain.toLowerCase());
  const both = websiteDomains.find((domain) => virtualHostDomains.includes(domain));
  if (both !== undefined) throw new Error(`--website-domain ${both}: already a --domain (S3's virtual-hosted style); give websites a name of their own`);
  return { virtualHostDomains, websiteDomains };
}

/** --compaction-interval, --compaction-rate and --compaction-grace. */
function parseCompactionSettings(values: { 'compaction-interval': string; 'compaction-rate': string; 'compaction-grace': string }): ServerSettings['compaction'] {
  return {
    intervalMs: nonNegativeNumber('compaction-interval', values['compaction-interval'], 'seconds') * 1000,
    bytesPerSecond: nonNegativeNumber('compaction-rate', values['compaction-rate'], 'MB/s') * 1_000_000,
    graceMs: nonNegativeNumber('compaction-grace', values['compaction-grace'], 'seconds') * 1000,
  };
}

/** --address (repeatable), --tls-cert/--tls-key and the connection limits. */
function parseListenSettings(values: {
  address: string[]; 'tls-cert'?: string; 'tls-key'?: string; 'connections-per-client': string; 'keep-alive-timeout': string; 'header-timeout': string;
  'body-budget': string;
}): Pick<ServerSettings, 'listeners' | 'tls' | 'connections'> {
  const certificatePath = values['tls-cert'];
  const keyPath = values['tls-key'];
  if ((certificatePath === undefined) !== (keyPath === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const tls = certificatePath === undefined || keyPath === undefined ? undefined : { certificatePath: resolve(certificatePath), keyPath: resolve(keyPath) };
  const listeners = values.address.map((address) => parseListener(address, tls !== undefined));
  const perClientAddressMax = Number(values['connections-per-client']);
  if (!Number.isInteger(perClientAddressMax) || perClientAddressMax < 1) {
    throw new Error(`--connections-per-client ${values['connections-per-client']}: expected a whole number, 1 or more`);
  }
  const keepAliveIdleMs = nonNegativeNumber('keep-alive-timeout', values['keep-alive-timeout'], 'seconds') * 1000;
  const headersTimeoutMs = nonNegativeNumber('header-timeout', values['header-timeout'], 'seconds') * 1000;
  if (keepAliveIdleMs < 1 || headersTimeoutMs < 1) throw new Error('--keep-alive-timeout and --header-timeout: expected more than 0 seconds');
  const bodyBudgetBytes = Number(values['body-budget']) * MIB;
  if (!Number.isInteger(bodyBudgetBytes) || bodyBudgetBytes < REQUEST_BODY_BUFFER_BYTES_MAX) {
    throw new Error(`--body-budget ${values['body-budget']}: expected MiB, at least ${REQUEST_BODY_BUFFER_BYTES_MAX / MIB}`);
  }
  return { listeners, tls, connections: { perClientAddressMax, keepAliveIdleMs, headersTimeoutMs, bodyBudgetBytes } };
}

/** --lifecycle-day-seconds and --lifecycle-interval (default: derived from the day's length). */
function parseLifecycleSettings(values: {
  'lifecycle-day-seconds': string; 'lifecycle-interval'?: string;
}): Pick<ServerSettings, 'lifecycleDayMs' | 'lifecycleIntervalMs'> {
  const lifecycleDaySeconds = Number(values['lifecycle-day-seconds']);
  if (!Number.isInteger(lifecycleDaySeconds) || lifecycleDaySeconds < 1 || lifecycleDaySeconds > DEFAULT_LIFECYCLE_DAY_SECONDS) {
    throw new Error(`--lifecycle-day-seconds ${values['lifecycle-day-seconds']}: expected a whole number of seconds from 1 to ${DEFAULT_LIFECYCLE_DAY_SECONDS}`);
  }
  const lifecycleDayMs = lifecycleDaySeconds * 1000;
  const intervalText = values['lifecycle-interval'];
  const lifecycleIntervalMs = intervalText === undefined ? defaultLifecycleIntervalMs(lifecycleDayMs) : Number(intervalText) * 1000;
  if (!Number.isFinite(lifecycleIntervalMs) || lifecycleIntervalMs < LIFECYCLE_INTERVAL_MS_MIN) {
    throw new Error(`--lifecycle-interval ${intervalText}: expected at least ${LIFECYCLE_INTERVAL_MS_MIN / 1000} seconds`);
  }
  return { lifecycleDayMs, lifecycleIntervalMs };
}

/** --access-log-interval-seconds: time between deliveries of server access logs. */
function parseAccessLogIntervalMs(text: string): number {
  const intervalMs = Number(text) * 1000;
  if (!Number.isFinite(intervalMs) || intervalMs < ACCESS_LOG_INTERVAL_MS_MIN) {
    throw new Error(`--access-log-interval-seconds ${text}: expected at least ${ACCESS_LOG_INTERVAL_MS_MIN / 1000} seconds`);
  }
  return intervalMs;
}

/** --volume-size, in MiB: the size at which volume files roll over. */
function parseVolumeSizeBytes(text: string): number {
  const volumeSizeMib = Number(text);
  if (!Number.isInteger(volumeSizeMib) || volumeSizeMib < VOLUME_SIZE_MIB_MIN || volumeSizeMib * MIB > VOLUME_SIZE_BYTES_MAX) {
    throw new Error(`--volume-size ${text}: expected a whole number of MiB from ${VOLUME_SIZE_MIB_MIN} to ${VOLUME_SIZE_BYTES_MAX / MIB}`);
  }
  return volumeSizeMib * MIB;
}

function nonNegativeNumber(flag: string, text: string, unit: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag} ${text}: expected ${unit}, 0 or more`);
  return value;
}

function printHelp(text: string): number {
  process.stdout.write(text);
  return 0;
}

export async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      if (wantsHelp(rest)) return printHelp(`usage: cairn server [options] [DRIVE...]\n\n${serverHelp()}${EPHEMERAL_HELP}`);
      if (rest.includes('--ephemeral')) return (await import('./embed/ephemeral-command.js')).ephemeralCommand(rest);
      return serverCommand(rest);
    case 'admin':
      return (await import('./admin/dispatch.js')).runAdmin(rest);
    case 'drive':
      return (await import('./drive-command.js')).driveCommand(rest);
    case 'sql':
      if (wantsHelp(rest)) return printHelp(`usage: cairn sql "SELECT …" [options]\n\n${SQL_HELP}`);
      return (await import('./sql-command.js')).sqlCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(await usage());
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`cairn: unknown command '${command}'\n\n${await usage()}`);
      return 2;
  }
}
