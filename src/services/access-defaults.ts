// The access settings a new bucket starts with (AWS's defaults for new buckets since April 2023):
// public access blocked, Object Ownership BucketOwnerEnforced. CreateBucket and `cairn admin
// rebuild-index` both give a bucket these, so they live below the front end.

/** A bucket's public access block, as S3 names its four switches. */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface OwnershipControls { ObjectOwnership: string }

export const BUCKET_OWNER_ENFORCED = 'BucketOwnerEnforced';

/** A bucket's settings when it never had a public access block (AWS's default since April 2023: all on). */
export const DEFAULT_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = {
  BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true,
};

/** The settings a new bucket starts with: AWS's defaults for new buckets. */
export function initialAccessSettings(): { 'public-access-block': PublicAccessBlock; 'ownership-controls': OwnershipControls } {
  return { 'public-access-block': { ...DEFAULT_PUBLIC_ACCESS_BLOCK }, 'ownership-controls': { ObjectOwnership: BUCKET_OWNER_ENFORCED } };
}
