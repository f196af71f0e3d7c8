// Who watches a change to a bucket, on PostgreSQL: read in one statement inside the change's write
// transaction (every change of every write asks it, while holding the write lock, so one round trip
// rather than one per observer): the journal ('metadata' setting), event notification rules,
// replication rules and live listeners.
import type { ChangeOrigin } from '../records.js';
import type { EventChange } from '../sqlite/events.js';
import { watched, writeContextFromRows, writeContextSql, type BucketWriteContext, type ChangeObservers } from '../change-observers.js';
import type { Sql } from './connection.js';

export { watched, type ChangeObservers };

/** What queues a change's events (postgres/events.ts), inside the change's write. */
export interface EventQueueing {
  changed(sql: Sql, observers: ChangeObservers, change: EventChange, origin: ChangeOrigin | undefined): Promise<void>;
}

const OBSERVERS_SQL = `SELECT name AS kind, value_json AS value FROM bucket_settings
  WHERE bucket = $1 AND name IN ('metadata', 'notification', 'replication')
  UNION ALL SELECT 'listener:' || id, filter_json FROM event_listeners WHERE bucket = $1 AND expires_at_ms > $2`;

export async function observersOf(sql: Sql, bucket: string, nowMs: number): Promise<ChangeObservers> {
  const observers: ChangeObservers = { metadata: false, listeners: [] };
  for (const row of (await sql.query<{ kind: string; value: string }>(OBSERVERS_SQL, [bucket, nowMs])).rows) {
    if (row.kind === 'metadata') observers.metadata = true;
    else if (row.kind === 'notification') observers.notificationJson = row.value;
    else if (row.kind === 'replication') observers.replicationJson = row.value;
    else observers.listeners.push({ id: row.kind.slice('listener:'.length), filterJson: row.value });
  }
  return observers;
}

const WRITE_CONTEXT_SQL = writeContextSql('$1', '$2', 'name');

/** A write's bucket, its versioning, its Object Lock setting and its observers: one round trip (change-observers.ts). */
export async function writeContextOf(sql: Sql, bucket: string, nowMs: number): Promise<BucketWriteContext | undefined> {
  const rows = (await sql.query<{ kind: string; value: string | null }>(WRITE_CONTEXT_SQL, [bucket, nowMs])).rows;
  return writeContextFromRows(rows.map((row) => [row.kind, row.value] as const));
}
