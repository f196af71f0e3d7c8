// A bucket's subresource configurations (lifecycle, Object Lock, policy, …): a typed registry of
// setting kinds, each with its value type and the check of its stored shape, and the index's
// accessors for them. A setting is checked before it is written and again when it is read: a
// stored value that no longer parses is a BucketSettingCorruptError, never a value of the wrong type.
// A new kind (encryption, logging, website, …) is one entry in BUCKET_SETTING_KINDS.
import {
  parseOwnershipControlsSetting,
  parsePolicySetting,
  parsePublicAccessBlockSetting,
} from './settings/access.js';
import { parseAclSetting } from './settings/acl.js';
import { parseEncryptionSetting } from './settings/encryption.js';
import { parseLifecycleSetting } from './settings/lifecycle.js';
import { parseLoggingSetting } from './settings/logging.js';
import { parseMetadataSetting } from './settings/metadata.js';
import { parseNotificationSetting } from './settings/notification.js';
import { parseReplicationSetting } from './settings/replication.js';
import { parseObjectLockSetting, type ObjectLockConfiguration } from './settings/object-lock.js';
import { SettingShapeError } from './settings/shape.js';
import { parseWebsiteSetting } from './settings/website.js';

export type { ObjectLockConfiguration } from './settings/object-lock.js';
export type { ObjectOwnership, StoredOwnershipControls, StoredPublicAccessBlock } from './settings/access.js';
export { OBJECT_OWNERSHIP_VALUES } from './settings/access.js';
export type { StoredMetadataConfiguration } from './settings/metadata.js';
export type { LifecycleConfiguration } from './settings/lifecycle.js';
export type { WebsiteConfiguration, WebsiteRedirect, WebsiteRoutingRule } from './settings/website.js';
export type { BucketLoggingSetting, LoggingGrant, LoggingKeyFormat } from './settings/logging.js';
export type { StoredBucketEncryption } from './settings/encryption.js';
export type { NotificationConfiguration, NotificationRule, NotificationRuleKind } from './settings/notification.js';
export type { ReplicationConfiguration, ReplicationRule } from './settings/replication.js';

/**
 * Each kind under the name the settings table keeps it by (unchanged on disk), mapped to the parse
 * that checks a stored JSON value is of the kind's type.
 */
const BUCKET_SETTING_KINDS = {
  'object-lock': parseObjectLockSetting,
  lifecycle: parseLifecycleSetting,
  policy: parsePolicySetting,
  'public-access-block': parsePublicAccessBlockSetting,
  'ownership-controls': parseOwnershipControlsSetting,
  metadata: parseMetadataSetting,
  website: parseWebsiteSetting,
  logging: parseLoggingSetting,
  acl: parseAclSetting,
  encryption: parseEncryptionSetting,
  notification: parseNotificationSetting,
  replication: parseReplicationSetting,
} as const satisfies Record<string, (value: unknown) => unknown>;

export type BucketSettingKind = keyof typeof BUCKET_SETTING_KINDS;

/**
 * The settings a request's operation reads about its own bucket (x-amz-expiration, server access
 * logging, a new object's default encryption and Object Lock): read with the bucket itself, in the
 * same statement (getBucketWithAccess), as their stored JSON text, and decoded only when used.
 */
export const REQUEST_SETTING_KINDS = ['lifecycle', 'logging', 'encryption', 'object-lock'] as const satisfies readonly BucketSettingKind[];
export type RequestSettingKind = (typeof REQUEST_SETTING_KINDS)[number];
/** The stored JSON of each request setting the bucket has (absent: unset). */
export type RequestSettingsJson = { [K in RequestSettingKind]?: string };
/** The value type of a kind of setting. */
export type BucketSettingValue<K extends BucketSettingKind> = ReturnType<(typeof BUCKET_SETTING_KINDS)[K]>;
/** Kinds written through writeBucketSetting: Object Lock has a method of its own (it is never disabled). */
export type WritableBucketSettingKind = Exclude<BucketSettingKind, 'object-lock'>;
/** A new bucket's initial settings. */
export type BucketSettingsInit = { [K in BucketSettingKind]?: BucketSettingValue<K> };

/** The settings table's names, for engines and the raw (unchecked) accessors of tests and tools. */
export type BucketSettingName = BucketSettingKind;

export const BUCKET_SETTING_KIND_NAMES = Object.keys(BUCKET_SETTING_KINDS) as BucketSettingKind[];

export function isBucketSettingKind(name: string): name is BucketSettingKind {
  return Object.hasOwn(BUCKET_SETTING_KINDS, name);
}

/** A stored setting that does not parse as its kind: the index row is damaged, or was written by a buggy build. */
export class BucketSettingCorruptError extends Error {
  readonly code = 'BucketSettingCorrupt';
  constructor(readonly bucket: string, readonly kind: BucketSettingKind, readonly reason: string) {
    super(`bucket ${bucket}: its stored '${kind}' setting is corrupt (${reason})`);
    this.name = 'BucketSettingCorruptError';
  }
}

/** A setting refused before it was written: the value is not of its kind's type (a caller's bug). */
export class BucketSettingInvalidError extends Error {
  readonly code = 'BucketSettingInvalid';
  constructor(readonly kind: BucketSettingKind, readonly reason: string) {
    super(`a '${kind}' setting refused: ${reason}`);
    this.name = 'BucketSettingInvalidError';
  }
}

function parseAs<K extends BucketSettingKind>(kind: K, value: unknown): BucketSettingValue<K> {
  // The registry's entry for K returns BucketSettingValue<K>; TypeScript cannot follow a generic index.
  const parse = BUCKET_SETTING_KINDS[kind] as (value: unknown) => BucketSettingValue<K>;
  return parse(value);
}

/** The JSON text a setting is stored as, after checking it is of its kind. */
export function encodeBucketSetting<K extends BucketSettingKind>(kind: K, value: BucketSettingValue<K>): string {
  try {
    parseAs(kind, value);
  } catch (error) {
    if (error instanceof SettingShapeError) throw new BucketSettingInvalidError(kind, error.message);
    throw error;
  }
  return JSON.stringify(value);
}

/** A stored setting's value, checked to be of its kind; BucketSettingCorruptError when it is not. */
export function decodeBucketSetting<K extends BucketSettingKind>(bucket: string, kind: K, json: string): BucketSettingValue<K> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new BucketSettingCorruptError(bucket, kind, `not JSON: ${(error as Error).message}`);
  }
  try {
    return parseAs(kind, value);
  } catch (error) {
    if (error instanceof SettingShapeError) throw new BucketSettingCorruptError(bucket, kind, error.message);
    throw error;
  }
}

export type SetObjectLockConfigurationOutcome = 'set' | 'no-such-bucket' | 'versioning-not-enabled';

export interface BucketSettingsReads {
  /** A bucket's setting of one kind, undefined when unset or the bucket is missing. */
  readBucketSetting<K extends BucketSettingKind>(bucket: string, kind: K): Promise<BucketSettingValue<K> | undefined>;
  /** Every bucket that has a setting of this kind, by bucket name (for background workers). */
  listBucketsWithSetting<K extends BucketSettingKind>(kind: K): Promise<Array<{ bucket: string; value: BucketSettingValue<K> }>>;
}

export interface BucketSettingsWrites {
  /** Sets (undefined: removes) a bucket's setting; false when the bucket does not exist. Removed with the bucket. */
  writeBucketSetting<K extends WritableBucketSettingKind>(bucket: string, kind: K, value: BucketSettingValue<K> | undefined): Promise<boolean>;
  /** Enables Object Lock (or replaces its default retention) on a bucket whose versioning is Enabled. */
  setObjectLockConfiguration(bucket: string, configuration: ObjectLockConfiguration): Promise<SetObjectLockConfigurationOutcome>;
}

export interface BucketSettingsIndex extends BucketSettingsReads, BucketSettingsWrites {}
