// The S3 Metadata journal in the PostgreSQL index: the twin of sqlite/journal.ts. A row is appended
// inside the write transaction of each change to a bucket with a 'metadata' setting (the same group
// commit, the same savepoint: a change rolled back takes its row with it), numbered by a
// transactional counter (sequences.ts) so a snapshot's high-water mark covers exactly the rows it
// sees. The exporter (src/features/metadata) reads snapshots and commits its files through here.
import type pg from 'pg';
import { decodeBucketSetting } from '../bucket-settings.js';
import type {
  ChangeOrigin, InventoryScanPage, JournalRecordType, JournalRow, MetadataFilesCommit, MetadataSnapshot, MetadataSnapshotRequest,
  MetadataTableSnapshot, ObjectRecord, VersionCursor,
} from '../types.js';
import { objectFromRow, type ObjectRow } from '../sqlite/schema.js';
import {
  byLifecycle, createdEventName, journalRowFromTable, journalVersionId, NO_CONTENT, originColumns, prefixEnd, versionContent,
  VERSION_PAGE_COLUMNS, type JournalParameters, type JournalTableRow,
} from '../sqlite/journal.js';
import type { RestoreEventData } from '../sqlite/events.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import { observersOf, watched, type ChangeObservers, type EventQueueing } from './observers.js';
import { nextValuesCte, sequenceHighWater } from './sequences.js';
import { readInSnapshot } from './snapshot.js';
import { PostgresVersionRules } from './versioning.js';

/** Migration: the journal and the exporter's state (sqlite/schema.ts's journal and metadata_state). */
export const JOURNAL_SCHEMA_SQL = `
CREATE TABLE journal (
  sequence bigint PRIMARY KEY, bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, record_type text NOT NULL,
  record_timestamp_ms bigint NOT NULL, version_id text, is_delete_marker integer, size_bytes bigint, last_modified_ms bigint, etag text,
  storage_class text, is_multipart integer, checksum_algorithm text, tags_json text, user_metadata_json text, requester text,
  source_ip_address text, request_id text, encryption_status text, kms_key_arn text
);
CREATE INDEX journal_by_bucket ON journal (bucket, sequence);
CREATE TABLE metadata_state (
  bucket text COLLATE "C" NOT NULL, table_name text COLLATE "C" NOT NULL, value_json text NOT NULL, PRIMARY KEY (bucket, table_name)
);
`;

const JOURNAL_SEQUENCE = 'journal';
const JOURNAL_COLUMNS = ['bucket', 'key', 'record_type', 'record_timestamp_ms', 'version_id', 'is_delete_marker', 'size_bytes', 'last_modified_ms',
  'etag', 'storage_class', 'is_multipart', 'checksum_algorithm', 'encryption_status', 'kms_key_arn', 'tags_json', 'user_metadata_json',
  'requester', 'source_ip_address', 'request_id'] as const satisfies ReadonlyArray<keyof JournalParameters>;

/** The version page of an inventory backfill: each side ordered and limited on its own, then merged. */
function versionsPageSql(): string {
  const range = 'bucket = $1 AND key >= $2 AND (key > $2 OR data_id < $3)';
  const order = 'ORDER BY key, data_id DESC LIMIT $4';
  return `SELECT * FROM ((SELECT ${VERSION_PAGE_COLUMNS}, 0 AS is_delete_marker FROM objects WHERE ${range} ${order})
    UNION ALL (SELECT ${VERSION_PAGE_COLUMNS}, is_delete_marker FROM object_versions WHERE ${range} ${order})) AS versions ${order}`;
}

const JOURNAL_SQL = {
  insert: `WITH ${nextValuesCte(JOURNAL_SEQUENCE, '1')} INSERT INTO journal (sequence, ${JOURNAL_COLUMNS.join(', ')})
    VALUES ((SELECT value FROM next), ${JOURNAL_COLUMNS.map((_, position) => `$${position + 1}`).join(', ')})`,
  oldest: 'SELECT * FROM journal ORDER BY sequence LIMIT $1',
  pendingOfBucket: 'SELECT * FROM journal WHERE bucket = $1 ORDER BY sequence LIMIT $2',
  consume: 'DELETE FROM journal WHERE sequence BETWEEN $1 AND $2',
  markerModified: 'SELECT last_modified_ms FROM object_versions WHERE bucket = $1 AND key = $2 AND version_id = $3 AND is_delete_marker = 1',
  filesInRange: 'SELECT * FROM objects WHERE bucket = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4',
  firstKeyFrom: 'SELECT key FROM objects WHERE bucket = $1 AND key >= $2 ORDER BY key LIMIT 1',
  setting: "SELECT value_json FROM bucket_settings WHERE bucket = $1 AND name = 'metadata'",
  states: 'SELECT table_name, value_json FROM metadata_state WHERE bucket = $1',
  upsertState: `INSERT INTO metadata_state (bucket, table_name, value_json) VALUES ($1, $2, $3)
    ON CONFLICT (bucket, table_name) DO UPDATE SET value_json = excluded.value_json`,
  deleteState: 'DELETE FROM metadata_state WHERE bucket = $1 AND table_name = $2',
  versionsPage: versionsPageSql(),
} as const;

export class PostgresJournal {
  constructor(private readonly pool: pg.Pool, private readonly sql: Sql, private readonly writes: PostgresWriteQueue,
    private readonly events: EventQueueing | undefined) {}

  /** Who watches changes to `bucket` (inside a write): the journal, event rules, replication, listeners. */
  observers(sql: Sql, bucket: string): Promise<ChangeObservers> {
    return observersOf(sql, bucket, Date.now());
  }

  private async append(sql: Sql, row: JournalParameters): Promise<void> {
    await sql.query(JOURNAL_SQL.insert, JOURNAL_COLUMNS.map((column) => row[column]));
  }

  /** A new version (CREATE) or new metadata of one (UPDATE_METADATA); inside the change's write. */
  async versionWritten(sql: Sql, object: ObjectRecord, recordType: Exclude<JournalRecordType, 'DELETE'>, origin: ChangeOrigin | undefined,
    eventName?: string, restore?: RestoreEventData, known?: ChangeObservers): Promise<void> {
    const observers = known ?? await this.observers(sql, object.bucket);
    const versionId = journalVersionId(object.versionId);
    await this.events?.changed(sql, observers, {
      bucket: object.bucket, key: object.key, eventName: eventName ?? createdEventName(object, recordType, origin),
      versionId: versionId ?? undefined, sizeBytes: object.sizeBytes, etag: object.etag, ...restore,
      isReplica: object.headers.replicationStatus === 'REPLICA',
    }, origin);
    if (!observers.metadata) return;
    await this.append(sql, {
      bucket: object.bucket, key: object.key, record_type: recordType, record_timestamp_ms: Date.now(),
      version_id: versionId, is_delete_marker: 0, ...versionContent(object), ...originColumns(origin),
    });
  }

  /** A delete marker became the latest version; inside the change's write. */
  async deleteMarkerCreated(sql: Sql, bucket: string, key: string, versionId: string, origin: ChangeOrigin | undefined): Promise<void> {
    const observers = await this.observers(sql, bucket);
    const eventName = `${byLifecycle(origin) ? 'LifecycleExpiration' : 'ObjectRemoved'}:DeleteMarkerCreated`;
    await this.events?.changed(sql, observers, { bucket, key, eventName, versionId: journalVersionId(versionId) ?? undefined }, origin);
    if (!observers.metadata) return;
    const marker = (await sql.query<{ last_modified_ms: number }>(JOURNAL_SQL.markerModified, [bucket, key, versionId])).rows[0];
    const nowMs = Date.now();
    await this.append(sql, {
      bucket, key, record_type: 'DELETE', record_timestamp_ms: nowMs, version_id: journalVersionId(versionId), is_delete_marker: 1,
      ...NO_CONTENT, size_bytes: 0, last_modified_ms: marker?.last_modified_ms ?? nowMs, ...originColumns(origin),
    });
  }

  /** A version (or delete marker) is gone for good; inside the change's write. */
  async versionRemoved(sql: Sql, bucket: string, key: string, versionId: string, origin: ChangeOrigin | undefined): Promise<void> {
    const observers = await this.observers(sql, bucket);
    const eventName = `${byLifecycle(origin) ? 'LifecycleExpiration' : 'ObjectRemoved'}:Delete`;
    await this.events?.changed(sql, observers, { bucket, key, eventName, versionId: journalVersionId(versionId) ?? undefined }, origin);
    if (!observers.metadata) return;
    await this.append(sql, {
      bucket, key, record_type: 'DELETE', record_timestamp_ms: Date.now(), version_id: journalVersionId(versionId), is_delete_marker: null,
      ...NO_CONTENT, ...originColumns(origin),
    });
  }

  /** A version's storage class changed (a lifecycle transition), inside its write: journaled when watched. */
  async transitioned(sql: Sql, bucket: string, key: string, dataId: string, origin: ChangeOrigin | undefined): Promise<void> {
    if (!watched(await this.observers(sql, bucket))) return;
    const versions = new PostgresVersionRules(sql);
    const current = await versions.currentOf(bucket, key);
    const version = current?.dataId === dataId ? current : await versions.getVersionByDataId(bucket, key, dataId);
    if (version !== undefined) await this.versionWritten(sql, version, 'UPDATE_METADATA', origin, 'LifecycleTransition');
  }

  async readJournal(limit: number): Promise<JournalRow[]> {
    return (await this.sql.query<JournalTableRow>(JOURNAL_SQL.oldest, [limit])).rows.map(journalRowFromTable);
  }

  readMetadataSnapshot(request: MetadataSnapshotRequest): Promise<MetadataSnapshot> {
    return readInSnapshot(this.pool, async (sql) => {
      const tables: MetadataTableSnapshot[] = [];
      for (const table of request.buckets) tables.push(await tableSnapshot(sql, request, table));
      return { tables, journalHighWater: await sequenceHighWater(sql, JOURNAL_SEQUENCE), bucketsWithFiles: await bucketsWithFiles(sql, request.systemBucket) };
    });
  }

  scanVersionsForInventory(bucket: string, after: VersionCursor | undefined, limit: number): Promise<InventoryScanPage> {
    return readInSnapshot(this.pool, async (sql) => {
      const { rows } = await sql.query<ObjectRow & { is_delete_marker: number }>(JOURNAL_SQL.versionsPage, [bucket, after?.key ?? '', after?.dataId ?? '', limit]);
      const versions = rows.map((row) => ({ ...objectFromRow(row), isDeleteMarker: row.is_delete_marker === 1, isMultipart: row.parts_count > 0 }));
      const last = rows[rows.length - 1];
      const next = rows.length < limit || last === undefined ? undefined : { key: last.key, dataId: last.data_id };
      return { versions, journalHighWater: await sequenceHighWater(sql, JOURNAL_SEQUENCE), next };
    });
  }

  commitMetadataFiles(commit: MetadataFilesCommit): Promise<{ discarded: Array<{ key: string; dataId: string }> }> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query('SELECT 1 FROM buckets WHERE name = $1', [commit.systemBucket])).rows.length === 0) throw new Error(`system bucket ${commit.systemBucket} is missing`);
      const versions = new PostgresVersionRules(sql);
      const discarded: Array<{ key: string; dataId: string }> = [];
      for (const key of commit.remove) {
        const outcome = await versions.deleteCurrent(commit.systemBucket, key, await versions.currentOf(commit.systemBucket, key));
        discarded.push(...outcome.discardedDataIds.map((dataId) => ({ key, dataId })));
      }
      for (const file of commit.add) {
        if (file.bucket !== commit.systemBucket) throw new Error(`metadata file ${file.bucket}/${file.key} is outside the system bucket`);
        const installed = await versions.install(file, await versions.currentOf(file.bucket, file.key));
        discarded.push(...installed.discardedDataIds.map((dataId) => ({ key: file.key, dataId })));
      }
      if (commit.consumeJournal !== undefined) await consume(sql, commit.consumeJournal);
      for (const state of commit.states ?? []) {
        if (state.value === undefined) await sql.query(JOURNAL_SQL.deleteState, [state.bucket, state.table]);
        else await sql.query(JOURNAL_SQL.upsertState, [state.bucket, state.table, JSON.stringify(state.value)]);
      }
      return { discarded };
    });
  }
}

/** The journal part of a metadata commit: every expected row is removed, or the commit fails. */
async function consume(sql: Sql, range: NonNullable<MetadataFilesCommit['consumeJournal']>): Promise<void> {
  const removed = (await sql.query(JOURNAL_SQL.consume, [range.firstSequence, range.lastSequence])).rowCount;
  if (removed !== range.rowCount) {
    throw new Error(`journal rows ${range.firstSequence}–${range.lastSequence}: expected ${range.rowCount} unexported, found ${removed}`);
  }
}

async function files(sql: Sql, systemBucket: string, prefix: string, limit: number): Promise<ObjectRecord[]> {
  return (await sql.query<ObjectRow>(JOURNAL_SQL.filesInRange, [systemBucket, prefix, prefixEnd(prefix), limit])).rows.map((row) => objectFromRow(row));
}

/** The first path segment of every key in the system bucket: one seek per bucket name. */
async function bucketsWithFiles(sql: Sql, systemBucket: string): Promise<string[]> {
  const names: string[] = [];
  let from = '';
  for (;;) {
    const key = (await sql.query<{ key: string }>(JOURNAL_SQL.firstKeyFrom, [systemBucket, from])).rows[0]?.key;
    if (key === undefined) return names;
    const name = key.split('/', 1)[0]!;
    names.push(name);
    from = prefixEnd(`${name}/`);
  }
}

async function tableSnapshot(sql: Sql, request: MetadataSnapshotRequest, table: MetadataSnapshotRequest['buckets'][number]): Promise<MetadataTableSnapshot> {
  const settingJson = (await sql.query<{ value_json: string }>(JOURNAL_SQL.setting, [table.bucket])).rows[0]?.value_json;
  const states: Record<string, unknown> = {};
  for (const row of (await sql.query<{ table_name: string; value_json: string }>(JOURNAL_SQL.states, [table.bucket])).rows) {
    states[row.table_name] = JSON.parse(row.value_json);
  }
  const snapshot: MetadataTableSnapshot = {
    bucket: table.bucket,
    configuration: settingJson === undefined ? undefined : decodeBucketSetting(table.bucket, 'metadata', settingJson),
    journalFiles: [], inventoryFiles: [], pendingRows: [], states,
  };
  const pending = (await sql.query<JournalTableRow>(JOURNAL_SQL.pendingOfBucket, [table.bucket, request.pendingRowsMax + 1])).rows;
  const journalFiles = await files(sql, request.systemBucket, table.journalPrefix, request.filesPerTableMax + 1);
  const inventoryFiles = await files(sql, request.systemBucket, table.inventoryPrefix, request.filesPerTableMax + 1);
  if (pending.length > request.pendingRowsMax) return { ...snapshot, overLimit: 'pending-rows' };
  if (journalFiles.length > request.filesPerTableMax || inventoryFiles.length > request.filesPerTableMax) return { ...snapshot, overLimit: 'files' };
  return { ...snapshot, pendingRows: pending.map(journalRowFromTable), journalFiles, inventoryFiles };
}
