// `cairn server`: opens the drive and the index under the data directory, serves the API surfaces
// (composed in surfaces.ts), and shuts down cleanly on SIGTERM/SIGINT (in-flight requests finish,
// the index closes).
import type { NewBucketDefaults } from '../services/access-defaults.js';
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createFrontend, type FrontendConnectionSettings } from '../frontend/http-server.js';
import { requestCountsDirectoryOf } from '../frontend/request-counts.js';
import { renderBodyBudgetMetrics } from '../frontend/body-budget.js';
import { renderConnectionMetrics } from '../frontend/connections.js';
import type { TlsFiles } from '../frontend/tls.js';
import type { RootIdentity } from '../frontend/auth/identify.js';
import type { FrontendConfig } from '../frontend/context.js';
import { describeIndex, openServerIndex, prepareIndex, serveClusterIndexWrites, startSingletonJobs } from './index-engine.js';
import type { Layers } from '../services/objects.js';
import { describeLayout, layoutFor, Storage } from '../storage/index.js';
import { prepareDrives, resolveDrivePaths } from './cluster-drives.js';
import { openKeyServices } from '../services/encryption/kms.js';
import { Identities } from '../services/iam/identities.js';
import { loadOrCreateMasterKey } from '../services/iam/secrets.js';
import { startLifecycleWorker } from '../services/lifecycle/worker.js';
import { startUploadSweeper } from '../services/upload-sweeper.js';
import { startRestoreRecorder } from '../services/restore-recorder.js';
import { startAuditService } from '../services/audit/service.js';
import { FaultStore } from '../services/faults/fault-store.js';
import { startFaultWatcher } from '../services/faults/fault-watcher.js';
import { startHealService } from '../services/heal/heal-job.js';
import { HealFiles } from '../services/heal/heal-status.js';
import { startCompactionService, type CompactionServiceSettings } from '../services/compaction/service.js';
import { CompactionFiles } from '../services/compaction/status.js';
import { clearMetadataScratch } from '../features/metadata/setup.js';
import { fisFilesOf, startFisRunner } from '../features/fis/runner.js';
import { joinClusterHosts } from './host-membership.js';
import type { RegistryOptions } from '../features/registry/setup.js';
import { loadRootCredentials, type RootCredentials } from './credentials.js';
import { choosePort, type Listener } from './listen-address.js';
import { startFeatures, type FeatureRuntimes } from './features.js';
import { composeSurfaces } from './surfaces.js';

/** Where the server keeps its state; see resolveStorageLocations. */
export interface StorageLocations {
  /** Holds credentials.json (and, without drives, the drive and the index). */
  dataDirectory: string;
  /** One path: a standalone drive. Two or more: the drives of an erasure set (directories or http://HOST:PORT/NAME). */
  drivePaths: string[];
  /** Holds index.db. */
  indexDirectory: string;
}

/** One address the server listens on, plain HTTP or TLS. */
export interface ServerSettings extends StorageLocations {
  /** The PostgreSQL index's URL (--index postgres://… or CAIRN_INDEX_URL); unset: SQLite in indexDirectory. */
  indexUrl?: string;
  /** Signs requests to drive servers (--cluster-secret or CAIRN_CLUSTER_SECRET). */ clusterSecret?: string;
  /** The first is the endpoint the banner names first. */
  listeners: Listener[];
  /** Certificate chain and key (PEM) for TLS listeners, reloaded when the files change. */
  tls?: TlsFiles;
  /** Connection limits and timeouts (defaults: limits.ts). */
  connections: Partial<FrontendConnectionSettings>;
  region: string;
  virtualHostDomains: string[];
  /** Host names under which `<bucket>.<domain>` is the bucket's static website (--website-domain). */
  websiteDomains: string[];
  accountId: string;
  /** What new buckets start with (default current: AWS's defaults since April 2023). */
  newBucketDefaults?: NewBucketDefaults;
  /** Multipart uploads idle longer than this are aborted by a background sweeper. */
  abandonedUploadAgeMs: number;
  /** Processes serving on the one port (node:cluster), sharing the index and the drive. */
  workers: number;
  /** The length of a lifecycle "day" (S3: 24 hours); shorter makes lifecycle rules act sooner. */
  lifecycleDayMs: number;
  /** Time between lifecycle passes. */
  lifecycleIntervalMs: number;
  /** How long every restore of an archived object takes (--restore-delay-seconds); undefined: per class and tier. */
  restoreDelayMs?: number;
  /** Time between deliveries of queued server access log lines as log objects. */
  accessLogIntervalMs: number;
  /** Byte-rate cap of the background durability scrub, MB/s; 0 disables it. */
  scrubRateMbPerSecond: number;
  /** Compaction: time between passes (0: only when asked), copy rate cap (0: none), grace period. */
  compaction: CompactionServiceSettings;
  /** Volume files roll over at this size. */
  volumeSizeBytesMax: number;
  /** Where serve() sends its log lines (default: standard error with a timestamp); startCairn's `log` option. */
  log?: (line: string) => void;
  /** The test switch of startCairn and `server --ephemeral` (FrontendConfig.acceptAnySignature); never set by `cairn server`. */
  acceptAnySignature?: boolean;
  /** The container registry's flags (defaults when absent). */
  registry?: RegistryOptions;
  /** SSE-C over plain HTTP (local use and tests only: the key crosses the wire in clear text). */
  insecureSseC?: boolean;
}

export const DEFAULT_ADDRESS = '127.0.0.1:9000';
export const DEFAULT_DATA_DIRECTORY = './data';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '000000000000';
/** S3 has no default; seven days matches the lifecycle rule most deployments set. */
export const DEFAULT_ABANDONED_UPLOAD_AGE_SECONDS = 7 * 24 * 60 * 60;
const DRIVE_DIRECTORY_NAME = 'drive';
/** With drives and neither --index nor --data, the index lives in this directory of the first drive. */
const INDEX_DIRECTORY_NAME = 'index';
const WORKER_PORT_VARIABLE = 'CAIRN_WORKER_PORT';
/**
 * Set by the cluster primary on exactly one worker (and on its replacement): that worker runs the
 * background services (lifecycle, upload sweeper, S3 Metadata export), so they never run twice at once.
 */
const BACKGROUND_WORKER_VARIABLE = 'CAIRN_WORKER_RUNS_BACKGROUND';

/**
 * Without drives: everything under --data DIR (DIR/drive, DIR/index.db, DIR/credentials.json), as
 * always. With drives: the index in --index DIR, else in --data DIR, else in DRIVE1/index; the
 * credentials in --data DIR, else beside the index.
 */
export function resolveStorageLocations(given: { dataDirectory?: string; drives: string[]; indexDirectory?: string }): StorageLocations {
  if (given.drives.length === 0) {
    const dataDirectory = resolve(given.dataDirectory ?? DEFAULT_DATA_DIRECTORY);
    return { dataDirectory, drivePaths: [join(dataDirectory, DRIVE_DIRECTORY_NAME)], indexDirectory: resolve(given.indexDirectory ?? dataDirectory) };
  }
  const drivePaths = resolveDrivePaths(given.drives, (given.indexDirectory ?? given.dataDirectory) !== undefined);
  const indexDirectory = resolve(given.indexDirectory ?? given.dataDirectory ?? join(drivePaths[0]!, INDEX_DIRECTORY_NAME));
  return { dataDirectory: resolve(given.dataDirectory ?? indexDirectory), drivePaths, indexDirectory };
}

function endpointUrl(address: AddressInfo, secure: boolean): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${secure ? 'https' : 'http'}://${host}:${address.port}`;
}

function logToStandardError(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

export interface RunningWorker {
  /** One per settings.listeners, in order. */
  addresses: AddressInfo[];
  /** The opened index and storage (startCairn's reset() empties buckets through them). */
  layers: Layers;
  /** Finishes in-flight requests, stops background work, closes storage and the index. */
  stop(): Promise<void>;
}

/** Background work that must run in one process only: a server alone, or the worker the primary picked. */
function runsBackgroundWork(): boolean {
  return !cluster.isWorker || process.env[BACKGROUND_WORKER_VARIABLE] === '1';
}

/** Background services: in a standalone server always, in a cluster only in the one worker marked for them. */
function startBackgroundServices(settings: ServerSettings, layers: Layers, features: FeatureRuntimes, log: (line: string) => void): { stop(): Promise<void> } {
  if (!runsBackgroundWork()) return { stop: async () => undefined };
  const exporter = features.startSingletons();
  const sweeper = startUploadSweeper(layers, settings.abandonedUploadAgeMs, log);
  const restores = startRestoreRecorder(layers.index, log);
  const lifecycle = startLifecycleWorker(layers, { dayMs: settings.lifecycleDayMs, intervalMs: settings.lifecycleIntervalMs }, log);
  const heal = startHealService(layers, HealFiles.forDataDirectory(settings.dataDirectory), log);
  const compaction = startCompactionService(layers, CompactionFiles.forDataDirectory(settings.dataDirectory), settings.compaction, log);
  log(`background services run in process ${process.pid}: lifecycle (day ${settings.lifecycleDayMs / 1000} s, a pass every ${settings.lifecycleIntervalMs / 1000} s), ` +
    `upload sweeper, restore recorder, heal, compaction (${settings.compaction.intervalMs > 0 ? `a pass every ${settings.compaction.intervalMs / 1000} s` : 'when asked'}), S3 Metadata export`);
  return { stop: async () => { for (const service of [sweeper, restores, lifecycle, heal, compaction, exporter]) await service.stop(); } };
}

/** Opens the layers under the data directory and serves S3 from this process (also startCairn's in-process server). */
export async function serve(settings: ServerSettings, credentials: RootCredentials): Promise<RunningWorker> {
  const log = settings.log ?? logToStandardError;
  // prepareDataDirectory formed the set already: this process only joins it (and never formats a drive).
  const storage = await Storage.open({
    drivePaths: settings.drivePaths, logger: log, setOpenMode: 'join', formatsReplacements: runsBackgroundWork(), volumeSizeBytesMax: settings.volumeSizeBytesMax, clusterSecret: settings.clusterSecret,
  });
  const index = await openServerIndex(settings, { viaClusterPrimary: cluster.isWorker, log });
  const ownerId = createHash('sha256').update(`cairn:${settings.accountId}:root`).digest('hex');
  const dataDirectory = settings.dataDirectory;
  const identities = new Identities(index, loadOrCreateMasterKey(dataDirectory), settings.accountId);
  // Every feature gets the key services too: its background jobs read and write encrypted objects.
  const layers: Layers = { index, storage, ...openKeyServices(dataDirectory, process.env) };
  const features = await startFeatures(layers, settings, { ownerId, runsBackgroundWork: runsBackgroundWork(), log });
  const audit = await startAuditService({ index, storage }, { dataDirectory, scrubRateMbPerSecond: settings.scrubRateMbPerSecond, runsBackgroundWork: runsBackgroundWork(), log });
  // Injected faults live under the data directory, shared by every worker (docs/fault-injection.md).
  const faults = FaultStore.forDataDirectory(dataDirectory);
  const faultWatcher = startFaultWatcher(storage, faults, log, index);
  const config: FrontendConfig = {
    region: settings.region, virtualHostDomains: settings.virtualHostDomains, ownerId, ownerDisplayName: 'root',
    lifecycleDayMs: settings.lifecycleDayMs, accountId: settings.accountId, acceptAnySignature: settings.acceptAnySignature,
    restoreDelayMs: settings.restoreDelayMs, newBucketDefaults: settings.newBucketDefaults, insecureSseC: settings.insecureSseC === true,
  };
  const root: RootIdentity = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, canonicalId: ownerId, displayName: 'root' };
  const surfaces = composeSurfaces({
    ...features, layers, config, root, identities, log, dataDirectory, audit, faults, faultWatcher, websiteDomains: settings.websiteDomains,
    requestLog: () => frontend.requestMetrics.recent,
    frontendMetrics: () => renderConnectionMetrics(frontend.connections.snapshot(), frontend.connections.limits) + renderBodyBudgetMetrics(frontend.bodyBudget.snapshot()) + frontend.requestMetrics.render(),
  });
  const frontend = createFrontend({ surfaces, virtualHostDomains: settings.virtualHostDomains, log, connections: settings.connections, tls: settings.tls, requestCountsDirectory: requestCountsDirectoryOf(dataDirectory) });
  // FIS experiments live in this server's data directory: its own background process runs them, lease or not.
  const scope = { region: settings.region, accountId: settings.accountId, driveCount: storage.driveStores.length, onPostgres: settings.indexUrl !== undefined };
  const fis = runsBackgroundWork() ? startFisRunner({ storage, ...fisFilesOf(settings), scope, log }) : undefined;
  const background = await startSingletonJobs(settings, runsBackgroundWork(), () => startBackgroundServices(settings, { index, storage }, features, log), log);
  const addresses: AddressInfo[] = [];
  for (const listener of settings.listeners) {
    const server = frontend.createListener(listener.secure);
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(listener.port, listener.host, () => resolveListen());
    });
    addresses.push(server.address() as AddressInfo);
  }
  const member = joinClusterHosts(settings, { index, role: 'frontend', addresses, disruptConnections: (untilMs) => frontend.disruptUntil(untilMs), log });
  return {
    addresses,
    layers,
    async stop() {
      await member?.stop();
      await fis?.stop();
      await frontend.shutdown();
      await background.stop();
      await audit.stop();
      await features.stop();
      faultWatcher.stop();
      await storage.close();
      await index.close();
    },
  };
}

/**
 * Everything that must happen once before any process serves: the drives' format.json (forming the
 * erasure set), the data directory, the root credentials and the index schema (so workers never race
 * to create them). The drives come first: a refused set must leave every directory untouched, and
 * the default index directory lives inside the first drive, which must be formatted before it.
 */
export async function prepareDataDirectory(settings: ServerSettings): Promise<RootCredentials> {
  // The drives' formats only: opening Storage would also start volumes this process never writes.
  await prepareDrives(settings.drivePaths, settings.clusterSecret, settings.log ?? logToStandardError);
  mkdirSync(settings.dataDirectory, { recursive: true });
  mkdirSync(settings.indexDirectory, { recursive: true });
  const credentials = loadRootCredentials(settings.dataDirectory, process.env);
  // Made here, before any worker starts, so that workers never race to create it.
  loadOrCreateMasterKey(settings.dataDirectory);
  openKeyServices(settings.dataDirectory, process.env);
  await prepareIndex(settings);
  await clearMetadataScratch(settings.dataDirectory);
  return credentials;
}

function describeDrives(settings: ServerSettings): string {
  if (settings.drivePaths.length === 1) return settings.drivePaths[0]!;
  const driveCount = settings.drivePaths.length;
  const standard = describeLayout(layoutFor('standard', driveCount));
  const reduced = describeLayout(layoutFor('reduced', driveCount));
  return `${driveCount} in an erasure set (STANDARD ${standard}, REDUCED_REDUNDANCY/EXPRESS_ONEZONE ${reduced}): ${settings.drivePaths.join(' ')}`;
}

function printBanner(settings: ServerSettings, credentials: RootCredentials, addresses: AddressInfo[]): void {
  const lines = [
    `Cairn serving S3`,
    ...addresses.map((address, index) => `  endpoint    ${endpointUrl(address, settings.listeners[index]!.secure)}`),
    `  region      ${settings.region}`,
    `  data        ${settings.dataDirectory}`,
    `  drives      ${describeDrives(settings)}`,
    `  index       ${describeIndex(settings)}`,
    `  workers     ${settings.workers}`,
    ...(settings.tls === undefined ? [] : [`  tls         ${settings.tls.certificatePath} (TLS 1.2 and 1.3; reloaded when it changes)`]),
    `  access key  ${credentials.accessKeyId}`,
  ];
  if (credentials.source === 'generated') {
    lines.push(`  secret key  ${credentials.secretAccessKey}`, `              (generated now and kept in ${credentials.filePath}, mode 0600; shown only this once)`);
  } else if (credentials.source === 'stored') {
    lines.push(`  secret key  in ${credentials.filePath}`);
  } else {
    lines.push('  secret key  from CAIRN_SECRET_KEY');
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** One process serving alone: stops on SIGTERM/SIGINT; a second signal exits at once. */
async function runStandalone(settings: ServerSettings): Promise<void> {
  const credentials = await prepareDataDirectory(settings);
  const worker = await serve(settings, credentials);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logToStandardError(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logToStandardError(`${signal}: finishing in-flight requests`);
    await worker.stop();
    logToStandardError('stopped cleanly');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Only now: whoever waits for the banner may signal at once, and must find the handlers in place.
  printBanner(settings, credentials, worker.addresses);
}

/** A cluster worker: serves until SIGTERM from the primary (Ctrl-C reaches it directly too). */
async function runClusterWorker(requested: ServerSettings): Promise<void> {
  // The primary fixed the ports (see choosePort); the command line may still say 0.
  const ports = (process.env[WORKER_PORT_VARIABLE] ?? '').split(',').map(Number);
  const settings = { ...requested, listeners: requested.listeners.map((listener, index) => ({ ...listener, port: ports[index] ?? listener.port })) };
  // The primary stops workers with SIGTERM: one that arrives before these handlers exist simply ends
  // the process (nothing is in flight yet); one that arrives while the drive and index open is kept.
  let worker: RunningWorker | undefined;
  let stopRequested = false;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopRequested = true;
    if (worker !== undefined) stopping ??= worker.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const credentials = loadRootCredentials(settings.dataDirectory, process.env);
  worker = await serve(settings, credentials);
  if (stopRequested) stop();
}

/** The cluster primary: prepares the data directory, forks the workers, replaces any that die. */
async function runClusterPrimary(requested: ServerSettings): Promise<void> {
  const listeners: Listener[] = [];
  for (const listener of requested.listeners) listeners.push(listener.port === 0 ? { ...listener, port: await choosePort(listener.host) } : listener);
  const settings = { ...requested, listeners };
  const credentials = await prepareDataDirectory(settings);
  let stopping = false;
  // "Serving" means every worker listens on every address: a socket held by one worker alone closes if that one dies.
  let listeningSockets = 0;
  cluster.on('listening', () => {
    listeningSockets += 1;
    if (listeningSockets !== settings.workers * listeners.length) return;
    printBanner(settings, credentials, listeners.map((listener) => ({ address: listener.host, port: listener.port, family: listener.host.includes(':') ? 'IPv6' : 'IPv4' })));
  });
  let backgroundWorkerId: number | undefined;
  const fork = (runsBackground: boolean) => {
    const worker = cluster.fork({ [WORKER_PORT_VARIABLE]: listeners.map((listener) => listener.port).join(','), [BACKGROUND_WORKER_VARIABLE]: runsBackground ? '1' : '0' });
    if (runsBackground) backgroundWorkerId = worker.id;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logToStandardError(`worker ${worker.process.pid} exited (${signal ?? code}); starting a replacement`);
    fork(worker.id === backgroundWorkerId);
  });
  // The primary hands connections to the workers in turn: left to the kernel (SCHED_NONE), keep-alive
  // bursts landed 31 : 2 on two workers in half the runs (docs/performance.md, "The p99 tail").
  cluster.schedulingPolicy = cluster.SCHED_RR;
  // Index writes travel to the primary as structured clones (records carry Uint8Arrays).
  cluster.setupPrimary({ serialization: 'advanced' });
  const indexWriter = serveClusterIndexWrites(settings);
  for (let index = 0; index < settings.workers; index += 1) fork(index === 0);
  const stop = (signal: string) => {
    const workers = Object.values(cluster.workers ?? {});
    if (stopping) {
      logToStandardError(`${signal} again: stopping workers without waiting`);
      for (const worker of workers) worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logToStandardError(`${signal}: finishing in-flight requests in ${workers.length} worker(s)`);
    for (const worker of workers) worker?.process.kill('SIGTERM');
    let remaining = workers.length;
    if (remaining === 0) process.exit(0);
    cluster.on('exit', () => {
      remaining -= 1;
      if (remaining > 0) return;
      // The workers are gone, so no write is in flight: close the index writer last.
      void indexWriter.close().then(() => {
        logToStandardError('stopped cleanly');
        process.exit(0);
      });
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function runServer(settings: ServerSettings): Promise<void> {
  if (cluster.isWorker) return runClusterWorker(settings);
  if (settings.workers <= 1) return runStandalone(settings);
  return runClusterPrimary(settings);
}
