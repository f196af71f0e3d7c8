// What a write to a bucket needs to know about the bucket, read in one statement inside the write's
// transaction (both engines): that it exists, its versioning, its Object Lock configuration, and who
// watches its changes (the journal's 'metadata' setting, event notification rules, replication rules,
// live listeners). A PUT so reads the bucket once instead of six times (SQLite: one call
// across better-sqlite3's boundary; PostgreSQL: one round trip while holding the write lock).
import type { VersioningStatus } from './types.js';

export interface ChangeObservers {
  /** The bucket has a 'metadata' setting: changes are journaled. */
  metadata: boolean;
  notificationJson?: string;
  replicationJson?: string;
  /** Live listeners (`cairn admin events listen`): id and filter. */
  listeners: Array<{ id: string; filterJson: string }>;
}

/** A write's picture of its bucket, from one statement in the write's own transaction. */
export interface BucketWriteContext {
  versioning: VersioningStatus | undefined;
  /** The 'object-lock' setting as stored; undefined when Object Lock is not enabled. */
  objectLockJson?: string;
  observers: ChangeObservers;
}

/** The bucket settings a write reads (besides the bucket row and its listeners). */
const WRITE_SETTING_NAMES = "('metadata', 'notification', 'replication', 'object-lock')";

/**
 * Rows of (kind, value): 'bucket' with the versioning status (absent: no such bucket), each setting by
 * name, 'listener:<id>' with its filter. `bucket` and `now` are the engine's parameter markers.
 * `nameColumn`: SQLite's '+name' walks the bucket's few settings rows and tests each name (3 µs per
 * call inside a write, measured) where the IN list on the index costs an ephemeral table (5–7 µs).
 */
export function writeContextSql(bucket: string, now: string, nameColumn: 'name' | '+name'): string {
  return `SELECT 'bucket' AS kind, versioning AS value FROM buckets WHERE name = ${bucket}
    UNION ALL SELECT name, value_json FROM bucket_settings WHERE bucket = ${bucket} AND ${nameColumn} IN ${WRITE_SETTING_NAMES}
    UNION ALL SELECT 'listener:' || id, filter_json FROM event_listeners WHERE bucket = ${bucket} AND expires_at_ms > ${now}`;
}

/** The context from writeContextSql's rows; undefined when the bucket does not exist. */
export function writeContextFromRows(rows: ReadonlyArray<readonly [kind: string, value: string | null]>): BucketWriteContext | undefined {
  let exists = false;
  const context: BucketWriteContext = { versioning: undefined, observers: { metadata: false, listeners: [] } };
  for (const [kind, value] of rows) {
    if (kind === 'bucket') {
      exists = true;
      context.versioning = (value ?? undefined) as VersioningStatus | undefined;
    } else if (kind === 'object-lock') context.objectLockJson = value ?? undefined;
    else if (kind === 'metadata') context.observers.metadata = true;
    else if (kind === 'notification') context.observers.notificationJson = value ?? undefined;
    else if (kind === 'replication') context.observers.replicationJson = value ?? undefined;
    else context.observers.listeners.push({ id: kind.slice('listener:'.length), filterJson: value ?? '' });
  }
  return exists ? context : undefined;
}

/** Whether anything watches: a change nobody watches needs no further reads. */
export function watched(observers: ChangeObservers): boolean {
  return observers.metadata || observers.notificationJson !== undefined || observers.replicationJson !== undefined || observers.listeners.length > 0;
}
