// The SQLite index as the server uses it: reads on this thread through their own WAL connection,
// writes sent to the one writer of this host, so commit fsyncs never stall the event loop and
// writes from every process batch into one commit (no fight over SQLite's write lock):
// - one process serving alone: a writer thread (writer-thread.ts);
// - cluster workers: the cluster primary, which serves nothing else (serveIndexWrites).
// In WAL mode SQLite publishes a commit to readers only after its synchronous=FULL sync, so a read
// here never sees a write that is not yet durable.
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SqliteIndex } from './sqlite-index.js';
import { startCheckpointer } from './sqlite/checkpointer.js';
import { applyWrite, forwardReads, forwardWrites, writeFailure, type IndexWriteMethod, type WriteCall, type WriteReply } from './index-methods.js';
import type { Index, IndexReads, IndexWrites } from './types.js';
import { batchPerTurn } from './batch-per-turn.js';

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Where writes go: a writer thread, or the cluster primary over IPC. */
interface WriteTransport {
  send(call: WriteCall): void;
  onReply(handler: (reply: WriteReply) => void): void;
  onFailure(handler: (error: Error) => void): void;
  close(): Promise<void>;
}

const CLOSE_POLL_MS = 5;
/** Call ids count up from 1; this one is the writer thread's close. */
const CLOSE_CALL_ID = 0;

/** Messages between cluster workers and the primary carry this tag beside other traffic. */
const CLUSTER_INDEX_CHANNEL = 'cairn:index';

async function threadTransport(path: string): Promise<WriteTransport> {
  const writer = new Worker(new URL('./writer-thread.js', import.meta.url), { workerData: { path } });
  const [first] = await Promise.race([once(writer, 'message'), once(writer, 'error').then(([error]) => { throw error; })]);
  if ((first as { ready?: boolean }).ready !== true) throw new Error('index writer thread did not start');
  // Not awaited: serving need not wait for it (until it runs, the writer's backstop bounds the WAL).
  const checkpointer = startCheckpointer(path);
  return {
    send: (call) => writer.postMessage(call),
    onReply: (handler) => writer.on('message', handler),
    onFailure: (handler) => {
      writer.on('error', handler);
      writer.on('exit', (code) => handler(new Error(`index writer thread exited (${code})`)));
    },
    // The thread closes its connection (pending commits land first), then it is stopped.
    close: async () => {
      const closed = new Promise<void>((resolve) => writer.on('message', (reply: WriteReply) => { if (reply.id === CLOSE_CALL_ID) resolve(); }));
      writer.postMessage({ id: CLOSE_CALL_ID, method: 'close', args: [] } satisfies WriteCall);
      await closed;
      await writer.terminate();
      await (await checkpointer).close();
    },
  };
}

/** What crosses the cluster's IPC channel: a turn's calls (worker → primary) or replies (back). */
interface ClusterIndexMessage {
  channel?: string;
  calls?: WriteCall[];
  replies?: WriteReply[];
}

function clusterTransport(): WriteTransport {
  return {
    send: batchPerTurn((calls: WriteCall[]) => process.send!({ channel: CLUSTER_INDEX_CHANNEL, calls } satisfies ClusterIndexMessage)),
    onReply: (handler) => process.on('message', (message: ClusterIndexMessage) => {
      if (message?.channel === CLUSTER_INDEX_CHANNEL && message.replies !== undefined) for (const reply of message.replies) handler(reply);
    }),
    onFailure: (handler) => process.on('disconnect', () => handler(new Error('the cluster primary (the index writer) is gone'))),
    close: async () => undefined,
  };
}

/**
 * In the cluster primary: the host's one index write connection. Every worker's writes arrive here;
 * those that arrive together share one group commit. Needs cluster serialization 'advanced' (the
 * records carry Uint8Arrays).
 */
export function serveIndexWrites(path: string): { close(): Promise<void> } {
  const index = SqliteIndex.open(path, { checkpointInBackground: true });
  const checkpointer = startCheckpointer(path, (line) => process.stderr.write(`${line}\n`));
  const listen = (worker: ClusterWorker) => {
    // A group commit settles its writes together: their replies go back as one message.
    const reply = batchPerTurn((replies: WriteReply[]) => {
      if (worker.isConnected()) worker.send({ channel: CLUSTER_INDEX_CHANNEL, replies } satisfies ClusterIndexMessage);
    });
    worker.on('message', (message: ClusterIndexMessage) => {
      if (message?.channel !== CLUSTER_INDEX_CHANNEL || message.calls === undefined) return;
      for (const { id, method, args } of message.calls) {
        applyWrite(index, method, args).then(
          (result) => reply({ id, result }),
          (error: unknown) => reply({ id, error: writeFailure(error) }),
        );
      }
    });
  };
  for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) listen(worker);
  cluster.on('fork', listen);
  return {
    async close() {
      cluster.off('fork', listen);
      await index.close();
      await (await checkpointer).close();
    },
  };
}

/**
 * Reads and writes are not written out here one by one: the constructor assigns them from the typed
 * lists of index-methods.ts (reads answered by this thread's connection, writes sent to the writer),
 * and this declaration tells the compiler they exist.
 */
export interface ThreadedSqliteIndex extends IndexReads, IndexWrites {}

export class ThreadedSqliteIndex implements Index {
  private nextCallId = 1;
  private readonly pending = new Map<number, PendingCall>();
  /** Set when the writer is gone: every later write fails at once instead of waiting forever. */
  private writerFailure: Error | undefined;

  private constructor(private readonly reader: SqliteIndex, private readonly writer: WriteTransport) {
    Object.assign(this, forwardReads(reader), forwardWrites((method, args) => this.write(method, args)));
    writer.onReply((reply: WriteReply) => {
      const call = this.pending.get(reply.id);
      if (call === undefined) return;
      this.pending.delete(reply.id);
      if ('error' in reply) call.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else call.resolve(reply.result);
    });
    writer.onFailure((error) => this.failAll(error));
  }

  /** Reads here; writes to a writer thread of this process, or (`viaClusterPrimary`) to the primary. */
  static async open(path: string, options: { viaClusterPrimary?: boolean } = {}): Promise<ThreadedSqliteIndex> {
    const reader = SqliteIndex.open(path);
    const writer = options.viaClusterPrimary === true ? clusterTransport() : await threadTransport(path);
    return new ThreadedSqliteIndex(reader, writer);
  }

  private failAll(error: Error): void {
    this.writerFailure ??= error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  private write(method: IndexWriteMethod, args: unknown[]): Promise<unknown> {
    if (this.writerFailure !== undefined) return Promise.reject(this.writerFailure);
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.writer.send({ id, method, args });
    });
  }

  /**
   * Waits for this process's writes in flight, closes its own writer thread (its pending commits land
   * first), then the reader. The cluster primary's writer outlives its workers.
   */
  async close(): Promise<void> {
    while (this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
    if (this.writerFailure === undefined) await this.writer.close();
    await this.reader.close();
  }
}
