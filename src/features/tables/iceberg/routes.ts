// The catalog's routes under `/v1/{prefix}/`, by method and path shape (`:namespace` and `:table`
// are the path parameters), each with the `s3tables:` action it is authorized as (the actions
// AWS's own catalog endpoint checks) and whether it is a mutation (Idempotency-Key applies).
import type { CatalogAnswer, CatalogCall, CatalogContext } from './catalog.js';
import { commitTable, commitTransaction } from './commit-ops.js';
import * as namespaces from './namespace-ops.js';
import * as tables from './table-ops.js';

type Run = (context: CatalogContext, call: CatalogCall) => Promise<CatalogAnswer>;

interface Route {
  method: string;
  path: readonly string[];
  action: string;
  mutation: boolean;
  run: Run;
}

const NS = ['namespaces', ':namespace'] as const;
const TABLE = [...NS, 'tables', ':table'] as const;

export const CATALOG_ROUTES: readonly Route[] = [
  { method: 'GET', path: ['namespaces'], action: 'ListNamespaces', mutation: false, run: namespaces.listNamespaces },
  { method: 'POST', path: ['namespaces'], action: 'CreateNamespace', mutation: true, run: namespaces.createNamespace },
  { method: 'GET', path: NS, action: 'GetNamespace', mutation: false, run: namespaces.loadNamespace },
  { method: 'HEAD', path: NS, action: 'GetNamespace', mutation: false, run: namespaces.namespaceExists },
  { method: 'DELETE', path: NS, action: 'DeleteNamespace', mutation: true, run: namespaces.dropNamespace },
  { method: 'POST', path: [...NS, 'properties'], action: 'CreateNamespace', mutation: true, run: namespaces.updateNamespaceProperties },
  { method: 'GET', path: [...NS, 'tables'], action: 'ListTables', mutation: false, run: tables.listTables },
  { method: 'POST', path: [...NS, 'tables'], action: 'CreateTable', mutation: true, run: tables.createTable },
  { method: 'POST', path: [...NS, 'register'], action: 'CreateTable', mutation: true, run: tables.registerTable },
  { method: 'GET', path: TABLE, action: 'GetTableMetadataLocation', mutation: false, run: tables.loadTable },
  { method: 'HEAD', path: TABLE, action: 'GetTable', mutation: false, run: tables.tableExists },
  { method: 'POST', path: TABLE, action: 'UpdateTableMetadataLocation', mutation: true, run: commitTable },
  { method: 'DELETE', path: TABLE, action: 'DeleteTable', mutation: true, run: tables.dropTable },
  { method: 'POST', path: [...TABLE, 'metrics'], action: 'GetTable', mutation: false, run: tables.reportMetrics },
  { method: 'POST', path: ['tables', 'rename'], action: 'RenameTable', mutation: true, run: tables.renameTable },
  { method: 'POST', path: ['transactions', 'commit'], action: 'UpdateTableMetadataLocation', mutation: true, run: commitTransaction },
];

/** The endpoints the config announces (the spec's `METHOD /v1/{prefix}/…` form). */
export const ANNOUNCED_ENDPOINTS: readonly string[] = CATALOG_ROUTES.map((route) =>
  `${route.method} /v1/{prefix}/${route.path.map((part) => (part.startsWith(':') ? `{${part.slice(1)}}` : part)).join('/')}`);

/** The route and path parameters of a request's segments after the prefix, if any route takes them. */
export function catalogRouteOf(method: string, segments: readonly string[]): { route: Route; namespace?: string; table?: string } | undefined {
  for (const route of CATALOG_ROUTES) {
    if (route.method !== method || route.path.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = route.path.every((part, position) => {
      if (part.startsWith(':')) { params[part.slice(1)] = segments[position]!; return true; }
      return part === segments[position];
    });
    if (matches) return { route, namespace: params['namespace'], table: params['table'] };
  }
  return undefined;
}
