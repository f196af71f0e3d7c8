// What delivery asks of a target kind: send a batch of messages in order and resolve only once the
// broker (or the webhook) acknowledged every one of them; reject otherwise (the batch is retried).
import type { QueuedEvent } from '../../../index/types.js';

export interface OutgoingEvent {
  event: QueuedEvent;
  /** The message (S3 event JSON). */
  body: string;
  /** A stable id for brokers that deduplicate: the same for a redelivery of the same queued event. */
  messageId: string;
}

export interface EventSender {
  send(batch: OutgoingEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** How long one send may take before it counts as failed. */
export const SEND_TIMEOUT_MS = 10_000;

export function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no acknowledgement within ${SEND_TIMEOUT_MS} ms`)), SEND_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
