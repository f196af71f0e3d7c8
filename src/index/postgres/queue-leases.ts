// Leases on the PostgreSQL index's delivery queues (event and replication queues, the access log
// queue). Every front end on one database runs the delivery jobs, so each queue is read by one
// process at a time: reading a non-empty queue takes (or renews) its lease; a queue leased to another
// live process reads as empty until that lease lapses (its holder died) or is released (it stopped).
// A queue's order is kept, and a batch is not delivered twice by two processes at once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Sql } from './connection.js';

/** Migration: one row per leased queue. */
export const QUEUE_LEASES_SCHEMA_SQL = `
CREATE TABLE queue_leases (
  kind text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, holder text NOT NULL, expires_at_ms bigint NOT NULL, PRIMARY KEY (kind, name)
);
`;

/**
 * How long a queue stays with the process that last read it. Longer than the event delivery job's
 * longest backoff (30 s), so a failing target keeps its order; a process that stops releases its
 * leases at once, one that dies frees them after this long.
 */
export const QUEUE_LEASE_MS = 60_000;

export type QueueKind = 'events' | 'access-log';

const LEASE_SQL = {
  take: `INSERT INTO queue_leases (kind, name, holder, expires_at_ms) VALUES ($1, $2, $3, $4)
    ON CONFLICT (kind, name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
      WHERE queue_leases.holder = excluded.holder OR queue_leases.expires_at_ms <= $5
    RETURNING holder`,
  remove: 'DELETE FROM queue_leases WHERE kind = $1 AND name = $2',
  release: 'DELETE FROM queue_leases WHERE holder = $1',
} as const;

export class QueueLeases {
  /** This process's name on the queues it leases: pid@host (for operators), made unique by a random suffix. */
  private readonly holder = `${process.pid}@${hostname()}/${randomUUID()}`;

  constructor(private readonly pool: Sql) {}

  /** Takes or renews the lease of one queue (one statement, outside any write); false when another process holds it. */
  async take(kind: QueueKind, name: string): Promise<boolean> {
    const nowMs = Date.now();
    return (await this.pool.query(LEASE_SQL.take, [kind, name, this.holder, nowMs + QUEUE_LEASE_MS, nowMs])).rows.length === 1;
  }

  /** Inside a write that removes a queue: its lease goes too. */
  async remove(sql: Sql, kind: QueueKind, name: string): Promise<void> {
    await sql.query(LEASE_SQL.remove, [kind, name]);
  }

  /** Hands this process's queues to the next reader at once (on close). */
  async release(): Promise<void> {
    await this.pool.query(LEASE_SQL.release, [this.holder]);
  }
}
