// The buckets of the index: create, read, list and delete them, and the state kept on the bucket
// row itself (versioning, CORS rules, tags). Subresource configurations are bucket settings
// (bucket-settings.ts).
import type { BucketSettingsInit, RequestSettingsJson } from './bucket-settings.js';
import type { BucketAccessRecord } from './identity-index.js';
import type { Tag } from './records.js';

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

export type CreateBucketOutcome = 'created' | 'already-exists';
export type DeleteBucketOutcome = 'deleted' | 'not-empty' | 'missing';
export type SetVersioningOutcome = 'set' | 'no-such-bucket' | 'object-lock-enabled';

/**
 * A bucket with what authorization needs about it (owner, policy, public access block), and the
 * stored JSON of the settings its requests' operations read (decodeBucketSetting decodes one).
 */
export interface BucketWithAccess {
  bucket: BucketRecord;
  access: BucketAccessRecord;
  settingsJson: RequestSettingsJson;
}

export interface BucketReads {
  getBucket(name: string): Promise<BucketRecord | undefined>;
  /**
   * The bucket, its access settings and its request settings in one read: the S3 surface's lookup
   * of a request's own bucket, shared by CORS, authorization, the operation and the access log.
   * Undefined when it does not exist.
   */
  getBucketWithAccess(name: string): Promise<BucketWithAccess | undefined>;
  listBuckets(): Promise<BucketRecord[]>;
}

export interface BucketWrites {
  /**
   * Creates a bucket (its versioning state included) with its initial settings, in one transaction;
   * nothing changes when it already exists.
   */
  createBucket(bucket: BucketRecord, settings?: BucketSettingsInit): Promise<CreateBucketOutcome>;
  deleteBucket(name: string): Promise<DeleteBucketOutcome>;
  /** Sets a bucket's versioning; an Object Lock bucket stays Enabled ('object-lock-enabled'). */
  setBucketVersioning(name: string, status: VersioningStatus): Promise<SetVersioningOutcome>;
  /** Replaces a bucket's CORS rules (none: remove them); false when the bucket does not exist. */
  setBucketCors(name: string, rules: CorsRule[] | undefined): Promise<boolean>;
  /** Replaces a bucket's tag set (none: remove it); false when the bucket does not exist. */
  setBucketTags(name: string, tags: Tag[] | undefined): Promise<boolean>;
}

export interface BucketIndex extends BucketReads, BucketWrites {}
