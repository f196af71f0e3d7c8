// Who watches a change to a bucket, on PostgreSQL: read in one statement inside the change's write
// transaction (every change of every write asks it, while holding the write lock, so one round trip
// rather than one per observer): the journal ('metadata' setting), event notification rules,
// replication rules and live listeners.
import type { ChangeOrigin } from '../records.js';
import type { EventChange } from '../sqlite/events.js';
import type { Sql } from './connection.js';

export interface ChangeObservers {
  /** The bucket has a 'metadata' setting: changes are journaled. */
  metadata: boolean;
  notificationJson?: string;
  replicationJson?: string;
  /** Live listeners (`cairn admin events listen`): id and filter. */
  listeners: Array<{ id: string; filterJson: string }>;
}

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

/** Whether anything watches: a change nobody watches needs no further reads. */
export function watched(observers: ChangeObservers): boolean {
  return observers.metadata || observers.notificationJson !== undefined || observers.replicationJson !== undefined || observers.listeners.length > 0;
}
