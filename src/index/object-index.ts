// Objects and their versions in the index: the current version of each key, noncurrent versions
// and delete markers, listings, a version's tags, storage class and Object Lock state, and the
// placements background workers (heal, compaction) read and move.
import type {
  ChangeOrigin,
  ConditionFailure,
  GovernanceBypass,
  LegalHoldStatus,
  LockRefusal,
  ObjectRecord,
  ObjectRetention,
  StoredAcl,
  Tag,
  WriteCondition,
} from './records.js';

/** Conditions a permanent delete of one version checks inside its transaction (background workers). */
export interface VersionDeleteCondition {
  /** Only while the version id still names this stored version (a 'null' version may have been replaced). */
  ifDataId: string;
  /** Only while it is a delete marker that is the key's only version (an expired object delete marker). */
  ifSoleDeleteMarker?: boolean;
}

/** One stored version as background workers scan it: enough to decide, and to act conditionally. */
export interface ScannedVersion {
  key: string;
  versionId: string;
  dataId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
  sizeBytes: number;
  lastModifiedMs: number;
  storageClass: string;
  tags?: Tag[];
}

/**
 * Which placement to replace: an object version's (bucket, key, dataId), a completed multipart
 * object's part (dataId = the object's data id, and partNumber) or an upload's part (uploadId and
 * partNumber).
 */
export interface PlacementChange {
  bucket: string;
  key: string;
  dataId: string;
  partNumber?: number;
  uploadId?: string;
  expected: Uint8Array;
  replacement: Uint8Array;
}

/** One placement the index holds, named as a PlacementChange names it (see scanPlacements). */
export interface StoredPlacement {
  /** An object version's bucket and key; '' for parts. */
  bucket: string;
  key: string;
  /** The version's data id; for a completed object's part, the object's; '' for an upload's part. */
  dataId: string;
  partNumber?: number;
  uploadId?: string;
  /** The data id in the records' headers: the version's own, or the part's. */
  recordDataId: string;
  placement: Uint8Array;
}

export interface ScanVersionsQuery {
  bucket: string;
  /** Keys from this one (inclusive)… */
  fromKey: string;
  /** …up to this one (exclusive); undefined: to the end. */
  toKey?: string;
  /** Resume after this version, in scan order; undefined: from the last key of the range. */
  after?: { key: string; dataId: string };
  limit: number;
}

/** One entry of ListObjectVersions: a version or a delete marker. */
export interface VersionSummary extends ObjectSummary {
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
}

export interface ListVersionsQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  keyMarker?: string;
  versionIdMarker?: string;
  maxEntries: number;
}

export interface ListVersionsPage {
  versions: VersionSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** What a delete did: the version it removed for good, or the delete marker it made. */
export interface DeleteOutcome {
  /** Nothing was deleted: a write condition failed, or Object Lock protects the version. */
  failure?: ConditionFailure | LockRefusal;
  /** The version no longer stored (its data is garbage now). */
  removed?: ObjectRecord;
  /** A delete in a versioned bucket keeps the data and makes a delete marker the latest version. */
  deleteMarkerVersionId?: string;
  /** The new delete marker's data id (its version id is 'null' in a suspended bucket) and time. */
  deleteMarker?: { dataId: string; lastModifiedMs: number };
  /** Data ids whose bytes nothing references any more (for tombstones). */
  discardedDataIds: string[];
}

/** What a listing returns per key: no placement, no headers. */
export interface ObjectSummary {
  key: string;
  sizeBytes: number;
  etag: string;
  lastModifiedMs: number;
  storageClass: string;
}

export interface ListObjectsQuery {
  bucket: string;
  prefix: string;
  /** Empty string: no delimiter. */
  delimiter: string;
  /** Resume after this key or common prefix (exclusive); undefined: from the start. */
  after?: string;
  maxEntries: number;
}

export interface ListObjectsPage {
  objects: ObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page resumes. */
  lastEntry?: string;
}

export type PutObjectOutcome =
  | { stored: true; replaced?: ObjectRecord; versionId: string; discardedDataIds: string[] }
  | { stored: false; reason: 'no-such-bucket' | ConditionFailure; current?: ObjectRecord };
/** A change to one version's Object Lock state: what happened, or why nothing did. */
export type ObjectLockChangeOutcome = 'set' | 'no-such-version' | 'object-lock-not-enabled' | LockRefusal;

/** How a permanent version delete is judged: Object Lock bypass, and the lifecycle worker's condition. */
export interface DeleteVersionOptions extends GovernanceBypass {
  condition?: VersionDeleteCondition;
  /** Who asked, for the S3 Metadata journal. */
  origin?: ChangeOrigin;
}

export interface ObjectReads {
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** One version by id (a delete marker has isDeleteMarker set); undefined when there is none. */
  getObjectVersion(bucket: string, key: string, versionId: string): Promise<(ObjectRecord & { isDeleteMarker?: boolean }) | undefined>;
  /** The version id of the delete marker that is a key's latest version, if it is one. */
  getLatestDeleteMarker(bucket: string, key: string): Promise<string | undefined>;
  listObjects(query: ListObjectsQuery): Promise<ListObjectsPage>;
  listObjectVersions(query: ListVersionsQuery): Promise<ListVersionsPage>;
  /**
   * Every version and delete marker of keys in a range, keys descending and each key's versions
   * newest first (an order both tables' primary keys give without sorting), at most `limit`.
   */
  scanVersions(query: ScanVersionsQuery): Promise<ScannedVersion[]>;
  /**
   * Compaction: every placement the index holds (versions that are not delete markers, the parts of
   * completed multipart objects and of uploads), in pages of at most `pageRows`, all read in one
   * consistent snapshot. Breaking out of the loop ends the snapshot.
   */
  scanPlacements(pageRows: number): AsyncGenerator<StoredPlacement[]>;
}

export interface ObjectWrites {
  /**
   * Makes `object` the current version of its key, replacing any previous one, in one durable
   * transaction — if the bucket still exists and `condition` holds; otherwise writes nothing.
   */
  putObject(object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<PutObjectOutcome>;
  /**
   * Deletes a key if `condition` holds: in an unversioned bucket its current version goes; in a
   * versioned one a delete marker becomes the latest version and the data stays.
   */
  deleteObject(bucket: string, key: string, condition?: WriteCondition, origin?: ChangeOrigin): Promise<DeleteOutcome>;
  /**
   * rebuild-index only: deleteObject as it happened at `atMs`, its delete marker named `markerDataId`
   * (the ids a running server once chose), so a replayed history ends in the same versions.
   */
  replayDeleteMarker(bucket: string, key: string, markerDataId: string, atMs: number): Promise<DeleteOutcome>;
  /**
   * Removes one version (or delete marker) for good; the next newest becomes the latest. A version
   * Object Lock protects stays, and the outcome's failure says why ('locked' / 'governance'). With a
   * condition that no longer holds, removes nothing and reports failure 'precondition-failed'.
   */
  deleteVersion(bucket: string, key: string, versionId: string, options?: DeleteVersionOptions): Promise<DeleteOutcome & { wasDeleteMarker?: boolean }>;
  /** Relabels one stored version's storage class, if that version (by data id) still exists; false otherwise. */
  setStorageClass(bucket: string, key: string, dataId: string, storageClass: string, origin?: ChangeOrigin): Promise<boolean>;
  /**
   * Heal and compaction: replaces a stored version's placement (or one part's, of a completed
   * multipart object or of an upload) only if it is still `expected` byte for byte; false if it
   * changed or is gone.
   */
  replacePlacement(change: PlacementChange): Promise<boolean>;
  /** Replaces the current version's tag set (none: remove it); returns the updated object, or undefined when the key has no current version. */
  setObjectTags(bucket: string, key: string, tags: Tag[] | undefined, origin?: ChangeOrigin, versionId?: string): Promise<ObjectRecord | undefined>;
  /**
   * Replaces a version's ACL (the current one unless `versionId` names another); returns the updated
   * version, or undefined when there is no such version (or it is a delete marker).
   */
  setObjectAcl(bucket: string, key: string, acl: StoredAcl, versionId?: string): Promise<ObjectRecord | undefined>;
  /**
   * Replaces one version's retention (undefined: removes it) if Object Lock allows the change: an
   * active COMPLIANCE retention can only be kept or extended, an active GOVERNANCE one changed
   * otherwise only with `bypassGovernance`.
   */
  setObjectRetention(bucket: string, key: string, versionId: string, retention: ObjectRetention | undefined, options?: GovernanceBypass): Promise<ObjectLockChangeOutcome>;
  /** Sets one version's legal hold. */
  setObjectLegalHold(bucket: string, key: string, versionId: string, status: LegalHoldStatus): Promise<ObjectLockChangeOutcome>;
}

export interface ObjectIndex extends ObjectReads, ObjectWrites {}
