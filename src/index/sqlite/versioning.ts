// S3's versioning rules, applied inside the index's write transactions. `objects` holds each key's
// live current version; `object_versions` holds everything else: noncurrent versions and delete
// markers, newest first by data id (time-ordered). Version ids are data ids, or 'null' for the one
// version a never-versioned or suspended bucket keeps per key.
import { newTimeOrderedId } from '../../util/ids.js';
import { decodeBucketSetting } from '../bucket-settings.js';
import { defaultRetention, deletionRefusal } from '../object-lock.js';
import type { DeleteOutcome, DeleteVersionOptions, ObjectLockConfiguration, ObjectRecord, VersionDeleteCondition, VersioningStatus } from '../types.js';
import { writeContextFromRows, type BucketWriteContext } from '../change-observers.js';
import { objectFromRow, objectToParameters, partFromRow, partToParameters, type ObjectRow, type PartRow } from './schema.js';
import type { RetainedVersions } from './retained-versions.js';
import type { Statements } from './statements.js';

export const NULL_VERSION_ID = 'null';

interface VersionRow extends ObjectRow {
  is_delete_marker: number;
  is_latest: number;
}

export class VersionRules {
  /** `retained`: where a version deleted for good goes while a continuous backup covers its bucket. */
  constructor(private readonly statements: Statements, private readonly retained?: RetainedVersions) {}

  versioningOf(bucket: string): VersioningStatus | undefined {
    const row = this.statements.getBucket.get(bucket) as { versioning: string | null } | undefined;
    return (row?.versioning ?? undefined) as VersioningStatus | undefined;
  }

  /** What a write needs of its bucket, in one statement (change-observers.ts); undefined when there is no such bucket. */
  writeContextOf(bucket: string): BucketWriteContext | undefined {
    return writeContextFromRows(this.statements.writeContext.all({ bucket, now: Date.now() }) as Array<[string, string | null]>);
  }

  /** The bucket's Object Lock configuration; undefined when Object Lock is not enabled on it. */
  objectLockOf(bucket: string): ObjectLockConfiguration | undefined {
    const row = this.statements.getBucketSetting.get(bucket, 'object-lock') as { value_json: string } | undefined;
    return row === undefined ? undefined : decodeBucketSetting(bucket, 'object-lock', row.value_json);
  }

  /** The key's live current version, with its parts. */
  currentOf(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.statements.getObject.get(bucket, key) as ObjectRow | undefined;
    return row === undefined ? undefined : this.withParts(row);
  }

  /**
   * The key's live current version in one statement (its own snapshot) when it has no parts; a
   * multipart one ('has-parts') needs its row and parts read in one transaction. A small GET or
   * HEAD so costs one statement, not BEGIN, SELECT and COMMIT.
   */
  currentWithoutParts(bucket: string, key: string): ObjectRecord | undefined | 'has-parts' {
    const row = this.statements.getObject.get(bucket, key) as ObjectRow | undefined;
    if (row === undefined) return undefined;
    return row.parts_count === 0 ? objectFromRow(row, undefined) : 'has-parts';
  }

  private withParts(row: ObjectRow): ObjectRecord {
    const parts = row.parts_count === 0 ? undefined : (this.statements.objectParts.all(row.data_id) as PartRow[]).map(partFromRow);
    return objectFromRow(row, parts);
  }

  private toVersions(object: ObjectRecord, flags: { isDeleteMarker: boolean; isLatest: boolean }): void {
    this.statements.insertVersion.run({ ...objectToParameters(object), isDeleteMarker: flags.isDeleteMarker ? 1 : 0, isLatest: flags.isLatest ? 1 : 0 });
  }

  /**
   * Forgets a version's rows (its parts too); returns its data id for a tombstone. The last line of
   * Object Lock's defence: whatever path leads here, a protected version is never discarded (the
   * throw rolls the whole write back).
   */
  private discard(object: ObjectRecord, bypassGovernance = false): string {
    const refusal = deletionRefusal(object, Date.now(), bypassGovernance);
    if (refusal !== undefined) throw new Error(`refusing to discard ${object.bucket}/${object.key} version ${object.versionId}: Object Lock (${refusal})`);
    this.retained?.retain(object, false, Date.now());
    if (object.parts !== undefined) this.statements.deleteObjectParts.run(object.dataId);
    return object.dataId;
  }

  /** A suspended bucket keeps one 'null' version per key: a new one replaces any noncurrent one. */
  private discardNoncurrentNull(bucket: string, key: string): string[] {
    const row = this.statements.getVersionById.get(bucket, key, NULL_VERSION_ID) as VersionRow | undefined;
    if (row === undefined) return [];
    this.statements.deleteVersionRow.run(bucket, key, row.data_id);
    if (row.is_delete_marker === 1) this.retained?.retain(objectFromRow(row), true, Date.now());
    return row.is_delete_marker === 1 ? [] : [this.discard(this.withParts(row))];
  }

  /** Moves the live version aside for `versioning`, or discards it; returns discarded data ids. */
  private retire(current: ObjectRecord, versioning: VersioningStatus | undefined): string[] {
    if (versioning === undefined || (versioning === 'Suspended' && current.versionId === NULL_VERSION_ID)) return [this.discard(current)];
    this.toVersions(current, { isDeleteMarker: false, isLatest: false });
    return [];
  }

  /**
   * A replica (or a replayed delete marker) older than a version the key has already: replication
   * of existing objects can deliver it after newer ones, and it then takes its place among the
   * noncurrent versions (by its version id) instead of becoming the current one.
   */
  private isLateReplica(bucket: string, key: string, dataId: string, replica: boolean): boolean {
    if (!replica) return false;
    const current = this.statements.getObject.get(bucket, key) as ObjectRow | undefined;
    const newestNoncurrent = this.statements.newestVersion.get(bucket, key) as VersionRow | undefined;
    return (current !== undefined && current.data_id > dataId) || (newestNoncurrent !== undefined && newestNoncurrent.data_id > dataId);
  }

  /** Makes `object` the live version of its key; returns the version id it got and discarded data. */
  install(
    object: ObjectRecord, current: ObjectRecord | undefined, context?: BucketWriteContext,
  ): { versionId: string; discardedDataIds: string[] } {
    // The caller's bucket context, read in this transaction, spares reading the bucket and its lock again.
    const versioning = context === undefined ? this.versioningOf(object.bucket) : context.versioning;
    this.applyObjectLock(object, context === undefined ? this.objectLockOf(object.bucket)
      : context.objectLockJson === undefined ? undefined : decodeBucketSetting(object.bucket, 'object-lock', context.objectLockJson));
    const versionId = versioning === 'Enabled' ? object.dataId : NULL_VERSION_ID;
    if (versioning === 'Enabled' && this.isLateReplica(object.bucket, object.key, object.dataId, object.headers.replicationStatus === 'REPLICA')) {
      object.versionId = versionId;
      this.toVersions(object, { isDeleteMarker: false, isLatest: false });
      for (const part of object.parts ?? []) this.statements.insertObjectPart.run(partToParameters(object.dataId, part));
      return { versionId, discardedDataIds: [] };
    }
    const discardedDataIds = current === undefined ? [] : this.retire(current, versioning);
    if (versioning === 'Suspended') discardedDataIds.push(...this.discardNoncurrentNull(object.bucket, object.key));
    if (versioning !== undefined) this.statements.clearLatestVersion.run(object.bucket, object.key);
    object.versionId = versionId;
    this.statements.upsertObject.run(objectToParameters(object));
    for (const part of object.parts ?? []) this.statements.insertObjectPart.run(partToParameters(object.dataId, part));
    return { versionId, discardedDataIds };
  }

  /** A new version gets the bucket's default retention unless it names one; no lock state without Object Lock. */
  private applyObjectLock(object: ObjectRecord, configuration: ObjectLockConfiguration | undefined): void {
    if (configuration === undefined) {
      // The front end refuses lock headers on such a bucket before writing; reaching here is a fault.
      if (object.retention !== undefined || object.legalHold !== undefined) throw new Error(`Object Lock state on ${object.bucket}, which has no Object Lock`);
      return;
    }
    object.retention ??= defaultRetention(configuration, object.lastModifiedMs);
  }

  /** DELETE without a version id: the live version goes (unversioned) or a delete marker covers it. */
  deleteCurrent(bucket: string, key: string, current: ObjectRecord | undefined, replayed?: { markerDataId: string; atMs: number }): DeleteOutcome {
    const versioning = this.versioningOf(bucket);
    if (versioning === undefined) {
      if (current === undefined) return { discardedDataIds: [] };
      this.statements.deleteObject.run(bucket, key);
      return { removed: current, discardedDataIds: [this.discard(current)] };
    }
    if (replayed !== undefined && versioning === 'Enabled' && this.isLateReplica(bucket, key, replayed.markerDataId, true)) {
      this.toVersions({
        bucket, key, versionId: replayed.markerDataId, dataId: replayed.markerDataId, sizeBytes: 0, etag: '', lastModifiedMs: replayed.atMs,
        storageClass: 'STANDARD', headers: { contentType: '' }, userMetadata: {}, placement: new Uint8Array(0),
      }, { isDeleteMarker: true, isLatest: false });
      return { deleteMarkerVersionId: replayed.markerDataId, deleteMarker: { dataId: replayed.markerDataId, lastModifiedMs: replayed.atMs }, discardedDataIds: [] };
    }
    const discardedDataIds = current === undefined ? [] : this.retire(current, versioning);
    if (current !== undefined) this.statements.deleteObject.run(bucket, key);
    if (versioning === 'Suspended') discardedDataIds.push(...this.discardNoncurrentNull(bucket, key));
    this.statements.clearLatestVersion.run(bucket, key);
    const dataId = replayed?.markerDataId ?? newTimeOrderedId();
    const lastModifiedMs = replayed?.atMs ?? Date.now();
    const markerVersionId = versioning === 'Enabled' ? dataId : NULL_VERSION_ID;
    this.toVersions({
      bucket, key, versionId: markerVersionId, dataId, sizeBytes: 0, etag: '', lastModifiedMs, storageClass: 'STANDARD',
      headers: { contentType: '' }, userMetadata: {}, placement: new Uint8Array(0),
    }, { isDeleteMarker: true, isLatest: true });
    return { deleteMarkerVersionId: markerVersionId, deleteMarker: { dataId, lastModifiedMs }, discardedDataIds };
  }

  /** Whether a conditional permanent delete may go ahead (see VersionDeleteCondition). */
  private versionConditionHolds(bucket: string, key: string, versionId: string, current: ObjectRecord | undefined, condition: VersionDeleteCondition): boolean {
    if (current !== undefined && current.versionId === versionId) return condition.ifSoleDeleteMarker !== true && current.dataId === condition.ifDataId;
    const row = this.statements.getVersionById.get(bucket, key, versionId) as VersionRow | undefined;
    if (row === undefined || row.data_id !== condition.ifDataId) return false;
    if (condition.ifSoleDeleteMarker !== true) return true;
    const versionCountUpToTwo = (this.statements.countKeyVersions.get(bucket, key) as { count: number }).count;
    return row.is_delete_marker === 1 && row.is_latest === 1 && current === undefined && versionCountUpToTwo === 1;
  }

  /** DELETE ?versionId: that version goes for good; if it was the latest, the next newest takes over. */
  deleteVersion(bucket: string, key: string, versionId: string, current: ObjectRecord | undefined, options: DeleteVersionOptions = {}): DeleteOutcome & { wasDeleteMarker?: boolean } {
    const bypassGovernance = options.bypassGovernance === true;
    if (options.condition !== undefined && !this.versionConditionHolds(bucket, key, versionId, current, options.condition)) {
      return { failure: 'precondition-failed', discardedDataIds: [] };
    }
    const nowMs = Date.now();
    if (current !== undefined && current.versionId === versionId) {
      const failure = deletionRefusal(current, nowMs, bypassGovernance);
      if (failure !== undefined) return { failure, discardedDataIds: [] };
      this.statements.deleteObject.run(bucket, key);
      const discarded = this.discard(current, bypassGovernance);
      this.promoteNewest(bucket, key);
      return { removed: current, discardedDataIds: [discarded] };
    }
    const row = this.statements.getVersionById.get(bucket, key, versionId) as VersionRow | undefined;
    if (row === undefined) return { discardedDataIds: [] };
    const removed = this.withParts(row);
    const failure = deletionRefusal(removed, nowMs, bypassGovernance);
    if (failure !== undefined) return { failure, discardedDataIds: [] };
    this.statements.deleteVersionRow.run(bucket, key, row.data_id);
    if (row.is_delete_marker === 1) this.retained?.retain(removed, true, nowMs);
    const discardedDataIds = row.is_delete_marker === 1 ? [] : [this.discard(removed, bypassGovernance)];
    if (row.is_latest === 1) this.promoteNewest(bucket, key);
    return { removed, discardedDataIds, wasDeleteMarker: row.is_delete_marker === 1 };
  }

  private promoteNewest(bucket: string, key: string): void {
    const newest = this.statements.newestVersion.get(bucket, key) as VersionRow | undefined;
    if (newest === undefined) return;
    if (newest.is_delete_marker === 1) {
      this.statements.markLatestVersion.run(bucket, key, newest.data_id);
      return;
    }
    this.statements.deleteVersionRow.run(bucket, key, newest.data_id);
    // Its parts rows stay where they are (keyed by its data id); the row keeps its parts count.
    this.statements.upsertObject.run(objectToParameters(this.withParts(newest)));
  }

  getVersion(bucket: string, key: string, versionId: string, current: ObjectRecord | undefined): (ObjectRecord & { isDeleteMarker?: boolean }) | undefined {
    if (current !== undefined && current.versionId === versionId) return current;
    const row = this.statements.getVersionById.get(bucket, key, versionId) as VersionRow | undefined;
    if (row === undefined) return undefined;
    return { ...this.withParts(row), isDeleteMarker: row.is_delete_marker === 1 };
  }

  /** A noncurrent version (not a delete marker) by its data id. */
  /**
   * Runs `update` on one version's row (the current one: dataId undefined; a noncurrent one by its
   * data id) and returns the version as updated; undefined when there is no such version or it is a
   * delete marker, which has no metadata to set.
   */
  updateInPlace(bucket: string, key: string, versionId: string | undefined, update: (dataId: string | undefined) => number): ObjectRecord | undefined {
    const current = this.currentOf(bucket, key);
    if (versionId === undefined || current?.versionId === versionId) {
      return update(undefined) === 0 ? undefined : this.currentOf(bucket, key);
    }
    const version = this.getVersion(bucket, key, versionId, current);
    if (version === undefined || version.isDeleteMarker === true) return undefined;
    update(version.dataId);
    return this.getVersionByDataId(bucket, key, version.dataId);
  }

  getVersionByDataId(bucket: string, key: string, dataId: string): ObjectRecord | undefined {
    const row = this.statements.getVersionByDataId.get(bucket, key, dataId) as VersionRow | undefined;
    return row === undefined || row.is_delete_marker === 1 ? undefined : this.withParts(row);
  }
}
