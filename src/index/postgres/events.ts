// Event notifications in the PostgreSQL index: the twin of sqlite/events.ts. A change queues its rows
// inside its own write transaction (with its journal row), numbered by a transactional counter
// (sequences.ts), so ids and sequencers are never reused and no change is lost or queued twice.
// Several front ends share one database and each runs a delivery job, so each queue is read by one
// process at a time, the one holding its lease (queue-leases.ts).
import { decodeBucketSetting, encodeBucketSetting } from '../bucket-settings.js';
import { ruleMatches, type NotificationConfiguration } from '../settings/notification.js';
import { destinationsOf, replicatedChange, replicationQueueName } from '../settings/replication.js';
import { EventQueueFullError, TEST_EVENT_NAME } from '../event-index.js';
import { queueLengthMaxOf, queuedEventFromRow, targetFromRow, type EventChange, type QueueRow, type TargetRow } from '../sqlite/events.js';
import type {
  ChangeOrigin, CreateEventTargetOutcome, EventIndex, EventListenerRecord, EventQueueStats, EventTargetRecord, QueuedEvent, ReplicationStatus,
} from '../types.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import type { ChangeObservers, EventQueueing } from './observers.js';
import type { QueueLeases } from './queue-leases.js';
import { takeSequenceValues } from './sequences.js';

/** Migration: targets, queues and listeners (sqlite/events.ts's tables, with restore data). */
export const EVENTS_SCHEMA_SQL = `
CREATE TABLE event_targets (
  name text COLLATE "C" PRIMARY KEY, kind text NOT NULL, settings_json text NOT NULL, created_at_ms bigint NOT NULL,
  dead_letters bigint NOT NULL DEFAULT 0, delivered bigint NOT NULL DEFAULT 0, failed_attempts bigint NOT NULL DEFAULT 0
);
CREATE TABLE event_queue (
  id bigint PRIMARY KEY, target text COLLATE "C" NOT NULL, change_sequence bigint NOT NULL, configuration_id text NOT NULL,
  bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, event_name text NOT NULL, event_time_ms bigint NOT NULL, version_id text,
  size_bytes bigint, etag text, requester text, source_ip_address text, request_id text, restore_expiry_ms bigint, restore_storage_class text
);
CREATE INDEX event_queue_by_target ON event_queue (target, id);
CREATE TABLE event_listeners (id text COLLATE "C" PRIMARY KEY, bucket text COLLATE "C" NOT NULL, filter_json text NOT NULL, expires_at_ms bigint NOT NULL);
CREATE INDEX event_listeners_by_bucket ON event_listeners (bucket);
`;

const QUEUE_COLUMNS = ['target', 'change_sequence', 'configuration_id', 'bucket', 'key', 'event_name', 'event_time_ms', 'version_id', 'size_bytes',
  'etag', 'requester', 'source_ip_address', 'request_id', 'restore_expiry_ms', 'restore_storage_class'] as const;

/** Sets ($1 a status) or removes ($1 NULL) a version's replication status in its stored headers. */
const SET_STATUS = `CASE WHEN $1::text IS NULL THEN (headers_json::jsonb - 'replicationStatus')::text
  ELSE jsonb_set(headers_json::jsonb, '{replicationStatus}', to_jsonb($1::text))::text END`;

const EVENT_SQL = {
  bucketExists: 'SELECT 1 FROM buckets WHERE name = $1',
  upsertSetting: `INSERT INTO bucket_settings (bucket, name, value_json) VALUES ($1, 'notification', $2)
    ON CONFLICT (bucket, name) DO UPDATE SET value_json = excluded.value_json`,
  deleteSetting: "DELETE FROM bucket_settings WHERE bucket = $1 AND name = 'notification'",
  markPending: `UPDATE objects SET headers_json = jsonb_set(headers_json::jsonb, '{replicationStatus}', '"PENDING"')::text
    WHERE bucket = $1 AND key = $2 AND data_id = $3`,
  statusCurrent: `UPDATE objects SET headers_json = ${SET_STATUS} WHERE bucket = $2 AND key = $3 AND data_id = $4`,
  statusVersion: `UPDATE object_versions SET headers_json = ${SET_STATUS} WHERE bucket = $2 AND key = $3 AND data_id = $4 AND is_delete_marker = 0`,
  insert: `INSERT INTO event_queue (${QUEUE_COLUMNS.join(', ')}, id) VALUES (${[...QUEUE_COLUMNS, 'id'].map((_, position) => `$${position + 1}`).join(', ')})`,
  queue: 'SELECT * FROM event_queue WHERE target = $1 ORDER BY id LIMIT $2',
  // Rows leave a queue from its head only, so its id span bounds its length: two index seeks, not a count.
  queueSpan: 'SELECT MAX(id) - MIN(id) + 1 AS span FROM event_queue WHERE target = $1',
  stats: 'SELECT target, COUNT(*)::integer AS pending, MIN(event_time_ms) AS oldest FROM event_queue GROUP BY target ORDER BY target',
  remove: 'DELETE FROM event_queue WHERE target = $1 AND id = $2',
  removeQueue: 'DELETE FROM event_queue WHERE target = $1',
  targets: 'SELECT * FROM event_targets ORDER BY name',
  target: 'SELECT * FROM event_targets WHERE name = $1',
  insertTarget: `INSERT INTO event_targets (name, kind, settings_json, created_at_ms, dead_letters) VALUES ($1, $2, $3, $4, 0)
    ON CONFLICT (name) DO NOTHING`,
  deleteTarget: 'DELETE FROM event_targets WHERE name = $1',
  countDelivered: 'UPDATE event_targets SET delivered = delivered + $1 WHERE name = $2',
  countFailure: 'UPDATE event_targets SET failed_attempts = failed_attempts + 1 WHERE name = $1',
  countDeadLetter: 'UPDATE event_targets SET dead_letters = dead_letters + 1 WHERE name = $1',
  putListener: `INSERT INTO event_listeners (id, bucket, filter_json, expires_at_ms) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET expires_at_ms = excluded.expires_at_ms`,
  deleteListener: 'DELETE FROM event_listeners WHERE id = $1',
  expiredListeners: 'SELECT id FROM event_listeners WHERE expires_at_ms < $1',
} as const;

type Recipient = { target: string; configurationId: string };
type ListenerFilter = Pick<EventListenerRecord, 'prefix' | 'suffix' | 'events'>;

export class PostgresEvents implements EventQueueing, EventIndex {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue, private readonly leases: QueueLeases, private readonly queueLengthMax = queueLengthMaxOf(process.env)) {}

  /** Who wants this change: the bucket's rules, its replication destinations and its live listeners. */
  private async recipients(sql: Sql, observers: ChangeObservers, change: EventChange): Promise<Recipient[]> {
    const recipients: Recipient[] = [];
    if (observers.notificationJson !== undefined) {
      for (const rule of decodeBucketSetting(change.bucket, 'notification', observers.notificationJson).rules) {
        if (ruleMatches(rule, change.eventName, change.key)) recipients.push({ target: rule.target, configurationId: rule.id });
      }
    }
    recipients.push(...await this.replicationRecipients(sql, observers, change));
    for (const listener of observers.listeners) {
      if (ruleMatches(JSON.parse(listener.filterJson) as ListenerFilter, change.eventName, change.key)) recipients.push({ target: listener.id, configurationId: 'listen' });
    }
    return recipients;
  }

  /** One queue per destination the bucket's replication rules send this change to (src/features/replication). */
  private async replicationRecipients(sql: Sql, observers: ChangeObservers, change: EventChange): Promise<Recipient[]> {
    if (observers.replicationJson === undefined || change.isReplica === true || !replicatedChange(change.eventName)) return [];
    const destinations = destinationsOf(decodeBucketSetting(change.bucket, 'replication', observers.replicationJson), change.key);
    if (destinations.length > 0 && change.eventName.startsWith('ObjectCreated:') && change.versionId !== undefined) {
      await sql.query(EVENT_SQL.markPending, [change.bucket, change.key, change.versionId]);
    }
    return destinations.map((destination) => ({ target: replicationQueueName(change.bucket, destination), configurationId: 'replication' }));
  }

  /** Inside the change's write: queues one row per recipient, all with one sequencer. */
  async changed(sql: Sql, observers: ChangeObservers, change: EventChange, origin: ChangeOrigin | undefined): Promise<void> {
    await this.queue(sql, change, await this.recipients(sql, observers, change), origin);
  }

  private async queue(sql: Sql, change: EventChange, recipients: Recipient[], origin: ChangeOrigin | undefined): Promise<void> {
    if (recipients.length === 0) return;
    const nowMs = Date.now();
    for (const recipient of recipients) {
      const span = (await sql.query<{ span: number | null }>(EVENT_SQL.queueSpan, [recipient.target])).rows[0]?.span ?? 0;
      if (span >= this.queueLengthMax) throw new EventQueueFullError(recipient.target);
    }
    // The first row's id is the change's sequence, as with SQLite's AUTOINCREMENT.
    const changeSequence = await takeSequenceValues(sql, 'event_queue', recipients.length);
    for (const [position, recipient] of recipients.entries()) {
      await sql.query(EVENT_SQL.insert, [recipient.target, changeSequence, recipient.configurationId, change.bucket, change.key, change.eventName, nowMs,
        change.versionId ?? null, change.sizeBytes ?? null, change.etag ?? null, origin?.requester ?? null, origin?.sourceIpAddress ?? null,
        origin?.requestId ?? null, change.restoreExpiryMs ?? null, change.restoreStorageClass ?? null, changeSequence + position]);
    }
  }

  writeNotificationConfiguration(bucket: string, configuration: NotificationConfiguration | undefined, origin: ChangeOrigin | undefined): Promise<boolean> {
    // Checked here, before the write is queued: a value of the wrong shape is refused, never stored.
    const json = configuration === undefined ? undefined : encodeBucketSetting('notification', configuration);
    return this.writes.submit(async (sql) => {
      if ((await sql.query(EVENT_SQL.bucketExists, [bucket])).rows.length === 0) return false;
      if (json === undefined) await sql.query(EVENT_SQL.deleteSetting, [bucket]);
      else await sql.query(EVENT_SQL.upsertSetting, [bucket, json]);
      // S3 sends one test event per destination when a configuration is saved.
      const targets = [...new Set((configuration?.rules ?? []).map((rule) => rule.target))];
      await this.queue(sql, { bucket, key: '', eventName: TEST_EVENT_NAME }, targets.map((target) => ({ target, configurationId: '' })), origin);
      return true;
    });
  }

  setReplicationStatus(bucket: string, key: string, versionId: string, status: ReplicationStatus | undefined): Promise<boolean> {
    const values = [status ?? null, bucket, key, versionId];
    return this.writes.submit(async (sql) => (await sql.query(EVENT_SQL.statusCurrent, values)).rowCount === 1
      || (await sql.query(EVENT_SQL.statusVersion, values)).rowCount === 1);
  }

  async listEventTargets(): Promise<EventTargetRecord[]> {
    return (await this.pool.query<TargetRow>(EVENT_SQL.targets)).rows.map(targetFromRow);
  }

  async getEventTarget(name: string): Promise<EventTargetRecord | undefined> {
    const row = (await this.pool.query<TargetRow>(EVENT_SQL.target, [name])).rows[0];
    return row === undefined ? undefined : targetFromRow(row);
  }

  /** The queue's head, when this process holds (or now takes) the queue's lease; empty otherwise. */
  async readEventQueue(target: string, limit: number): Promise<QueuedEvent[]> {
    if ((await this.pool.query(EVENT_SQL.queue, [target, 1])).rows.length === 0) return [];
    if (!await this.leases.take('events', target)) return [];
    return (await this.pool.query<QueueRow>(EVENT_SQL.queue, [target, limit])).rows.map(queuedEventFromRow);
  }

  async readEventQueueStats(): Promise<EventQueueStats[]> {
    return (await this.pool.query<{ target: string; pending: number; oldest: number }>(EVENT_SQL.stats)).rows
      .map((row) => ({ target: row.target, pending: row.pending, oldestEventTimeMs: row.oldest }));
  }

  createEventTarget(target: EventTargetRecord): Promise<CreateEventTargetOutcome> {
    return this.writes.submit(async (sql) => {
      const result = await sql.query(EVENT_SQL.insertTarget, [target.name, target.kind, JSON.stringify(target.settings), target.createdAtMs]);
      return result.rowCount === 1 ? 'created' : 'exists';
    });
  }

  deleteEventTarget(name: string): Promise<boolean> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(EVENT_SQL.deleteTarget, [name])).rowCount === 0) return false;
      await this.removeQueue(sql, name);
      return true;
    });
  }

  private async removeQueue(sql: Sql, target: string): Promise<void> {
    await sql.query(EVENT_SQL.removeQueue, [target]);
    await this.leases.remove(sql, 'events', target);
  }

  acknowledgeEvents(target: string, ids: number[]): Promise<number> {
    return this.writes.submit(async (sql) => {
      let removed = 0;
      for (const id of ids) removed += (await sql.query(EVENT_SQL.remove, [target, id])).rowCount ?? 0;
      await sql.query(EVENT_SQL.countDelivered, [removed, target]);
      return removed;
    });
  }

  recordEventFailure(target: string): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(EVENT_SQL.countFailure, [target]);
    });
  }

  deadLetterEvent(target: string, id: number): Promise<boolean> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(EVENT_SQL.remove, [target, id])).rowCount === 0) return false;
      await sql.query(EVENT_SQL.countDeadLetter, [target]);
      return true;
    });
  }

  putEventListener(listener: EventListenerRecord): Promise<void> {
    const filter: ListenerFilter = { prefix: listener.prefix, suffix: listener.suffix, events: listener.events };
    return this.writes.submit(async (sql) => {
      await sql.query(EVENT_SQL.putListener, [listener.id, listener.bucket, JSON.stringify(filter), listener.expiresAtMs]);
    });
  }

  deleteEventListener(id: string): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(EVENT_SQL.deleteListener, [id]);
      await this.removeQueue(sql, id);
    });
  }

  expireEventListeners(nowMs: number): Promise<number> {
    return this.writes.submit(async (sql) => {
      const expired = (await sql.query<{ id: string }>(EVENT_SQL.expiredListeners, [nowMs])).rows;
      for (const { id } of expired) {
        await sql.query(EVENT_SQL.deleteListener, [id]);
        await this.removeQueue(sql, id);
      }
      return expired.length;
    });
  }
}

