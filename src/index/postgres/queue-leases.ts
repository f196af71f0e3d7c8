// Leases on the PostgreSQL index's delivery queues (event and replication queues, the access log
// queue). Every front end on one database runs the delivery jobs, so each queue is read by one
// process at a time: reading a non-empty queue takes (or renews) its lease; a queue leased to another
// live process reads as empty until that lease lapses, its holder's session ends (it died) or it is
// released (it stopped). A queue's order is kept, and a batch is not delivered twice by two processes at once.
//
// A lease names its holder's presence session: a connection of its own, held open for the process's
// life, under an application_name no other session has. A holder killed with kill -9 closes its socket,
// PostgreSQL ends that session, and its queues are free at once (pg_stat_activity no longer lists the
// name) rather than after QUEUE_LEASE_MS. The lapse stays for a holder whose machine vanished without
// closing its connections (its session lingers until TCP gives up).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { clientOptionsOf, POSTGRES_CONNECT_TIMEOUT_MS, reachable, type Sql } from './connection.js';

/** Migration: one row per leased queue. */
export const QUEUE_LEASES_SCHEMA_SQL = `
CREATE TABLE queue_leases (
  kind text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, holder text NOT NULL, expires_at_ms bigint NOT NULL, PRIMARY KEY (kind, name)
);
`;

/** Migration: the application_name of the holder's presence session (NULL on leases taken before: free once lapsed). */
export const QUEUE_LEASES_SESSION_SQL = 'ALTER TABLE queue_leases ADD COLUMN holder_session text;';

/**
 * How long a queue stays with the process that last read it. Longer than the event delivery job's
 * longest backoff (30 s), so a failing target keeps its order; a process that stops releases its
 * leases at once, one killed frees them as its presence session ends, one whose machine vanished
 * frees them after this long.
 */
export const QUEUE_LEASE_MS = 60_000;

export type QueueKind = 'events' | 'access-log';

const LEASE_SQL = {
  take: `INSERT INTO queue_leases (kind, name, holder, expires_at_ms, holder_session) VALUES ($1, $2, $3, $4, $6)
    ON CONFLICT (kind, name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms, holder_session = excluded.holder_session
      WHERE queue_leases.holder = excluded.holder OR queue_leases.expires_at_ms <= $5
        OR NOT EXISTS (SELECT 1 FROM pg_stat_activity AS activity WHERE activity.application_name = queue_leases.holder_session)
    RETURNING holder`,
  remove: 'DELETE FROM queue_leases WHERE kind = $1 AND name = $2',
  release: 'DELETE FROM queue_leases WHERE holder = $1',
} as const;

export class QueueLeases {
  private readonly sessionId = randomUUID();
  /** This process's name on the queues it leases: pid@host (for operators), made unique by a random suffix. */
  private readonly holder = `${process.pid}@${hostname()}/${this.sessionId}`;
  /** The presence session's application_name (at most 63 bytes, PostgreSQL's limit: 13 + 36). */
  private readonly sessionName = `cairn-queues/${this.sessionId}`;
  private presence: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(private readonly pool: Sql, private readonly url: string) {}

  /** Takes or renews the lease of one queue (one statement, outside any write); false when another process holds it. */
  async take(kind: QueueKind, name: string): Promise<boolean> {
    if (this.closed) return false;
    await reachable(() => this.present());
    const nowMs = Date.now();
    const values = [kind, name, this.holder, nowMs + QUEUE_LEASE_MS, nowMs, this.sessionName];
    return (await this.pool.query(LEASE_SQL.take, values)).rows.length === 1;
  }

  /** Inside a write that removes a queue: its lease goes too. */
  async remove(sql: Sql, kind: QueueKind, name: string): Promise<void> {
    await sql.query(LEASE_SQL.remove, [kind, name]);
  }

  /** Hands this process's queues to the next reader at once (on close), and ends the presence session. */
  async release(): Promise<void> {
    this.closed = true;
    try {
      await this.pool.query(LEASE_SQL.release, [this.holder]);
    } finally {
      const presence = this.presence;
      this.presence = undefined;
      await presence?.then((client) => client.end(), () => undefined).catch(() => undefined);
    }
  }

  /**
   * Opens the presence session if it is not open (again, after it broke: while it was away another
   * process may have taken this one's queues, and the holder check of `take` then answers false).
   * A failure to open it is the database being away: IndexUnavailableError, as the pool's queries throw.
   */
  private async present(): Promise<void> {
    this.presence ??= this.openPresence();
    await this.presence;
  }

  /** Not async: `forget` compares the very promise kept in this.presence. */
  private openPresence(): Promise<pg.Client> {
    const { config, Client } = clientOptionsOf(this.url);
    const client = new Client({ ...config, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS, keepAlive: true, application_name: this.sessionName });
    const forget = (): void => {
      if (this.presence === opened) this.presence = undefined;
    };
    client.on('error', forget);
    client.on('end', forget);
    const opened = client.connect().then(() => client, async (error: unknown) => {
      forget();
      await client.end().catch(() => undefined);
      throw error;
    });
    return opened;
  }
}
