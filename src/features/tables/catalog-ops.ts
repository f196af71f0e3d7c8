// S3 Tables operations on table buckets and namespaces: create, get, list and delete, as the API's
// model (botocore s3tables 2018-05-10) defines their inputs and outputs. Each takes the request's
// parsed pieces and returns the JSON to answer; failures are TablesErrors.
import { randomUUID } from 'node:crypto';
import type { Layers } from '../../services/objects.js';
import type { Index, TableBucketRecord, TableNamespaceRecord } from '../../index/types.js';
import type { BuiltInKeyService } from '../../services/encryption/kms.js';
import {
  badRequest, bucketOfArn, checkNamespaceName, checkTableBucketName, conflict, notFound, tableBucketArn, type ArnScope,
} from './names.js';
import { pageOf, type TablesAnswer } from './paging.js';
import { applyWarehouseEncryption } from './warehouse-encryption.js';

/** What every operation works with: the index, the server's ARN scope, who asks, and the time. */
export interface TablesContext {
  index: Index;
  scope: ArnScope;
  /** The canonical id owning the S3 buckets Cairn creates for table data (root's). */
  ownerId: string;
  nowMs: number;
  /** The key service SSE-KMS keys are checked against (absent: no aws:kms key can be named). */
  kms?: BuiltInKeyService;
  /** Both layers, for the files an operation writes itself (CreateTable's first metadata file). */
  layers: Layers;
}

/** A request as the operations see it: the path's segments (decoded), the query and the JSON body. */
export interface TablesCall {
  segments: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/**
 * The S3 bucket holding a table bucket's data: its id and the suffix S3 clients may not create
 * buckets with. Created with the bucket's first table (ensureWarehouseBucket).
 */
const WAREHOUSE_BUCKET_SUFFIX = '--table-s3';

export const isoTime = (ms: number): string => new Date(ms).toISOString();

export async function requireBucket(context: TablesContext, arn: string | undefined): Promise<TableBucketRecord> {
  const name = bucketOfArn(context.scope, arn ?? '');
  const bucket = await context.index.getTableBucket(name);
  if (bucket === undefined) throw notFound('The specified bucket does not exist.');
  return bucket;
}

/** Creates the table bucket's data bucket unless it exists (owned by root: the account's), encrypted as the table bucket says. */
export async function ensureWarehouseBucket(context: TablesContext, bucket: TableBucketRecord): Promise<void> {
  await context.index.createBucket({ name: bucket.warehouseBucket, createdAtMs: context.nowMs, region: context.scope.region, ownerId: context.ownerId });
  await applyWarehouseEncryption(context.index, bucket);
}

export async function requireNamespace(context: TablesContext, bucket: TableBucketRecord, namespace: string | undefined): Promise<TableNamespaceRecord> {
  const name = checkNamespaceName(namespace);
  const record = await context.index.getTableNamespace(bucket.name, name);
  if (record === undefined) throw notFound('The specified namespace does not exist.');
  return record;
}

function bucketJson(context: TablesContext, bucket: TableBucketRecord): Record<string, unknown> {
  return {
    arn: tableBucketArn(context.scope, bucket.name), name: bucket.name, ownerAccountId: bucket.ownerAccountId,
    createdAt: isoTime(bucket.createdAtMs), tableBucketId: bucket.tableBucketId, type: 'customer',
  };
}

function namespaceJson(namespace: TableNamespaceRecord, bucket: TableBucketRecord): Record<string, unknown> {
  return {
    namespace: [namespace.namespace], createdAt: isoTime(namespace.createdAtMs), createdBy: namespace.createdBy,
    ownerAccountId: namespace.ownerAccountId, namespaceId: namespace.namespaceId, tableBucketId: bucket.tableBucketId,
  };
}

export async function createTableBucket(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const name = checkTableBucketName(call.body['name']);
  const tableBucketId = randomUUID();
  const record: TableBucketRecord = {
    name, tableBucketId, ownerAccountId: context.scope.accountId, createdAtMs: context.nowMs, warehouseBucket: `${tableBucketId}${WAREHOUSE_BUCKET_SUFFIX}`,
  };
  if (await context.index.createTableBucket(record) === 'already-exists') {
    throw conflict('The bucket that you tried to create already exists, and you own it.');
  }
  return { status: 200, body: { arn: tableBucketArn(context.scope, name) } };
}

export async function getTableBucket(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  return { status: 200, body: bucketJson(context, await requireBucket(context, call.segments[1])) };
}

export async function listTableBuckets(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const page = pageOf(call.query, 'maxBuckets');
  const buckets = await context.index.listTableBuckets({ prefix: page.prefix, after: page.after, limit: page.limit + 1 });
  const shown = buckets.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    status: 200,
    body: { tableBuckets: shown.map((bucket) => bucketJson(context, bucket)), continuationToken: buckets.length > page.limit && last !== undefined ? page.token(last.name) : undefined },
  };
}

export async function deleteTableBucket(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const outcome = await context.index.deleteTableBucket(bucket.name);
  if (outcome === 'missing') throw notFound('The specified bucket does not exist.');
  if (outcome === 'not-empty') throw conflict('The bucket that you tried to delete is not empty.');
  // The data bucket goes with it when no file is left; otherwise it stays (docs: README, S3 Tables).
  await context.index.deleteBucket(bucket.warehouseBucket);
  return { status: 204 };
}

export async function createNamespace(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const names = call.body['namespace'];
  if (!Array.isArray(names) || names.length !== 1) throw badRequest('The namespace must name exactly one namespace.');
  const namespace = checkNamespaceName(names[0]);
  const outcome = await context.index.createTableNamespace({
    tableBucket: bucket.name, namespace, namespaceId: randomUUID(), createdAtMs: context.nowMs, createdBy: context.scope.accountId,
    ownerAccountId: bucket.ownerAccountId,
  });
  if (outcome === 'no-such-bucket') throw notFound('The specified bucket does not exist.');
  if (outcome === 'already-exists') throw conflict('A namespace with an identical name already exists in the bucket.');
  return { status: 200, body: { tableBucketARN: tableBucketArn(context.scope, bucket.name), namespace: [namespace] } };
}

export async function getNamespace(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  return { status: 200, body: namespaceJson(await requireNamespace(context, bucket, call.segments[2]), bucket) };
}

export async function listNamespaces(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const page = pageOf(call.query, 'maxNamespaces');
  const namespaces = await context.index.listTableNamespaces(bucket.name, { prefix: page.prefix, after: page.after, limit: page.limit + 1 });
  const shown = namespaces.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    status: 200,
    body: {
      namespaces: shown.map((namespace) => namespaceJson(namespace, bucket)),
      continuationToken: namespaces.length > page.limit && last !== undefined ? page.token(last.namespace) : undefined,
    },
  };
}

export async function deleteNamespace(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const namespace = checkNamespaceName(call.segments[2]);
  const outcome = await context.index.deleteTableNamespace(bucket.name, namespace);
  if (outcome === 'missing') throw notFound('The specified namespace does not exist.');
  if (outcome === 'not-empty') throw conflict('The namespace that you tried to delete is not empty.');
  return { status: 204 };
}
