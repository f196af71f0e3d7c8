// The access settings of a bucket: its policy (the document as set; authorization parses it), its
// public access block and its ownership controls, with the checks of their stored shapes.
import { boolean, oneOf, record, string } from './shape.js';

/** PutPublicAccessBlock's four switches, as S3 names them. */
export interface StoredPublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

const PUBLIC_ACCESS_BLOCK_SWITCHES = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

export const OBJECT_OWNERSHIP_VALUES = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'] as const;
export type ObjectOwnership = (typeof OBJECT_OWNERSHIP_VALUES)[number];

/** PutBucketOwnershipControls' one rule. */
export interface StoredOwnershipControls {
  ObjectOwnership: ObjectOwnership;
}

export function parsePolicySetting(value: unknown): string {
  return string(value, '');
}

export function parsePublicAccessBlockSetting(value: unknown): StoredPublicAccessBlock {
  const block = record(value, '');
  for (const name of PUBLIC_ACCESS_BLOCK_SWITCHES) boolean(block[name], name);
  return value as StoredPublicAccessBlock;
}

export function parseOwnershipControlsSetting(value: unknown): StoredOwnershipControls {
  oneOf(record(value, '')['ObjectOwnership'], OBJECT_OWNERSHIP_VALUES, 'ObjectOwnership');
  return value as StoredOwnershipControls;
}
