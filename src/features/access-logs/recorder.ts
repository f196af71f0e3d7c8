// The request side of server access logging: for each S3 request to a bucket with a 'logging'
// setting, its log line, queued durably in the index in batches. A line is written after the
// response closed (logging never delays an answer), and batched for up to FLUSH_DELAY_MS so that
// many requests share one index commit; a kill -9 loses at most the lines of that last moment.
import type { S3RequestObserver, S3RequestRecord } from '../../frontend/s3/request-record.js';
import { decodeBucketSetting } from '../../index/bucket-settings.js';
import type { BucketLoggingSetting, BucketRecord, Index, NewAccessLogLine } from '../../index/types.js';
import { destinationOf, encodeDestination } from './log-keys.js';
import { formatLogLine } from './log-line.js';

/** How long a line waits in memory for others to share its commit. */
export const FLUSH_DELAY_MS = 50;
/** A batch this large is written at once. */
const FLUSH_LINES_MAX = 1000;
/** Lines held in memory while the index is slow; more are dropped (and counted). */
export const PENDING_LINES_MAX = 20_000;
/** Lines waiting in the index for delivery; more are dropped (and counted). */
export const QUEUE_LINES_MAX = 500_000;

export interface RecorderSettings {
  accountId: string;
  region: string;
  log: (line: string) => void;
}

export class AccessLogRecorder implements S3RequestObserver {
  private pending: NewAccessLogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private capturing = new Set<Promise<void>>();
  /** Lines dropped because memory or the queue was full, since start. */
  droppedLines = 0;

  constructor(private readonly index: Index, private readonly settings: RecorderSettings) {}

  requestDone(record: S3RequestRecord): void {
    if (record.bucket === undefined) return;
    const capture = this.capture(record, record.bucket).catch((error: unknown) => {
      this.settings.log(`access log: request ${record.requestId}: line not recorded: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.capturing.add(capture);
    void capture.finally(() => this.capturing.delete(capture));
  }

  private async capture(record: S3RequestRecord, bucket: string): Promise<void> {
    const logged = await this.loggedBucket(record, bucket);
    if (logged === undefined) return;
    const { setting, source } = logged;
    const line = formatLogLine(record, { bucketOwnerId: source.ownerId, accountId: this.settings.accountId });
    const destination = destinationOf(setting, { accountId: this.settings.accountId, region: this.settings.region, bucket, ownerId: source.ownerId });
    if (this.pending.length >= PENDING_LINES_MAX) {
      this.droppedLines += 1;
      return;
    }
    this.pending.push({ destination: encodeDestination(destination), eventTimeMs: record.startedAtMs, line });
    if (this.pending.length >= FLUSH_LINES_MAX) this.flushSoon(0);
    else this.flushSoon(FLUSH_DELAY_MS);
  }

  /**
   * The bucket's logging setting and record, when it has one: from the request's own bucket read
   * when the request shares it (no statement here), else read now.
   */
  private async loggedBucket(record: S3RequestRecord, bucket: string): Promise<{ setting: BucketLoggingSetting; source: BucketRecord } | undefined> {
    if (record.bucketRead !== undefined) {
      const found = await record.bucketRead().catch(() => undefined);
      if (found !== undefined) {
        const json = found.settingsJson.logging;
        return json === undefined ? undefined : { setting: decodeBucketSetting(bucket, 'logging', json), source: found.bucket };
      }
      // The bucket is gone, or the request's read failed: read again, as below.
    }
    const setting = await this.index.readBucketSetting(bucket, 'logging');
    if (setting === undefined) return undefined;
    const source = await this.index.getBucket(bucket);
    return source === undefined ? undefined : { setting, source };
  }

  private flushSoon(delayMs: number): void {
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }, delayMs);
  }

  /** Writes what is pending as one batch (one group commit). */
  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, FLUSH_LINES_MAX);
    if (batch.length === 0) return;
    try {
      const queued = await this.index.appendAccessLogLines(batch, QUEUE_LINES_MAX);
      if (queued < batch.length) {
        this.droppedLines += batch.length - queued;
        this.settings.log(`access log: the delivery queue is full (${QUEUE_LINES_MAX} lines): ${batch.length - queued} lines dropped`);
      }
    } catch (error) {
      this.droppedLines += batch.length;
      this.settings.log(`access log: ${batch.length} lines not queued: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.pending.length > 0) this.flushSoon(0);
  }

  /** Writes every line of requests already answered (call after the front end has shut down). */
  async stop(): Promise<void> {
    await Promise.all([...this.capturing]);
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      this.writing = this.writing.then(() => this.flush());
      await this.writing;
    }
    await this.writing;
  }
}
