// The cluster mode (`npm run bench -- --cluster`, `npm run bench:cluster`): 1, 2 and 3 Cairn front
// ends — separate `cairn server --workers 1` processes on ports of their own — sharing one
// PostgreSQL database and the drives of DRIVE_SERVERS drive servers (`cairn drive serve`), with the
// client spreading its connections over them (cluster-client.ts); 4 KiB and 1 MiB PUT, then GET.
//
// Drive servers rather than one shared data directory, because that is what a cluster of hosts
// runs: front ends on different machines cannot append to one local directory, and a network
// filesystem would put its own locking and fsync semantics under Cairn's durability. The storage
// round trip over HTTP is part of a cluster's cost, so it belongs in the measurement. Three servers
// of one drive each: the smallest set whose stripes (and a 4 KiB object's copies) span hosts and
// survive the loss of one. Front ends also share one data directory, as README's example does.
//
// Front ends are added one at a time to a running cluster (the same database and drives), so the
// cells with N front ends run after those with fewer; each uses keys of its own.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toCell, type CellSink, type CellTiming } from './cells.js';
import { createSpreadClient } from './cluster-client.js';
import { cpuSecondsSince, cpuSnapshot, postgresBackendPids, type ClusterCpuSeconds } from './cluster-cpu.js';
import { runClosedLoop, type LoadClient, type NextRequest, type PhaseResult } from './load.js';
import { loadAverageText } from './machine.js';
import { CAIRN_BIN, REPO_ROOT } from './paths.js';
import { createBenchDatabase, dropBenchDatabase } from './postgres-database.js';
import { makeTemporaryDirectory, removeTemporaryDirectory, spawnManaged, type ManagedProcess } from './processes.js';
import { startCairn, type CairnTarget } from './targets/cairn.js';
import type { Target } from './targets/target.js';
import { KeyPool, putSource, readSource } from './workloads.js';

const KIB = 1024;
const MIB = 1024 * KIB;
export const CLUSTER_FRONT_END_COUNTS = [1, 2, 3] as const;
export const DRIVE_SERVERS = 3;
/** Each front end is one process: the cluster's parallelism is its front ends, not workers inside one. */
const FRONT_END_WORKERS = 1;
/** Shared by the drive servers and the front ends (at least 16 characters); loopback only. */
const CLUSTER_SECRET = 'cairn-bench-cluster-secret';
const DRIVE_SERVER_READY_LINE = /drive server on (http:\/\/[^:\s]+:\d+):/;

export interface ClusterSize {
  label: string;
  sizeBytes: number;
  /** Connections in all, spread over the front ends (the main table's counts for these sizes). */
  connections: number;
}

export const CLUSTER_SIZES: readonly ClusterSize[] = [
  { label: '4 KiB', sizeBytes: 4 * KIB, connections: 32 },
  { label: '1 MiB', sizeBytes: MIB, connections: 8 },
];

/** What happened besides the cells: the load average when each front-end count began. */
export interface ClusterContext {
  driveUrls: string[];
  loadAverageAt: Record<number, string>;
}

export const frontEndsLabel = (count: number): string => `${count} front end${count === 1 ? '' : 's'}`;

/** Started together (they are independent); `servers` holds every one spawned, ready or not, so all are stopped. */
async function startDriveServers(root: string, servers: ManagedProcess[]): Promise<string[]> {
  const hosts = Array.from({ length: DRIVE_SERVERS }, (_, index) => index + 1);
  return Promise.all(hosts.map(async (host) => {
    // An empty directory: the first front end formats it as a member of the set.
    const drive = join(root, `host${host}`, `drive${host}`);
    mkdirSync(drive, { recursive: true });
    const server = spawnManaged(`drive server ${host}`, process.execPath, [CAIRN_BIN, 'drive', 'serve', drive, '--address', '127.0.0.1:0'], {
      cwd: REPO_ROOT, env: { ...process.env, CAIRN_CLUSTER_SECRET: CLUSTER_SECRET },
    });
    servers.push(server);
    const match = await server.waitForLine(DRIVE_SERVER_READY_LINE);
    return `${match[1]}/drive${host}`;
  }));
}

/** The processes whose CPU a cell counts. */
interface ClusterProcesses {
  frontEnds: CairnTarget[];
  driveServers: ManagedProcess[];
  indexUrl: string;
}

const groupOf = (managed: ManagedProcess): number => managed.child.pid ?? -1;

/** A warm-up, then the measured phase with the CPU every cluster process used during it (per 2xx answer, µs). */
async function measurePhase(cluster: ClusterProcesses, client: LoadClient, connections: number, timing: CellTiming, source: NextRequest):
  Promise<{ phase: PhaseResult; cpuUsPerOp: ClusterCpuSeconds }> {
  if (timing.warmUpMs > 0) await runClosedLoop(client, connections, timing.warmUpMs, source);
  const before = cpuSnapshot();
  const phase = await runClosedLoop(client, connections, timing.durationMs, source);
  const used = cpuSecondsSince(before, cluster.frontEnds.map((frontEnd) => groupOf(frontEnd.process)), cluster.driveServers.map(groupOf),
    await postgresBackendPids(cluster.indexUrl));
  const perOp = (seconds: number): number => (seconds * 1e6) / Math.max(1, phase.okOps);
  return { phase, cpuUsPerOp: { frontEnds: perOp(used.frontEnds), driveServers: perOp(used.driveServers), postgres: perOp(used.postgres) } };
}

/** PUT then GET of each size, the connections spread over the first `count` front ends (all that run). */
async function measureFrontEnds(cluster: ClusterProcesses, count: number, timing: CellTiming, sink: CellSink): Promise<void> {
  const frontEnds = cluster.frontEnds;
  const origins = frontEnds.slice(0, count).map((frontEnd) => frontEnd.origin);
  // Signed for the first front end's address, as for a balancer's name (cluster-client.ts).
  const target: Target = { ...frontEnds[0]!, id: 'cairn-cluster', label: frontEndsLabel(count) };
  for (const size of CLUSTER_SIZES) {
    const client = createSpreadClient(origins, size.connections);
    const keys = new KeyPool();
    try {
      const sources = [['PUT', putSource(target, `fe${count}/obj-${size.sizeBytes}/`, size.sizeBytes, keys)], ['GET', readSource(target, 'GET', keys)]] as const;
      for (const [op, source] of sources) {
        const { phase, cpuUsPerOp } = await measurePhase(cluster, client, size.connections, timing, source);
        sink({ ...toCell(target, op, size, 'max-rate', size.connections, timing.warmUpMs, phase), frontEnds: count, cpuUsPerOp });
      }
    } finally {
      await client.close();
    }
  }
}

/**
 * Starts the drive servers and a database, then for each count of CLUSTER_FRONT_END_COUNTS starts
 * front ends up to it and measures; everything is stopped and removed at the end. `abort` hears of
 * a count whose cells threw (the next count still runs).
 */
export async function measureCluster(postgresAdminUrl: string, timing: CellTiming, sink: CellSink,
  abort: (what: string, error: unknown) => void, say: (line: string) => void): Promise<ClusterContext> {
  const indexUrl = await createBenchDatabase(postgresAdminUrl);
  const root = makeTemporaryDirectory('cairn-bench-cluster-');
  const context: ClusterContext = { driveUrls: [], loadAverageAt: {} };
  const frontEnds: CairnTarget[] = [];
  const driveServers: ManagedProcess[] = [];
  try {
    const driveUrls = await startDriveServers(root, driveServers);
    context.driveUrls = driveUrls;
    say(`drive servers: ${driveUrls.join(' ')}`);
    for (const count of CLUSTER_FRONT_END_COUNTS) {
      while (frontEnds.length < count) {
        const number = frontEnds.length + 1;
        frontEnds.push(await startCairn('cairn-cluster', `front end ${number}`, FRONT_END_WORKERS, {
          dataDirectory: join(root, 'home'), extraArgs: [...driveUrls, '--index', indexUrl], env: { CAIRN_CLUSTER_SECRET: CLUSTER_SECRET },
        }));
      }
      context.loadAverageAt[count] = loadAverageText();
      say(`${frontEndsLabel(count)}: ${frontEnds.map((frontEnd) => frontEnd.origin).join(' ')} (load average ${context.loadAverageAt[count]})`);
      try {
        await measureFrontEnds({ frontEnds, driveServers, indexUrl }, count, timing, sink);
      } catch (error) {
        abort(frontEndsLabel(count), error);
      }
    }
  } finally {
    for (const frontEnd of frontEnds) await frontEnd.stop();
    for (const server of driveServers) await server.stop();
    removeTemporaryDirectory(root);
    await dropBenchDatabase(postgresAdminUrl, indexUrl);
  }
  return context;
}
