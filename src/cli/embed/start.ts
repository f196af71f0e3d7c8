// startCairn(): a Cairn server for a test suite, in this process, on a free port, over a temporary
// data directory that stop() removes. It is the server command's own serve(), with settings suited
// to tests (one process, no background scrub or compaction passes); reset() empties it between tests.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DEFAULT_COMPACTION_GRACE_MS } from '../../services/compaction/service.js';
import { generateAccessKeyId } from '../../services/iam/secrets.js';
import { DEFAULT_LIFECYCLE_DAY_SECONDS, defaultLifecycleIntervalMs } from '../../services/lifecycle/worker.js';
import { VOLUME_SIZE_BYTES_MAX } from '../../storage/index.js';
import { CREDENTIALS_FILE_NAME } from '../credentials.js';
import {
  DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, prepareDataDirectory, resolveStorageLocations, serve, type ServerSettings,
} from '../server-command.js';
import { startCairnProcess } from './child.js';
import { assertBucketNames, createBuckets, resetBuckets } from './reset.js';
import { DEFAULT_DELIVERY_INTERVAL_MS } from '../../features/access-logs/delivery.js';

export interface CairnCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartCairnOptions {
  /** Buckets created at start, and created again (empty, default settings) by every reset(). */
  buckets?: readonly string[];
  /** Default us-east-1. */
  region?: string;
  /** The root key pair; default: generated for this server. (CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY in the environment win, as for `cairn server`.) */
  credentials?: CairnCredentials;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Length of a lifecycle "day" in seconds (default 86400): short days make lifecycle rules act in tests. */
  lifecycleDaySeconds?: number;
  /** Host names under which `<bucket>.<domain>` is the bucket's static website (default: none). */
  websiteDomains?: string[];
  /** Run the server in a child process (`cairn server --ephemeral`) instead of this one. */
  childProcess?: boolean;
  /**
   * Switch, off by default: the `buckets` accept requests without credentials (an open public access
   * block and a bucket policy allowing s3:* to everyone, as S3 itself would need), for clients or
   * test doubles that cannot sign. Signed requests are still checked; other buckets stay private.
   */
  publicBuckets?: boolean;
  /**
   * Receives each line the server logs (start-up, background work, internal faults with their request
   * ids). Default: the lines are dropped, so a test run stays quiet; `log: console.error` shows them.
   */
  log?: (line: string) => void;
  /**
   * Switch, off by default: S3 requests are accepted whatever their signature's value (SigV4 headers, presigned
   * URLs, aws-chunked chunk signatures, SigV2), for clients that sign with made-up credentials. A key Cairn
   * knows still acts as its owner (its policies apply); any other key acts as root. Malformed or expired
   * signatures, clock skew and unsigned requests are treated as always.
   */
  acceptAnySignature?: boolean;
}

export interface RunningCairn {
  /** http://127.0.0.1:PORT — give it to the S3 client with forcePathStyle: true. */
  endpoint: string;
  region: string;
  credentials: CairnCredentials;
  /** The temporary data directory (removed by stop()). */
  dataDirectory: string;
  /** Stops serving (in-flight requests finish) and removes the data directory. */
  stop(): Promise<void>;
  /** Removes every bucket and everything in it, then creates the `buckets` of the options again. */
  reset(): Promise<void>;
}

const dropLogLine = (): void => undefined;

/** A secret as long as the generated ones of `cairn server`. */
const SECRET_KEY_RANDOM_BYTES = 30;
const DATA_DIRECTORY_PREFIX = 'cairn-ephemeral-';

function testSettings(dataDirectory: string, options: StartCairnOptions): ServerSettings {
  const lifecycleDayMs = (options.lifecycleDaySeconds ?? DEFAULT_LIFECYCLE_DAY_SECONDS) * 1000;
  return {
    ...resolveStorageLocations({ dataDirectory, drives: [] }),
    listeners: [{ host: options.host ?? '127.0.0.1', port: options.port ?? 0, secure: false }],
    connections: {},
    region: options.region ?? DEFAULT_REGION,
    virtualHostDomains: ['localhost'],
    websiteDomains: (options.websiteDomains ?? []).map((domain) => domain.toLowerCase()),
    accountId: DEFAULT_ACCOUNT_ID,
    abandonedUploadAgeMs: DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS * 1000,
    workers: 1,
    accessLogIntervalMs: DEFAULT_DELIVERY_INTERVAL_MS,
    lifecycleDayMs,
    lifecycleIntervalMs: defaultLifecycleIntervalMs(lifecycleDayMs),
    // A test's data lives seconds: the durability scrub and timed compaction would only cost CPU.
    scrubRateMbPerSecond: 0,
    compaction: { intervalMs: 0, bytesPerSecond: 0, graceMs: DEFAULT_COMPACTION_GRACE_MS },
    volumeSizeBytesMax: VOLUME_SIZE_BYTES_MAX,
    log: options.log ?? dropLogLine,
    acceptAnySignature: options.acceptAnySignature === true,
  };
}

/** Writes the root key pair where prepareDataDirectory reads it (the file `cairn server` keeps). */
function storeCredentials(dataDirectory: string, given: CairnCredentials | undefined): void {
  const credentials = given ?? { accessKeyId: generateAccessKeyId(), secretAccessKey: randomBytes(SECRET_KEY_RANDOM_BYTES).toString('base64') };
  mkdirSync(dataDirectory, { recursive: true });
  writeFileSync(join(dataDirectory, CREDENTIALS_FILE_NAME), JSON.stringify(credentials) + '\n', { mode: 0o600 });
}

function endpointOf(address: AddressInfo): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Starts an embedded server; resolves once it accepts connections. */
export async function startCairn(options: StartCairnOptions = {}): Promise<RunningCairn> {
  const buckets = [...(options.buckets ?? [])];
  assertBucketNames(buckets);
  if (options.childProcess === true) return startCairnProcess(options);
  const dataDirectory = mkdtempSync(join(tmpdir(), DATA_DIRECTORY_PREFIX));
  // A test runner that exits without stop() must not leave the directory behind.
  const removeOnExit = () => rmSync(dataDirectory, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  try {
    storeCredentials(dataDirectory, options.credentials);
    const settings = testSettings(dataDirectory, options);
    const credentials = await prepareDataDirectory(settings);
    const worker = await serve(settings, credentials);
    // The owner serve() gives root (see its ownerId).
    const owner = { region: settings.region, ownerId: createHash('sha256').update(`cairn:${settings.accountId}:root`).digest('hex'), publicBuckets: options.publicBuckets === true };
    await createBuckets(worker.layers, buckets, owner);
    let stopped: Promise<void> | undefined;
    return {
      endpoint: endpointOf(worker.addresses[0]!),
      region: settings.region,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      dataDirectory,
      stop: () => stopped ??= worker.stop().finally(() => {
        removeOnExit();
        process.off('exit', removeOnExit);
      }),
      reset: () => resetBuckets(worker.layers, buckets, owner),
    };
  } catch (error) {
    removeOnExit();
    process.off('exit', removeOnExit);
    throw error;
  }
}
