// The catalog's table operations: list, create (a real v2 metadata.json in the table's warehouse,
// or only the metadata for a staged create), load (ETag and If-None-Match → 304), exists, drop
// (with purgeRequested: every file under the table's location goes), rename, register and metrics.
// A catalog table IS an S3 Tables table: same index records, same version token.
import { createHash, randomUUID } from 'node:crypto';
import type { TableRecord } from '../../../index/types.js';
import { ensureWarehouseBucket } from '../catalog-ops.js';
import { newVersionToken } from '../table-ops.js';
import {
  type CatalogAnswer, type CatalogCall, type CatalogContext, identifierOf, pageOf, requireNamespace, requireTable, tableName,
} from './catalog.js';
import { badRequest, IcebergError, noSuchNamespace, noSuchTable } from './errors.js';
import { nextMetadataLocation, purgeLocation, readMetadataFile, writeMetadataFile } from './metadata-files.js';
import { newTableMetadata, requireString, type TableMetadata } from './metadata-model.js';

const METADATA_FILE_SUFFIX = '.metadata.json';
const TABLE_ID_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;

export const etagOf = (metadataLocation: string): string => `"${createHash('sha256').update(metadataLocation).digest('hex')}"`;

/** LoadTableResult: the metadata, where it lives, and how to reach the S3 API. */
export function loadResult(context: CatalogContext, metadata: TableMetadata, metadataLocation: string | undefined): CatalogAnswer {
  const headers: Record<string, string> = metadataLocation === undefined ? {} : { ETag: etagOf(metadataLocation) };
  const config = { ...context.s3Config, ...context.vendCredentials?.(metadata.location) };
  return { status: 200, body: { 'metadata-location': metadataLocation, metadata, config }, headers };
}

export function tableRecordOf(context: CatalogContext, namespace: string, name: string, tableId: string, location: string): TableRecord {
  const { nowMs, scope } = context.tables;
  return {
    tableBucket: context.bucket.name, namespace, name, tableId, format: 'ICEBERG', versionToken: newVersionToken(), warehouseLocation: location,
    createdAtMs: nowMs, createdBy: scope.accountId, modifiedAtMs: nowMs, modifiedBy: scope.accountId, ownerAccountId: context.bucket.ownerAccountId,
  };
}

/** Makes the table visible with its first metadata file (written first: durable before visible). */
export async function createWithMetadata(context: CatalogContext, record: TableRecord, metadata: TableMetadata, metadataLocation: string): Promise<void> {
  await ensureWarehouseBucket(context.tables, context.bucket);
  await writeMetadataFile(context.layers, metadataLocation, metadata);
  const outcome = await context.tables.index.createTable({ ...record, metadataLocation });
  if (outcome === 'no-such-namespace') throw noSuchNamespace(record.namespace);
  if (outcome === 'already-exists') throw new IcebergError('AlreadyExistsException', `Table already exists: ${record.namespace}.${record.name}`);
}

export async function listTables(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = await requireNamespace(context, call.namespace);
  const page = pageOf(call.query);
  const after = page.after === undefined ? undefined : { namespace, name: page.after };
  const found = await context.tables.index.listTables(context.bucket.name, { namespace, after, limit: page.limit + 1 });
  const shown = found.slice(0, page.limit);
  const last = shown[shown.length - 1];
  const next = found.length > page.limit && last !== undefined ? page.token(last.name) : undefined;
  return { status: 200, body: { identifiers: shown.map((table) => ({ namespace: [namespace], name: table.name })), 'next-page-token': next } };
}

export async function createTable(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = await requireNamespace(context, call.namespace);
  const name = tableName(requireString(call.body['name'], 'table name'));
  const tableId = randomUUID();
  const location = `s3://${context.bucket.warehouseBucket}/${tableId}`;
  const requested = call.body['location'];
  // S3 Tables places every table's files itself: a table's location is its own warehouse folder.
  if (requested !== undefined && requested !== null) throw badRequest('Invalid location: S3 Tables chooses the location of a table; omit it');
  const metadata = newTableMetadata(call.body, location, tableId, context.tables.nowMs);
  if (await context.tables.index.getTable(context.bucket.name, namespace, name) !== undefined) {
    throw new IcebergError('AlreadyExistsException', `Table already exists: ${namespace}.${name}`);
  }
  if (call.body['stage-create'] === true) return loadResult(context, metadata, undefined);
  const metadataLocation = nextMetadataLocation(metadata);
  await createWithMetadata(context, tableRecordOf(context, namespace, name, tableId, location), metadata, metadataLocation);
  return loadResult(context, metadata, metadataLocation);
}

/** The table and its current metadata; a table the S3 Tables API made without metadata has none yet. */
export async function currentMetadata(context: CatalogContext, table: TableRecord): Promise<TableMetadata | undefined> {
  if (table.metadataLocation === undefined) return undefined;
  const metadata = await readMetadataFile(context.layers, table.metadataLocation);
  if (metadata === undefined) throw new IcebergError('NotFoundException', `The metadata file of ${table.namespace}.${table.name} is missing: ${table.metadataLocation}`);
  return metadata;
}

export async function loadTable(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const table = await requireTable(context, call.namespace, call.table);
  if (table.metadataLocation !== undefined && call.headers['if-none-match'] === etagOf(table.metadataLocation)) {
    return { status: 304, headers: { ETag: etagOf(table.metadataLocation) } };
  }
  const metadata = await currentMetadata(context, table);
  if (metadata === undefined) throw noSuchTable(table.namespace, `${table.name} (it has no Iceberg metadata yet)`);
  return loadResult(context, metadata, table.metadataLocation);
}

export async function tableExists(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  await requireTable(context, call.namespace, call.table);
  return { status: 204 };
}

export async function dropTable(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const table = await requireTable(context, call.namespace, call.table);
  const purge = call.query.get('purgeRequested') === 'true';
  const outcome = await context.tables.index.deleteTable(context.bucket.name, table.namespace, table.name, undefined);
  if (outcome !== 'deleted') throw noSuchTable(table.namespace, table.name);
  // After the catalog entry is gone, so no reader is handed files being removed.
  if (purge) await purgeLocation(context.layers, table.warehouseLocation);
  return { status: 204 };
}

export async function renameTable(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const source = identifierOf(call.body['source']);
  const destination = identifierOf(call.body['destination']);
  const { tables } = context;
  const outcome = await tables.index.renameTable(context.bucket.name, source.namespace, source.name, destination,
    { atMs: tables.nowMs, by: tables.scope.accountId });
  if (outcome === 'missing' || outcome === 'conflict') throw noSuchTable(source.namespace, source.name);
  if (outcome === 'no-such-namespace') throw noSuchNamespace(destination.namespace);
  if (outcome === 'already-exists') throw new IcebergError('AlreadyExistsException', `Table already exists: ${destination.namespace}.${destination.name}`);
  return { status: 204 };
}

/** Registers a table from a metadata file already in this table bucket's warehouse (its own folder). */
export async function registerTable(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = await requireNamespace(context, call.namespace);
  const name = tableName(requireString(call.body['name'], 'table name'));
  if (call.body['overwrite'] === true) throw new IcebergError('UnsupportedOperationException', 'Registering over an existing table is not supported');
  const metadataLocation = requireString(call.body['metadata-location'], 'metadata-location');
  const warehouse = `s3://${context.bucket.warehouseBucket}/`;
  const folder = metadataLocation.startsWith(warehouse) ? metadataLocation.slice(warehouse.length).split('/')[0]! : '';
  if (!TABLE_ID_PATTERN.test(folder) || !metadataLocation.endsWith(METADATA_FILE_SUFFIX)) {
    throw badRequest(`Invalid metadata-location: must be a ${METADATA_FILE_SUFFIX} file in a table folder under ${warehouse}`);
  }
  const location = `${warehouse}${folder}`;
  const metadata = await readMetadataFile(context.layers, metadataLocation);
  if (metadata === undefined) throw badRequest(`Invalid metadata-location: no such file ${metadataLocation}`);
  if (metadata.location !== location) throw badRequest(`Invalid metadata: its location ${metadata.location} is not ${location}`);
  // One table per folder: a purge of one table must never remove another's files.
  if (await context.tables.index.getTableById(context.bucket.name, folder) !== undefined) {
    throw new IcebergError('AlreadyExistsException', `A table already uses the location ${location}`);
  }
  const outcome = await context.tables.index.createTable({ ...tableRecordOf(context, namespace, name, folder, location), metadataLocation });
  if (outcome === 'already-exists') throw new IcebergError('AlreadyExistsException', `Table already exists: ${namespace}.${name}`);
  if (outcome === 'no-such-namespace') throw noSuchNamespace(namespace);
  return loadResult(context, metadata, metadataLocation);
}

export async function reportMetrics(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  await requireTable(context, call.namespace, call.table);
  if (typeof call.body['report-type'] !== 'string') throw badRequest('Invalid metrics report: report-type is required');
  return { status: 204 };
}
