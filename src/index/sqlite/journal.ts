// The S3 Metadata journal inside the SQLite index: a row appended in the very transaction of each
// change to a bucket that has a 'metadata' setting (so no change can be lost or recorded twice), and
// the reads and the commit the exporter (src/features/metadata) builds its Parquet files with.
import type Database from 'better-sqlite3';
import { decodeBucketSetting } from '../bucket-settings.js';
import type {
  ChangeOrigin,
  InventoryScanPage,
  JournalRecordType,
  JournalRow,
  MetadataFilesCommit,
  MetadataSnapshot,
  MetadataSnapshotRequest,
  MetadataTableSnapshot,
  ObjectRecord,
  VersionCursor,
} from '../types.js';
import { objectFromRow, type ObjectRow } from './schema.js';
import { NULL_VERSION_ID } from './versioning.js';
import type { EventTables, RestoreEventData } from './events.js';
import type { ChangeObservers } from '../change-observers.js';
import { SYSTEM_CHANGE_ORIGIN } from '../records.js';

export const METADATA_SETTING_NAME = 'metadata';

export interface JournalTableRow {
  sequence: number;
  bucket: string;
  key: string;
  record_type: string;
  record_timestamp_ms: number;
  version_id: string | null;
  is_delete_marker: number | null;
  size_bytes: number | null;
  last_modified_ms: number | null;
  etag: string | null;
  storage_class: string | null;
  is_multipart: number | null;
  checksum_algorithm: string | null;
  encryption_status: string | null;
  kms_key_arn: string | null;
  tags_json: string | null;
  user_metadata_json: string | null;
  requester: string | null;
  source_ip_address: string | null;
  request_id: string | null;
}

export type JournalParameters = Omit<JournalTableRow, 'sequence'>;

export function journalRowFromTable(row: JournalTableRow): JournalRow {
  const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  return {
    sequence: row.sequence,
    bucket: row.bucket,
    key: row.key,
    recordType: row.record_type as JournalRecordType,
    recordTimestampMs: row.record_timestamp_ms,
    versionId: optional(row.version_id),
    isDeleteMarker: row.is_delete_marker === null ? undefined : row.is_delete_marker === 1,
    sizeBytes: optional(row.size_bytes),
    lastModifiedMs: optional(row.last_modified_ms),
    etag: optional(row.etag),
    storageClass: optional(row.storage_class),
    isMultipart: row.is_multipart === null ? undefined : row.is_multipart === 1,
    checksumAlgorithm: optional(row.checksum_algorithm),
    encryptionStatus: optional(row.encryption_status),
    kmsKeyArn: optional(row.kms_key_arn),
    tagsJson: optional(row.tags_json),
    userMetadataJson: optional(row.user_metadata_json),
    requester: optional(row.requester),
    sourceIpAddress: optional(row.source_ip_address),
    requestId: optional(row.request_id),
  };
}

/** AWS's journal shows the 'null' version as no version id at all. */
export function journalVersionId(versionId: string): string | null {
  return versionId === NULL_VERSION_ID ? null : versionId;
}

export function originColumns(origin: ChangeOrigin | undefined) {
  return { requester: origin?.requester ?? null, source_ip_address: origin?.sourceIpAddress ?? null, request_id: origin?.requestId ?? null };
}

export const NO_CONTENT = {
  size_bytes: null, last_modified_ms: null, etag: null, storage_class: null, is_multipart: null, checksum_algorithm: null,
  encryption_status: null, kms_key_arn: null, tags_json: null, user_metadata_json: null,
} as const;

/** The journal's picture of one stored version (for CREATE and UPDATE_METADATA rows, and backfills). */
export function versionContent(object: ObjectRecord) {
  return {
    size_bytes: object.sizeBytes,
    last_modified_ms: object.lastModifiedMs,
    etag: object.etag,
    storage_class: object.storageClass,
    is_multipart: object.parts !== undefined ? 1 : 0,
    checksum_algorithm: object.checksum?.algorithm ?? null,
    encryption_status: object.headers.encryption?.kind ?? null,
    kms_key_arn: object.headers.encryption?.kmsKeyArn ?? null,
    tags_json: JSON.stringify(Object.fromEntries((object.tags ?? []).map((tag) => [tag.key, tag.value]))),
    user_metadata_json: JSON.stringify(object.userMetadata),
  };
}

/** The columns objects and object_versions share (a UNION of the two needs them named, in order). */
export const VERSION_PAGE_COLUMNS = `bucket, key, version_id, data_id, size_bytes, etag, last_modified_ms, storage_class, headers_json,
  user_metadata_json, checksum_json, placement, parts_count, tags_json, lock_mode, lock_retain_until_ms, legal_hold, acl_json`;

function prepareJournalStatements(db: Database.Database) {
  return {
    bucketRecorded: db.prepare(`SELECT 1 FROM bucket_settings WHERE bucket = ? AND name = '${METADATA_SETTING_NAME}'`).pluck(),
    insert: db.prepare(`INSERT INTO journal (bucket, key, record_type, record_timestamp_ms, version_id, is_delete_marker, size_bytes,
        last_modified_ms, etag, storage_class, is_multipart, checksum_algorithm, encryption_status, kms_key_arn, tags_json, user_metadata_json,
        requester, source_ip_address, request_id)
      VALUES (@bucket, @key, @record_type, @record_timestamp_ms, @version_id, @is_delete_marker, @size_bytes, @last_modified_ms,
        @etag, @storage_class, @is_multipart, @checksum_algorithm, @encryption_status, @kms_key_arn, @tags_json, @user_metadata_json, @requester,
        @source_ip_address, @request_id)`),
    oldest: db.prepare('SELECT * FROM journal ORDER BY sequence LIMIT ?'),
    pendingOfBucket: db.prepare('SELECT * FROM journal WHERE bucket = ? ORDER BY sequence LIMIT ?'),
    highWater: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").pluck(),
    consume: db.prepare('DELETE FROM journal WHERE sequence BETWEEN ? AND ?'),
    markerRow: db.prepare('SELECT last_modified_ms FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ? AND is_delete_marker = 1').pluck(),
    filesInRange: db.prepare('SELECT * FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?'),
    firstKeyAfter: db.prepare('SELECT key FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT 1').pluck(),
    setting: db.prepare(`SELECT value_json FROM bucket_settings WHERE bucket = ? AND name = '${METADATA_SETTING_NAME}'`).pluck(),
    states: db.prepare('SELECT table_name, value_json FROM metadata_state WHERE bucket = ?'),
    upsertState: db.prepare(`INSERT INTO metadata_state (bucket, table_name, value_json) VALUES (?, ?, ?)
      ON CONFLICT (bucket, table_name) DO UPDATE SET value_json = excluded.value_json`),
    deleteState: db.prepare('DELETE FROM metadata_state WHERE bucket = ? AND table_name = ?'),
    versionsPage: db.prepare(`SELECT * FROM (
        SELECT ${VERSION_PAGE_COLUMNS}, 0 AS is_delete_marker FROM objects WHERE bucket = @bucket AND key >= @afterKey
        UNION ALL SELECT ${VERSION_PAGE_COLUMNS}, is_delete_marker FROM object_versions WHERE bucket = @bucket AND key >= @afterKey)
      WHERE key > @afterKey OR (key = @afterKey AND data_id < @afterDataId)
      ORDER BY key, data_id DESC LIMIT @limit`),
  };
}

/** S3 Lifecycle's own changes are LifecycleExpiration events, not ObjectRemoved ones. */
export function byLifecycle(origin: ChangeOrigin | undefined): boolean {
  return origin?.requester === SYSTEM_CHANGE_ORIGIN.requester;
}

/** The event name of a new version (by how it was made) or of new tags. */
export function createdEventName(object: ObjectRecord, recordType: Exclude<JournalRecordType, 'DELETE'>, origin: ChangeOrigin | undefined): string {
  if (recordType === 'UPDATE_METADATA') return (object.tags?.length ?? 0) > 0 ? 'ObjectTagging:Put' : 'ObjectTagging:Delete';
  if (object.parts !== undefined && origin?.action !== 'Copy') return 'ObjectCreated:CompleteMultipartUpload';
  return `ObjectCreated:${origin?.action ?? 'Put'}`;
}

/** The smallest string greater than every string that starts with `prefix` (for key ranges). */
export function prefixEnd(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1)!;
  return prefix.slice(0, prefix.length - 1) + String.fromCodePoint(last + 1);
}

export class Journal {
  private readonly statements: ReturnType<typeof prepareJournalStatements>;

  constructor(private readonly db: Database.Database, private readonly events: EventTables) {
    this.statements = prepareJournalStatements(db);
  }

  /** Whether a change to `bucket` is journaled or may queue events (so the caller reads what they need). */
  observed(bucket: string): boolean {
    return this.recording(bucket) || this.events.watching(bucket);
  }

  /** Whether changes to `bucket` are journaled: one primary-key read, inside the change's transaction. */
  recording(bucket: string): boolean {
    return this.statements.bucketRecorded.get(bucket) !== undefined;
  }

  private append(row: JournalParameters): void {
    this.statements.insert.run(row);
  }

  /**
   * A new version (CREATE) or new metadata of one (UPDATE_METADATA: tags, a transition, a restore);
   * `eventName` when it is not the usual one, `restore` for an ObjectRestore:Completed event's data.
   */
  versionWritten(
    object: ObjectRecord, recordType: Exclude<JournalRecordType, 'DELETE'>, origin: ChangeOrigin | undefined, eventName?: string, restore?: RestoreEventData,
    observers?: ChangeObservers,
  ): void {
    const versionId = journalVersionId(object.versionId);
    this.events.changed({
      bucket: object.bucket, key: object.key, eventName: eventName ?? createdEventName(object, recordType, origin),
      versionId: versionId ?? undefined, sizeBytes: object.sizeBytes, etag: object.etag, ...restore,
      isReplica: object.headers.replicationStatus === 'REPLICA',
    }, origin, observers);
    if (!(observers === undefined ? this.recording(object.bucket) : observers.metadata)) return;
    this.append({
      bucket: object.bucket, key: object.key, record_type: recordType, record_timestamp_ms: Date.now(),
      version_id: versionId, is_delete_marker: 0, ...versionContent(object), ...originColumns(origin),
    });
  }

  /** A delete marker became the latest version. */
  deleteMarkerCreated(bucket: string, key: string, versionId: string, origin: ChangeOrigin | undefined): void {
    const eventName = `${byLifecycle(origin) ? 'LifecycleExpiration' : 'ObjectRemoved'}:DeleteMarkerCreated`;
    this.events.changed({ bucket, key, eventName, versionId: journalVersionId(versionId) ?? undefined }, origin);
    if (!this.recording(bucket)) return;
    const markerModifiedMs = this.statements.markerRow.get(bucket, key, versionId) as number | undefined;
    const nowMs = Date.now();
    this.append({
      bucket, key, record_type: 'DELETE', record_timestamp_ms: nowMs, version_id: journalVersionId(versionId), is_delete_marker: 1,
      ...NO_CONTENT, size_bytes: 0, last_modified_ms: markerModifiedMs ?? nowMs, ...originColumns(origin),
    });
  }

  /** A version (or delete marker) is gone for good: AWS leaves every optional column empty. */
  versionRemoved(bucket: string, key: string, versionId: string, origin: ChangeOrigin | undefined): void {
    const eventName = `${byLifecycle(origin) ? 'LifecycleExpiration' : 'ObjectRemoved'}:Delete`;
    this.events.changed({ bucket, key, eventName, versionId: journalVersionId(versionId) ?? undefined }, origin);
    if (!this.recording(bucket)) return;
    this.append({
      bucket, key, record_type: 'DELETE', record_timestamp_ms: Date.now(), version_id: journalVersionId(versionId), is_delete_marker: null,
      ...NO_CONTENT, ...originColumns(origin),
    });
  }

  oldest(limit: number): JournalRow[] {
    return (this.statements.oldest.all(limit) as JournalTableRow[]).map(journalRowFromTable);
  }

  private highWater(): number {
    return (this.statements.highWater.get() as number | undefined) ?? 0;
  }

  private files(systemBucket: string, prefix: string, limit: number): ObjectRecord[] {
    return (this.statements.filesInRange.all(systemBucket, prefix, prefixEnd(prefix), limit) as ObjectRow[]).map((row) => objectFromRow(row));
  }

  /** The first path segment of every key in the system bucket: one seek per bucket name. */
  private bucketsWithFiles(systemBucket: string): string[] {
    const names: string[] = [];
    let from = '';
    for (;;) {
      const key = this.statements.firstKeyAfter.get(systemBucket, from) as string | undefined;
      if (key === undefined) return names;
      const name = key.split('/', 1)[0]!;
      names.push(name);
      from = prefixEnd(`${name}/`);
    }
  }

  private tableSnapshot(request: MetadataSnapshotRequest, table: MetadataSnapshotRequest['buckets'][number]): MetadataTableSnapshot {
    const settingJson = this.statements.setting.get(table.bucket) as string | undefined;
    const states: Record<string, unknown> = {};
    for (const row of this.statements.states.all(table.bucket) as Array<{ table_name: string; value_json: string }>) {
      states[row.table_name] = JSON.parse(row.value_json);
    }
    const snapshot: MetadataTableSnapshot = {
      bucket: table.bucket,
      configuration: settingJson === undefined ? undefined : decodeBucketSetting(table.bucket, 'metadata', settingJson),
      journalFiles: [], inventoryFiles: [], pendingRows: [], states,
    };
    const pending = this.statements.pendingOfBucket.all(table.bucket, request.pendingRowsMax + 1) as JournalTableRow[];
    const journalFiles = this.files(request.systemBucket, table.journalPrefix, request.filesPerTableMax + 1);
    const inventoryFiles = this.files(request.systemBucket, table.inventoryPrefix, request.filesPerTableMax + 1);
    if (pending.length > request.pendingRowsMax) return { ...snapshot, overLimit: 'pending-rows' };
    if (journalFiles.length > request.filesPerTableMax || inventoryFiles.length > request.filesPerTableMax) return { ...snapshot, overLimit: 'files' };
    return { ...snapshot, pendingRows: pending.map(journalRowFromTable), journalFiles, inventoryFiles };
  }

  /** Call inside one read transaction, so files and pending rows are from the same moment. */
  snapshot(request: MetadataSnapshotRequest): MetadataSnapshot {
    return {
      tables: request.buckets.map((table) => this.tableSnapshot(request, table)),
      journalHighWater: this.highWater(),
      bucketsWithFiles: this.bucketsWithFiles(request.systemBucket),
    };
  }

  /** Call inside one read transaction (the page and the high-water mark from the same moment). */
  versionsPage(bucket: string, after: VersionCursor | undefined, limit: number): InventoryScanPage {
    const rows = this.statements.versionsPage.all({
      bucket, afterKey: after?.key ?? '', afterDataId: after?.dataId ?? '', limit,
    }) as Array<ObjectRow & { is_delete_marker: number }>;
    const versions = rows.map((row) => ({ ...objectFromRow(row), isDeleteMarker: row.is_delete_marker === 1, isMultipart: row.parts_count > 0 }));
    const last = rows[rows.length - 1];
    return { versions, journalHighWater: this.highWater(), next: rows.length < limit || last === undefined ? undefined : { key: last.key, dataId: last.data_id } };
  }

  /** The journal part of a metadata commit: every expected row is removed, or the commit fails. */
  consume(range: NonNullable<MetadataFilesCommit['consumeJournal']>): void {
    const removed = this.statements.consume.run(range.firstSequence, range.lastSequence).changes;
    if (removed !== range.rowCount) {
      throw new Error(`journal rows ${range.firstSequence}–${range.lastSequence}: expected ${range.rowCount} unexported, found ${removed}`);
    }
  }

  setState(bucket: string, table: string, value: unknown): void {
    if (value === undefined) this.statements.deleteState.run(bucket, table);
    else this.statements.upsertState.run(bucket, table, JSON.stringify(value));
  }
}
