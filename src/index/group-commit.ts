// Group commit for the SQLite index: writes submitted while the event loop is busy are applied in
// one transaction, so one WAL fsync (synchronous=FULL) makes all of them durable. Each write runs
// in its own savepoint, so one that throws is rolled back and rejected alone.
import type Database from 'better-sqlite3';

/** Writes applied in one transaction at most; a larger burst is split into several commits. */
const GROUP_COMMIT_WRITES_MAX = 512;

interface PendingWrite {
  apply: () => unknown;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommitQueue {
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * better-sqlite3's transaction wrappers, made once: `db.transaction(fn)` builds four wrapper
   * functions and their properties on every call, which a write per call paid. Called inside the
   * batch's transaction, `runWrite` runs its write in a savepoint.
   */
  private readonly runWrite: Database.Transaction<(apply: () => unknown) => unknown>;
  private readonly runBatch: Database.Transaction<(batch: PendingWrite[], outcomes: Outcome[]) => void>;

  constructor(db: Database.Database) {
    this.runWrite = db.transaction((apply: () => unknown) => apply());
    this.runBatch = db.transaction((batch: PendingWrite[], outcomes: Outcome[]) => {
      for (const write of batch) {
        try {
          // A nested better-sqlite3 transaction is a savepoint: a throw undoes this write only.
          outcomes.push({ ok: true, value: this.runWrite(write.apply) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
  }

  /** Runs `apply` inside a write transaction; resolves with its result once the commit is durable. */
  submit<T>(apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every submitted write has been committed or rejected. */
  drain(): Promise<void> {
    if (!this.flushScheduled && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    const batch = this.pending.splice(0, GROUP_COMMIT_WRITES_MAX);
    if (batch.length === 1) {
      this.flushOne(batch[0]!);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      this.runBatch.immediate(batch, outcomes);
    } catch (commitError) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const write of batch) write.reject(commitError);
      this.afterFlush();
      return;
    }
    batch.forEach((write, position) => {
      const outcome = outcomes[position]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
    this.afterFlush();
  }

  /**
   * A batch of one (every write when the load is light, where latency counts): no savepoint, since
   * a throw that rolls back the whole transaction undoes this write only — two statements fewer.
   */
  private flushOne(write: PendingWrite): void {
    let value: unknown;
    try {
      value = this.runWrite.immediate(write.apply);
    } catch (error) {
      write.reject(error);
      this.afterFlush();
      return;
    }
    write.resolve(value);
    this.afterFlush();
  }

  private afterFlush(): void {
    if (this.pending.length > 0) {
      setImmediate(() => this.flush());
      return;
    }
    this.flushScheduled = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
