// The load client of the cluster mode: C connections spread evenly over several front ends, as a
// connection-level (L4) load balancer would — a pool per front end, closed-loop slot s always on
// front end s mod N (open loop: request i on front end i mod N). Requests are signed once, for one
// endpoint name, and sent to whichever front end their connection reaches: behind a balancer every
// front end sees the Host the client signed, so each verifies the same signature.
import type { Dispatcher, Pool } from 'undici';
import { HeadConnectionPool } from './head-client.js';
import { createPool, type LoadClient } from './load.js';

/** How many of `connections` slots land on front end `index` of `count` (slot mod count). */
function slotsOf(index: number, count: number, connections: number): number {
  return Math.max(1, Math.floor((connections - 1 - index) / count) + 1);
}

export function createSpreadClient(origins: readonly string[], connections: number): LoadClient {
  if (origins.length === 0) throw new Error('no front ends to spread over');
  const pools: Pool[] = origins.map((origin, index) => createPool(origin, slotsOf(index, origins.length, connections)));
  const first = new URL(origins[0]!);
  // HEAD is not measured in the cluster mode; the client keeps the interface's HEAD path on the first front end.
  const heads = new HeadConnectionPool(first.hostname, Number(first.port), connections);
  return {
    dispatcherFor: (slot: number): Dispatcher => pools[slot % pools.length]!,
    heads,
    async close() {
      heads.close();
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}
