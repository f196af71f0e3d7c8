// A bucket's default encryption (PutBucketEncryption): the method new objects get when their request
// names none, and whether S3 Bucket Keys are asked for, with the check of its stored shape.
import { boolean, oneOf, optional, record, string } from './shape.js';

export const DEFAULT_ENCRYPTION_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;

export interface StoredBucketEncryption {
  /** ApplyServerSideEncryptionByDefault/SSEAlgorithm. */
  algorithm: (typeof DEFAULT_ENCRYPTION_ALGORITHMS)[number];
  /** Rule/BucketKeyEnabled as set (S3 echoes it; it changes nothing for SSE-S3). */
  bucketKeyEnabled?: boolean;
  /** ApplyServerSideEncryptionByDefault/KMSMasterKeyID (aws:kms only); undefined: the default key. */
  kmsKeyId?: string;
}

export function parseEncryptionSetting(value: unknown): StoredBucketEncryption {
  const fields = record(value, '');
  oneOf(fields['algorithm'], DEFAULT_ENCRYPTION_ALGORITHMS, 'algorithm');
  optional(fields, 'bucketKeyEnabled', '', boolean);
  optional(fields, 'kmsKeyId', '', string);
  return value as StoredBucketEncryption;
}
