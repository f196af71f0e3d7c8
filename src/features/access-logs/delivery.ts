// The delivery side of server access logging: a background job (jobs/runner.ts) that turns queued
// lines into log objects in their target buckets, every interval. A batch's lines leave the queue
// only after the object holding them is durable and visible, so a crash between the two delivers
// that batch again (a duplicate), never loses it. Deliveries are written straight through the
// services, not over HTTP, so they are never logged themselves.
import { createHash } from 'node:crypto';
import type { QueuedAccessLogLine } from '../../index/types.js';
import { startJob, type JobGate, type JobRunner } from '../../services/jobs/runner.js';
import { writeObject, type Layers } from '../../services/objects.js';
import { dayFolder, decodeDestination, logObjectKey, type Destination } from './log-keys.js';

/** Queued lines read per page of a pass. */
const DELIVERY_PAGE_LINES = 2000;
/** A log object holds at most this many bytes of lines; a larger group becomes several objects. */
export const LOG_OBJECT_BYTES_MAX = 8 * 1024 * 1024;
/** AWS delivers within a few hours, usually minutes; Cairn's default look at the queue. */
export const DEFAULT_DELIVERY_INTERVAL_MS = 5 * 60 * 1000;
/** Shorter intervals are for tests; the queue is read once per look. */
export const ACCESS_LOG_INTERVAL_MS_MIN = 100;
const LOG_CONTENT_TYPE = 'text/plain';

interface Batch {
  destination: Destination;
  eventTimeMs: number;
  lines: QueuedAccessLogLine[];
}

/** Groups a page by destination (and by day of the requests, for EventTime keys), in queue order. */
function batchesOf(page: QueuedAccessLogLine[], undeliverable: QueuedAccessLogLine[]): Batch[] {
  const batches = new Map<string, Batch>();
  for (const line of page) {
    const destination = decodeDestination(line.destination);
    if (destination === undefined) {
      undeliverable.push(line);
      continue;
    }
    const group = destination.datedBy === 'event' ? `${line.destination}\n${dayFolder(line.eventTimeMs)}` : line.destination;
    let batch = batches.get(group);
    if (batch === undefined) {
      batch = { destination, eventTimeMs: line.eventTimeMs, lines: [] };
      batches.set(group, batch);
    }
    batch.lines.push(line);
  }
  return [...batches.values()];
}

/** Splits a batch's lines into object bodies of at most LOG_OBJECT_BYTES_MAX. */
function bodiesOf(lines: QueuedAccessLogLine[]): Array<{ body: Buffer; lines: QueuedAccessLogLine[] }> {
  const bodies: Array<{ body: Buffer; lines: QueuedAccessLogLine[] }> = [];
  let current: { texts: string[]; lines: QueuedAccessLogLine[]; bytes: number } = { texts: [], lines: [], bytes: 0 };
  const close = () => {
    if (current.lines.length > 0) bodies.push({ body: Buffer.from(current.texts.join('')), lines: current.lines });
    current = { texts: [], lines: [], bytes: 0 };
  };
  for (const line of lines) {
    const text = `${line.line}\n`;
    const bytes = Buffer.byteLength(text);
    if (current.bytes + bytes > LOG_OBJECT_BYTES_MAX) close();
    current.texts.push(text);
    current.lines.push(line);
    current.bytes += bytes;
  }
  close();
  return bodies;
}

/**
 * Writes one log object; false when its target bucket is gone, or now belongs to someone other than
 * the source bucket's owner (then its lines are not delivered: logs never go to another owner).
 */
async function deliverBody(layers: Layers, batch: Batch, body: Buffer): Promise<boolean> {
  const target = await layers.index.getBucket(batch.destination.targetBucket);
  if (target === undefined || target.ownerId !== batch.destination.ownerId) return false;
  const key = logObjectKey(batch.destination, Date.now(), batch.eventTimeMs);
  const md5Hex = createHash('md5').update(body).digest('hex');
  const outcome = await writeObject(layers, {
    bucket: batch.destination.targetBucket, key, headers: { contentType: LOG_CONTENT_TYPE }, userMetadata: {}, storageClass: 'STANDARD',
    body: (async function* () { yield body; })(), verify: () => ({ md5Hex, sizeBytes: body.byteLength }),
  });
  if (outcome.stored) return true;
  if (outcome.reason === 'no-such-bucket') return false;
  throw new Error(`log object ${batch.destination.targetBucket}/${key} not written: ${String(outcome.reason)}`);
}

/** Delivers every queued line (page by page) until the queue is empty or the runner stops. */
export async function deliverQueuedLines(layers: Layers, signal: AbortSignal, log: (line: string) => void): Promise<number> {
  let delivered = 0;
  while (!signal.aborted) {
    const page = await layers.index.readAccessLogQueue(DELIVERY_PAGE_LINES);
    if (page.length === 0) break;
    const unreadable: QueuedAccessLogLine[] = [];
    let targetGone = 0;
    for (const batch of batchesOf(page, unreadable)) {
      for (const { body, lines } of bodiesOf(batch.lines)) {
        if (await deliverBody(layers, batch, body)) delivered += lines.length;
        else targetGone += lines.length;
        // Only now, with the object durable and visible, do its lines leave the queue.
        await layers.index.removeAccessLogLines(lines.map((line) => line.sequence));
      }
    }
    if (targetGone > 0) log(`access log: ${targetGone} lines dropped: their target bucket no longer exists or has another owner`);
    if (unreadable.length > 0) {
      log(`access log: ${unreadable.length} queued lines dropped: their destination does not parse`);
      await layers.index.removeAccessLogLines(unreadable.map((line) => line.sequence));
    }
    if (page.length < DELIVERY_PAGE_LINES) break;
  }
  return delivered;
}

export function startAccessLogDelivery(layers: Layers, intervalMs: number, log: (line: string) => void, gate?: JobGate): JobRunner<true> {
  return startJob<true>({
    name: 'access_log_delivery',
    pollIntervalMs: intervalMs,
    next: async () => true,
    async pass(_work, context) {
      await deliverQueuedLines(layers, context.signal, log);
    },
    onError: (error) => log(`access log delivery: ${error instanceof Error ? error.message : String(error)}`),
  }, gate);
}
