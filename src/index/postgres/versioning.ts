// S3's versioning rules on PostgreSQL: the async twin of sqlite/versioning.ts, run on one
// connection inside a write transaction (or a read snapshot). `objects` holds each key's live
// current version; `object_versions` the noncurrent versions and delete markers, newest first by data id.
import { newTimeOrderedId } from '../../util/ids.js';
import { decodeBucketSetting } from '../bucket-settings.js';
import { defaultRetention, deletionRefusal } from '../object-lock.js';
import { objectFromRow, partFromRow, type ObjectRow, type PartRow } from '../sqlite/schema.js';
import { NULL_VERSION_ID } from '../sqlite/versioning.js';
import type { DeleteOutcome, DeleteVersionOptions, ObjectLockConfiguration, ObjectRecord, VersionDeleteCondition, VersioningStatus } from '../types.js';
import type { BucketWriteContext } from '../change-observers.js';
import type { Sql } from './connection.js';
import { retainVersion } from './retained-versions.js';
import { objectValues, partValues, SQL } from './statements.js';

interface VersionRow extends ObjectRow {
  is_delete_marker: number;
  is_latest: number;
}

export class PostgresVersionRules {
  constructor(private readonly sql: Sql) {}

  private async one<Row extends object>(text: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.sql.query<Row>(text, values)).rows[0];
  }

  private async run(text: string, values: unknown[]): Promise<number> {
    return (await this.sql.query(text, values)).rowCount ?? 0;
  }

  async versioningOf(bucket: string): Promise<VersioningStatus | undefined> {
    const row = await this.one<{ versioning: string | null }>(SQL.getBucket, [bucket]);
    return (row?.versioning ?? undefined) as VersioningStatus | undefined;
  }

  async objectLockOf(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    const row = await this.one<{ value_json: string }>(SQL.getBucketSetting, [bucket, 'object-lock']);
    return row === undefined ? undefined : decodeBucketSetting(bucket, 'object-lock', row.value_json);
  }

  async currentOf(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const row = await this.one<ObjectRow>(SQL.getObject, [bucket, key]);
    return row === undefined ? undefined : this.withParts(row);
  }

  private async withParts(row: ObjectRow): Promise<ObjectRecord> {
    const parts = row.parts_count === 0 ? undefined : (await this.sql.query<PartRow>(SQL.objectParts, [row.data_id])).rows.map(partFromRow);
    return objectFromRow(row, parts);
  }

  private async toVersions(object: ObjectRecord, flags: { isDeleteMarker: boolean; isLatest: boolean }): Promise<void> {
    await this.run(SQL.insertVersion, [...objectValues(object), flags.isDeleteMarker ? 1 : 0, flags.isLatest ? 1 : 0]);
  }

  /** Forgets a version's parts; never a version Object Lock protects (the throw rolls the write back). */
  private async discard(object: ObjectRecord, bypassGovernance = false): Promise<string> {
    const refusal = deletionRefusal(object, Date.now(), bypassGovernance);
    if (refusal !== undefined) throw new Error(`refusing to discard ${object.bucket}/${object.key} version ${object.versionId}: Object Lock (${refusal})`);
    // A continuous backup covering the bucket keeps it (with its parts, copied before they go).
    await retainVersion(this.sql, object, false, Date.now());
    if (object.parts !== undefined) await this.run(SQL.deleteObjectParts, [object.dataId]);
    return object.dataId;
  }

  private async discardNoncurrentNull(bucket: string, key: string): Promise<string[]> {
    const row = await this.one<VersionRow>(SQL.getVersionById, [bucket, key, NULL_VERSION_ID]);
    if (row === undefined) return [];
    await this.run(SQL.deleteVersionRow, [bucket, key, row.data_id]);
    if (row.is_delete_marker === 1) await retainVersion(this.sql, objectFromRow(row), true, Date.now());
    return row.is_delete_marker === 1 ? [] : [await this.discard(await this.withParts(row))];
  }

  private async retire(current: ObjectRecord, versioning: VersioningStatus | undefined): Promise<string[]> {
    if (versioning === undefined || (versioning === 'Suspended' && current.versionId === NULL_VERSION_ID)) return [await this.discard(current)];
    await this.toVersions(current, { isDeleteMarker: false, isLatest: false });
    return [];
  }

  /** `context`: the caller's bucket context (change-observers.ts), read in this write: spares reading the bucket and its lock again. */
  async install(object: ObjectRecord, current: ObjectRecord | undefined, context?: BucketWriteContext): Promise<{ versionId: string; discardedDataIds: string[] }> {
    const versioning = context === undefined ? await this.versioningOf(object.bucket) : context.versioning;
    this.applyObjectLock(object, context === undefined ? await this.objectLockOf(object.bucket)
      : context.objectLockJson === undefined ? undefined : decodeBucketSetting(object.bucket, 'object-lock', context.objectLockJson));
    const versionId = versioning === 'Enabled' ? object.dataId : NULL_VERSION_ID;
    const discardedDataIds = current === undefined ? [] : await this.retire(current, versioning);
    if (versioning === 'Suspended') discardedDataIds.push(...await this.discardNoncurrentNull(object.bucket, object.key));
    if (versioning !== undefined) await this.run(SQL.clearLatestVersion, [object.bucket, object.key]);
    object.versionId = versionId;
    await this.run(SQL.upsertObject, objectValues(object));
    for (const part of object.parts ?? []) await this.run(SQL.insertObjectPart, partValues(object.dataId, part));
    return { versionId, discardedDataIds };
  }

  private applyObjectLock(object: ObjectRecord, configuration: ObjectLockConfiguration | undefined): void {
    if (configuration === undefined) {
      if (object.retention !== undefined || object.legalHold !== undefined) throw new Error(`Object Lock state on ${object.bucket}, which has no Object Lock`);
      return;
    }
    object.retention ??= defaultRetention(configuration, object.lastModifiedMs);
  }

  async deleteCurrent(bucket: string, key: string, current: ObjectRecord | undefined, replayed?: { markerDataId: string; atMs: number }): Promise<DeleteOutcome> {
    const versioning = await this.versioningOf(bucket);
    if (versioning === undefined) {
      if (current === undefined) return { discardedDataIds: [] };
      await this.run(SQL.deleteObject, [bucket, key]);
      return { removed: current, discardedDataIds: [await this.discard(current)] };
    }
    const discardedDataIds = current === undefined ? [] : await this.retire(current, versioning);
    if (current !== undefined) await this.run(SQL.deleteObject, [bucket, key]);
    if (versioning === 'Suspended') discardedDataIds.push(...await this.discardNoncurrentNull(bucket, key));
    await this.run(SQL.clearLatestVersion, [bucket, key]);
    const dataId = replayed?.markerDataId ?? newTimeOrderedId();
    const lastModifiedMs = replayed?.atMs ?? Date.now();
    const markerVersionId = versioning === 'Enabled' ? dataId : NULL_VERSION_ID;
    await this.toVersions({
      bucket, key, versionId: markerVersionId, dataId, sizeBytes: 0, etag: '', lastModifiedMs, storageClass: 'STANDARD',
      headers: { contentType: '' }, userMetadata: {}, placement: new Uint8Array(0),
    }, { isDeleteMarker: true, isLatest: true });
    return { deleteMarkerVersionId: markerVersionId, deleteMarker: { dataId, lastModifiedMs }, discardedDataIds };
  }

  private async versionConditionHolds(bucket: string, key: string, versionId: string, current: ObjectRecord | undefined, condition: VersionDeleteCondition): Promise<boolean> {
    if (current !== undefined && current.versionId === versionId) return condition.ifSoleDeleteMarker !== true && current.dataId === condition.ifDataId;
    const row = await this.one<VersionRow>(SQL.getVersionById, [bucket, key, versionId]);
    if (row === undefined || row.data_id !== condition.ifDataId) return false;
    if (condition.ifSoleDeleteMarker !== true) return true;
    const versionCountUpToTwo = (await this.one<{ count: number }>(SQL.countKeyVersions, [bucket, key]))!.count;
    return row.is_delete_marker === 1 && row.is_latest === 1 && current === undefined && versionCountUpToTwo === 1;
  }

  async deleteVersion(bucket: string, key: string, versionId: string, current: ObjectRecord | undefined, options: DeleteVersionOptions = {}): Promise<DeleteOutcome & { wasDeleteMarker?: boolean }> {
    const bypassGovernance = options.bypassGovernance === true;
    if (options.condition !== undefined && !await this.versionConditionHolds(bucket, key, versionId, current, options.condition)) {
      return { failure: 'precondition-failed', discardedDataIds: [] };
    }
    const nowMs = Date.now();
    if (current !== undefined && current.versionId === versionId) {
      const failure = deletionRefusal(current, nowMs, bypassGovernance);
      if (failure !== undefined) return { failure, discardedDataIds: [] };
      await this.run(SQL.deleteObject, [bucket, key]);
      const discarded = await this.discard(current, bypassGovernance);
      await this.promoteNewest(bucket, key);
      return { removed: current, discardedDataIds: [discarded] };
    }
    const row = await this.one<VersionRow>(SQL.getVersionById, [bucket, key, versionId]);
    if (row === undefined) return { discardedDataIds: [] };
    const removed = await this.withParts(row);
    const failure = deletionRefusal(removed, nowMs, bypassGovernance);
    if (failure !== undefined) return { failure, discardedDataIds: [] };
    await this.run(SQL.deleteVersionRow, [bucket, key, row.data_id]);
    if (row.is_delete_marker === 1) await retainVersion(this.sql, removed, true, nowMs);
    const discardedDataIds = row.is_delete_marker === 1 ? [] : [await this.discard(removed, bypassGovernance)];
    if (row.is_latest === 1) await this.promoteNewest(bucket, key);
    return { removed, discardedDataIds, wasDeleteMarker: row.is_delete_marker === 1 };
  }

  private async promoteNewest(bucket: string, key: string): Promise<void> {
    const newest = await this.one<VersionRow>(SQL.newestVersion, [bucket, key]);
    if (newest === undefined) return;
    if (newest.is_delete_marker === 1) {
      await this.run(SQL.markLatestVersion, [bucket, key, newest.data_id]);
      return;
    }
    await this.run(SQL.deleteVersionRow, [bucket, key, newest.data_id]);
    await this.run(SQL.upsertObject, objectValues(await this.withParts(newest)));
  }

  async getVersion(bucket: string, key: string, versionId: string, current: ObjectRecord | undefined): Promise<(ObjectRecord & { isDeleteMarker?: boolean }) | undefined> {
    if (current !== undefined && current.versionId === versionId) return current;
    const row = await this.one<VersionRow>(SQL.getVersionById, [bucket, key, versionId]);
    if (row === undefined) return undefined;
    return { ...await this.withParts(row), isDeleteMarker: row.is_delete_marker === 1 };
  }

  /** Runs `update` on one version's row and returns it as updated; undefined for none or a delete marker. */
  async updateInPlace(bucket: string, key: string, versionId: string | undefined, update: (dataId: string | undefined) => Promise<number>): Promise<ObjectRecord | undefined> {
    const current = await this.currentOf(bucket, key);
    if (versionId === undefined || current?.versionId === versionId) {
      return await update(undefined) === 0 ? undefined : this.currentOf(bucket, key);
    }
    const version = await this.getVersion(bucket, key, versionId, current);
    if (version === undefined || version.isDeleteMarker === true) return undefined;
    await update(version.dataId);
    return this.getVersionByDataId(bucket, key, version.dataId);
  }

  async getVersionByDataId(bucket: string, key: string, dataId: string): Promise<ObjectRecord | undefined> {
    const row = await this.one<VersionRow>(SQL.getVersionByDataId, [bucket, key, dataId]);
    return row === undefined || row.is_delete_marker === 1 ? undefined : this.withParts(row);
  }
}
