// The index: the map from bucket and key to object, and the only judge of what is visible
// (DESIGN.md §2.2). One interface, engines behind it (SQLite embedded; PostgreSQL later).

export interface BucketRecord {
  name: string;
  createdAtMs: number;
  region: string;
  /** Canonical user id of the bucket's owner. */
  ownerId: string;
  /** The bucket's tag set (PutBucketTagging); undefined when it has none. */
  tags?: Tag[];
  /** Undefined: never versioned. Once enabled, a bucket is Enabled or Suspended, never unversioned again. */
  versioning?: VersioningStatus;
  /** The bucket's CORS rules (PutBucketCors); undefined when it has none. */
  cors?: CorsRule[];
}

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export type VersioningStatus = 'Enabled' | 'Suspended';

/**
 * The names under which a bucket's subresource configurations are kept (Index.setBucketSetting):
 * the JSON shape of each belongs to the feature that owns it. Add a name here for a new setting.
 */
export type BucketSettingName = 'object-lock' | 'lifecycle' | 'policy' | 'public-access-block' | 'ownership-controls' | 'metadata';

/** A user: an identity with access keys, the owner of the buckets it creates. */
export interface UserRecord {
  /** Unique regardless of case (IAM's rule); the name policies use (`arn:aws:iam::<account>:user/<name>`). */
  name: string;
  /** 64 hex digits, the user's canonical id: the owner id of its buckets. */
  canonicalId: string;
  createdAtMs: number;
  /** The user's policy (IAM-style JSON, as set); undefined when it has none. */
  policy?: string;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  accessKeyId: string;
  userName: string;
  /** The secret, sealed (encrypted and authenticated) by the services layer; opaque to the index. */
  secretSealed: string;
  status: AccessKeyStatus;
  createdAtMs: number;
}

/** What authorization needs about a bucket, read in one statement: its owner and access settings. */
export interface BucketAccessRecord {
  ownerId: string;
  /** The 'policy' setting's value, undefined when unset. */
  policy?: unknown;
  /** The 'public-access-block' setting's value, undefined when unset. */
  publicAccessBlock?: unknown;
}

export type CreateUserOutcome = 'created' | 'already-exists' | 'too-many-users';
export type CreateAccessKeyOutcome = 'created' | 'no-such-user' | 'too-many-keys';
export type DeleteUserOutcome = 'deleted' | 'missing' | 'owns-buckets';

export interface Tag {
  key: string;
  value: string;
}

/** S3 Object Lock retention modes: GOVERNANCE can be bypassed by a caller allowed to; COMPLIANCE by no one. */
export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';
export type LegalHoldStatus = 'ON' | 'OFF';

/** A version's retention: it may not be destroyed (nor the retention weakened) before retainUntilMs. */
export interface ObjectRetention {
  mode: ObjectLockMode;
  retainUntilMs: number;
}

/**
 * The 'object-lock' bucket setting: present exactly when Object Lock is enabled on the bucket (it can
 * never be disabled again). The default retention applies to new versions that name none.
 */
export interface ObjectLockConfiguration {
  enabled: true;
  defaultRetention?: { mode: ObjectLockMode; days?: number; years?: number };
}

/** Why Object Lock refuses to destroy a version or weaken its retention. */
export type LockRefusal =
  /** COMPLIANCE retention or a legal hold: no one may, bypass or not. */
  | 'locked'
  /** GOVERNANCE retention: only with x-amz-bypass-governance-retention from a caller allowed to. */
  | 'governance';
/**
 * Who made a change, for the S3 Metadata journal: the front end passes the request's identity, and
 * background workers pass SYSTEM_CHANGE_ORIGIN (AWS records S3 Lifecycle as `s3.amazonaws.com`).
 */
export interface ChangeOrigin {
  /** The account id of the requester (later the IAM user's ARN), or an AWS service principal. */
  requester: string;
  sourceIpAddress?: string;
  requestId?: string;
}

/** Changes the system makes on its own (lifecycle expiry and transitions), as AWS records them. */
export const SYSTEM_CHANGE_ORIGIN: ChangeOrigin = { requester: 's3.amazonaws.com' };

/** Response headers stored with an object and returned on GET/HEAD. */
export interface StoredObjectHeaders {
  contentType: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  expires?: string;
}

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 of the big-endian digest, as S3 prints it. */
  valueBase64: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** One part of a multipart upload, or of the object completed from it. */
export interface StoredPart {
  partNumber: number;
  /** Names the part's storage records. */
  dataId: string;
  sizeBytes: number;
  /** Hex MD5 of the part, without quotes. */
  etag: string;
  lastModifiedMs: number;
  /** The part's own checksum, in the upload's algorithm. */
  checksum?: StoredChecksum;
  placement: Uint8Array;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedMs: number;
  headers: StoredObjectHeaders;
  userMetadata: Record<string, string>;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  /** x-amz-tagging of CreateMultipartUpload: the completed object's tags. */
  tags?: Tag[];
  /** Object Lock headers of CreateMultipartUpload: the completed version's retention and legal hold. */
  retention?: ObjectRetention;
  legalHold?: LegalHoldStatus;
}

export interface UploadSummary {
  uploadId: string;
  key: string;
  initiatedMs: number;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
}

export interface ListUploadsQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** Resume after this key (all its uploads, unless uploadIdMarker is given). */
  keyMarker?: string;
  /** With keyMarker: resume after this upload of that key. */
  uploadIdMarker?: string;
  maxEntries: number;
}

export interface ListUploadsPage {
  uploads: UploadSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page resumes: the last upload returned, or the last common prefix. */
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** Conditions a write checks against the key's current version inside its transaction. */
export interface WriteCondition {
  /** If-None-Match: * — only when the key has no current version. */
  ifNoneMatch?: boolean;
  /** If-Match: only when the current version has this ETag (hex, no quotes). */
  ifMatchEtag?: string;
  /**
   * Only when the current version is still this stored version (its data id): a background worker
   * acting on what it read earlier never removes a version written since.
   */
  ifDataId?: string;
}

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

export type ConditionFailure = 'precondition-failed' | 'no-such-key';

export interface ObjectRecord {
  bucket: string;
  key: string;
  /** S3's version id; 'null' in an unversioned bucket. */
  versionId: string;
  /** Unique id of this write's bytes: the storage records are named by it. */
  dataId: string;
  sizeBytes: number;
  /** Hex MD5 without quotes (or MD5-of-MD5s with -N for multipart). */
  etag: string;
  lastModifiedMs: number;
  storageClass: string;
  headers: StoredObjectHeaders;
  /** x-amz-meta-* names (lower case, without the prefix) → values. */
  userMetadata: Record<string, string>;
  checksum?: StoredChecksum;
  /** Opaque to the index: where storage keeps the bytes (for a multipart object, its manifest record). */
  placement: Uint8Array;
  /** A multipart object's parts, in order; undefined for an object written in one PUT. */
  parts?: StoredPart[];
  /** The object's tag set, in the order it was given; undefined when it has none. */
  tags?: Tag[];
  /** Object Lock retention of this version; undefined when it has none (a lock bucket's default applies at write). */
  retention?: ObjectRetention;
  /** Object Lock legal hold of this version; undefined when it was never set (ON blocks deletion). */
  legalHold?: LegalHoldStatus;
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

export type CreateBucketOutcome = 'created' | 'already-exists';
export type PutObjectOutcome =
  | { stored: true; replaced?: ObjectRecord; versionId: string; discardedDataIds: string[] }
  | { stored: false; reason: 'no-such-bucket' | ConditionFailure; current?: ObjectRecord };
export type CompleteUploadOutcome =
  | { stored: true; replaced?: ObjectRecord; versionId: string; discardedDataIds: string[] }
  | { stored: false; reason: 'no-such-upload' | 'invalid-part' | ConditionFailure; current?: ObjectRecord };
export type DeleteBucketOutcome = 'deleted' | 'not-empty' | 'missing';
export type SetVersioningOutcome = 'set' | 'no-such-bucket' | 'object-lock-enabled';
export type SetObjectLockConfigurationOutcome = 'set' | 'no-such-bucket' | 'versioning-not-enabled';
/** A change to one version's Object Lock state: what happened, or why nothing did. */
export type ObjectLockChangeOutcome = 'set' | 'no-such-version' | 'object-lock-not-enabled' | LockRefusal;
export interface GovernanceBypass {
  /** x-amz-bypass-governance-retention from a caller allowed to bypass GOVERNANCE retention. */
  bypassGovernance?: boolean;
}

/** How a permanent version delete is judged: Object Lock bypass, and the lifecycle worker's condition. */
export interface DeleteVersionOptions extends GovernanceBypass {
  condition?: VersionDeleteCondition;
  /** Who asked, for the S3 Metadata journal. */
  origin?: ChangeOrigin;
}

export interface Index {
  /**
   * Creates a bucket (its versioning state included) with its initial settings, in one transaction;
   * nothing changes when it already exists.
   */
  createBucket(bucket: BucketRecord, settings?: Partial<Record<BucketSettingName, unknown>>): Promise<CreateBucketOutcome>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(): Promise<BucketRecord[]>;
  deleteBucket(name: string): Promise<DeleteBucketOutcome>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
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
  /**
   * Every version and delete marker of keys in a range, keys descending and each key's versions
   * newest first (an order both tables' primary keys give without sorting), at most `limit`.
   */
  scanVersions(query: ScanVersionsQuery): Promise<ScannedVersion[]>;
  /** Relabels one stored version's storage class, if that version (by data id) still exists; false otherwise. */
  setStorageClass(bucket: string, key: string, dataId: string, storageClass: string, origin?: ChangeOrigin): Promise<boolean>;
  /**
   * Heal and compaction: replaces a stored version's placement (or one part's, of a completed
   * multipart object or of an upload) only if it is still `expected` byte for byte; false if it
   * changed or is gone.
   */
  replacePlacement(change: PlacementChange): Promise<boolean>;
  /**
   * Compaction: every placement the index holds (versions that are not delete markers, the parts of
   * completed multipart objects and of uploads), in pages of at most `pageRows`, all read in one
   * consistent snapshot. Breaking out of the loop ends the snapshot.
   */
  scanPlacements(pageRows: number): AsyncGenerator<StoredPlacement[]>;
  /** One version by id (a delete marker has isDeleteMarker set); undefined when there is none. */
  getObjectVersion(bucket: string, key: string, versionId: string): Promise<(ObjectRecord & { isDeleteMarker?: boolean }) | undefined>;
  /** The version id of the delete marker that is a key's latest version, if it is one. */
  getLatestDeleteMarker(bucket: string, key: string): Promise<string | undefined>;
  listObjectVersions(query: ListVersionsQuery): Promise<ListVersionsPage>;
  /** Sets a bucket's versioning; an Object Lock bucket stays Enabled ('object-lock-enabled'). */
  setBucketVersioning(name: string, status: VersioningStatus): Promise<SetVersioningOutcome>;
  /** Enables Object Lock (or replaces its default retention) on a bucket whose versioning is Enabled. */
  setObjectLockConfiguration(bucket: string, configuration: ObjectLockConfiguration): Promise<SetObjectLockConfigurationOutcome>;
  /**
   * Replaces one version's retention (undefined: removes it) if Object Lock allows the change: an
   * active COMPLIANCE retention can only be kept or extended, an active GOVERNANCE one changed
   * otherwise only with `bypassGovernance`.
   */
  setObjectRetention(bucket: string, key: string, versionId: string, retention: ObjectRetention | undefined, options?: GovernanceBypass): Promise<ObjectLockChangeOutcome>;
  /** Sets one version's legal hold. */
  setObjectLegalHold(bucket: string, key: string, versionId: string, status: LegalHoldStatus): Promise<ObjectLockChangeOutcome>;
  /** Replaces a bucket's CORS rules (none: remove them); false when the bucket does not exist. */
  setBucketCors(name: string, rules: CorsRule[] | undefined): Promise<boolean>;
  /** A bucket's setting by name (its JSON value), undefined when unset or the bucket is missing. */
  getBucketSetting<T>(bucket: string, name: BucketSettingName): Promise<T | undefined>;
  /** Sets (undefined: removes) a bucket's setting; false when the bucket does not exist. Removed with the bucket. */
  setBucketSetting(bucket: string, name: BucketSettingName, value: unknown): Promise<boolean>;
  /** Every bucket that has this setting, by bucket name (for background workers). */
  listBucketSettings<T>(name: BucketSettingName): Promise<Array<{ bucket: string; value: T }>>;
  listObjects(query: ListObjectsQuery): Promise<ListObjectsPage>;
  /** Replaces the current version's tag set (none: remove it); returns the updated object, or undefined when the key has no current version. */
  setObjectTags(bucket: string, key: string, tags: Tag[] | undefined, origin?: ChangeOrigin, versionId?: string): Promise<ObjectRecord | undefined>;
  /** Replaces a bucket's tag set (none: remove it); false when the bucket does not exist. */
  setBucketTags(name: string, tags: Tag[] | undefined): Promise<boolean>;

  createUpload(upload: UploadRecord): Promise<'created' | 'no-such-bucket'>;
  getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined>;
  /** Records a part (replacing one with the same number); false when the upload is gone. */
  putPart(uploadId: string, part: StoredPart): Promise<{ stored: boolean; replaced?: StoredPart }>;
  /** Parts after `afterPartNumber`, in order, at most `maxParts` (one more tells truncation). */
  listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<{ parts: StoredPart[]; isTruncated: boolean }>;
  /**
   * In one transaction: checks the upload still exists and `condition` holds, makes `object` (its
   * parts included) the key's current version, and forgets the upload and all its parts.
   */
  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, origin?: ChangeOrigin): Promise<CompleteUploadOutcome>;
  /** Forgets an upload and its parts; false when there was none. */
  abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean>;
  listUploads(query: ListUploadsQuery): Promise<ListUploadsPage>;
  /** Uploads initiated before `initiatedBeforeMs`, oldest first, at most `limit`. */
  listUploadsInitiatedBefore(initiatedBeforeMs: number, limit: number): Promise<UploadRecord[]>;

  /** A bucket's owner, policy and public access block in one read; undefined when the bucket does not exist. */
  getBucketAccess(bucket: string): Promise<BucketAccessRecord | undefined>;

  /** Creates a user (and its first access key) in one transaction, unless `usersMax` users exist already. */
  createUser(user: UserRecord, firstKey: AccessKeyRecord | undefined, usersMax: number): Promise<CreateUserOutcome>;
  getUser(name: string): Promise<UserRecord | undefined>;
  getUserByCanonicalId(canonicalId: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Deletes a user with its keys and policy; refused while it owns a bucket. */
  deleteUser(name: string): Promise<DeleteUserOutcome>;
  /** Sets (undefined: removes) a user's policy; false when there is no such user. */
  setUserPolicy(name: string, policy: string | undefined): Promise<boolean>;
  /** Adds an access key to a user that has fewer than `keysPerUserMax`. */
  createAccessKey(key: AccessKeyRecord, keysPerUserMax: number): Promise<CreateAccessKeyOutcome>;
  /** An access key with its user, in one read (the per-request credential lookup). */
  getAccessKey(accessKeyId: string): Promise<{ key: AccessKeyRecord; user: UserRecord } | undefined>;
  listAccessKeys(userName: string): Promise<AccessKeyRecord[]>;
  /** False when there is no such key. */
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
  /** False when there is no such key. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  // S3 Metadata (src/services/metadata): the journal rows written with each change in a bucket that
  // has a 'metadata' setting, and the files the exporter makes of them.
  /** Journal rows not exported yet, oldest first, at most `limit`. */
  readJournal(limit: number): Promise<JournalRow[]>;
  /** One consistent read of what the metadata tables of `request.buckets` are made of. */
  readMetadataSnapshot(request: MetadataSnapshotRequest): Promise<MetadataSnapshot>;
  /** A page of every version of a bucket (for an inventory backfill), read with the journal's high-water mark. */
  scanVersionsForInventory(bucket: string, after: VersionCursor | undefined, limit: number): Promise<InventoryScanPage>;
  /**
   * In one transaction: adds and removes files in the system bucket, consumes exported journal rows
   * (all of them or nothing: a mismatch means another exporter ran and the commit is refused) and
   * sets table states.
   */
  commitMetadataFiles(commit: MetadataFilesCommit): Promise<{ discarded: Array<{ key: string; dataId: string }> }>;

  close(): Promise<void>;
}

export type JournalRecordType = 'CREATE' | 'UPDATE_METADATA' | 'DELETE';

/** One change as the journal keeps it until it is exported (AWS's journal schema, before Parquet). */
export interface JournalRow {
  /** Increases with every row ever written (never reused): the source of sequence_number. */
  sequence: number;
  bucket: string;
  key: string;
  recordType: JournalRecordType;
  recordTimestampMs: number;
  /** Undefined for the 'null' version. */
  versionId?: string;
  /** Undefined for a permanent delete. */
  isDeleteMarker?: boolean;
  sizeBytes?: number;
  lastModifiedMs?: number;
  etag?: string;
  storageClass?: string;
  isMultipart?: boolean;
  checksumAlgorithm?: string;
  /** Tag key → value (JSON object text); undefined for a delete. */
  tagsJson?: string;
  userMetadataJson?: string;
  requester?: string;
  sourceIpAddress?: string;
  requestId?: string;
}

export interface MetadataSnapshotRequest {
  systemBucket: string;
  buckets: Array<{ bucket: string; journalPrefix: string; inventoryPrefix: string }>;
  /** More unexported rows than this for the buckets asked: the snapshot says so instead of returning them. */
  pendingRowsMax: number;
  /** More files than this under one prefix: the snapshot says so instead of returning them. */
  filesPerTableMax: number;
}

export interface MetadataTableSnapshot {
  bucket: string;
  /** The bucket's 'metadata' setting, undefined when it has none (or the bucket is gone). */
  configuration?: unknown;
  journalFiles: ObjectRecord[];
  inventoryFiles: ObjectRecord[];
  pendingRows: JournalRow[];
  /** Set when there were more pending rows or files than the request allows (nothing is returned then). */
  overLimit?: 'pending-rows' | 'files';
  /** Per table ('journal', 'inventory'): the exporter's state, as it last set it. */
  states: Record<string, unknown>;
}

export interface MetadataSnapshot {
  tables: MetadataTableSnapshot[];
  /** The largest journal sequence ever assigned when the snapshot was taken. */
  journalHighWater: number;
  /** Buckets with any file in the system bucket (tables that outlive their configuration). */
  bucketsWithFiles: string[];
}

export interface VersionCursor {
  key: string;
  dataId: string;
}

export interface InventoryScanPage {
  versions: Array<ObjectRecord & { isDeleteMarker: boolean; isMultipart: boolean }>;
  /** Every journal row up to this sequence is reflected in `versions`; later ones are not. */
  journalHighWater: number;
  /** Where the next page starts; undefined after the last page. */
  next?: VersionCursor;
}

export interface MetadataFilesCommit {
  systemBucket: string;
  add: ObjectRecord[];
  /** Keys in the system bucket. */
  remove: string[];
  /** Exactly these journal rows are removed, or the commit is refused. */
  consumeJournal?: { firstSequence: number; lastSequence: number; rowCount: number };
  states?: Array<{ bucket: string; table: string; value: unknown }>;
}
