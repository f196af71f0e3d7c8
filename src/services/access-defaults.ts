// The access settings a new bucket starts with. `current` (the default) is AWS's default for new
// buckets since April 2023: public access blocked, Object Ownership BucketOwnerEnforced (ACLs
// disabled). `legacy` is the default before it, which older tools and test suites assume:
// ObjectWriter (ACLs enabled) and no public access block. CreateBucket and `cairn admin
// rebuild-index` both give a bucket these, so they live below the front end.
import type { ObjectOwnership, StoredOwnershipControls } from '../index/bucket-settings.js';

/** A bucket's public access block, as S3 names its four switches. */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export type OwnershipControls = StoredOwnershipControls;
export type { ObjectOwnership };

export const BUCKET_OWNER_ENFORCED = 'BucketOwnerEnforced';
/** Object Ownership when a bucket has no ownership controls (deleted): ACLs enabled, the writer owns, as on AWS. */
export const OWNERSHIP_WITHOUT_CONTROLS: ObjectOwnership = 'ObjectWriter';

/** `--new-bucket-defaults`: which of AWS's defaults new buckets get. */
export type NewBucketDefaults = 'current' | 'legacy';
export const NEW_BUCKET_DEFAULTS_VALUES: readonly NewBucketDefaults[] = ['current', 'legacy'];

/** The `--new-bucket-defaults` option's value; an Error naming the option otherwise. */
export function parseNewBucketDefaults(text: string): NewBucketDefaults {
  if (!(NEW_BUCKET_DEFAULTS_VALUES as readonly string[]).includes(text)) throw new Error(`--new-bucket-defaults ${text}: expected current or legacy`);
  return text as NewBucketDefaults;
}

/** A bucket's settings when it never had a public access block (AWS's default since April 2023: all on). */
export const DEFAULT_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = {
  BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true,
};

export interface InitialAccessSettings {
  'public-access-block'?: PublicAccessBlock;
  'ownership-controls': OwnershipControls;
}

/**
 * The settings a new bucket starts with under `defaults`; `ownership` is CreateBucket's
 * x-amz-object-ownership when given. Legacy buckets get no public access block at all (as
 * GetPublicAccessBlock answered for a bucket made before April 2023).
 */
export function initialAccessSettings(defaults: NewBucketDefaults = 'current', ownership?: ObjectOwnership): InitialAccessSettings {
  if (defaults === 'legacy') return { 'ownership-controls': { ObjectOwnership: ownership ?? 'ObjectWriter' } };
  return { 'public-access-block': { ...DEFAULT_PUBLIC_ACCESS_BLOCK }, 'ownership-controls': { ObjectOwnership: ownership ?? BUCKET_OWNER_ENFORCED } };
}
