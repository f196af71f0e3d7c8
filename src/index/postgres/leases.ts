// Leases for singleton background jobs on a shared PostgreSQL index: a session advisory lock held on
// a connection of its own. Of all the servers on one database, the one whose connection holds the
// lock runs the jobs (lifecycle, upload sweeper, heal, compaction, …); the others retry every few
// seconds. The lock dies with its session, so a holder that crashes or loses the database frees it
// at once, and a holder that loses its connection stops its jobs before anyone else can start them.
import type pg from 'pg';
import { clientOptionsOf, POSTGRES_CONNECT_TIMEOUT_MS } from './connection.js';

/** How often a server without the lease tries to take it. */
export const LEASE_RETRY_MS = 3_000;
/** The advisory lock key of the background jobs' lease ('lease' in ASCII). */
export const BACKGROUND_LEASE_KEY = 0x6c65617365;

export interface LeaseHolder {
  /** Called once the lease is held: starts the jobs and answers how to stop them. */
  start(): { stop(): Promise<void> };
  log(line: string): void;
}

export class AdvisoryLease {
  private client: pg.Client | undefined;
  private running: { stop(): Promise<void> } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly url: string, private readonly key: number, private readonly holder: LeaseHolder) {}

  /** Tries at once, then every LEASE_RETRY_MS until held; runs the holder's jobs while held. */
  static async start(url: string, holder: LeaseHolder, key = BACKGROUND_LEASE_KEY): Promise<AdvisoryLease> {
    const lease = new AdvisoryLease(url, key, holder);
    await lease.attempt();
    return lease;
  }

  get held(): boolean {
    return this.running !== undefined;
  }

  private async attempt(): Promise<void> {
    this.retryTimer = undefined;
    if (this.closed) return;
    const { config, Client } = clientOptionsOf(this.url);
    const client = new Client({ ...config, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'cairn-lease' });
    client.on('error', (error) => void this.lost(client, error));
    try {
      await client.connect();
      const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [this.key]);
      if (rows[0]?.acquired !== true || this.closed) {
        await client.end();
        this.scheduleRetry();
        return;
      }
    } catch {
      await client.end().catch(() => undefined);
      this.scheduleRetry();
      return;
    }
    this.client = client;
    client.on('end', () => void this.lost(client, new Error('connection ended')));
    this.holder.log(`background jobs: this process (${process.pid}) holds the lease and runs them`);
    this.running = this.holder.start();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.attempt(), LEASE_RETRY_MS);
    this.retryTimer.unref();
  }

  /** The lease's connection failed: the lock is gone, so the jobs stop before anyone else may start them. */
  private async lost(client: pg.Client, error: Error): Promise<void> {
    if (client !== this.client) return;
    this.client = undefined;
    const running = this.running;
    this.running = undefined;
    if (running === undefined) return;
    this.holder.log(`background jobs: the lease's connection failed (${error.message}); stopping them until the lease is held again`);
    await running.stop();
    this.scheduleRetry();
  }

  /** Stops the jobs (if running here) and releases the lease. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const running = this.running;
    this.running = undefined;
    await running?.stop();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
