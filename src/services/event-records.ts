// Small durable records of the changes that write no object data — a bucket created or deleted, its
// versioning state, a delete marker, an object's tags or ACL replaced — so that `cairn admin rebuild-index`
// can replay them and the drives alone describe the whole namespace (DESIGN.md §2: records are
// self-describing). Each is a tombstone record (type 2) with a `kind`: it names a fresh data id that
// has no data, so a reader that only knows plain tombstones reads it correctly. They are written
// after the index commit and before the client's answer, like tombstones; a crash between the two
// loses only the event record (docs/rebuild-index.md).
import type { Storage } from '../storage/index.js';
import type { StoredAcl, Tag, VersioningStatus } from '../index/types.js';
import { newTimeOrderedId } from '../util/ids.js';

/** The `k` of bucket event records: not an S3 key (keys are at least one byte). */
export const BUCKET_EVENT_KEY = '';

export type EventKind = 'bucket-created' | 'bucket-deleted' | 'bucket-versioning' | 'delete-marker' | 'object-tags' | 'object-acl';

export interface BucketCreatedDetails {
  createdAtMs: number;
  region: string;
  ownerId: string;
  objectLock: boolean;
}

export async function recordBucketCreated(storage: Storage, bucket: string, details: BucketCreatedDetails): Promise<void> {
  await storage.writeTombstone({ bucket, key: BUCKET_EVENT_KEY, versionId: newTimeOrderedId() }, { kind: 'bucket-created', ...details });
}

export async function recordBucketDeleted(storage: Storage, bucket: string): Promise<void> {
  await storage.writeTombstone({ bucket, key: BUCKET_EVENT_KEY, versionId: newTimeOrderedId() }, { kind: 'bucket-deleted' });
}

export async function recordBucketVersioning(storage: Storage, bucket: string, status: VersioningStatus): Promise<void> {
  await storage.writeTombstone({ bucket, key: BUCKET_EVENT_KEY, versionId: newTimeOrderedId() }, { kind: 'bucket-versioning', status });
}

/** The marker's own data id names the record (a later plain tombstone of it: the marker was removed). */
export async function recordDeleteMarker(storage: Storage, bucket: string, key: string, marker: { dataId: string; lastModifiedMs: number }): Promise<void> {
  await storage.writeTombstone({ bucket, key, versionId: marker.dataId }, { kind: 'delete-marker', lastModifiedMs: marker.lastModifiedMs });
}

export async function recordObjectTags(storage: Storage, bucket: string, key: string, targetDataId: string, tags: Tag[] | undefined): Promise<void> {
  await storage.writeTombstone({ bucket, key, versionId: newTimeOrderedId() }, { kind: 'object-tags', target: targetDataId, tags: tags ?? [] });
}

/** PutObjectAcl: the version's new ACL (its owner and grants). */
export async function recordObjectAcl(storage: Storage, bucket: string, key: string, targetDataId: string, acl: StoredAcl): Promise<void> {
  await storage.writeTombstone({ bucket, key, versionId: newTimeOrderedId() }, { kind: 'object-acl', target: targetDataId, acl });
}
