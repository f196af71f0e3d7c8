// Commits: a table's requirements judged against the metadata the commit read, its updates applied,
// the new metadata file written (durable before visible), then the table's pointer swapped with
// compare-and-set on the version token, so of two writers that read the same version exactly one
// wins and the other gets 409 CommitFailedException. A transaction does this for several tables
// and swaps every pointer in one index transaction: all or nothing.
import { randomUUID } from 'node:crypto';
import type { TableRecord } from '../../../index/types.js';
import { newVersionToken } from '../table-ops.js';
import { type CatalogAnswer, type CatalogCall, type CatalogContext, identifierOf, requireNamespace, requireTable, tableName } from './catalog.js';
import { badRequest, commitFailed, noSuchTable } from './errors.js';
import { nextMetadataLocation, withPreviousFile, writeMetadataFile } from './metadata-files.js';
import { emptyTableMetadata, isObject, type JsonObject, type TableMetadata } from './metadata-model.js';
import { assertsCreate, checkRequirements, readRequirements } from './metadata-requirements.js';
import { applyUpdates, readUpdates } from './metadata-updates.js';
import { createWithMetadata, currentMetadata, loadResult, tableRecordOf } from './table-ops.js';

const TRANSACTION_TABLES_MAX = 100;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOST_RACE = 'Commit failed: the table was changed by another commit since it was read; refresh and retry';

interface PreparedCommit {
  table: TableRecord;
  metadata: TableMetadata;
  metadataLocation: string;
}

/** A table's files stay in its own warehouse folder: a location elsewhere is refused. */
function checkLocation(metadata: TableMetadata, warehouseLocation: string): void {
  if (metadata.location !== warehouseLocation && !metadata.location.startsWith(`${warehouseLocation}/`)) {
    throw badRequest(`Invalid location ${metadata.location}: a table's files belong under ${warehouseLocation}`);
  }
}

function readChange(body: JsonObject): { requirements: JsonObject[]; updates: JsonObject[] } {
  return { requirements: readRequirements(body['requirements']), updates: readUpdates(body['updates']) };
}

/** Judges and applies one table's change and writes its next metadata file (not yet visible). */
async function prepare(context: CatalogContext, table: TableRecord, change: { requirements: JsonObject[]; updates: JsonObject[] }): Promise<PreparedCommit> {
  const base = await currentMetadata(context, table);
  checkRequirements(base, change.requirements);
  const nowMs = context.tables.nowMs;
  const start = base ?? emptyTableMetadata(table.tableId, table.warehouseLocation, nowMs);
  const metadata = withPreviousFile(applyUpdates(start, change.updates, nowMs), table.metadataLocation, nowMs);
  checkLocation(metadata, table.warehouseLocation);
  const metadataLocation = nextMetadataLocation(metadata);
  await writeMetadataFile(context.layers, metadataLocation, metadata);
  return { table, metadata, metadataLocation };
}

/** A staged create's commit: the table is made from its updates alone (assert-create holds: it does not exist). */
async function createFromUpdates(context: CatalogContext, namespace: string, name: string, updates: JsonObject[]): Promise<CatalogAnswer> {
  const assigned = updates.find((update) => update['action'] === 'assign-uuid')?.['uuid'];
  const tableId = typeof assigned === 'string' && UUID_PATTERN.test(assigned) ? assigned : randomUUID();
  const location = `s3://${context.bucket.warehouseBucket}/${tableId}`;
  const nowMs = context.tables.nowMs;
  const metadata = applyUpdates(emptyTableMetadata(tableId, location, nowMs), updates, nowMs);
  checkLocation(metadata, location);
  if (metadata.schemas.length === 0 || metadata['partition-specs'].length === 0 || metadata['sort-orders'].length === 0) {
    throw badRequest('Invalid create: the updates must add a schema, a partition spec and a sort order');
  }
  const metadataLocation = nextMetadataLocation(metadata);
  await createWithMetadata(context, tableRecordOf(context, namespace, name, tableId, location), metadata, metadataLocation);
  return loadResult(context, metadata, metadataLocation);
}

export async function commitTable(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const change = readChange(call.body);
  if (call.body['identifier'] !== undefined) {
    const named = identifierOf(call.body['identifier']);
    if (named.namespace !== call.namespace || named.name !== call.table) throw badRequest('Invalid identifier: it names another table than the path');
  }
  const namespace = await requireNamespace(context, call.namespace);
  const name = tableName(call.table);
  const table = await context.tables.index.getTable(context.bucket.name, namespace, name);
  if (table === undefined) {
    if (!assertsCreate(change.requirements)) throw noSuchTable(namespace, name);
    return createFromUpdates(context, namespace, name, change.updates);
  }
  const prepared = await prepare(context, table, change);
  const { tables } = context;
  const outcome = await tables.index.updateTableMetadataLocation(context.bucket.name, namespace, name, prepared.metadataLocation, newVersionToken(),
    { versionToken: table.versionToken, atMs: tables.nowMs, by: tables.scope.accountId });
  if (outcome === 'missing') throw noSuchTable(namespace, name);
  if (outcome === 'conflict') throw commitFailed(LOST_RACE);
  return { status: 200, body: { 'metadata-location': prepared.metadataLocation, metadata: prepared.metadata } };
}

export async function commitTransaction(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const changes = call.body['table-changes'];
  if (!Array.isArray(changes) || changes.length === 0 || changes.length > TRANSACTION_TABLES_MAX) {
    throw badRequest(`Invalid table-changes: must be a list of 1 to ${TRANSACTION_TABLES_MAX} changes`);
  }
  const parsed = changes.map((change: unknown) => {
    if (!isObject(change)) throw badRequest('Invalid table change: must be an object');
    return { identifier: identifierOf(change['identifier']), ...readChange(change) };
  });
  const names = new Set(parsed.map(({ identifier }) => `${identifier.namespace}.${identifier.name}`));
  if (names.size !== parsed.length) throw badRequest('Invalid table-changes: a table is named more than once');
  const prepared: PreparedCommit[] = [];
  for (const change of parsed) {
    const table = await requireTable(context, change.identifier.namespace, change.identifier.name);
    prepared.push(await prepare(context, table, change));
  }
  const { tables } = context;
  const swaps = prepared.map(({ table, metadataLocation }) => ({
    tableBucket: context.bucket.name, namespace: table.namespace, name: table.name, metadataLocation, versionToken: table.versionToken, newVersionToken: newVersionToken(),
  }));
  const outcome = await tables.index.swapTableMetadataLocations(swaps, { atMs: tables.nowMs, by: tables.scope.accountId });
  if ('refused' in outcome) {
    const refused = swaps[outcome.refused]!;
    if (outcome.reason === 'missing') throw noSuchTable(refused.namespace, refused.name);
    throw commitFailed(`${LOST_RACE} (${refused.namespace}.${refused.name})`);
  }
  return { status: 204 };
}
