// The index's write connection, in a thread of its own: group commits and their WAL fsyncs
// (synchronous=FULL) block this thread, never the event loop that serves requests.
import { parentPort, workerData } from 'node:worker_threads';
import { applyWrite, writeFailure, type WriteCall, type WriteReply } from './index-methods.js';
import { SqliteIndex } from './sqlite-index.js';

/** The main thread's close: lets pending commits land and closes the connection. */
const CLOSE_METHOD = 'close';

// Checkpoints are the checkpointer thread's (started beside this one by threaded-index.ts).
const index = SqliteIndex.open((workerData as { path: string }).path, { checkpointInBackground: true });
const port = parentPort!;

port.on('message', (call: WriteCall) => {
  // Every write is submitted at once; SqliteIndex batches those that arrive together into one commit.
  const outcome = call.method === CLOSE_METHOD ? index.close() : applyWrite(index, call.method, call.args);
  outcome.then(
    (result) => port.postMessage({ id: call.id, result } satisfies WriteReply),
    (error: unknown) => port.postMessage({ id: call.id, error: writeFailure(error) } satisfies WriteReply),
  );
});
port.postMessage({ ready: true });
