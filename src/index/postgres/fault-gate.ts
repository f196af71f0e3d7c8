// Injected index faults on a PostgreSQL pool (FIS's cairn:index:pause and cairn:index:drop-connections,
// applied by each process's fault watcher): while paused, every call that would take a connection
// fails at once with IndexUnavailableError (503 SlowDown), exactly as a database that cannot be
// reached, and the pool is left as it is, so it serves again the moment the pause ends. Dropping the
// connections destroys every pooled connection's socket: statements in flight fail (SlowDown), idle
// connections leave the pool, and the next request connects anew.
import type pg from 'pg';
import { IndexUnavailableError } from '../unavailable.js';
import type { IndexFaultControl } from '../index-faults.js';

type ConnectCallback = (error: Error | undefined, client?: pg.PoolClient, release?: () => void) => void;

export class PostgresFaultGate implements IndexFaultControl {
  private pausedUntilMs = 0;
  private readonly clients = new Set<pg.PoolClient>();

  /** Tracks the pool's connections and puts the pause check in front of `connect` and `query`. */
  constructor(pool: pg.Pool) {
    pool.on('connect', (client) => this.clients.add(client));
    pool.on('remove', (client) => this.clients.delete(client as pg.PoolClient));
    const connect = pool.connect.bind(pool) as (callback?: ConnectCallback) => Promise<pg.PoolClient> | undefined;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(pool, {
      connect: (callback?: ConnectCallback) => {
        const paused = this.pausedError();
        if (paused === undefined) return connect(callback);
        if (callback === undefined) return Promise.reject(paused);
        process.nextTick(() => callback(paused));
        return undefined;
      },
      query: (...args: unknown[]) => {
        const paused = this.pausedError();
        return paused === undefined ? query(...args) : Promise.reject(paused);
      },
    });
  }

  pauseUntil(untilMs: number): void {
    this.pausedUntilMs = untilMs;
  }

  get paused(): boolean {
    return Date.now() < this.pausedUntilMs;
  }

  dropConnections(): number {
    const clients = [...this.clients];
    this.clients.clear();
    for (const client of clients) {
      // pg keeps the socket on its connection; destroying it is what a dropped network does.
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
    return clients.length;
  }

  private pausedError(): IndexUnavailableError | undefined {
    if (!this.paused) return undefined;
    return new IndexUnavailableError('the PostgreSQL index is paused by an injected fault (cairn:index:pause)');
  }
}
