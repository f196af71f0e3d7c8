// The index's write connection, in a thread of its own: group commits and their WAL fsyncs
// (synchronous=FULL) block this thread, never the event loop that serves requests.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteIndex } from './sqlite-index.js';

export interface WriteCall {
  id: number;
  method: string;
  args: unknown[];
}

export type WriteReply = { id: number; result: unknown } | { id: number; error: { message: string; code?: string } };

const index = SqliteIndex.open((workerData as { path: string }).path);
const port = parentPort!;

port.on('message', (call: WriteCall) => {
  const method = (index as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[call.method];
  // Every write is submitted at once; SqliteIndex batches those that arrive together into one commit.
  method!.apply(index, call.args).then(
    (result) => port.postMessage({ id: call.id, result } satisfies WriteReply),
    (error: unknown) => {
      const failure = error instanceof Error ? { message: error.message, code: (error as { code?: string }).code } : { message: String(error) };
      port.postMessage({ id: call.id, error: failure } satisfies WriteReply);
    },
  );
});
port.postMessage({ ready: true });
