// A table bucket's encryption and the S3 bucket holding its tables' files: the table bucket's
// setting (SSE-S3 unless set otherwise, as on AWS) is that data bucket's default encryption, so
// every table file is stored encrypted by Cairn's SSE-S3 or SSE-KMS.
import type { Index, TableBucketRecord } from '../../index/types.js';

export interface EncryptionConfiguration {
  sseAlgorithm: 'AES256' | 'aws:kms';
  kmsKeyArn?: string;
}

/** As on AWS, every table bucket is encrypted: SSE-S3 unless set otherwise. */
export const DEFAULT_ENCRYPTION: EncryptionConfiguration = { sseAlgorithm: 'AES256' };

export async function bucketEncryptionOf(index: Index, bucket: TableBucketRecord): Promise<EncryptionConfiguration> {
  const text = await index.getTableSetting(bucket.tableBucketId, 'encryption');
  return text === undefined ? DEFAULT_ENCRYPTION : JSON.parse(text) as EncryptionConfiguration;
}

/** Makes the table bucket's encryption the default encryption of its data bucket (if that exists yet). */
export async function applyWarehouseEncryption(index: Index, bucket: TableBucketRecord): Promise<void> {
  const encryption = await bucketEncryptionOf(index, bucket);
  await index.writeBucketSetting(bucket.warehouseBucket, 'encryption', {
    algorithm: encryption.sseAlgorithm, ...(encryption.kmsKeyArn === undefined ? {} : { kmsKeyId: encryption.kmsKeyArn }),
  });
}
