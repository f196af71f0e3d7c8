// What every catalog operation works with: the layers, the S3 Tables context, the table bucket
// the request's prefix names (the warehouse), the request's pieces; and the shared lookups
// (namespace and table by name, as NoSuchNamespace / NoSuchTable) and the answer's shape.
import type { IncomingHttpHeaders } from 'node:http';
import type { TableBucketRecord, TableRecord } from '../../../index/types.js';
import type { Layers } from '../../../services/objects.js';
import type { TablesContext } from '../catalog-ops.js';
import { checkNamespaceName, checkTableName, MANAGED_TABLE_BUCKET_NAME, TablesError } from '../names.js';
import { badRequest, noSuchNamespace, noSuchTable } from './errors.js';
import { isObject, requireString, type JsonObject } from './metadata-model.js';

export interface CatalogContext {
  layers: Layers;
  tables: TablesContext;
  /** The table bucket the request's prefix names. */
  bucket: TableBucketRecord;
  /** Settings loadTable hands clients for reaching the S3 API (endpoint, path style, region). */
  s3Config: Record<string, string>;
  /**
   * With `X-Iceberg-Access-Delegation: vended-credentials`: temporary S3 credentials scoped to a
   * table's location (`s3.access-key-id`, `s3.secret-access-key`, `s3.session-token`…), else undefined.
   */
  vendCredentials?: (warehouseLocation: string) => Record<string, string>;
}

/** A request as operations see it: the path parameters after the prefix (decoded), query, JSON body and headers. */
export interface CatalogCall {
  namespace?: string;
  table?: string;
  query: URLSearchParams;
  body: JsonObject;
  headers: IncomingHttpHeaders;
}

export interface CatalogAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** S3 Tables has one level of namespaces: a name with the unit separator (a nested namespace) is not valid. */
export function namespaceName(value: unknown): string {
  try {
    return checkNamespaceName(value);
  } catch (error) {
    if (error instanceof TablesError) throw badRequest(`Invalid namespace name: ${String(value)} (${error.message})`);
    throw error;
  }
}

export function tableName(value: unknown): string {
  try {
    return checkTableName(value);
  } catch (error) {
    if (error instanceof TablesError) throw badRequest(`Invalid table name: ${String(value)} (${error.message})`);
    throw error;
  }
}

/** A namespace as the spec's JSON gives it (a list of one level here). */
export function namespaceOfList(value: unknown): string {
  if (!Array.isArray(value) || value.length !== 1) throw badRequest('Invalid namespace: S3 Tables namespaces have exactly one level');
  return namespaceName(value[0]);
}

/** A TableIdentifier `{namespace: [..], name}`. */
export function identifierOf(value: unknown): { namespace: string; name: string } {
  if (!isObject(value)) throw badRequest('Invalid table identifier: must be an object');
  return { namespace: namespaceOfList(value['namespace']), name: tableName(requireString(value['name'], 'table name')) };
}

/** The managed bucket's namespaces are `b_<general purpose bucket>`: bucket names may carry `-` and `.`. */
const MANAGED_NAMESPACE_PATTERN = /^b_[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export async function requireNamespace(context: CatalogContext, namespace: string | undefined): Promise<string> {
  const managed = context.bucket.name === MANAGED_TABLE_BUCKET_NAME && MANAGED_NAMESPACE_PATTERN.test(namespace ?? '');
  const name = managed ? namespace! : namespaceName(namespace);
  if (await context.tables.index.getTableNamespace(context.bucket.name, name) === undefined) throw noSuchNamespace(name);
  return name;
}

export async function requireTable(context: CatalogContext, namespace: string | undefined, table: string | undefined): Promise<TableRecord> {
  const namespaceText = await requireNamespace(context, namespace);
  const name = tableName(table);
  const record = await context.tables.index.getTable(context.bucket.name, namespaceText, name);
  if (record === undefined) throw noSuchTable(namespaceText, name);
  return record;
}

/** `pageSize` (1–1000, 1000 by default) and `pageToken` (the last name shown, base64url; empty: the first page). */
export function pageOf(query: URLSearchParams): { after?: string; limit: number; token: (last: string) => string } {
  const sizeText = query.get('pageSize');
  const limit = sizeText === null ? PAGE_ENTRIES_MAX : /^\d{1,4}$/.test(sizeText) ? Number(sizeText) : 0;
  if (limit < 1 || limit > PAGE_ENTRIES_MAX) throw badRequest(`Invalid pageSize: must be between 1 and ${PAGE_ENTRIES_MAX}`);
  const tokenText = query.get('pageToken') ?? '';
  let after: string | undefined;
  if (tokenText !== '') {
    after = tokenText.length <= PAGE_TOKEN_LENGTH_MAX && /^[A-Za-z0-9_-]+$/.test(tokenText) ? Buffer.from(tokenText, 'base64url').toString('utf8') : '';
    if (after === '') throw badRequest('Invalid pageToken');
  }
  return { after, limit, token: (last) => Buffer.from(last, 'utf8').toString('base64url') };
}

const PAGE_ENTRIES_MAX = 1000;
const PAGE_TOKEN_LENGTH_MAX = 2048;
