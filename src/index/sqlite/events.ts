// Event notifications inside the SQLite index: the targets, each target's queue and the listeners.
// A change appends its queue rows in the change's own transaction (the same moment its S3 Metadata
// journal row is written), so no change is lost or queued twice; the delivery job removes a row only
// after its target acknowledged it. AUTOINCREMENT: ids, and so sequencers, are never reused.
import type Database from 'better-sqlite3';
import { decodeBucketSetting, encodeBucketSetting } from '../bucket-settings.js';
import { ruleMatches, type NotificationConfiguration } from '../settings/notification.js';
import { destinationsOf, replicatedChange, replicationQueueName } from '../settings/replication.js';
import type { GroupCommitQueue } from '../group-commit.js';
import type { ChangeObservers } from '../change-observers.js';
import type {
  ChangeOrigin, CreateEventTargetOutcome, ReplicationStatus, EventListenerRecord, EventQueueStats, EventTargetKind, EventTargetRecord, QueuedEvent,
} from '../types.js';
import { EVENT_QUEUE_LENGTH_MAX, EventQueueFullError, TEST_EVENT_NAME } from '../event-index.js';

/** Schema version 3: the event notification tables. */
export const EVENTS_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS event_targets (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  dead_letters INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  failed_attempts INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  change_sequence INTEGER NOT NULL,
  configuration_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  event_name TEXT NOT NULL,
  event_time_ms INTEGER NOT NULL,
  version_id TEXT,
  size_bytes INTEGER,
  etag TEXT,
  requester TEXT,
  source_ip_address TEXT,
  request_id TEXT
);
CREATE INDEX IF NOT EXISTS event_queue_by_target ON event_queue (target, id);
CREATE TABLE IF NOT EXISTS event_listeners (
  id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  filter_json TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_listeners_by_bucket ON event_listeners (bucket);
`;

/** A change as its events describe it (what the journal row of the same change holds). */
export interface EventChange {
  bucket: string;
  key: string;
  /** Without "s3:", e.g. ObjectCreated:Put. */
  eventName: string;
  /** Undefined for the 'null' version. */
  versionId?: string;
  sizeBytes?: number;
  etag?: string;
  /** ObjectRestore:Completed: when the restored copy expires and the class it was restored from. */
  restoreExpiryMs?: number;
  restoreStorageClass?: string;
  /** A replica's own change (status REPLICA): never replicated again, so two-way replication ends. */
  isReplica?: boolean;
}

export type RestoreEventData = Pick<EventChange, 'restoreExpiryMs' | 'restoreStorageClass'>;

export interface QueueRow {
  id: number; target: string; change_sequence: number; configuration_id: string; bucket: string; key: string; event_name: string;
  event_time_ms: number; version_id: string | null; size_bytes: number | null; etag: string | null; requester: string | null;
  source_ip_address: string | null; request_id: string | null; restore_expiry_ms: number | null; restore_storage_class: string | null;
}

export interface TargetRow { name: string; kind: string; settings_json: string; created_at_ms: number; dead_letters: number; delivered: number; failed_attempts: number }

/** CAIRN_EVENT_QUEUE_LENGTH_MAX: a smaller queue bound (tests reach it with a few events). */
export function queueLengthMaxOf(environment: NodeJS.ProcessEnv): number {
  const value = Number(environment['CAIRN_EVENT_QUEUE_LENGTH_MAX']);
  return Number.isInteger(value) && value > 0 ? Math.min(value, EVENT_QUEUE_LENGTH_MAX) : EVENT_QUEUE_LENGTH_MAX;
}

/** Sets (or, given NULL, removes) a version's replication status in its stored headers. */
const SET_STATUS = "CASE WHEN @status IS NULL THEN json_remove(headers_json, '$.replicationStatus') ELSE json_set(headers_json, '$.replicationStatus', @status) END";

function prepareEventStatements(db: Database.Database) {
  return {
    bucketExists: db.prepare('SELECT 1 FROM buckets WHERE name = ?').pluck(),
    upsertSetting: db.prepare(`INSERT INTO bucket_settings (bucket, name, value_json) VALUES (?, 'notification', ?)
      ON CONFLICT (bucket, name) DO UPDATE SET value_json = excluded.value_json`),
    deleteSetting: db.prepare("DELETE FROM bucket_settings WHERE bucket = ? AND name = 'notification'"),
    setting: db.prepare("SELECT value_json FROM bucket_settings WHERE bucket = ? AND name = 'notification'").pluck(),
    replication: db.prepare("SELECT value_json FROM bucket_settings WHERE bucket = ? AND name = 'replication'").pluck(),
    // The new version is the current one, in the same transaction: marked PENDING until replicated.
    markPending: db.prepare(`UPDATE objects SET headers_json = json_set(headers_json, '$.replicationStatus', 'PENDING')
      WHERE bucket = ? AND key = ? AND data_id = ?`),
    statusCurrent: db.prepare(`UPDATE objects SET headers_json = ${SET_STATUS} WHERE bucket = @bucket AND key = @key AND data_id = @versionId`),
    statusVersion: db.prepare(`UPDATE object_versions SET headers_json = ${SET_STATUS} WHERE bucket = @bucket AND key = @key AND data_id = @versionId AND is_delete_marker = 0`),
    listeners: db.prepare('SELECT id, filter_json FROM event_listeners WHERE bucket = ? AND expires_at_ms > ?'),
    highWater: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'event_queue'").pluck(),
    insert: db.prepare(`INSERT INTO event_queue (target, change_sequence, configuration_id, bucket, key, event_name, event_time_ms,
        version_id, size_bytes, etag, requester, source_ip_address, request_id, restore_expiry_ms, restore_storage_class)
      VALUES (@target, @change_sequence, @configuration_id, @bucket, @key, @event_name, @event_time_ms, @version_id, @size_bytes,
        @etag, @requester, @source_ip_address, @request_id, @restore_expiry_ms, @restore_storage_class)`),
    queue: db.prepare('SELECT * FROM event_queue WHERE target = ? ORDER BY id LIMIT ?'),
    // Rows leave a queue from its head only, so its id span bounds its length: two index seeks, not a count.
    queueSpan: db.prepare('SELECT MAX(id) - MIN(id) + 1 FROM event_queue WHERE target = ?').pluck(),
    stats: db.prepare('SELECT target, COUNT(*) AS pending, MIN(event_time_ms) AS oldest FROM event_queue GROUP BY target'),
    remove: db.prepare('DELETE FROM event_queue WHERE target = ? AND id = ?'),
    removeQueue: db.prepare('DELETE FROM event_queue WHERE target = ?'),
    targets: db.prepare('SELECT * FROM event_targets ORDER BY name'),
    target: db.prepare('SELECT * FROM event_targets WHERE name = ?'),
    insertTarget: db.prepare(`INSERT INTO event_targets (name, kind, settings_json, created_at_ms, dead_letters) VALUES (?, ?, ?, ?, 0)
      ON CONFLICT (name) DO NOTHING`),
    deleteTarget: db.prepare('DELETE FROM event_targets WHERE name = ?'),
    countDelivered: db.prepare('UPDATE event_targets SET delivered = delivered + ? WHERE name = ?'),
    countFailure: db.prepare('UPDATE event_targets SET failed_attempts = failed_attempts + 1 WHERE name = ?'),
    countDeadLetter: db.prepare('UPDATE event_targets SET dead_letters = dead_letters + 1 WHERE name = ?'),
    putListener: db.prepare(`INSERT INTO event_listeners (id, bucket, filter_json, expires_at_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET expires_at_ms = excluded.expires_at_ms`),
    deleteListener: db.prepare('DELETE FROM event_listeners WHERE id = ?'),
    expiredListeners: db.prepare('SELECT id FROM event_listeners WHERE expires_at_ms < ?').pluck(),
  };
}

export function queuedEventFromRow(row: QueueRow): QueuedEvent {
  const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  return {
    id: row.id, changeSequence: row.change_sequence, target: row.target, configurationId: row.configuration_id, bucket: row.bucket, key: row.key,
    eventName: row.event_name, eventTimeMs: row.event_time_ms, versionId: optional(row.version_id), sizeBytes: optional(row.size_bytes),
    etag: optional(row.etag), requester: optional(row.requester), sourceIpAddress: optional(row.source_ip_address), requestId: optional(row.request_id),
    restoreExpiryMs: optional(row.restore_expiry_ms), restoreStorageClass: optional(row.restore_storage_class),
  };
}

export function targetFromRow(row: TargetRow): EventTargetRecord {
  return {
    name: row.name, kind: row.kind as EventTargetKind, settings: JSON.parse(row.settings_json) as Record<string, string>,
    createdAtMs: row.created_at_ms, deadLetters: row.dead_letters, delivered: row.delivered, failedAttempts: row.failed_attempts,
  };
}

type ListenerFilter = Pick<EventListenerRecord, 'prefix' | 'suffix' | 'events'>;

export class EventTables {
  private readonly statements: ReturnType<typeof prepareEventStatements>;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue, private readonly queueLengthMax = queueLengthMaxOf(process.env)) {
    this.statements = prepareEventStatements(db);
  }

  /**
   * What queues events for a change to `bucket`, statement by statement (a PUT reads it with its
   * bucket instead: change-observers.ts). `metadata` is not read: the journal asks for itself.
   */
  observersOf(bucket: string, nowMs: number): ChangeObservers {
    return {
      metadata: false,
      notificationJson: this.statements.setting.get(bucket) as string | undefined,
      replicationJson: this.statements.replication.get(bucket) as string | undefined,
      listeners: (this.statements.listeners.all(bucket, nowMs) as Array<{ id: string; filter_json: string }>)
        .map((row) => ({ id: row.id, filterJson: row.filter_json })),
    };
  }

  /** Who wants this change: (target, configuration id) pairs, from the bucket's setting and its live listeners. */
  private recipients(change: EventChange, observers: ChangeObservers): Array<{ target: string; configurationId: string }> {
    const recipients: Array<{ target: string; configurationId: string }> = [];
    if (observers.notificationJson !== undefined) {
      for (const rule of decodeBucketSetting(change.bucket, 'notification', observers.notificationJson).rules) {
        if (ruleMatches(rule, change.eventName, change.key)) recipients.push({ target: rule.target, configurationId: rule.id });
      }
    }
    recipients.push(...this.replicationRecipients(change, observers.replicationJson));
    for (const listener of observers.listeners) {
      if (ruleMatches(JSON.parse(listener.filterJson) as ListenerFilter, change.eventName, change.key)) {
        recipients.push({ target: listener.id, configurationId: 'listen' });
      }
    }
    return recipients;
  }

  /** One queue per destination the bucket's replication rules send this change to (src/features/replication). */
  private replicationRecipients(change: EventChange, json: string | undefined): Array<{ target: string; configurationId: string }> {
    if (json === undefined || change.isReplica === true || !replicatedChange(change.eventName)) return [];
    const destinations = destinationsOf(decodeBucketSetting(change.bucket, 'replication', json), change.key);
    if (destinations.length > 0 && change.eventName.startsWith('ObjectCreated:') && change.versionId !== undefined) {
      this.statements.markPending.run(change.bucket, change.key, change.versionId);
    }
    return destinations.map((destination) => ({ target: replicationQueueName(change.bucket, destination), configurationId: 'replication' }));
  }

  /** Call inside the change's write transaction: queues one row per recipient, all with one sequencer. */
  changed(change: EventChange, origin: ChangeOrigin | undefined, observers = this.observersOf(change.bucket, Date.now())): void {
    this.queue(change, this.recipients(change, observers), origin);
  }

  private queue(change: EventChange, recipients: Array<{ target: string; configurationId: string }>, origin: ChangeOrigin | undefined): void {
    const nowMs = Date.now();
    if (recipients.length === 0) return;
    // AUTOINCREMENT gives the first row exactly the recorded high-water mark + 1: the change's sequence.
    const changeSequence = ((this.statements.highWater.get() as number | undefined) ?? 0) + 1;
    for (const recipient of recipients) {
      if (((this.statements.queueSpan.get(recipient.target) as number | null) ?? 0) >= this.queueLengthMax) throw new EventQueueFullError(recipient.target);
      this.statements.insert.run({
        target: recipient.target, change_sequence: changeSequence, configuration_id: recipient.configurationId, bucket: change.bucket,
        key: change.key, event_name: change.eventName, event_time_ms: nowMs, version_id: change.versionId ?? null,
        size_bytes: change.sizeBytes ?? null, etag: change.etag ?? null, requester: origin?.requester ?? null,
        source_ip_address: origin?.sourceIpAddress ?? null, request_id: origin?.requestId ?? null,
        restore_expiry_ms: change.restoreExpiryMs ?? null, restore_storage_class: change.restoreStorageClass ?? null,
      });
    }
  }

  /** Whether a change to this bucket may queue events (decides whether to read what the event needs). */
  watching(bucket: string): boolean {
    return this.statements.setting.get(bucket) !== undefined || this.statements.replication.get(bucket) !== undefined
      || this.statements.listeners.all(bucket, Date.now()).length > 0;
  }

  writeNotificationConfiguration(bucket: string, configuration: NotificationConfiguration | undefined, origin: ChangeOrigin | undefined): Promise<boolean> {
    // Checked here, before the write is queued: a value of the wrong shape is refused, never stored.
    const json = configuration === undefined ? undefined : encodeBucketSetting('notification', configuration);
    return this.writes.submit(() => {
      if (this.statements.bucketExists.get(bucket) === undefined) return false;
      if (json === undefined) this.statements.deleteSetting.run(bucket);
      else this.statements.upsertSetting.run(bucket, json);
      const targets = [...new Set((configuration?.rules ?? []).map((rule) => rule.target))];
      // S3 sends one test event per destination when a configuration is saved.
      const recipients = targets.map((target) => ({ target, configurationId: '' }));
      this.queue({ bucket, key: '', eventName: TEST_EVENT_NAME }, recipients, origin);
      return true;
    });
  }

  setReplicationStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus | undefined): Promise<boolean> {
    const parameters = { status: status ?? null, bucket, key, versionId };
    return this.writes.submit(() => this.statements.statusCurrent.run(parameters).changes === 1
      || this.statements.statusVersion.run(parameters).changes === 1);
  }

  async listEventTargets(): Promise<EventTargetRecord[]> {
    return (this.statements.targets.all() as TargetRow[]).map(targetFromRow);
  }

  async getEventTarget(name: string): Promise<EventTargetRecord | undefined> {
    const row = this.statements.target.get(name) as TargetRow | undefined;
    return row === undefined ? undefined : targetFromRow(row);
  }

  async readEventQueue(target: string, limit: number): Promise<QueuedEvent[]> {
    return (this.statements.queue.all(target, limit) as QueueRow[]).map(queuedEventFromRow);
  }

  async readEventQueueStats(): Promise<EventQueueStats[]> {
    return (this.statements.stats.all() as Array<{ target: string; pending: number; oldest: number }>)
      .map((row) => ({ target: row.target, pending: row.pending, oldestEventTimeMs: row.oldest }));
  }

  createEventTarget(target: EventTargetRecord): Promise<CreateEventTargetOutcome> {
    return this.writes.submit(() => {
      const result = this.statements.insertTarget.run(target.name, target.kind, JSON.stringify(target.settings), target.createdAtMs);
      return result.changes === 1 ? 'created' : 'exists';
    });
  }

  deleteEventTarget(name: string): Promise<boolean> {
    return this.writes.submit(() => {
      if (this.statements.deleteTarget.run(name).changes === 0) return false;
      this.statements.removeQueue.run(name);
      return true;
    });
  }

  acknowledgeEvents(target: string, ids: number[]): Promise<number> {
    return this.writes.submit(() => {
      const removed = ids.reduce((count, id) => count + this.statements.remove.run(target, id).changes, 0);
      this.statements.countDelivered.run(removed, target);
      return removed;
    });
  }

  recordEventFailure(target: string): Promise<void> {
    return this.writes.submit(() => {
      this.statements.countFailure.run(target);
    });
  }

  deadLetterEvent(target: string, id: number): Promise<boolean> {
    return this.writes.submit(() => {
      if (this.statements.remove.run(target, id).changes === 0) return false;
      this.statements.countDeadLetter.run(target);
      return true;
    });
  }

  putEventListener(listener: EventListenerRecord): Promise<void> {
    const filter: ListenerFilter = { prefix: listener.prefix, suffix: listener.suffix, events: listener.events };
    return this.writes.submit(() => {
      this.statements.putListener.run(listener.id, listener.bucket, JSON.stringify(filter), listener.expiresAtMs);
    });
  }

  deleteEventListener(id: string): Promise<void> {
    return this.writes.submit(() => {
      this.statements.deleteListener.run(id);
      this.statements.removeQueue.run(id);
    });
  }

  expireEventListeners(nowMs: number): Promise<number> {
    return this.writes.submit(() => {
      const expired = this.statements.expiredListeners.all(nowMs) as string[];
      for (const id of expired) {
        this.statements.deleteListener.run(id);
        this.statements.removeQueue.run(id);
      }
      return expired.length;
    });
  }
}
