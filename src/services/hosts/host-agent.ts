// A host's part in the cluster's host registry (index/postgres/cluster-hosts.ts): every serving
// process of a front end (or a drive server) heartbeats its host's row and polls the commands for its
// host. cairn:host:stop makes the host's server stop (SIGTERM to the server, as an orchestrator
// stopping a task does); cairn:host:disrupt-connectivity cuts the host off until the command's
// deadline: it drops and refuses every connection and its own calls out (the index, drive servers)
// fail, as a lost zone looks from both sides. While cut off it neither heartbeats nor polls: it ends
// the disruption by the deadline it read, with no message needed.
import type { HostAction, HostCommand, HostRole, PostgresHostRegistry } from '../../index/postgres/cluster-hosts.js';

/** How often a host heartbeats and polls its commands. */
export const HOST_POLL_INTERVAL_MS = 500;
/** A stop command waits this long for its host to read it before it lapses. */
export const HOST_STOP_COMMAND_TTL_MS = 30_000;

export interface HostEffects {
  /** The host's server stops (every process of it). */
  stop(): void;
  /** Until `untilMs`, connections in and calls out fail; 0 ends a disruption early (never used by commands). */
  disruptUntil(untilMs: number): void;
}

export interface HostAgentOptions {
  registry: PostgresHostRegistry;
  hostId: string;
  role: HostRole;
  address: string;
  effects: HostEffects;
  log: (line: string) => void;
}

export function startHostAgent(options: HostAgentOptions): { stop(): void } {
  const { registry, effects, log } = options;
  const startedAtMs = Date.now();
  let lastSeenId: number | undefined;
  let disruptedUntilMs = 0;
  let failing = false;
  let busy = false;

  const apply = (command: HostCommand, nowMs: number): void => {
    const action: HostAction = command.action;
    if (action === 'stop') {
      log(`hosts: ${options.hostId} is told to stop (${command.experiment ?? 'a command'})`);
      effects.stop();
    } else if (action === 'disrupt-connectivity' && command.expiresAtMs > nowMs) {
      disruptedUntilMs = Math.max(disruptedUntilMs, command.expiresAtMs);
      log(`hosts: ${options.hostId} is cut off until ${new Date(disruptedUntilMs).toISOString()} (${command.experiment ?? 'a command'})`);
      effects.disruptUntil(disruptedUntilMs);
    }
  };

  const poll = async (): Promise<void> => {
    const nowMs = Date.now();
    if (nowMs < disruptedUntilMs) return;
    try {
      await registry.heartbeat({ hostId: options.hostId, role: options.role, address: options.address, pid: process.pid, startedAtMs }, nowMs);
      lastSeenId ??= await registry.lastCommandId();
      for (const command of await registry.commandsFor(options.hostId, lastSeenId, nowMs)) {
        lastSeenId = Math.max(lastSeenId, command.id);
        apply(command, nowMs);
      }
      if (failing) log(`hosts: ${options.hostId} reaches the registry again`);
      failing = false;
    } catch (error) {
      // The database is away: the host keeps serving what it can; the index answers 503 meanwhile.
      if (!failing) log(`hosts: ${options.hostId} cannot reach the registry: ${(error as Error).message}`);
      failing = true;
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void poll().finally(() => {
      busy = false;
    });
  }, HOST_POLL_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
