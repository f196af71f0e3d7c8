// Group commit for the PostgreSQL index: the writes a process submits while its previous commit is
// in flight are applied together in one transaction, each in its own savepoint (one that throws is
// rolled back and rejected alone). Every write transaction first takes one transaction-scoped
// advisory lock, so writes from every front end on the database apply one transaction at a time, as
// SQLite's single writer does: a conditional write or an Object Lock check reads and writes in the
// same transaction, and nothing can slip between. (A finer lock per bucket is future work.)
import type pg from 'pg';
import { IndexUnavailableError } from '../unavailable.js';
import { isConnectionFailure, reachable, type Sql } from './connection.js';

/** Writes applied in one transaction at most; a larger burst is split into several commits. */
const GROUP_COMMIT_WRITES_MAX = 256;
/** The advisory lock key every write transaction holds ('write' in ASCII). */
export const WRITE_LOCK_KEY = 0x7772697465;

interface PendingWrite {
  apply: (sql: Sql) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class PostgresWriteQueue {
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  /** Runs `apply` inside a write transaction; resolves with its result once the commit is durable. */
  submit<T>(apply: (sql: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The value resolved is the one `apply` answered: a T.
      this.pending.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      this.flushing ??= this.flushAll();
    });
  }

  /** Resolves once every submitted write has been committed or rejected. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flushAll(): Promise<void> {
    // Lets the writes submitted in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, GROUP_COMMIT_WRITES_MAX);
      await this.commit(batch);
    }
    this.flushing = undefined;
  }

  private async commit(batch: PendingWrite[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await reachable(() => this.pool.connect());
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    let broken: unknown;
    try {
      const outcomes = await this.applyBatch(client, batch);
      await client.query('COMMIT');
      batch.forEach((write, position) => {
        const outcome = outcomes[position]!;
        if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.error);
      });
    } catch (error) {
      // The transaction as a whole failed (the connection broke, the commit failed): nothing in the batch is durable.
      broken = error;
      await client.query('ROLLBACK').catch(() => undefined);
      const failure = isConnectionFailure(error) ? new IndexUnavailableError(`the PostgreSQL index is unreachable: ${(error as Error).message}`, { cause: error }) : error;
      for (const write of batch) write.reject(failure);
    } finally {
      // A client whose connection failed is destroyed, not returned to the pool.
      client.release(broken !== undefined && isConnectionFailure(broken) ? (broken as Error) : undefined);
    }
  }

  private async applyBatch(client: pg.PoolClient, batch: PendingWrite[]): Promise<Outcome[]> {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK_KEY]);
    const outcomes: Outcome[] = [];
    for (const write of batch) {
      await client.query('SAVEPOINT write');
      try {
        outcomes.push({ ok: true, value: await write.apply(client) });
        await client.query('RELEASE SAVEPOINT write');
      } catch (error) {
        if (isConnectionFailure(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT write');
        await client.query('RELEASE SAVEPOINT write');
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }
}
