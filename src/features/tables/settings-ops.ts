// S3 Tables settings of table buckets and tables: encryption (AES256 or aws:kms; the table bucket's
// is the default encryption of the S3 bucket holding its tables' files, so files are encrypted as
// Cairn's SSE-S3 / SSE-KMS), storage class (STANDARD or INTELLIGENT_TIERING, recorded), and the
// metrics configuration (recorded). A table takes the bucket's encryption and storage class when it
// is created unless its CreateTable names its own. Settings live in the index (TableSettingKind).
import { randomUUID } from 'node:crypto';
import type { TableBucketRecord } from '../../index/types.js';
import { requireBucket, type TablesCall, type TablesContext } from './catalog-ops.js';
import { badRequest, notFound, tableBucketArn } from './names.js';
import type { TablesAnswer } from './paging.js';
import { requireTable } from './table-ops.js';
import { applyWarehouseEncryption, bucketEncryptionOf, type EncryptionConfiguration } from './warehouse-encryption.js';

export interface StorageClassConfiguration {
  storageClass: 'STANDARD' | 'INTELLIGENT_TIERING';
}

const DEFAULT_STORAGE_CLASS: StorageClassConfiguration = { storageClass: 'STANDARD' };
const STORAGE_CLASSES: ReadonlySet<string> = new Set(['STANDARD', 'INTELLIGENT_TIERING']);
const KMS_KEY_ARN_PATTERN = /^arn:aws[-a-z0-9]*:kms:[-a-z0-9]*:[0-9]{12}:key\/.+$/;
const KMS_KEY_ARN_LENGTH_MAX = 2048;

/** The key an aws:kms configuration names must exist in this region's and account's key service. */
function checkKmsKey(context: TablesContext, kmsKeyArn: string): void {
  const prefix = `arn:aws:kms:${context.scope.region}:${context.scope.accountId}:key/`;
  const exists = kmsKeyArn.startsWith(prefix) && context.kms?.describe(kmsKeyArn.slice(prefix.length)) !== undefined;
  if (!exists) throw badRequest(`The specified KMS key does not exist: ${kmsKeyArn}`);
}

export function checkEncryption(context: TablesContext, value: unknown): EncryptionConfiguration {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The encryptionConfiguration must be specified.');
  const { sseAlgorithm, kmsKeyArn, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw badRequest(`Unknown field in encryptionConfiguration: ${Object.keys(rest)[0]}.`);
  if (sseAlgorithm !== 'AES256' && sseAlgorithm !== 'aws:kms') throw badRequest('The sseAlgorithm must be AES256 or aws:kms.');
  if (kmsKeyArn === undefined || kmsKeyArn === null) {
    if (sseAlgorithm === 'aws:kms') throw badRequest('A kmsKeyArn must be specified with the aws:kms sseAlgorithm.');
    return { sseAlgorithm };
  }
  if (sseAlgorithm === 'AES256') throw badRequest('A kmsKeyArn may be specified with the aws:kms sseAlgorithm only.');
  if (typeof kmsKeyArn !== 'string' || kmsKeyArn.length > KMS_KEY_ARN_LENGTH_MAX || !KMS_KEY_ARN_PATTERN.test(kmsKeyArn)) throw badRequest('The kmsKeyArn is not a valid KMS key ARN.');
  checkKmsKey(context, kmsKeyArn);
  return { sseAlgorithm, kmsKeyArn };
}

export function checkStorageClass(value: unknown): StorageClassConfiguration {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The storageClassConfiguration must be specified.');
  const { storageClass, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw badRequest(`Unknown field in storageClassConfiguration: ${Object.keys(rest)[0]}.`);
  if (typeof storageClass !== 'string' || !STORAGE_CLASSES.has(storageClass)) throw badRequest('The storageClass must be STANDARD or INTELLIGENT_TIERING.');
  return { storageClass: storageClass as StorageClassConfiguration['storageClass'] };
}

async function stored<T>(context: TablesContext, ownerId: string, kind: 'encryption' | 'storage-class', fallback: T): Promise<T> {
  const text = await context.index.getTableSetting(ownerId, kind);
  return text === undefined ? fallback : JSON.parse(text) as T;
}

export const bucketStorageClassOf = (context: TablesContext, bucket: TableBucketRecord): Promise<StorageClassConfiguration> =>
  stored(context, bucket.tableBucketId, 'storage-class', DEFAULT_STORAGE_CLASS);

export async function putTableBucketEncryption(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const encryption = checkEncryption(context, call.body['encryptionConfiguration']);
  await context.index.putTableSetting(bucket.tableBucketId, 'encryption', JSON.stringify(encryption));
  await applyWarehouseEncryption(context.index, bucket);
  return { status: 200, body: {} };
}

export async function getTableBucketEncryption(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  return { status: 200, body: { encryptionConfiguration: await bucketEncryptionOf(context.index, bucket) } };
}

/** Back to the default, SSE-S3 (a table bucket is never unencrypted). */
export async function deleteTableBucketEncryption(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  await context.index.deleteTableSetting(bucket.tableBucketId, 'encryption');
  await applyWarehouseEncryption(context.index, bucket);
  return { status: 204 };
}

export async function getTableEncryption(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  return { status: 200, body: { encryptionConfiguration: await stored(context, table.tableId, 'encryption', await bucketEncryptionOf(context.index, bucket)) } };
}

export async function putTableBucketStorageClass(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const storageClass = checkStorageClass(call.body['storageClassConfiguration']);
  await context.index.putTableSetting(bucket.tableBucketId, 'storage-class', JSON.stringify(storageClass));
  return { status: 200, body: {} };
}

export async function getTableBucketStorageClass(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  return { status: 200, body: { storageClassConfiguration: await bucketStorageClassOf(context, bucket) } };
}

export async function getTableStorageClass(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  return { status: 200, body: { storageClassConfiguration: await stored(context, table.tableId, 'storage-class', await bucketStorageClassOf(context, bucket)) } };
}

export async function putTableBucketMetricsConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  if (await context.index.getTableSetting(bucket.tableBucketId, 'metrics') === undefined) {
    await context.index.putTableSetting(bucket.tableBucketId, 'metrics', JSON.stringify({ id: randomUUID() }));
  }
  return { status: 204 };
}

export async function getTableBucketMetricsConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const text = await context.index.getTableSetting(bucket.tableBucketId, 'metrics');
  if (text === undefined) throw notFound('The metrics configuration does not exist.');
  return { status: 200, body: { tableBucketARN: tableBucketArn(context.scope, bucket.name), id: (JSON.parse(text) as { id: string }).id } };
}

export async function deleteTableBucketMetricsConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  if (!await context.index.deleteTableSetting(bucket.tableBucketId, 'metrics')) throw notFound('The metrics configuration does not exist.');
  return { status: 204 };
}
