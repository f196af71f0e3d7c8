// The embedded index engine: SQLite through better-sqlite3, WAL journal, synchronous=FULL so a
// commit is on stable storage before it is acknowledged. Writes from concurrent requests are
// batched into one transaction (group commit): one WAL fsync covers them all.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { conditionFailure } from './conditions.js';
import { GroupCommitQueue } from './group-commit.js';
import { listObjectsPage } from './listing.js';
import { bucketFromRow, aclToJson, tagsToJson, type BucketRow } from './sqlite/schema.js';
import { IDENTITY_TABLE_METHODS, IdentityTables, type IdentityTableMethod } from './sqlite/identities.js';
import { delegateMethods } from './sqlite/delegate.js';
import { ACCESS_LOG_READ_METHODS, ACCESS_LOG_WRITE_METHODS } from './access-log-index.js';
import { EVENT_READ_METHODS, EVENT_WRITE_METHODS } from './event-index.js';
import { REGISTRY_LIFECYCLE_READ_METHODS, REGISTRY_LIFECYCLE_WRITE_METHODS, REGISTRY_READ_METHODS, REGISTRY_WRITE_METHODS } from './registry-index.js';
import { RESTORE_READ_METHODS, RESTORE_WRITE_METHODS } from './restore-index.js';
import { BACKUP_READ_METHODS, BACKUP_WRITE_METHODS } from './backup-index.js';
import { BackupTables } from './sqlite/backups.js';
import { TABLES_READ_METHODS, TABLES_WRITE_METHODS } from './tables-index.js';
import { prepareSchema } from './sqlite/migrations.js';
import { TablesCatalog } from './sqlite/tables.js';
import { RestoreTable } from './sqlite/restores.js';
import { AccessLogQueue } from './sqlite/access-log.js';
import { RegistryTables } from './sqlite/registry.js';
import { BucketSettingsTables } from './sqlite/settings.js';
import { UploadTables } from './sqlite/uploads.js';
import { prepareStatements, summariesFromScanRows, type Statements } from './sqlite/statements.js';
import { Journal } from './sqlite/journal.js';
import { EventTables } from './sqlite/events.js';
import type {
  AccessKeyRecord, AccessKeyStatus, BucketAccessRecord, BucketRecord, BucketWithAccess, BucketSettingKind, BucketSettingName, BucketSettingValue,
  BucketSettingsInit, ChangeOrigin, CompleteUploadOutcome, CorsRule, CreateAccessKeyOutcome, CreateBucketOutcome,
  CreateUserOutcome, DeleteBucketOutcome, DeleteOutcome, DeleteUserOutcome, DeleteVersionOptions, GovernanceBypass, Index,
  InventoryScanPage, JournalRow, LegalHoldStatus, ListObjectsPage, ListObjectsQuery, ListUploadsPage, ListUploadsQuery,
  ListVersionsPage, ListVersionsQuery, MetadataFilesCommit, MetadataSnapshot, MetadataSnapshotRequest, ObjectLockChangeOutcome,
  ObjectLockConfiguration, ObjectRecord, ObjectRetention, PlacementChange, PutObjectOutcome, ScanVersionsQuery,
  ScannedVersion, SetObjectLockConfigurationOutcome, SetUserEmailOutcome, SetVersioningOutcome, StoredAcl, StoredPart, StoredPlacement, Tag, UploadRecord,
  AccessLogIndex, BackupIndex, EventIndex, RegistryIndex, RegistryLifecycleIndex, RestoreIndex, TablesIndex, UserRecord, VersionCursor, VersionSummary, VersioningStatus, WritableBucketSettingKind, WriteCondition,
} from './types.js';
import { listVersionsPage } from './version-listing.js';
import { VersionRules } from './sqlite/versioning.js';
import { ObjectLockWrites } from './sqlite/object-lock-writes.js';
import { scanPlacementSnapshot } from './sqlite/placement-snapshot.js';
import { WRITER_AUTOCHECKPOINT_PAGES } from './sqlite/checkpointer.js';

/** Methods that are wholly one part's (the catalogs, queues and identity tables): the engine's own, each calling that part (the static block). */
export interface SqliteIndex extends TablesIndex, RestoreIndex, BackupIndex, AccessLogIndex, RegistryIndex, RegistryLifecycleIndex, EventIndex, Pick<Index, IdentityTableMethod> {}

export class SqliteIndex implements Index {
  static {
    delegateMethods(SqliteIndex.prototype, [...TABLES_READ_METHODS, ...TABLES_WRITE_METHODS], (engine) => (engine as SqliteIndex).tables);
    delegateMethods(SqliteIndex.prototype, IDENTITY_TABLE_METHODS, (engine) => (engine as SqliteIndex).identities);
    delegateMethods(SqliteIndex.prototype, [...RESTORE_READ_METHODS, ...RESTORE_WRITE_METHODS], (engine) => (engine as SqliteIndex).restores);
    delegateMethods(SqliteIndex.prototype, [...ACCESS_LOG_READ_METHODS, ...ACCESS_LOG_WRITE_METHODS], (engine) => (engine as SqliteIndex).accessLog);
    delegateMethods(SqliteIndex.prototype, [...REGISTRY_READ_METHODS, ...REGISTRY_WRITE_METHODS], (engine) => (engine as SqliteIndex).registry);
    delegateMethods(SqliteIndex.prototype, [...REGISTRY_LIFECYCLE_READ_METHODS, ...REGISTRY_LIFECYCLE_WRITE_METHODS], (engine) => (engine as SqliteIndex).registry.lifecycle);
    delegateMethods(SqliteIndex.prototype, [...EVENT_READ_METHODS, ...EVENT_WRITE_METHODS], (engine) => (engine as SqliteIndex).events);
    delegateMethods(SqliteIndex.prototype, [...BACKUP_READ_METHODS, ...BACKUP_WRITE_METHODS], (engine) => (engine as SqliteIndex).backups);
  }
  private readonly events: EventTables;
  private readonly tables: TablesCatalog;
  private readonly restores: RestoreTable;
  private readonly backups: BackupTables;
  private readonly accessLog: AccessLogQueue;
  private readonly registry: RegistryTables;
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly writes: GroupCommitQueue;
  /** The object row and its parts from one snapshot, so a commit between the two reads cannot split them. */
  private readonly readObjectSnapshot: (bucket: string, key: string) => ObjectRecord | undefined;
  private readonly readVersionSnapshot: (bucket: string, key: string, versionId: string) => (ObjectRecord & { isDeleteMarker?: boolean }) | undefined;
  private readonly versions: VersionRules;
  private readonly identities: IdentityTables;
  private readonly objectLock: ObjectLockWrites;
  private readonly settings: BucketSettingsTables;
  private readonly uploads: UploadTables;
  /** S3 Metadata: the journal row each change appends, in the change's own transaction. */
  private readonly journal: Journal;
  private readonly readMetadataSnapshotInOneRead: (request: MetadataSnapshotRequest) => MetadataSnapshot;
  private readonly readVersionsPageInOneRead: (bucket: string, after: VersionCursor | undefined, limit: number) => InventoryScanPage;

  private constructor(db: Database.Database, private readonly databasePath: string) {
    this.db = db;
    this.statements = prepareStatements(db);
    this.writes = new GroupCommitQueue(db);
    this.identities = new IdentityTables(db, this.writes);
    this.tables = new TablesCatalog(db, this.writes);
    this.accessLog = new AccessLogQueue(db, this.writes);
    this.registry = new RegistryTables(db, this.writes);
    this.settings = new BucketSettingsTables(this.statements, this.writes);
    this.readObjectSnapshot = db.transaction((bucket: string, key: string) => this.readObject(bucket, key));
    this.backups = new BackupTables(db, this.writes);
    this.versions = new VersionRules(this.statements, this.backups.retained);
    this.objectLock = new ObjectLockWrites(this.statements, this.versions);
    this.readVersionSnapshot = db.transaction((bucket: string, key: string, versionId: string) =>
      this.versions.getVersion(bucket, key, versionId, this.readObject(bucket, key)));
    this.events = new EventTables(db, this.writes);
    this.journal = new Journal(db, this.events);
    this.restores = new RestoreTable(db, this.writes, this.journal);
    this.uploads = new UploadTables(this.statements, this.writes, this.versions, this.journal);
    this.readMetadataSnapshotInOneRead = db.transaction((request: MetadataSnapshotRequest) => this.journal.snapshot(request));
    this.readVersionsPageInOneRead = db.transaction((bucket: string, after: VersionCursor | undefined, limit: number) =>
      this.journal.versionsPage(bucket, after, limit));
  }

  /** `checkpointInBackground`: the host's one writer, with sqlite/checkpointer.ts beside it (its commits checkpoint only at a backstop). */
  static open(path: string, options: { checkpointInBackground?: boolean } = {}): SqliteIndex {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Several worker processes may share the file: wait for a writer rather than fail at once.
    db.pragma('busy_timeout = 5000');
    if (options.checkpointInBackground === true) db.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
    try {
      prepareSchema(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteIndex(db, path);
  }

  async createBucket(bucket: BucketRecord, settings: BucketSettingsInit = {}): Promise<CreateBucketOutcome> {
    return this.writes.submit(() => {
      const result = this.statements.insertBucket.run(bucket.name, bucket.createdAtMs, bucket.region, bucket.ownerId, bucket.versioning ?? null);
      if (result.changes !== 1) return 'already-exists';
      this.settings.insertInitial(bucket.name, settings);
      return 'created';
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = this.statements.getBucket.get(name) as BucketRow | undefined;
    return row === undefined ? undefined : bucketFromRow(row);
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return (this.statements.listBuckets.all() as BucketRow[]).map(bucketFromRow);
  }

  async deleteBucket(name: string): Promise<DeleteBucketOutcome> {
    return this.writes.submit(() => {
      if (this.statements.getBucket.get(name) === undefined) return 'missing';
      if (this.statements.anyObjectInBucket.get(name) !== undefined) return 'not-empty';
      // Noncurrent versions and delete markers count: S3 deletes only a bucket with no versions at all.
      if (this.statements.anyVersionInBucket.get(name) !== undefined) return 'not-empty';
      // Unfinished multipart uploads do not hold a bucket, as in S3: they go with it.
      this.statements.deleteBucketUploadParts.run(name);
      this.statements.deleteBucketUploads.run(name);
      this.statements.deleteBucketSettings.run(name);
      this.statements.deleteBucket.run(name);
      return 'deleted';
    });
  }

  /** The current version with its parts (inside a write transaction, or from readObjectSnapshot). */
  private readObject(bucket: string, key: string): ObjectRecord | undefined {
    return this.versions.currentOf(bucket, key);
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const whole = this.versions.currentWithoutParts(bucket, key);
    return whole === 'has-parts' ? this.readObjectSnapshot(bucket, key) : whole;
  }

  async putObject(object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<PutObjectOutcome> {
    return this.writes.submit((): PutObjectOutcome => {
      const context = this.versions.writeContextOf(object.bucket);
      if (context === undefined) return { stored: false, reason: 'no-such-bucket' };
      const current = this.readObject(object.bucket, object.key);
      const failure = conditionFailure(current, condition);
      if (failure !== undefined) return { stored: false, reason: failure, current };
      const installed = this.versions.install(object, current, context);
      this.journal.versionWritten(object, 'CREATE', origin, undefined, undefined, context.observers);
      return { stored: true, replaced: current, ...installed };
    });
  }

  async replayDeleteMarker(bucket: string, key: string, markerDataId: string, atMs: number): Promise<DeleteOutcome> {
    return this.writes.submit((): DeleteOutcome => {
      if (this.versions.versioningOf(bucket) === undefined) return { discardedDataIds: [] };
      return this.versions.deleteCurrent(bucket, key, this.readObject(bucket, key), { markerDataId, atMs });
    });
  }

  async deleteObject(bucket: string, key: string, condition?: WriteCondition, origin?: ChangeOrigin): Promise<DeleteOutcome> {
    return this.writes.submit((): DeleteOutcome => {
      const current = this.readObject(bucket, key);
      const failure = conditionFailure(current, condition);
      if (failure !== undefined) return { failure, discardedDataIds: [] };
      const outcome = this.versions.deleteCurrent(bucket, key, current);
      if (outcome.deleteMarkerVersionId !== undefined) this.journal.deleteMarkerCreated(bucket, key, outcome.deleteMarkerVersionId, origin);
      else if (outcome.removed !== undefined) this.journal.versionRemoved(bucket, key, outcome.removed.versionId, origin);
      return outcome;
    });
  }

  async deleteVersion(bucket: string, key: string, versionId: string, options: DeleteVersionOptions = {}): Promise<DeleteOutcome & { wasDeleteMarker?: boolean }> {
    return this.writes.submit(() => {
      const outcome = this.versions.deleteVersion(bucket, key, versionId, this.readObject(bucket, key), options);
      if (outcome.removed !== undefined) this.journal.versionRemoved(bucket, key, versionId, options.origin);
      return outcome;
    });
  }

  async scanVersions(query: ScanVersionsQuery): Promise<ScannedVersion[]> {
    const base = { bucket: query.bucket, from: query.fromKey, limit: query.limit };
    let rows: Array<Omit<ScannedVersion, 'isLatest' | 'isDeleteMarker' | 'tags'> & { isLatest: number; isDeleteMarker: number; tagsJson: string | null }>;
    if (query.after !== undefined) rows = this.statements.backgroundScanAfterCursor.all({ ...base, afterKey: query.after.key, afterDataId: query.after.dataId }) as typeof rows;
    else if (query.toKey !== undefined) rows = this.statements.backgroundScanBelowKey.all({ ...base, to: query.toKey }) as typeof rows;
    else rows = this.statements.backgroundScanFromEnd.all(base) as typeof rows;
    return rows.map(({ tagsJson, isLatest, isDeleteMarker, ...row }) => ({
      ...row,
      isLatest: isLatest === 1,
      isDeleteMarker: isDeleteMarker === 1,
      tags: tagsJson === null ? undefined : JSON.parse(tagsJson),
    }));
  }

  async setStorageClass(bucket: string, key: string, dataId: string, storageClass: string, origin?: ChangeOrigin): Promise<boolean> {
    return this.writes.submit(() => {
      const changed = this.statements.setCurrentStorageClass.run(storageClass, bucket, key, dataId).changes === 1
        || this.statements.setVersionStorageClass.run(storageClass, bucket, key, dataId).changes === 1;
      if (changed && this.journal.observed(bucket)) {
        // A transition changes the version's metadata: the journal records it as AWS does.
        const current = this.readObject(bucket, key);
        const version = current?.dataId === dataId ? current : this.versions.getVersionByDataId(bucket, key, dataId);
        if (version !== undefined) this.journal.versionWritten(version, 'UPDATE_METADATA', origin, 'LifecycleTransition');
      }
      return changed;
    });
  }

  async replacePlacement(change: PlacementChange): Promise<boolean> {
    const { bucket, key, dataId, partNumber } = change;
    const expected = Buffer.from(change.expected);
    const replacement = Buffer.from(change.replacement);
    const replaceLive = (): boolean => {
      if (change.uploadId !== undefined && partNumber !== undefined) {
        return this.statements.replaceUploadPartPlacement.run(replacement, change.uploadId, partNumber, expected).changes === 1;
      }
      // Parts are keyed by their object's data id, unique to one version; deleting it removes them.
      if (partNumber !== undefined) return this.statements.replacePartPlacement.run(replacement, dataId, partNumber, expected).changes === 1;
      return this.statements.replaceCurrentPlacement.run(replacement, bucket, key, dataId, expected).changes === 1
        || this.statements.replaceVersionPlacement.run(replacement, bucket, key, dataId, expected).changes === 1;
    };
    // Recovery points hold copies of the same placement: each is re-pointed too, even when the version itself is gone.
    return this.writes.submit(() => [replaceLive(), this.backups.replacePlacement(change, expected, replacement)].includes(true));
  }

  scanPlacements(pageRows: number): AsyncGenerator<StoredPlacement[]> { return scanPlacementSnapshot(this.databasePath, pageRows); }

  async getObjectVersion(bucket: string, key: string, versionId: string): Promise<(ObjectRecord & { isDeleteMarker?: boolean }) | undefined> {
    return this.readVersionSnapshot(bucket, key, versionId);
  }

  async getLatestDeleteMarker(bucket: string, key: string): Promise<string | undefined> {
    return (this.statements.latestDeleteMarker.get(bucket, key) as { version_id: string } | undefined)?.version_id;
  }

  async setBucketCors(name: string, rules: CorsRule[] | undefined): Promise<boolean> {
    const json = rules === undefined || rules.length === 0 ? null : JSON.stringify(rules);
    return this.writes.submit(() => this.statements.setBucketCors.run(json, name).changes === 1);
  }

  async readBucketSetting<K extends BucketSettingKind>(bucket: string, kind: K): Promise<BucketSettingValue<K> | undefined> { return this.settings.read(bucket, kind); }

  async listBucketsWithSetting<K extends BucketSettingKind>(kind: K): Promise<Array<{ bucket: string; value: BucketSettingValue<K> }>> {
    return this.settings.list(kind);
  }

  async writeBucketSetting<K extends WritableBucketSettingKind>(bucket: string, kind: K, value: BucketSettingValue<K> | undefined): Promise<boolean> {
    return this.settings.write(bucket, kind, value);
  }

  /** Unchecked: the stored JSON of a setting, for tests and diagnosis (the server uses readBucketSetting). */
  async getBucketSetting(bucket: string, name: BucketSettingName): Promise<unknown> {
    return this.settings.rawGet(bucket, name);
  }

  /** Unchecked: stores any JSON value as a setting, for tests (the server uses writeBucketSetting). */
  async setBucketSetting(bucket: string, name: BucketSettingName, value: unknown): Promise<boolean> {
    return this.settings.rawSet(bucket, name, value);
  }

  /** Unchecked: every bucket's stored JSON of a setting, for tests and diagnosis (the server uses listBucketsWithSetting). */
  async listBucketSettings(name: BucketSettingName): Promise<Array<{ bucket: string; value: unknown }>> {
    return this.settings.rawList(name);
  }

  async setBucketVersioning(name: string, status: VersioningStatus): Promise<SetVersioningOutcome> {
    return this.writes.submit(() => this.objectLock.setBucketVersioning(name, status));
  }

  async setObjectLockConfiguration(bucket: string, configuration: ObjectLockConfiguration): Promise<SetObjectLockConfigurationOutcome> {
    return this.writes.submit(() => this.objectLock.setConfiguration(bucket, configuration));
  }

  async setObjectRetention(bucket: string, key: string, versionId: string, retention: ObjectRetention | undefined, options: GovernanceBypass = {}): Promise<ObjectLockChangeOutcome> {
    return this.writes.submit(() => this.objectLock.setRetention(bucket, key, versionId, retention, options.bypassGovernance === true));
  }

  async setObjectLegalHold(bucket: string, key: string, versionId: string, status: LegalHoldStatus): Promise<ObjectLockChangeOutcome> {
    return this.writes.submit(() => this.objectLock.setLegalHold(bucket, key, versionId, status));
  }

  async listObjectVersions(query: ListVersionsQuery): Promise<ListVersionsPage> {
    return listVersionsPage((parameters) => {
      const statement = parameters.to === null ? this.statements.scanVersionsUnbounded : this.statements.scanVersionsBounded;
      const { to, ...unbounded } = parameters;
      // SQLite answers the flags as 0/1.
      const rows = statement.all(to === null ? unbounded : parameters) as Array<Omit<VersionSummary, 'isLatest' | 'isDeleteMarker'> & { dataId: string; isLatest: number; isDeleteMarker: number }>;
      return rows.map((row) => ({ ...row, isLatest: row.isLatest === 1, isDeleteMarker: row.isDeleteMarker === 1 }));
    }, (bucket, key, versionId) => this.versions.getVersion(bucket, key, versionId, this.readObject(bucket, key))?.dataId, query);
  }

  async setObjectTags(bucket: string, key: string, tags: Tag[] | undefined, origin?: ChangeOrigin, versionId?: string): Promise<ObjectRecord | undefined> {
    const json = tagsToJson(tags);
    return this.updateVersion(bucket, key, versionId, (statements, dataId) => (dataId === undefined
      ? statements.setObjectTags.run(json, bucket, key) : statements.setVersionTags.run(json, bucket, key, dataId)).changes, origin);
  }

  async setObjectAcl(bucket: string, key: string, acl: StoredAcl, versionId?: string): Promise<ObjectRecord | undefined> {
    const json = aclToJson(acl);
    return this.updateVersion(bucket, key, versionId, (statements, dataId) => (dataId === undefined
      ? statements.setObjectAcl.run(json, bucket, key) : statements.setVersionAcl.run(json, bucket, key, dataId)).changes, null);
  }

  /** Updates one version's metadata in place, journaled as UPDATE_METADATA unless `origin` is null. */
  private updateVersion(bucket: string, key: string, versionId: string | undefined,
    update: (statements: Statements, dataId: string | undefined) => number, origin: ChangeOrigin | undefined | null): Promise<ObjectRecord | undefined> {
    return this.writes.submit(() => {
      const updated = this.versions.updateInPlace(bucket, key, versionId, (dataId) => update(this.statements, dataId));
      if (updated !== undefined && origin !== null) this.journal.versionWritten(updated, 'UPDATE_METADATA', origin);
      return updated;
    });
  }

  async setBucketTags(name: string, tags: Tag[] | undefined): Promise<boolean> {
    return this.writes.submit(() => this.statements.setBucketTags.run(tagsToJson(tags), name).changes === 1);
  }

  async listObjects(query: ListObjectsQuery): Promise<ListObjectsPage> {
    return listObjectsPage((bucket, fromInclusive, toExclusive, limit) => {
      if (toExclusive === null) return summariesFromScanRows(this.statements.scanUnbounded.all(bucket, fromInclusive, limit));
      return summariesFromScanRows(this.statements.scanBounded.all(bucket, fromInclusive, toExclusive, limit));
    }, query);
  }

  createUpload(upload: UploadRecord): Promise<'created' | 'no-such-bucket'> { return this.uploads.createUpload(upload); }
  getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined> { return this.uploads.getUpload(bucket, key, uploadId); }
  putPart(uploadId: string, part: StoredPart): Promise<{ stored: boolean; replaced?: StoredPart }> { return this.uploads.putPart(uploadId, part); }
  listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<{ parts: StoredPart[]; isTruncated: boolean }> {
    return this.uploads.listParts(uploadId, afterPartNumber, maxParts);
  }
  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<CompleteUploadOutcome> {
    return this.uploads.completeUpload(uploadId, object, condition, origin);
  }
  abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean> { return this.uploads.abortUpload(bucket, key, uploadId); }
  listUploads(query: ListUploadsQuery): Promise<ListUploadsPage> { return this.uploads.listUploads(query); }
  listUploadsInitiatedBefore(initiatedBeforeMs: number, limit: number): Promise<UploadRecord[]> {
    return this.uploads.listUploadsInitiatedBefore(initiatedBeforeMs, limit);
  }

  async readJournal(limit: number): Promise<JournalRow[]> { return this.journal.oldest(limit); }

  async readMetadataSnapshot(request: MetadataSnapshotRequest): Promise<MetadataSnapshot> {
    return this.readMetadataSnapshotInOneRead(request);
  }

  async scanVersionsForInventory(bucket: string, after: VersionCursor | undefined, limit: number): Promise<InventoryScanPage> {
    return this.readVersionsPageInOneRead(bucket, after, limit);
  }

  async commitMetadataFiles(commit: MetadataFilesCommit): Promise<{ discarded: Array<{ key: string; dataId: string }> }> {
    return this.writes.submit(() => {
      if (this.statements.getBucket.get(commit.systemBucket) === undefined) throw new Error(`system bucket ${commit.systemBucket} is missing`);
      const discarded: Array<{ key: string; dataId: string }> = [];
      for (const key of commit.remove) {
        const outcome = this.versions.deleteCurrent(commit.systemBucket, key, this.readObject(commit.systemBucket, key));
        discarded.push(...outcome.discardedDataIds.map((dataId) => ({ key, dataId })));
      }
      for (const file of commit.add) {
        if (file.bucket !== commit.systemBucket) throw new Error(`metadata file ${file.bucket}/${file.key} is outside the system bucket`);
        const installed = this.versions.install(file, this.readObject(file.bucket, file.key));
        discarded.push(...installed.discardedDataIds.map((dataId) => ({ key: file.key, dataId })));
      }
      if (commit.consumeJournal !== undefined) this.journal.consume(commit.consumeJournal);
      for (const state of commit.states ?? []) this.journal.setState(state.bucket, state.table, state.value);
      return { discarded };
    });
  }

  async close(): Promise<void> {
    await this.writes.drain();
    this.db.close();
  }
}
