// Connection accounting for every server of a process (plain and TLS): open connections per client
// address and in total, refusing a new connection from an address that already holds its share, so
// one client opening thousands of idle connections cannot lock out everyone else (issue #13).
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import { metricText } from './prometheus.js';

export interface ConnectionLimits {
  /** Open connections one client address may hold; more from that address are closed at once. */
  perClientAddressMax: number;
  /** Open connections in the whole process (node's server.maxConnections on each server). */
  totalMax: number;
}

/** Counters and gauges for /_cairn/metrics. */
export interface ConnectionStats {
  open: number;
  clientAddresses: number;
  accepted: number;
  refusedPerClientAddress: number;
  refusedTotal: number;
}

/** "::ffff:1.2.3.4" is the IPv4 client 1.2.3.4. */
function clientAddressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

export class ConnectionTracker {
  private readonly openByAddress = new Map<string, number>();
  private readonly stats: ConnectionStats = { open: 0, clientAddresses: 0, accepted: 0, refusedPerClientAddress: 0, refusedTotal: 0 };

  constructor(readonly limits: ConnectionLimits, private readonly log: (line: string) => void) {}

  /** Counts (and limits) every connection `server` accepts. */
  attach(server: Server): void {
    server.maxConnections = this.limits.totalMax;
    // node closes connections over maxConnections before 'connection' and reports them as 'drop'.
    server.on('drop', () => {
      this.stats.refusedTotal += 1;
    });
    server.on('connection', (socket: Socket) => this.admit(socket));
  }

  private admit(socket: Socket): void {
    const address = clientAddressOf(socket);
    const held = this.openByAddress.get(address) ?? 0;
    if (held >= this.limits.perClientAddressMax || this.stats.open >= this.limits.totalMax) {
      const perAddress = held >= this.limits.perClientAddressMax;
      if (perAddress) this.stats.refusedPerClientAddress += 1;
      else this.stats.refusedTotal += 1;
      // Logged once per hundred refusals: a flood must not become a flood of log lines.
      const refused = this.stats.refusedPerClientAddress + this.stats.refusedTotal;
      if (refused % 100 === 1) {
        this.log(`connection from ${address} refused: ${perAddress ? `it holds ${held} (limit ${this.limits.perClientAddressMax})` : `${this.stats.open} open in total`} (${refused} refused so far)`);
      }
      socket.destroy();
      return;
    }
    this.openByAddress.set(address, held + 1);
    this.stats.open += 1;
    this.stats.accepted += 1;
    socket.once('close', () => {
      this.stats.open -= 1;
      const remaining = (this.openByAddress.get(address) ?? 1) - 1;
      if (remaining <= 0) this.openByAddress.delete(address);
      else this.openByAddress.set(address, remaining);
    });
  }

  snapshot(): ConnectionStats {
    return { ...this.stats, clientAddresses: this.openByAddress.size };
  }
}

/** The connection figures in Prometheus text format. */
export function renderConnectionMetrics(stats: ConnectionStats, limits: ConnectionLimits): string {
  return metricText('cairn_connections_open', 'gauge', 'Open client connections in this process.', [['', stats.open]])
    + metricText('cairn_connections_client_addresses', 'gauge', 'Client addresses holding at least one open connection.', [['', stats.clientAddresses]])
    + metricText('cairn_connections_accepted_total', 'counter', 'Connections accepted by this process.', [['', stats.accepted]])
    + metricText('cairn_connections_refused_total', 'counter', 'Connections closed at once because a limit was reached.', [
      ['{limit="per_client_address"}', stats.refusedPerClientAddress], ['{limit="total"}', stats.refusedTotal],
    ])
    + metricText('cairn_connections_limit', 'gauge', 'Connection limits in force.', [
      ['{limit="per_client_address"}', limits.perClientAddressMax], ['{limit="total"}', limits.totalMax],
    ]);
}
