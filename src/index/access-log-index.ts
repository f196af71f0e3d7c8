// Server access logging's queue in the index: log lines waiting to be delivered as objects to their
// target buckets. Lines are appended in batches (one group commit covers many requests) and removed
// only after the object holding them is durable, so a crash may deliver a batch twice, never lose one.

/** A line to queue: where it goes (`destination`, the delivery's grouping key) and when its request came. */
export interface NewAccessLogLine {
  /** Opaque to the index: the feature's encoding of target bucket, key prefix and key format. */
  destination: string;
  eventTimeMs: number;
  line: string;
}

export interface QueuedAccessLogLine extends NewAccessLogLine {
  /** Increases with every line ever queued. */
  sequence: number;
}

export interface AccessLogReads {
  /** The oldest queued lines, at most `limit`, in sequence order. */
  readAccessLogQueue(limit: number): Promise<QueuedAccessLogLine[]>;
}

export interface AccessLogWrites {
  /**
   * Queues lines while the queue holds fewer than `queueLinesMax`; returns how many were queued
   * (the rest are refused: the queue is full).
   */
  appendAccessLogLines(lines: NewAccessLogLine[], queueLinesMax: number): Promise<number>;
  /** Removes delivered lines by sequence. */
  removeAccessLogLines(sequences: number[]): Promise<void>;
}

export interface AccessLogIndex extends AccessLogReads, AccessLogWrites {}

export const ACCESS_LOG_READ_METHODS = ['readAccessLogQueue'] as const satisfies ReadonlyArray<keyof AccessLogReads>;
export const ACCESS_LOG_WRITE_METHODS = ['appendAccessLogLines', 'removeAccessLogLines'] as const satisfies ReadonlyArray<keyof AccessLogWrites>;

// Compiles only while every method of the domain is listed (an engine binds exactly these).
const EVERY_ACCESS_LOG_METHOD_LISTED: [Exclude<keyof AccessLogIndex, (typeof ACCESS_LOG_READ_METHODS)[number] | (typeof ACCESS_LOG_WRITE_METHODS)[number]>] extends [never] ? true : false = true;
void EVERY_ACCESS_LOG_METHOD_LISTED;
