// WAL checkpoints off the commit path. By default SQLite checkpoints inside the commit that takes
// the WAL past 1,000 pages: that commit (and every request batched in it) waits while ~4 MiB of
// pages are copied into the database file and both files are fsynced — on this machine 5–30 ms,
// once every few hundred commits: the p99 tail of a PUT (docs/performance.md, "The p99 tail").
// Here the host's one writer raises its autocheckpoint to a backstop only a stalled checkpointer
// reaches, and a thread of its own runs PASSIVE checkpoints (no write lock) on a short interval.
// Durability is unchanged: a commit is durable at its WAL fsync (synchronous=FULL), before and after.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies the WAL's committed frames into the database file. */
export const CHECKPOINT_INTERVAL_MS = 250;
/** The writer's own autocheckpoint, a backstop: ~40 MiB of WAL, reached only if the checkpointer stalls. */
export const WRITER_AUTOCHECKPOINT_PAGES = 10_000;

export type CheckpointerMessage = { kind: 'ready' } | { kind: 'close' } | { kind: 'closed' } | { kind: 'error'; message: string };

export interface Checkpointer {
  close(): Promise<void>;
}

/**
 * Starts the checkpointer thread on the database at `path` (the file must exist: the writer made it).
 * One that cannot start is logged, not fatal: the writer's backstop still bounds the WAL.
 */
export async function startCheckpointer(path: string, log: (line: string) => void = () => undefined): Promise<Checkpointer> {
  try {
    return await startThread(path, log);
  } catch (error) {
    log(`index checkpointer did not start (the writer's backstop bounds the WAL): ${error instanceof Error ? error.message : String(error)}`);
    return { close: async () => undefined };
  }
}

async function startThread(path: string, log: (line: string) => void): Promise<Checkpointer> {
  const thread = new Worker(new URL('./checkpoint-thread.js', import.meta.url), { workerData: { path } });
  let lastError = '';
  thread.on('message', (message: CheckpointerMessage) => {
    // One line per distinct failure, not one per tick.
    if (message.kind === 'error' && message.message !== lastError) log(`index checkpoint failed (the writer's backstop bounds the WAL): ${message.message}`);
    if (message.kind === 'error') lastError = message.message;
  });
  thread.on('error', (error) => log(`index checkpointer stopped (the writer's backstop bounds the WAL): ${error.message}`));
  const [first] = await Promise.race([once(thread, 'message'), once(thread, 'error').then(([error]) => { throw error; })]);
  if ((first as CheckpointerMessage).kind !== 'ready') throw new Error('index checkpointer thread did not start');
  // The thread must not keep the process alive on its own.
  thread.unref();
  return {
    async close() {
      if (thread.threadId < 0) return;
      // Held again while it closes, so the process waits for the connection to close cleanly.
      thread.ref();
      const closed = new Promise<void>((resolve) => {
        thread.on('message', (message: CheckpointerMessage) => { if (message.kind === 'closed') resolve(); });
        thread.once('exit', () => resolve());
      });
      thread.postMessage({ kind: 'close' } satisfies CheckpointerMessage);
      await closed;
      await thread.terminate();
    },
  };
}
