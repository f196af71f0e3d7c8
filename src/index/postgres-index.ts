// The PostgreSQL index engine (`cairn server --index postgres://…`): the same index interfaces as the
// SQLite engine, for several front ends on one database. Reads go to the pool, each one statement (or
// one REPEATABLE READ snapshot when it needs two); writes go through group commit (postgres/
// group-commit.ts), one serialized transaction per batch, so conditions and Object Lock checks are
// decided in the transaction that writes. A database that goes away fails requests fast with
// IndexUnavailableError (503 SlowDown) and the pool reconnects by itself when it returns.
import type pg from 'pg';
import { conditionFailure } from './conditions.js';
import { listObjectsPage } from './listing.js';
import { bucketFromRow, objectFromRow, aclToJson, tagsToJson, type BucketRow, type ObjectRow } from './sqlite/schema.js';
import { delegateMethods } from './sqlite/delegate.js';
import { IDENTITY_TABLE_METHODS, type IdentityTableMethod } from './sqlite/identities.js';
import { encodeBucketSetting } from './bucket-settings.js';
import { listVersionsPage } from './version-listing.js';
import { openPool, reachable, type Sql } from './postgres/connection.js';
import { readInSnapshot } from './postgres/snapshot.js';
import { PostgresFaultGate } from './postgres/fault-gate.js';
import { PostgresWriteQueue } from './postgres/group-commit.js';
import { migrate } from './postgres/migrations.js';
import { PostgresIdentities } from './postgres/identities.js';
import { PostgresJournal } from './postgres/journal.js';
import { PostgresEvents } from './postgres/events.js';
import { writeContextOf } from './postgres/observers.js';
import { QueueLeases } from './postgres/queue-leases.js';
import { PostgresAccessLogQueue } from './postgres/access-log.js';
import { PostgresRestores } from './postgres/restores.js';
import { PostgresBackups, replaceBackupPlacement } from './postgres/backups.js';
import { ACCESS_LOG_READ_METHODS, ACCESS_LOG_WRITE_METHODS } from './access-log-index.js';
import { RESTORE_READ_METHODS, RESTORE_WRITE_METHODS } from './restore-index.js';
import { BACKUP_READ_METHODS, BACKUP_WRITE_METHODS } from './backup-index.js';
import { EVENT_READ_METHODS, EVENT_WRITE_METHODS } from './event-index.js';
import { PostgresUploads } from './postgres/uploads.js';
import { PostgresVersionRules } from './postgres/versioning.js';
import { scanPostgresPlacements } from './postgres/placements.js';
import { PostgresTablesCatalog } from './postgres/tables.js';
import { PostgresRegistry } from './postgres/registry.js';
import { REGISTRY_LIFECYCLE_READ_METHODS, REGISTRY_LIFECYCLE_WRITE_METHODS, REGISTRY_READ_METHODS, REGISTRY_WRITE_METHODS } from './registry-index.js';
import { TABLES_READ_METHODS, TABLES_WRITE_METHODS } from './tables-index.js';
import { splitSuccessor, SQL } from './postgres/statements.js';
import { defineUnsupportedMethods, POSTGRES_ENGINE_NAME, POSTGRES_UNSUPPORTED_SETTINGS } from './postgres/unsupported.js';
import * as bucketWrites from './postgres/bucket-writes.js';
import { IndexFeatureUnsupportedError } from './unavailable.js';
import type {
  AccessLogIndex, BackupIndex, BucketRecord, BucketSettingKind, BucketSettingName, BucketSettingValue, BucketSettingsInit, ChangeOrigin, CorsRule,
  CreateBucketOutcome, DeleteBucketOutcome, DeleteOutcome, DeleteVersionOptions, EventIndex, GovernanceBypass, Index, LegalHoldStatus,
  ListObjectsPage, ListObjectsQuery, ListVersionsPage, ListVersionsQuery, ObjectLockChangeOutcome, ObjectLockConfiguration, ObjectRecord,
  ObjectRetention, ObjectSummary, PlacementChange, PutObjectOutcome, RegistryIndex, RegistryLifecycleIndex, RestoreIndex, ScannedVersion, ScanVersionsQuery,
  SetObjectLockConfigurationOutcome, SetVersioningOutcome, StoredAcl, StoredPlacement, TablesIndex, Tag, UploadIndex, VersionSummary,
  VersioningStatus, WritableBucketSettingKind, WriteCondition, JournalIndex,
} from './types.js';

type UploadMethod = keyof UploadIndex;
const UPLOAD_METHODS = ['createUpload', 'getUpload', 'putPart', 'listParts', 'completeUpload', 'abortUpload', 'listUploads', 'listUploadsInitiatedBefore'] as const satisfies ReadonlyArray<UploadMethod>;
const JOURNAL_METHODS = ['readJournal', 'readMetadataSnapshot', 'scanVersionsForInventory', 'commitMetadataFiles'] as const satisfies ReadonlyArray<keyof JournalIndex>;

/** Methods answered by a part (identities, uploads) or refused (unported features): defined in the static block. */
export interface PostgresIndex extends TablesIndex, RestoreIndex, AccessLogIndex, RegistryIndex, RegistryLifecycleIndex, BackupIndex, EventIndex, Pick<JournalIndex, (typeof JOURNAL_METHODS)[number]>,
  Pick<Index, IdentityTableMethod>, Pick<UploadIndex, (typeof UPLOAD_METHODS)[number]> {}

export class PostgresIndex implements Index {
  static {
    delegateMethods(PostgresIndex.prototype, IDENTITY_TABLE_METHODS, (engine) => (engine as PostgresIndex).identities);
    delegateMethods(PostgresIndex.prototype, UPLOAD_METHODS, (engine) => (engine as PostgresIndex).uploads);
    delegateMethods(PostgresIndex.prototype, [...TABLES_READ_METHODS, ...TABLES_WRITE_METHODS], (engine) => (engine as PostgresIndex).tables);
    delegateMethods(PostgresIndex.prototype, [...REGISTRY_READ_METHODS, ...REGISTRY_WRITE_METHODS], (engine) => (engine as PostgresIndex).registry);
    delegateMethods(PostgresIndex.prototype, [...REGISTRY_LIFECYCLE_READ_METHODS, ...REGISTRY_LIFECYCLE_WRITE_METHODS], (engine) => (engine as PostgresIndex).registry.lifecycle);
    delegateMethods(PostgresIndex.prototype, JOURNAL_METHODS, (engine) => (engine as PostgresIndex).journal);
    delegateMethods(PostgresIndex.prototype, [...EVENT_READ_METHODS, ...EVENT_WRITE_METHODS], (engine) => (engine as PostgresIndex).events);
    delegateMethods(PostgresIndex.prototype, [...ACCESS_LOG_READ_METHODS, ...ACCESS_LOG_WRITE_METHODS], (engine) => (engine as PostgresIndex).accessLog);
    delegateMethods(PostgresIndex.prototype, [...RESTORE_READ_METHODS, ...RESTORE_WRITE_METHODS], (engine) => (engine as PostgresIndex).restores);
    delegateMethods(PostgresIndex.prototype, [...BACKUP_READ_METHODS, ...BACKUP_WRITE_METHODS], (engine) => (engine as PostgresIndex).backups);
    defineUnsupportedMethods(PostgresIndex.prototype);
  }
  private readonly writes: PostgresWriteQueue;
  private readonly identities: PostgresIdentities;
  private readonly uploads: PostgresUploads;
  private readonly tables: PostgresTablesCatalog;
  private readonly registry: PostgresRegistry;
  /** S3 Metadata: the journal row each change appends, in the change's own transaction. */
  private readonly journal: PostgresJournal;
  /** Event notifications: targets, queues (leased to one reader at a time), listeners. */
  private readonly events: PostgresEvents;
  /** Which process reads each delivery queue (events, replication, access logs). */
  private readonly leases: QueueLeases;
  private readonly accessLog: PostgresAccessLogQueue;
  private readonly restores: PostgresRestores;
  /** AWS Backup's recovery points (chains of rows) and the versions continuous backups keep. */
  private readonly backups: PostgresBackups;
  /** Single-statement reads through the pool, a lost database reported as IndexUnavailableError. */
  private readonly sql: Sql;
  /** Injected index faults (FIS's cairn:index:*): in front of every connection this engine takes. */
  readonly faultControl: PostgresFaultGate;

  private constructor(private readonly pool: pg.Pool, url: string) {
    this.faultControl = new PostgresFaultGate(pool);
    this.sql = { query: (text, values) => reachable(() => pool.query(text, values)) } as Sql;
    this.writes = new PostgresWriteQueue(pool);
    this.identities = new PostgresIdentities(this.sql, this.writes);
    this.leases = new QueueLeases(this.sql, url);
    this.events = new PostgresEvents(this.sql, this.writes, this.leases);
    this.journal = new PostgresJournal(pool, this.sql, this.writes, this.events);
    this.accessLog = new PostgresAccessLogQueue(this.sql, this.writes, this.leases);
    this.restores = new PostgresRestores(this.sql, this.writes, this.journal);
    this.backups = new PostgresBackups(pool, this.writes);
    this.uploads = new PostgresUploads(this.sql, this.writes, this.journal);
    this.tables = new PostgresTablesCatalog(this.sql, this.writes);
    this.registry = new PostgresRegistry(this.sql, this.writes);
  }

  /** Connects, runs the migrations (under an advisory lock: several servers may start at once), and answers the engine. */
  static async open(url: string, options: { log?: (line: string) => void } = {}): Promise<PostgresIndex> {
    const pool = openPool(url, options.log);
    try {
      await reachable(() => migrate(pool));
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresIndex(pool, url);
  }

  /** Runs `read` on one connection in a REPEATABLE READ snapshot: reads of several statements that must agree. */
  private snapshot<T>(read: (sql: Sql) => Promise<T>): Promise<T> {
    return readInSnapshot(this.pool, read);
  }

  private async one<Row extends object>(text: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.sql.query<Row>(text, values)).rows[0];
  }

  async createBucket(bucket: BucketRecord, settings: BucketSettingsInit = {}): Promise<CreateBucketOutcome> {
    return this.writes.submit(async (sql) => {
      const result = await sql.query(SQL.insertBucket, [bucket.name, bucket.createdAtMs, bucket.region, bucket.ownerId, bucket.versioning ?? null]);
      if (result.rowCount !== 1) return 'already-exists';
      await bucketWrites.insertInitialSettings(sql, bucket.name, settings);
      return 'created';
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = await this.one<BucketRow>(SQL.getBucket, [name]);
    return row === undefined ? undefined : bucketFromRow(row);
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return (await this.sql.query<BucketRow>(SQL.listBuckets)).rows.map(bucketFromRow);
  }

  async deleteBucket(name: string): Promise<DeleteBucketOutcome> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getBucket, [name])).rows.length === 0) return 'missing';
      if ((await sql.query(SQL.anyObjectInBucket, [name])).rows.length > 0) return 'not-empty';
      if ((await sql.query(SQL.anyVersionInBucket, [name])).rows.length > 0) return 'not-empty';
      await sql.query(SQL.deleteBucketUploadParts, [name]);
      await sql.query(SQL.deleteBucketUploads, [name]);
      await sql.query(SQL.deleteBucketSettings, [name]);
      await sql.query(SQL.deleteBucket, [name]);
      return 'deleted';
    });
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    // One statement is its own snapshot; an object with parts needs two, read in one snapshot.
    const row = await this.one<ObjectRow>(SQL.getObject, [bucket, key]);
    if (row === undefined) return undefined;
    if (row.parts_count === 0) return objectFromRow(row);
    return this.snapshot((sql) => new PostgresVersionRules(sql).currentOf(bucket, key));
  }

  async putObject(object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<PutObjectOutcome> {
    return this.writes.submit(async (sql): Promise<PutObjectOutcome> => {
      const context = await writeContextOf(sql, object.bucket, Date.now());
      if (context === undefined) return { stored: false, reason: 'no-such-bucket' };
      const versions = new PostgresVersionRules(sql);
      const current = await versions.currentOf(object.bucket, object.key);
      const failure = conditionFailure(current, condition);
      if (failure !== undefined) return { stored: false, reason: failure, current };
      const installed = await versions.install(object, current, context);
      await this.journal.versionWritten(sql, object, 'CREATE', origin, undefined, undefined, context.observers);
      return { stored: true, replaced: current, ...installed };
    });
  }

  async replayDeleteMarker(bucket: string, key: string, markerDataId: string, atMs: number): Promise<DeleteOutcome> {
    return this.writes.submit(async (sql): Promise<DeleteOutcome> => {
      const versions = new PostgresVersionRules(sql);
      if (await versions.versioningOf(bucket) === undefined) return { discardedDataIds: [] };
      return versions.deleteCurrent(bucket, key, await versions.currentOf(bucket, key), { markerDataId, atMs });
    });
  }

  async deleteObject(bucket: string, key: string, condition?: WriteCondition, origin?: ChangeOrigin): Promise<DeleteOutcome> {
    return this.writes.submit(async (sql): Promise<DeleteOutcome> => {
      const versions = new PostgresVersionRules(sql);
      const current = await versions.currentOf(bucket, key);
      const failure = conditionFailure(current, condition);
      if (failure !== undefined) return { failure, discardedDataIds: [] };
      const outcome = await versions.deleteCurrent(bucket, key, current);
      if (outcome.deleteMarkerVersionId !== undefined) await this.journal.deleteMarkerCreated(sql, bucket, key, outcome.deleteMarkerVersionId, origin);
      else if (outcome.removed !== undefined) await this.journal.versionRemoved(sql, bucket, key, outcome.removed.versionId, origin);
      return outcome;
    });
  }

  async deleteVersion(bucket: string, key: string, versionId: string, options: DeleteVersionOptions = {}): Promise<DeleteOutcome & { wasDeleteMarker?: boolean }> {
    return this.writes.submit(async (sql) => {
      const versions = new PostgresVersionRules(sql);
      const outcome = await versions.deleteVersion(bucket, key, versionId, await versions.currentOf(bucket, key), options);
      if (outcome.removed !== undefined) await this.journal.versionRemoved(sql, bucket, key, versionId, options.origin);
      return outcome;
    });
  }

  async scanVersions(query: ScanVersionsQuery): Promise<ScannedVersion[]> {
    const base = [query.bucket, query.fromKey, query.limit];
    type Row = Omit<ScannedVersion, 'isLatest' | 'isDeleteMarker' | 'tags'> & { isLatest: number; isDeleteMarker: number; tagsJson: string | null };
    const { rows } = query.after !== undefined ? await this.sql.query<Row>(SQL.backgroundScanAfterCursor, [...base, query.after.key, query.after.dataId])
      : query.toKey !== undefined ? await this.sql.query<Row>(SQL.backgroundScanBelowKey, [...base, query.toKey])
        : await this.sql.query<Row>(SQL.backgroundScanFromEnd, base);
    return rows.map(({ tagsJson, isLatest, isDeleteMarker, ...row }) => ({
      ...row, isLatest: isLatest === 1, isDeleteMarker: isDeleteMarker === 1, tags: tagsJson === null ? undefined : JSON.parse(tagsJson),
    }));
  }

  async setStorageClass(bucket: string, key: string, dataId: string, storageClass: string, origin?: ChangeOrigin): Promise<boolean> {
    return this.writes.submit(async (sql) => {
      const changed = (await sql.query(SQL.setCurrentStorageClass, [storageClass, bucket, key, dataId])).rowCount === 1
        || (await sql.query(SQL.setVersionStorageClass, [storageClass, bucket, key, dataId])).rowCount === 1;
      // A transition changes the version's metadata: the journal records it as AWS does.
      if (changed) await this.journal.transitioned(sql, bucket, key, dataId, origin);
      return changed;
    });
  }

  async replacePlacement(change: PlacementChange): Promise<boolean> {
    const { bucket, key, dataId, partNumber } = change;
    const expected = Buffer.from(change.expected);
    const replacement = Buffer.from(change.replacement);
    const replaceLive = async (sql: Sql): Promise<boolean> => {
      if (change.uploadId !== undefined && partNumber !== undefined) {
        return (await sql.query(SQL.replaceUploadPartPlacement, [replacement, change.uploadId, partNumber, expected])).rowCount === 1;
      }
      if (partNumber !== undefined) return (await sql.query(SQL.replacePartPlacement, [replacement, dataId, partNumber, expected])).rowCount === 1;
      return (await sql.query(SQL.replaceCurrentPlacement, [replacement, bucket, key, dataId, expected])).rowCount === 1
        || (await sql.query(SQL.replaceVersionPlacement, [replacement, bucket, key, dataId, expected])).rowCount === 1;
    };
    // Recovery points and retained versions may name the same record: every copy moves with it.
    return this.writes.submit(async (sql) => [await replaceLive(sql), await replaceBackupPlacement(sql, change, expected, replacement)].includes(true));
  }

  scanPlacements(pageRows: number): AsyncGenerator<StoredPlacement[]> {
    return scanPostgresPlacements(this.pool, pageRows);
  }

  async getObjectVersion(bucket: string, key: string, versionId: string): Promise<(ObjectRecord & { isDeleteMarker?: boolean }) | undefined> {
    return this.snapshot(async (sql) => {
      const versions = new PostgresVersionRules(sql);
      return versions.getVersion(bucket, key, versionId, await versions.currentOf(bucket, key));
    });
  }

  async getLatestDeleteMarker(bucket: string, key: string): Promise<string | undefined> {
    return (await this.one<{ version_id: string }>(SQL.latestDeleteMarker, [bucket, key]))?.version_id;
  }

  async setBucketCors(name: string, rules: CorsRule[] | undefined): Promise<boolean> {
    const json = rules === undefined || rules.length === 0 ? null : JSON.stringify(rules);
    return this.writes.submit(async (sql) => (await sql.query(SQL.setBucketCors, [json, name])).rowCount === 1);
  }

  async readBucketSetting<K extends BucketSettingKind>(bucket: string, kind: K): Promise<BucketSettingValue<K> | undefined> {
    return bucketWrites.readSetting(this.sql, bucket, kind);
  }

  async listBucketsWithSetting<K extends BucketSettingKind>(kind: K): Promise<Array<{ bucket: string; value: BucketSettingValue<K> }>> {
    return bucketWrites.listSettings(this.sql, kind);
  }

  async writeBucketSetting<K extends WritableBucketSettingKind>(bucket: string, kind: K, value: BucketSettingValue<K> | undefined): Promise<boolean> {
    this.refuseSetting(kind, value !== undefined);
    const json = value === undefined ? undefined : encodeBucketSetting(kind, value);
    return this.writes.submit((sql) => bucketWrites.writeSettingJson(sql, bucket, kind, json));
  }

  /** Object Lock has its own method; settings of unported features are refused (removing one is allowed). */
  private refuseSetting(name: BucketSettingName, setting: boolean): void {
    if (name === 'object-lock') throw new Error('the object-lock setting is written only by setObjectLockConfiguration');
    if (setting && POSTGRES_UNSUPPORTED_SETTINGS.has(name)) throw new IndexFeatureUnsupportedError(`the bucket setting ${name}`, POSTGRES_ENGINE_NAME);
  }

  /** Unchecked: the stored JSON of a setting, for tests and diagnosis. */
  async getBucketSetting(bucket: string, name: BucketSettingName): Promise<unknown> {
    const row = await this.one<{ value_json: string }>(SQL.getBucketSetting, [bucket, name]);
    return row === undefined ? undefined : JSON.parse(row.value_json);
  }

  /** Unchecked: stores any JSON value as a setting, for tests. */
  async setBucketSetting(bucket: string, name: BucketSettingName, value: unknown): Promise<boolean> {
    this.refuseSetting(name, value !== undefined);
    return this.writes.submit((sql) => bucketWrites.writeSettingJson(sql, bucket, name, value === undefined ? undefined : JSON.stringify(value)));
  }

  /** Unchecked: every bucket's stored JSON of a setting, for tests and diagnosis. */
  async listBucketSettings(name: BucketSettingName): Promise<Array<{ bucket: string; value: unknown }>> {
    return bucketWrites.rawSettings(this.sql, name);
  }

  async setBucketVersioning(name: string, status: VersioningStatus): Promise<SetVersioningOutcome> {
    return this.writes.submit((sql) => bucketWrites.setBucketVersioning(sql, name, status));
  }

  async setObjectLockConfiguration(bucket: string, configuration: ObjectLockConfiguration): Promise<SetObjectLockConfigurationOutcome> {
    return this.writes.submit((sql) => bucketWrites.setObjectLockConfiguration(sql, bucket, configuration));
  }

  async setObjectRetention(bucket: string, key: string, versionId: string, retention: ObjectRetention | undefined, options: GovernanceBypass = {}): Promise<ObjectLockChangeOutcome> {
    return this.writes.submit((sql) => bucketWrites.changeObjectLock(sql, bucket, key, versionId, bucketWrites.retentionChange(retention, options.bypassGovernance === true)));
  }

  async setObjectLegalHold(bucket: string, key: string, versionId: string, status: LegalHoldStatus): Promise<ObjectLockChangeOutcome> {
    return this.writes.submit((sql) => bucketWrites.changeObjectLock(sql, bucket, key, versionId, (version) => ({ retention: version.retention, legalHold: status })));
  }

  async listObjectVersions(query: ListVersionsQuery): Promise<ListVersionsPage> {
    type Row = Omit<VersionSummary, 'isLatest' | 'isDeleteMarker'> & { dataId: string; isLatest: number; isDeleteMarker: number };
    return listVersionsPage(async ({ bucket, from, to, afterKey, afterDataId, limit }) => {
      const { rows } = to === null ? await this.sql.query<Row>(SQL.scanVersionsUnbounded, [bucket, from, afterKey, afterDataId, limit])
        : await this.sql.query<Row>(SQL.scanVersionsBounded, [bucket, from, afterKey, afterDataId, limit, to]);
      return rows.map((row) => ({ ...row, isLatest: row.isLatest === 1, isDeleteMarker: row.isDeleteMarker === 1 }));
    }, async (bucket, key, versionId) => (await this.getObjectVersion(bucket, key, versionId))?.dataId, query);
  }

  async setObjectTags(bucket: string, key: string, tags: Tag[] | undefined, origin?: ChangeOrigin, versionId?: string): Promise<ObjectRecord | undefined> {
    const json = tagsToJson(tags);
    return this.updateVersion(bucket, key, versionId, (sql, dataId) => (dataId === undefined
      ? sql.query(SQL.setObjectTags, [json, bucket, key]) : sql.query(SQL.setVersionTags, [json, bucket, key, dataId])), origin);
  }

  async setObjectAcl(bucket: string, key: string, acl: StoredAcl, versionId?: string): Promise<ObjectRecord | undefined> {
    const json = aclToJson(acl);
    return this.updateVersion(bucket, key, versionId, (sql, dataId) => (dataId === undefined
      ? sql.query(SQL.setObjectAcl, [json, bucket, key]) : sql.query(SQL.setVersionAcl, [json, bucket, key, dataId])), null);
  }

  /** Updates one version's metadata in place, journaled as UPDATE_METADATA unless `origin` is null. */
  private updateVersion(bucket: string, key: string, versionId: string | undefined,
    update: (sql: Sql, dataId: string | undefined) => Promise<{ rowCount: number | null }>, origin: ChangeOrigin | undefined | null): Promise<ObjectRecord | undefined> {
    return this.writes.submit(async (sql) => {
      const updated = await new PostgresVersionRules(sql).updateInPlace(bucket, key, versionId, async (dataId) => (await update(sql, dataId)).rowCount ?? 0);
      if (updated !== undefined && origin !== null) await this.journal.versionWritten(sql, updated, 'UPDATE_METADATA', origin);
      return updated;
    });
  }

  async setBucketTags(name: string, tags: Tag[] | undefined): Promise<boolean> {
    return this.writes.submit(async (sql) => (await sql.query(SQL.setBucketTags, [tagsToJson(tags), name])).rowCount === 1);
  }

  async listObjects(query: ListObjectsQuery): Promise<ListObjectsPage> {
    return listObjectsPage(async (bucket, fromInclusive, toExclusive, limit) => {
      const from = splitSuccessor(fromInclusive);
      const { rows } = toExclusive === null
        ? await this.sql.query<ObjectSummary>(from.exclusive ? SQL.scanObjectsAfterUnbounded : SQL.scanObjectsUnbounded, [bucket, from.key, limit])
        : await this.sql.query<ObjectSummary>(from.exclusive ? SQL.scanObjectsAfterBounded : SQL.scanObjectsBounded, [bucket, from.key, limit, toExclusive]);
      return rows;
    }, query);
  }

  /** Lets writes in flight commit, then closes every connection. */
  async close(): Promise<void> {
    await this.writes.drain();
    await this.leases.release().catch(() => undefined);
    await this.pool.end();
  }
}
