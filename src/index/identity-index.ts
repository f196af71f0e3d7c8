// Users, their access keys and policies, and the per-request authorization read of a bucket.
import type { StoredAcl } from './records.js';
import type { StoredOwnershipControls, StoredPublicAccessBlock } from './settings/access.js';

/** A user: an identity with access keys, the owner of the buckets it creates. */
export interface UserRecord {
  /** Unique regardless of case (IAM's rule); the name policies use (`arn:aws:iam::<account>:user/<name>`). */
  name: string;
  /** 64 hex digits, the user's canonical id: the owner id of its buckets. */
  canonicalId: string;
  createdAtMs: number;
  /** The user's policy (IAM-style JSON, as set); undefined when it has none. */
  policy?: string;
  /** The user's email address (unique regardless of case): ACL grants may name the user by it. */
  email?: string;
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
  /** The 'policy' setting's value (the policy document as set), undefined when unset. */
  policy?: string;
  /** The 'public-access-block' setting's value, undefined when unset. */
  publicAccessBlock?: StoredPublicAccessBlock;
  /** The 'ownership-controls' setting's value, undefined when unset. */
  ownershipControls?: StoredOwnershipControls;
  /** The bucket's ACL (the 'acl' setting), undefined when unset: the owner's FULL_CONTROL only. */
  acl?: StoredAcl;
}

export type CreateUserOutcome = 'created' | 'already-exists' | 'too-many-users';
export type CreateAccessKeyOutcome = 'created' | 'no-such-user' | 'too-many-keys';
export type DeleteUserOutcome = 'deleted' | 'missing' | 'owns-buckets';
export type SetUserEmailOutcome = 'set' | 'no-such-user' | 'email-taken';

export interface IdentityReads {
  /** A bucket's owner, policy and public access block in one read; undefined when the bucket does not exist. */
  getBucketAccess(bucket: string): Promise<BucketAccessRecord | undefined>;
  getUser(name: string): Promise<UserRecord | undefined>;
  getUserByCanonicalId(canonicalId: string): Promise<UserRecord | undefined>;
  /** The user with this email address, regardless of case. */
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** An access key with its user, in one read (the per-request credential lookup). */
  getAccessKey(accessKeyId: string): Promise<{ key: AccessKeyRecord; user: UserRecord } | undefined>;
  listAccessKeys(userName: string): Promise<AccessKeyRecord[]>;
}

export interface IdentityWrites {
  /** Creates a user (and its first access key) in one transaction, unless `usersMax` users exist already. */
  createUser(user: UserRecord, firstKey: AccessKeyRecord | undefined, usersMax: number): Promise<CreateUserOutcome>;
  /** Deletes a user with its keys and policy; refused while it owns a bucket. */
  deleteUser(name: string): Promise<DeleteUserOutcome>;
  /** Sets (undefined: removes) a user's policy; false when there is no such user. */
  setUserPolicy(name: string, policy: string | undefined): Promise<boolean>;
  /** Sets (undefined: removes) a user's email address; refused when another user has it. */
  setUserEmail(name: string, email: string | undefined): Promise<SetUserEmailOutcome>;
  /** Adds an access key to a user that has fewer than `keysPerUserMax`. */
  createAccessKey(key: AccessKeyRecord, keysPerUserMax: number): Promise<CreateAccessKeyOutcome>;
  /** False when there is no such key. */
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
  /** False when there is no such key. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
}

export interface IdentityIndex extends IdentityReads, IdentityWrites {}
