// A host cut off from the network as its own servers see it (FIS's cairn:host:disrupt-connectivity):
// until a deadline, every open connection is dropped and every new one destroyed on arrival, so a
// client sees resets, as it would from a lost zone. After the deadline the servers accept again by
// themselves. Shared by the front end's listeners and the drive server.
import type { Server } from 'node:http';

export interface ConnectionCut {
  /** Watches a server's connections (before any other listener sees them). */
  attach(server: Server): void;
  /** Until `untilMs`, connections are dropped and refused; a past time ends a cut early. */
  disruptUntil(untilMs: number): void;
}

export function createConnectionCut(): ConnectionCut {
  const servers: Server[] = [];
  let disruptedUntilMs = 0;
  return {
    attach(server) {
      servers.push(server);
      // Prepended: a cut-off host answers nothing, not even node's own refusals.
      server.prependListener('connection', (socket: { destroy(): void }) => {
        if (Date.now() < disruptedUntilMs) socket.destroy();
      });
    },
    disruptUntil(untilMs) {
      disruptedUntilMs = untilMs;
      if (Date.now() < untilMs) for (const server of servers) server.closeAllConnections();
    },
  };
}
