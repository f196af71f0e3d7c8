// The WAL checkpointer's thread: its own connection copies committed WAL frames into the database
// file every CHECKPOINT_INTERVAL_MS with a PASSIVE checkpoint, which takes no write lock, so the
// writer's group commits go on meanwhile and none of them pays for a checkpoint (see checkpointer.ts).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { CHECKPOINT_INTERVAL_MS, type CheckpointerMessage } from './checkpointer.js';

const db = new Database((workerData as { path: string }).path, { fileMustExist: true });
db.pragma('journal_mode = WAL');
// A checkpoint syncs the WAL before copying and the database file after, as the writer would.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const port = parentPort!;

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // A checkpoint that fails now (I/O error, a lock held too long) is retried at the next tick;
    // the writer's backstop (WRITER_AUTOCHECKPOINT_PAGES) bounds the WAL meanwhile.
    port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies CheckpointerMessage);
  }
}, CHECKPOINT_INTERVAL_MS);

port.on('message', (message: CheckpointerMessage) => {
  if (message.kind !== 'close') return;
  clearInterval(timer);
  db.close();
  port.postMessage({ kind: 'closed' } satisfies CheckpointerMessage);
});
port.postMessage({ kind: 'ready' } satisfies CheckpointerMessage);
