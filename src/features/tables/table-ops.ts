// S3 Tables operations on tables: create, get (by bucket/namespace/name or by table ARN), list,
// delete, rename, and the metadata location with its version token, the optimistic concurrency
// of Iceberg commits: a writer names the token it read, and loses (409) if another moved it.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TableBucketRecord, TableRecord } from '../../index/types.js';
import { ensureWarehouseBucket, isoTime, requireBucket, requireNamespace, type TablesCall, type TablesContext } from './catalog-ops.js';
import { badRequest, checkNamespaceName, checkTableName, conflict, notFound, tableArn, tableOfArn } from './names.js';
import { pageOf, type TablesAnswer } from './paging.js';
import { icebergCreateRequestOf, writeInitialMetadata } from './initial-metadata.js';

const VERSION_TOKEN_BYTES = 20;
const METADATA_LOCATION_LENGTH_MAX = 2048;
const METADATA_FILE_SUFFIX = '.metadata.json';
const TABLE_NOT_FOUND = 'The specified table does not exist.';
const VERSION_TOKEN_STALE = 'The provided version token does not match the table version token.';

export const newVersionToken = (): string => randomBytes(VERSION_TOKEN_BYTES).toString('hex');

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`The ${what} is not valid.`);
  return value;
}

export async function requireTable(context: TablesContext, call: TablesCall): Promise<{ bucket: TableBucketRecord; table: TableRecord }> {
  const bucket = await requireBucket(context, call.segments[1]);
  const namespace = checkNamespaceName(call.segments[2]);
  const name = checkTableName(call.segments[3]);
  const table = await context.index.getTable(bucket.name, namespace, name);
  if (table === undefined) throw notFound(TABLE_NOT_FOUND);
  return { bucket, table };
}

function tableJson(context: TablesContext, bucket: TableBucketRecord, table: TableRecord): Record<string, unknown> {
  return {
    name: table.name, type: 'customer', tableARN: tableArn(context.scope, bucket.name, table.tableId), namespace: [table.namespace],
    versionToken: table.versionToken, metadataLocation: table.metadataLocation, warehouseLocation: table.warehouseLocation,
    createdAt: isoTime(table.createdAtMs), createdBy: table.createdBy, modifiedAt: isoTime(table.modifiedAtMs), modifiedBy: table.modifiedBy,
    ownerAccountId: table.ownerAccountId, format: table.format, tableBucketId: bucket.tableBucketId,
  };
}

export async function createTable(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const namespace = await requireNamespace(context, bucket, call.segments[2]);
  const name = checkTableName(call.body['name']);
  if (call.body['format'] !== 'ICEBERG') throw badRequest('The specified format is not valid: S3 Tables supports ICEBERG.');
  const icebergRequest = icebergCreateRequestOf(call.body['metadata']);
  const tableId = randomUUID();
  const record: TableRecord = {
    tableBucket: bucket.name, namespace: namespace.namespace, name, tableId, format: 'ICEBERG', versionToken: newVersionToken(),
    warehouseLocation: `s3://${bucket.warehouseBucket}/${tableId}`, createdAtMs: context.nowMs, createdBy: context.scope.accountId,
    modifiedAtMs: context.nowMs, modifiedBy: context.scope.accountId, ownerAccountId: bucket.ownerAccountId,
  };
  await ensureWarehouseBucket(context, bucket);
  if (icebergRequest !== undefined) {
    if (await context.index.getTable(bucket.name, namespace.namespace, name) !== undefined) throw conflict('A table with an identical name already exists in the namespace.');
    record.metadataLocation = await writeInitialMetadata(context.layers, icebergRequest, record.warehouseLocation, tableId, context.nowMs);
  }
  const outcome = await context.index.createTable(record);
  if (outcome === 'no-such-namespace') throw notFound('The specified namespace does not exist.');
  if (outcome === 'already-exists') throw conflict('A table with an identical name already exists in the namespace.');
  return { status: 200, body: { tableARN: tableArn(context.scope, bucket.name, tableId), versionToken: record.versionToken } };
}

/** GET /tables/{arn}/{namespace}/{name}: the older form of GetTable. */
export async function getTableByPath(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  return { status: 200, body: tableJson(context, bucket, table) };
}

/** GET /get-table?tableBucketARN&namespace&name, or ?tableArn. */
export async function getTable(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const arn = call.query.get('tableArn');
  if (arn !== null) {
    const { bucket: bucketName, tableId } = tableOfArn(context.scope, arn);
    const bucket = await context.index.getTableBucket(bucketName);
    const table = bucket === undefined ? undefined : await context.index.getTableById(bucketName, tableId);
    if (bucket === undefined || table === undefined) throw notFound(TABLE_NOT_FOUND);
    return { status: 200, body: tableJson(context, bucket, table) };
  }
  const [bucketArn, namespace, name] = ['tableBucketARN', 'namespace', 'name'].map((field) => call.query.get(field) ?? undefined);
  if (bucketArn === undefined || namespace === undefined || name === undefined) {
    throw badRequest('Either tableArn, or tableBucketARN with namespace and name, must be specified.');
  }
  return getTableByPath(context, { ...call, segments: ['get-table', bucketArn, namespace, name] });
}

export async function listTables(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const namespaceText = call.query.get('namespace');
  const namespace = namespaceText === null ? undefined : checkNamespaceName(namespaceText);
  const page = pageOf(call.query, 'maxTables');
  const slash = page.after?.indexOf('/') ?? -1;
  if (page.after !== undefined && slash < 0) throw badRequest('The continuation token is not valid.');
  const after = page.after === undefined ? undefined : { namespace: page.after.slice(0, slash), name: page.after.slice(slash + 1) };
  const tables = await context.index.listTables(bucket.name, { namespace, prefix: page.prefix, after, limit: page.limit + 1 });
  const shown = tables.slice(0, page.limit);
  const last = shown[shown.length - 1];
  const summaries = shown.map((table) => ({
    namespace: [table.namespace], name: table.name, type: 'customer', tableARN: tableArn(context.scope, bucket.name, table.tableId),
    createdAt: isoTime(table.createdAtMs), modifiedAt: isoTime(table.modifiedAtMs), tableBucketId: bucket.tableBucketId,
  }));
  const continuationToken = tables.length > page.limit && last !== undefined ? page.token(`${last.namespace}/${last.name}`) : undefined;
  return { status: 200, body: { tables: summaries, continuationToken } };
}

export async function deleteTable(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  const versionToken = optionalString(call.query.get('versionToken'), 'version token');
  const outcome = await context.index.deleteTable(bucket.name, table.namespace, table.name, versionToken);
  if (outcome === 'missing') throw notFound(TABLE_NOT_FOUND);
  if (outcome === 'conflict') throw conflict(VERSION_TOKEN_STALE);
  return { status: 204 };
}

export async function renameTable(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  const newNamespace = call.body['newNamespaceName'] === undefined ? table.namespace : checkNamespaceName(call.body['newNamespaceName']);
  const newName = call.body['newName'] === undefined ? table.name : checkTableName(call.body['newName']);
  const versionToken = optionalString(call.body['versionToken'], 'version token');
  const outcome = await context.index.renameTable(bucket.name, table.namespace, table.name, { namespace: newNamespace, name: newName },
    { versionToken, atMs: context.nowMs, by: context.scope.accountId });
  if (outcome === 'missing') throw notFound(TABLE_NOT_FOUND);
  if (outcome === 'conflict') throw conflict(VERSION_TOKEN_STALE);
  if (outcome === 'no-such-namespace') throw notFound('The specified namespace does not exist.');
  if (outcome === 'already-exists') throw conflict('A table with an identical name already exists in the namespace.');
  return { status: 204 };
}

export async function getTableMetadataLocation(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { table } = await requireTable(context, call);
  return { status: 200, body: { versionToken: table.versionToken, metadataLocation: table.metadataLocation, warehouseLocation: table.warehouseLocation } };
}

export async function updateTableMetadataLocation(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  const versionToken = optionalString(call.body['versionToken'], 'version token');
  if (versionToken === undefined) throw badRequest('The version token must be specified.');
  const location = optionalString(call.body['metadataLocation'], 'metadata location');
  // A table's metadata files belong in its own warehouse: a pointer elsewhere would let one table
  // read (or a later delete remove) another's files.
  const valid = location !== undefined && location.length <= METADATA_LOCATION_LENGTH_MAX
    && location.startsWith(`${table.warehouseLocation}/`) && location.endsWith(METADATA_FILE_SUFFIX)
    && location.length > table.warehouseLocation.length + 1 + METADATA_FILE_SUFFIX.length;
  if (!valid) throw badRequest(`The metadata location must be an object under ${table.warehouseLocation}/ whose name ends in ${METADATA_FILE_SUFFIX}.`);
  const outcome = await context.index.updateTableMetadataLocation(bucket.name, table.namespace, table.name, location, newVersionToken(),
    { versionToken, atMs: context.nowMs, by: context.scope.accountId });
  if (outcome === 'missing') throw notFound(TABLE_NOT_FOUND);
  if (outcome === 'conflict') throw conflict(VERSION_TOKEN_STALE);
  const updated = outcome.updated;
  return {
    status: 200,
    body: {
      name: updated.name, tableARN: tableArn(context.scope, bucket.name, updated.tableId), namespace: [updated.namespace],
      versionToken: updated.versionToken, metadataLocation: updated.metadataLocation,
    },
  };
}

