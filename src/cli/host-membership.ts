// A server's membership in the cluster's host registry (PostgreSQL index only): each serving process
// of a front end, or a drive server (`cairn drive serve --index`), heartbeats the host's row and obeys
// its host's commands (services/hosts/host-agent.ts). The host's id is CAIRN_HOST_ID, or this
// machine's name and the server's port; a stop ends the whole server (SIGTERM to the cluster primary,
// or to this process when it serves alone); a disruption drops and refuses this process's
// connections and fails its calls out — the index, drive servers — until the deadline.
import cluster from 'node:cluster';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { indexFaultControlOf } from '../index/index-faults.js';
import { PostgresHostRegistry, type HostRole } from '../index/postgres/cluster-hosts.js';
import type { Index } from '../index/types.js';
import { startHostAgent } from '../services/hosts/host-agent.js';
import { cutOffDriveServerCallsUntil } from '../storage/remote/remote-drive.js';

/** The environment variable naming this host in the registry (and in FIS's host ARNs). */
export const HOST_ID_VARIABLE = 'CAIRN_HOST_ID';
const HOST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HostMember {
  readonly hostId: string;
  readonly registry: PostgresHostRegistry;
  stop(): Promise<void>;
}

/** This host's id: CAIRN_HOST_ID, or `<machine name>:<port>`. */
export function hostIdOf(environment: NodeJS.ProcessEnv, port: number): string {
  const given = environment[HOST_ID_VARIABLE];
  const id = given === undefined || given === '' ? `${hostname()}:${port}` : given;
  if (!HOST_ID_PATTERN.test(id)) throw new Error(`${HOST_ID_VARIABLE}=${id}: a host id is 1 to 128 letters, digits and . _ : -`);
  return id;
}

/** Joins the registry (nothing on SQLite: a host registry needs the shared database). */
export function joinClusterHosts(settings: { indexUrl?: string; listeners: ReadonlyArray<{ host: string }> }, options: {
  /** A front end's index, whose calls fail while the host is cut off (a drive server has none). */
  index?: Index; role: HostRole; addresses: AddressInfo[]; disruptConnections(untilMs: number): void; log: (line: string) => void;
}): HostMember | undefined {
  if (settings.indexUrl === undefined || options.addresses.length === 0) return undefined;
  const port = options.addresses[0]!.port;
  const hostId = hostIdOf(process.env, port);
  const registry = PostgresHostRegistry.open(settings.indexUrl, options.log);
  const agent = startHostAgent({
    registry, hostId, role: options.role, address: `${settings.listeners[0]?.host ?? '127.0.0.1'}:${port}`, log: options.log,
    effects: {
      // Every process of the server stops: the cluster primary stops its workers (none is replaced).
      stop: () => process.kill(cluster.isWorker ? process.ppid : process.pid, 'SIGTERM'),
      disruptUntil: (untilMs) => {
        options.disruptConnections(untilMs);
        cutOffDriveServerCallsUntil(untilMs);
        if (options.index !== undefined) indexFaultControlOf(options.index)?.pauseUntil(untilMs);
      },
    },
  });
  return {
    hostId, registry,
    async stop() {
      agent.stop();
      await registry.close();
    },
  };
}
