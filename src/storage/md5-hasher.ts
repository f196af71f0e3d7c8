// MD5 of large bodies on a worker thread. The ETag's MD5 runs at ~0.74 GB/s on one core and is serial
// per object: the largest CPU item of a 64 MiB PUT's event loop (docs/performance.md, "Large objects
// (session 8)"). The streaming writer (writer.ts) hands each filled unit, a SharedArrayBuffer, to this
// thread (no copy) and fills that buffer again only once the thread is done with it. One thread per
// Storage (so one per server process), started by the first body that needs it, unref'd while no
// body is being hashed, ended by Storage.close(). If the thread dies, every body it was hashing fails
// (the PUT answers 500, never a wrong ETag) and the next body starts a fresh thread.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';

/** Test hook: each hasher thread exits (as a crash would) when asked to hash its (N+1)th piece. */
const FAULT_EXIT_AFTER_PIECES_ENV = 'CAIRN_FAULT_MD5_HASHER_EXIT_AFTER_PIECES';

/** The thread: one MD5 per open stream; replies once per piece (its bytes are read) and with the digest. */
const HASHER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
let pieces = 0;
parentPort.on('message', (message) => {
  const { op, stream } = message;
  if (op === 'update') {
    pieces += 1;
    if (workerData.exitAfterPieces !== undefined && pieces > workerData.exitAfterPieces) process.exit(70);
    let hash = hashes.get(stream);
    if (hash === undefined) hashes.set(stream, (hash = createHash('md5')));
    hash.update(new Uint8Array(message.shared, message.fromBytes, message.toBytes - message.fromBytes));
    parentPort.postMessage({ stream });
  } else if (op === 'digest') {
    const hash = hashes.get(stream) ?? createHash('md5');
    hashes.delete(stream);
    parentPort.postMessage({ stream, digest: hash.digest() });
  } else {
    hashes.delete(stream);
  }
});`;

interface Waiter {
  resolve(digest: Uint8Array | undefined): void;
  reject(error: Error): void;
}

function faultExitAfterPieces(): number | undefined {
  const text = process.env[FAULT_EXIT_AFTER_PIECES_ENV];
  if (text === undefined) return undefined;
  const pieces = Number(text);
  if (!Number.isInteger(pieces) || pieces < 0) throw new Error(`${FAULT_EXIT_AFTER_PIECES_ENV}=${text}: expected a whole number`);
  return pieces;
}

/** One worker thread and the replies each of its streams still waits for (in order: the thread is FIFO). */
class HasherThread {
  /** Set once the thread is gone (crashed or terminated): every later request fails with it. */
  failure: Error | undefined;
  private readonly worker: Worker;
  private readonly waiters = new Map<number, Waiter[]>();
  private openStreams = 0;

  constructor() {
    this.worker = new Worker(HASHER_SOURCE, { eval: true, workerData: { exitAfterPieces: faultExitAfterPieces() } });
    this.worker.unref();
    this.worker.on('message', (reply: { stream: number; digest?: Uint8Array }) => {
      const queue = this.waiters.get(reply.stream);
      queue?.shift()?.resolve(reply.digest);
      if (queue?.length === 0) this.waiters.delete(reply.stream);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the MD5 hasher thread exited (code ${code})`)));
  }

  /** A stream keeps the thread (and so the process) alive until it is digested or dropped. */
  opened(): void {
    if (this.openStreams++ === 0) this.worker.ref();
  }

  closed(): void {
    if (--this.openStreams === 0) this.worker.unref();
  }

  request(stream: number, message: Record<string, unknown>): Promise<Uint8Array | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      let queue = this.waiters.get(stream);
      if (queue === undefined) this.waiters.set(stream, (queue = []));
      queue.push({ resolve, reject });
      this.worker.postMessage({ ...message, stream });
    });
  }

  /** Replies to units already sent still arrive (and settle their promises); the state is dropped after them. */
  forget(stream: number): void {
    if (this.failure === undefined) this.worker.postMessage({ op: 'drop', stream });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('the MD5 hasher was closed'));
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const queue of this.waiters.values()) for (const waiter of queue) waiter.reject(this.failure);
    this.waiters.clear();
  }
}

/** The MD5 of one body, unit by unit, on the hasher thread. */
export class Md5Stream {
  private done = false;

  constructor(
    private readonly thread: HasherThread,
    private readonly stream: number,
  ) {
    thread.opened();
  }

  /**
   * Hashes unit[fromBytes, toBytes) next; settles once the thread has read it (and everything handed
   * over before: the thread is FIFO). The unit must be a whole SharedArrayBuffer's view, those bytes
   * untouched until then.
   */
  update(unit: Buffer, fromBytes: number, toBytes: number): Promise<void> {
    assert(unit.buffer instanceof SharedArrayBuffer && unit.byteOffset === 0, 'a hashed unit is a SharedArrayBuffer');
    assert(!this.done && fromBytes >= 0 && fromBytes < toBytes && toBytes <= unit.byteLength, 'bytes within the unit, before the digest');
    return this.thread.request(this.stream, { op: 'update', shared: unit.buffer, fromBytes, toBytes }).then(() => undefined);
  }

  /** The MD5 of every unit handed over, after all of them; ends the stream. */
  async digest(): Promise<Buffer> {
    assert(!this.done, 'one digest per stream');
    this.done = true;
    try {
      const digest = await this.thread.request(this.stream, { op: 'digest' });
      assert(digest !== undefined && digest.byteLength === 16, 'an MD5 is 16 bytes');
      return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
    } finally {
      this.thread.closed();
    }
  }

  /** Abandons the stream (the body was aborted); idempotent, and a no-op after the digest. */
  drop(): void {
    if (this.done) return;
    this.done = true;
    this.thread.forget(this.stream);
    this.thread.closed();
  }
}

/** A Storage's hasher: the thread is started by the first stream, and again after one died. */
export class Md5Hasher {
  private thread: HasherThread | undefined;
  private nextStream = 1;
  private closed = false;

  open(): Md5Stream {
    assert(!this.closed, 'the MD5 hasher is closed');
    if (this.thread === undefined || this.thread.failure !== undefined) this.thread = new HasherThread();
    return new Md5Stream(this.thread, this.nextStream++);
  }

  /** Ends the thread; bodies still being hashed fail. */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }
}
