// The cluster's hosts in the PostgreSQL index: every front end and drive server upserts its row
// (address, role, process id) with a heartbeat, and FIS's host actions (cairn:host:stop,
// cairn:host:disrupt-connectivity) are rows of cluster_host_commands that the target host polls. So
// any front end's FIS API reaches any host, through the database the cluster already trusts, and a
// host that cannot reach the database simply hears nothing (a disrupted host ends its disruption by
// the deadline it read, with no message needed).
import type pg from 'pg';
import { openPool, reachable } from './connection.js';

/** A host whose heartbeat is older than this is not offered as a target. */
export const HOST_HEARTBEAT_STALE_MS = 10_000;
/** Commands one poll reads at most. */
const HOST_COMMANDS_PAGE_MAX = 32;
/** Hosts one listing answers at most. */
export const CLUSTER_HOSTS_MAX = 256;

export type HostRole = 'frontend' | 'drive-server';
export type HostAction = 'stop' | 'disrupt-connectivity';

export interface HostRecord {
  hostId: string;
  role: HostRole;
  address: string;
  pid: number;
  startedAtMs: number;
  heartbeatMs: number;
}

export interface HostCommand {
  id: number;
  hostId: string;
  action: HostAction;
  expiresAtMs: number;
  experiment?: string;
}

interface HostRow { host_id: string; role: string; address: string; pid: number; started_at_ms: number; heartbeat_ms: number }
interface CommandRow { id: number; host_id: string; action: string; expires_at_ms: number; experiment: string | null }

export class PostgresHostRegistry {
  private constructor(private readonly pool: pg.Pool) {}

  /** A small pool of its own (the schema is the index's: the server migrated it at start). */
  static open(url: string, log?: (line: string) => void): PostgresHostRegistry {
    return new PostgresHostRegistry(openPool(url, log, 2, 'cairn-hosts'));
  }

  async heartbeat(host: Omit<HostRecord, 'heartbeatMs'>, nowMs = Date.now()): Promise<void> {
    await reachable(() => this.pool.query(
      `INSERT INTO cluster_hosts (host_id, role, address, pid, started_at_ms, heartbeat_ms) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (host_id) DO UPDATE SET role = $2, address = $3, pid = $4, started_at_ms = $5, heartbeat_ms = $6`,
      [host.hostId, host.role, host.address, host.pid, host.startedAtMs, nowMs],
    ));
  }

  /** Hosts heard from within HOST_HEARTBEAT_STALE_MS, by id. */
  async liveHosts(nowMs = Date.now()): Promise<HostRecord[]> {
    const { rows } = await reachable(() => this.pool.query<HostRow>(
      'SELECT * FROM cluster_hosts WHERE heartbeat_ms > $1 ORDER BY host_id LIMIT $2', [nowMs - HOST_HEARTBEAT_STALE_MS, CLUSTER_HOSTS_MAX],
    ));
    return rows.map((row) => ({
      hostId: row.host_id, role: row.role as HostRole, address: row.address, pid: row.pid, startedAtMs: row.started_at_ms, heartbeatMs: row.heartbeat_ms,
    }));
  }

  async addCommand(command: Omit<HostCommand, 'id'>, nowMs = Date.now()): Promise<void> {
    await reachable(() => this.pool.query(
      'INSERT INTO cluster_host_commands (host_id, action, created_at_ms, expires_at_ms, experiment) VALUES ($1, $2, $3, $4, $5)',
      [command.hostId, command.action, nowMs, command.expiresAtMs, command.experiment ?? null],
    ));
  }

  /** The newest command id (a host starting up hears only commands after it). */
  async lastCommandId(): Promise<number> {
    const { rows } = await reachable(() => this.pool.query<{ id: number | null }>('SELECT max(id) AS id FROM cluster_host_commands'));
    return Number(rows[0]?.id ?? 0);
  }

  /** A host's unexpired commands after `afterId`, oldest first; expired ones are deleted on the way. */
  async commandsFor(hostId: string, afterId: number, nowMs = Date.now()): Promise<HostCommand[]> {
    await reachable(() => this.pool.query('DELETE FROM cluster_host_commands WHERE expires_at_ms < $1', [nowMs]));
    const { rows } = await reachable(() => this.pool.query<CommandRow>(
      'SELECT * FROM cluster_host_commands WHERE host_id = $1 AND id > $2 ORDER BY id LIMIT $3', [hostId, afterId, HOST_COMMANDS_PAGE_MAX],
    ));
    return rows.map((row) => ({
      id: Number(row.id), hostId: row.host_id, action: row.action as HostAction, expiresAtMs: row.expires_at_ms, ...(row.experiment === null ? {} : { experiment: row.experiment }),
    }));
  }

  /** Withdraws an experiment's commands that no host has acted on yet. */
  async removeCommandsOf(experiment: string): Promise<void> {
    await reachable(() => this.pool.query('DELETE FROM cluster_host_commands WHERE experiment = $1', [experiment]));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
