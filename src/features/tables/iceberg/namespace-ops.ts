// The catalog's namespace operations (one level: a catalog namespace IS an S3 Tables namespace):
// list with pageToken/pageSize, create with properties, load, exists, drop (refused while it holds
// a table) and property updates and removals.
import { randomUUID } from 'node:crypto';
import { type CatalogAnswer, type CatalogCall, type CatalogContext, namespaceName, namespaceOfList, pageOf } from './catalog.js';
import { badRequest, IcebergError, noSuchNamespace } from './errors.js';
import { readProperties, requireString } from './metadata-model.js';

const PROPERTY_REMOVALS_MAX = 1000;

export async function listNamespaces(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const page = pageOf(call.query);
  // One level: every namespace is top-level, and none has children.
  if ((call.query.get('parent') ?? '') !== '') return { status: 200, body: { namespaces: [] } };
  const found = await context.tables.index.listTableNamespaces(context.bucket.name, { after: page.after, limit: page.limit + 1 });
  const shown = found.slice(0, page.limit);
  const last = shown[shown.length - 1];
  const next = found.length > page.limit && last !== undefined ? page.token(last.namespace) : undefined;
  return { status: 200, body: { namespaces: shown.map((entry) => [entry.namespace]), 'next-page-token': next } };
}

export async function createNamespace(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = namespaceOfList(call.body['namespace']);
  const properties = readProperties(call.body['properties'], 'properties');
  const { tables } = context;
  const outcome = await tables.index.createTableNamespace({
    tableBucket: context.bucket.name, namespace, namespaceId: randomUUID(), createdAtMs: tables.nowMs, createdBy: tables.scope.accountId,
    ownerAccountId: context.bucket.ownerAccountId, properties,
  });
  if (outcome === 'already-exists') throw new IcebergError('AlreadyExistsException', `Namespace already exists: ${namespace}`);
  if (outcome === 'no-such-bucket') throw new IcebergError('NoSuchWarehouseException', `Warehouse does not exist: ${context.bucket.name}`);
  return { status: 200, body: { namespace: [namespace], properties } };
}

export async function loadNamespace(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = namespaceName(call.namespace);
  const record = await context.tables.index.getTableNamespace(context.bucket.name, namespace);
  if (record === undefined) throw noSuchNamespace(namespace);
  return { status: 200, body: { namespace: [namespace], properties: record.properties ?? {} } };
}

export async function namespaceExists(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  await loadNamespace(context, call);
  return { status: 204 };
}

export async function dropNamespace(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = namespaceName(call.namespace);
  const outcome = await context.tables.index.deleteTableNamespace(context.bucket.name, namespace);
  if (outcome === 'missing') throw noSuchNamespace(namespace);
  if (outcome === 'not-empty') throw new IcebergError('NamespaceNotEmptyException', `Namespace is not empty: ${namespace}`);
  return { status: 204 };
}

export async function updateNamespaceProperties(context: CatalogContext, call: CatalogCall): Promise<CatalogAnswer> {
  const namespace = namespaceName(call.namespace);
  const updates = readProperties(call.body['updates'], 'updates');
  const removalsValue = call.body['removals'] ?? [];
  if (!Array.isArray(removalsValue) || removalsValue.length > PROPERTY_REMOVALS_MAX) throw badRequest('Invalid removals: must be a list of property names');
  const removals = removalsValue.map((key) => requireString(key, 'property name'));
  const both = removals.filter((key) => key in updates);
  if (both.length > 0) throw badRequest(`Invalid properties update: ${both.join(', ')} both updated and removed`);
  const outcome = await context.tables.index.updateTableNamespaceProperties(context.bucket.name, namespace, updates, removals);
  if (outcome === 'missing') throw noSuchNamespace(namespace);
  return {
    status: 200,
    body: {
      updated: Object.keys(updates), removed: removals.filter((key) => key in outcome.before), missing: removals.filter((key) => !(key in outcome.before)),
    },
  };
}
