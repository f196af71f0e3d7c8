// Event notifications in the index (src/features/events): the targets events go to, each target's
// durable queue (rows written in the same transaction as the change they describe, removed only
// after the target acknowledged them), and the short-lived listeners of `cairn admin events listen`.
import type { NotificationConfiguration } from './settings/notification.js';
import type { ChangeOrigin, ReplicationStatus } from './records.js';

/** 's3' targets are replication destinations (src/features/replication), never sent events. */
export type EventTargetKind = 'webhook' | 'nats' | 'redis' | 'amqp' | 'mqtt' | 'postgres' | 's3';

export interface EventTargetRecord {
  name: string;
  kind: EventTargetKind;
  /** The kind's settings (url, subject, secret, …), checked by the events feature. */
  settings: Record<string, string>;
  createdAtMs: number;
  /** Events given up on after the retry limit (the dead-letter count). */
  deadLetters: number;
  /** Events the target acknowledged, and failed delivery attempts, since it was added. */
  delivered: number;
  failedAttempts: number;
}

/** One queued event: a change, as the journal saw it, for one target (or listener) and configuration. */
export interface QueuedEvent {
  /** The row's place in its target's queue: increases with every row ever written. */
  id: number;
  /** The change's sequence: the same in every row written for one change (the event's sequencer). */
  changeSequence: number;
  target: string;
  configurationId: string;
  bucket: string;
  key: string;
  /** Without the "s3:" prefix, e.g. ObjectCreated:Put. */
  eventName: string;
  eventTimeMs: number;
  /** Undefined for the 'null' version. */
  versionId?: string;
  sizeBytes?: number;
  etag?: string;
  requester?: string;
  sourceIpAddress?: string;
  requestId?: string;
  /** ObjectRestore:Completed only: when the restored copy expires, and the class it was restored from. */
  restoreExpiryMs?: number;
  restoreStorageClass?: string;
}

export interface EventQueueStats {
  target: string;
  pending: number;
  /** The enqueue time of the oldest pending event; undefined when none is pending. */
  oldestEventTimeMs?: number;
}

export interface EventListenerRecord {
  /** Its queue's target name (unique; never the name of a real target). */
  id: string;
  bucket: string;
  prefix?: string;
  suffix?: string;
  /** Event names as configured ("s3:ObjectCreated:*"); empty: every event. */
  events: string[];
  /** Refreshed while its stream is open; a listener not refreshed by then stops receiving events. */
  expiresAtMs: number;
}

export type CreateEventTargetOutcome = 'created' | 'exists';

export interface EventReads {
  listEventTargets(): Promise<EventTargetRecord[]>;
  getEventTarget(name: string): Promise<EventTargetRecord | undefined>;
  /** The oldest `limit` events queued for a target (or listener), in order. */
  readEventQueue(target: string, limit: number): Promise<QueuedEvent[]>;
  /** Pending count and oldest age of every queue that has events. */
  readEventQueueStats(): Promise<EventQueueStats[]>;
}

/**
 * The most rows one target's (or replication destination's) queue holds. At the bound, a change
 * that would queue one more row for it is refused whole (nothing is written; S3's 503 SlowDown, which
 * clients retry): no event is ever dropped, writers wait while delivery catches up.
 */
export const EVENT_QUEUE_LENGTH_MAX = 1_000_000;

/** A change refused because a queue it feeds is at EVENT_QUEUE_LENGTH_MAX (crosses the writer thread by its code). */
export class EventQueueFullError extends Error {
  readonly code = 'EventQueueFull';
  constructor(readonly target: string) {
    super(`the event queue of ${target} holds ${EVENT_QUEUE_LENGTH_MAX} events: the change is refused until delivery catches up`);
    this.name = 'EventQueueFullError';
  }
}

/** The name of the test event queued for each target when a configuration is saved (S3's s3:TestEvent). */
export const TEST_EVENT_NAME = 's3:TestEvent';

export interface EventWrites {
  /**
   * x-amz-replication-status of one stored version (by its version id, which is its data id; undefined
   * removes it); false when the version is gone. No event: the status is the replicator's own bookkeeping.
   */
  setReplicationStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus | undefined): Promise<boolean>;
  /**
   * Sets (undefined: removes) a bucket's notification configuration and, in the same transaction,
   * queues an s3:TestEvent for each target it names. False when the bucket does not exist.
   */
  writeNotificationConfiguration(bucket: string, configuration: NotificationConfiguration | undefined, origin: ChangeOrigin | undefined): Promise<boolean>;
  createEventTarget(target: EventTargetRecord): Promise<CreateEventTargetOutcome>;
  /** Removes a target and its queue; false when there was none. */
  deleteEventTarget(name: string): Promise<boolean>;
  /** Removes a target's delivered events (ids it was sent and acknowledged). Returns how many were removed. */
  acknowledgeEvents(target: string, ids: number[]): Promise<number>;
  /** Counts one failed delivery attempt (for the metrics). */
  recordEventFailure(target: string): Promise<void>;
  /** Gives up on one event after the retry limit: removed from the queue, counted as a dead letter. */
  deadLetterEvent(target: string, id: number): Promise<boolean>;
  /** Creates or refreshes a listener. */
  putEventListener(listener: EventListenerRecord): Promise<void>;
  /** Removes a listener and what is queued for it. */
  deleteEventListener(id: string): Promise<void>;
  /** Removes listeners that expired before `nowMs` (a process that died mid-stream), with their queues. */
  expireEventListeners(nowMs: number): Promise<number>;
}

export interface EventIndex extends EventReads, EventWrites {}

export const EVENT_READ_METHODS = ['listEventTargets', 'getEventTarget', 'readEventQueue', 'readEventQueueStats'] as const satisfies ReadonlyArray<keyof EventReads>;

export const EVENT_WRITE_METHODS = [
  'writeNotificationConfiguration', 'setReplicationStatus', 'createEventTarget', 'deleteEventTarget', 'acknowledgeEvents', 'recordEventFailure', 'deadLetterEvent', 'putEventListener', 'deleteEventListener', 'expireEventListeners',
] as const satisfies ReadonlyArray<keyof EventWrites>;

// Compiles only while every method of the domain is listed (an engine binds exactly these).
const EVERY_EVENT_METHOD_LISTED: [Exclude<keyof EventIndex, (typeof EVENT_READ_METHODS)[number] | (typeof EVENT_WRITE_METHODS)[number]>] extends [never] ? true : false = true;
void EVERY_EVENT_METHOD_LISTED;
