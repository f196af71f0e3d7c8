// The S3 Tables routes of this slice, by method and path shape (the model's requestUri, segments
// counted after the leading `/`), each with its operation's name (its IAM action is
// `s3tables:<name>`). A request no route takes is an operation of the model not built yet: 501.
import * as catalog from './catalog-ops.js';
import type { TablesCall, TablesContext } from './catalog-ops.js';
import type { TablesAnswer } from './paging.js';
import * as tables from './table-ops.js';
import * as maintenance from './maintenance/api.js';

type Run = (context: TablesContext, call: TablesCall) => Promise<TablesAnswer>;

interface Route {
  method: string;
  /** The first segment, then how many segments in all, then a fixed last segment, if any. */
  root: string;
  segments: number;
  last?: string;
  operation: string;
  run: Run;
}

const ROUTES: readonly Route[] = [
  { method: 'PUT', root: 'buckets', segments: 1, operation: 'CreateTableBucket', run: catalog.createTableBucket },
  { method: 'GET', root: 'buckets', segments: 1, operation: 'ListTableBuckets', run: catalog.listTableBuckets },
  { method: 'GET', root: 'buckets', segments: 2, operation: 'GetTableBucket', run: catalog.getTableBucket },
  { method: 'DELETE', root: 'buckets', segments: 2, operation: 'DeleteTableBucket', run: catalog.deleteTableBucket },
  { method: 'PUT', root: 'namespaces', segments: 2, operation: 'CreateNamespace', run: catalog.createNamespace },
  { method: 'GET', root: 'namespaces', segments: 2, operation: 'ListNamespaces', run: catalog.listNamespaces },
  { method: 'GET', root: 'namespaces', segments: 3, operation: 'GetNamespace', run: catalog.getNamespace },
  { method: 'DELETE', root: 'namespaces', segments: 3, operation: 'DeleteNamespace', run: catalog.deleteNamespace },
  { method: 'PUT', root: 'tables', segments: 3, operation: 'CreateTable', run: tables.createTable },
  { method: 'GET', root: 'tables', segments: 2, operation: 'ListTables', run: tables.listTables },
  { method: 'GET', root: 'tables', segments: 4, operation: 'GetTable', run: tables.getTableByPath },
  { method: 'DELETE', root: 'tables', segments: 4, operation: 'DeleteTable', run: tables.deleteTable },
  { method: 'PUT', root: 'tables', segments: 5, last: 'rename', operation: 'RenameTable', run: tables.renameTable },
  { method: 'GET', root: 'tables', segments: 5, last: 'metadata-location', operation: 'GetTableMetadataLocation', run: tables.getTableMetadataLocation },
  { method: 'PUT', root: 'tables', segments: 5, last: 'metadata-location', operation: 'UpdateTableMetadataLocation', run: tables.updateTableMetadataLocation },
  { method: 'GET', root: 'get-table', segments: 1, operation: 'GetTable', run: tables.getTable },
  { method: 'GET', root: 'buckets', segments: 3, last: 'maintenance', operation: 'GetTableBucketMaintenanceConfiguration', run: maintenance.getTableBucketMaintenanceConfiguration },
  { method: 'PUT', root: 'buckets', segments: 4, operation: 'PutTableBucketMaintenanceConfiguration', run: maintenance.putTableBucketMaintenanceConfiguration },
  { method: 'GET', root: 'tables', segments: 5, last: 'maintenance', operation: 'GetTableMaintenanceConfiguration', run: maintenance.getTableMaintenanceConfiguration },
  { method: 'PUT', root: 'tables', segments: 6, operation: 'PutTableMaintenanceConfiguration', run: maintenance.putTableMaintenanceConfiguration },
  { method: 'GET', root: 'tables', segments: 5, last: 'maintenance-job-status', operation: 'GetTableMaintenanceJobStatus', run: maintenance.getTableMaintenanceJobStatus },
];

/** The route of a request; `run` is undefined for an operation not built yet (named as well as the path tells). */
export function routeOf(method: string, segments: readonly string[]): { operation: string; run?: Run } {
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.root === segments[0]
    && candidate.segments === segments.length && (candidate.last === undefined || candidate.last === segments[segments.length - 1]));
  if (route !== undefined) return { operation: route.operation, run: route.run };
  return { operation: `${method} /${segments[0] ?? ''}` };
}
