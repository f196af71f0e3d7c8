// Records shared by the index's domains: objects and their parts, tags, checksums, a version's
// Object Lock state, write conditions, and who made a change.

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
  /** How a new object was made, for its event name (ObjectCreated:Put, :Post or :Copy); Put when absent. */
  action?: 'Put' | 'Post' | 'Copy';
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
  /** x-amz-website-redirect-location: a website request for the object is sent here (301). */
  websiteRedirectLocation?: string;
  /** Server-side encryption of the stored bytes; undefined when they are stored as sent. */
  encryption?: StoredEncryption;
  /** x-amz-replication-status: set by the index when a replication rule covers the version, or REPLICA on a copy. */
  replicationStatus?: ReplicationStatus;
}

export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

/**
 * How an object version (or an upload, for its parts) is encrypted at rest. It never holds a usable
 * key: SSE-S3 keeps the data key wrapped by a master key kept outside the index; SSE-C keeps only a
 * salted HMAC of the customer's key, to tell a wrong key from the right one.
 */
export interface StoredEncryption {
  /** AWS's encryption_status names. */
  kind: 'SSE-S3' | 'SSE-C' | 'SSE-KMS' | 'DSSE-KMS';
  /** SSE-S3: the data key, sealed by the master key it names. */
  wrappedKey?: { masterKeyId: string; sealedBase64: string };
  /** SSE-C: base64 MD5 of the customer key (echoed in responses), salt and HMAC-SHA256 of the key. */
  customerKeyMd5Base64?: string;
  customerKeySaltBase64?: string;
  customerKeyHmacBase64?: string;
  /** SSE-KMS: the data key wrapped by a key-service key (its id and material version). */
  kmsWrappedKey?: { keyId: string; keyVersion: number; sealedBase64: string };
  /** SSE-KMS: the key's ARN as answered (x-amz-server-side-encryption-aws-kms-key-id, journal kms_key_arn). */
  kmsKeyArn?: string;
  /** SSE-KMS: x-amz-server-side-encryption-context as sent (base64 JSON), bound to the wrapped key. */
  encryptionContextBase64?: string;
  bucketKeyEnabled?: boolean;
}

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 of the big-endian digest, as S3 prints it. */
  valueBase64: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** What an ACL grant permits, as S3 names it. */
export type AclPermission = 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
/** Who a grant names: a canonical user (emails are resolved to one when the ACL is set) or a predefined group's URI. */
export type AclGrantee = { type: 'CanonicalUser'; id: string } | { type: 'Group'; uri: string };
export interface AclGrant {
  grantee: AclGrantee;
  permission: AclPermission;
}
/** A bucket's or an object version's access control list: its owner and its grants, in the order given. */
export interface StoredAcl {
  ownerId: string;
  grants: AclGrant[];
}

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
  /** The version's ACL and owner; undefined: owned by the bucket's owner, who alone has FULL_CONTROL (BucketOwnerEnforced). */
  acl?: StoredAcl;
}

export interface GovernanceBypass {
  /** x-amz-bypass-governance-retention from a caller allowed to bypass GOVERNANCE retention. */
  bypassGovernance?: boolean;
}
