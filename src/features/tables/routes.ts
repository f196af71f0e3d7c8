// The S3 Tables routes of this slice, by method and path shape (the model's requestUri, segments
// counted after the leading `/`), each with its operation's name (its IAM action is
// `s3tables:<name>`). A route without `run` is an operation Cairn cannot honour (replication,
// record expiration: 501, named); a request no route takes is one not built yet: 501 as well.
import * as catalog from './catalog-ops.js';
import type { TablesCall, TablesContext } from './catalog-ops.js';
import * as create from './create-ops.js';
import type { TablesAnswer } from './paging.js';
import * as policies from './policy-ops.js';
import * as settings from './settings-ops.js';
import * as tables from './table-ops.js';
import * as maintenance from './maintenance/api.js';
import * as tags from './tags-ops.js';

type Run = (context: TablesContext, call: TablesCall) => Promise<TablesAnswer>;

interface Route {
  method: string;
  /** The first segment, then how many segments in all, then a fixed last segment, if any. */
  root: string;
  segments: number;
  last?: string;
  operation: string;
  run?: Run;
}

/** PUT, GET and DELETE of `/buckets/{arn}/<last>`, for the operations given. */
function bucketSetting(last: string, noun: string, put: Run | undefined, get: Run, remove: Run | undefined): Route[] {
  return [['PUT', put], ['GET', get], ['DELETE', remove]].flatMap(([method, run]) => run === undefined ? [] : [{
    method: method as string, root: 'buckets', segments: 3, last, operation: `${method === 'PUT' ? 'Put' : method === 'GET' ? 'Get' : 'Delete'}${noun}`, run: run as Run,
  }]);
}

/** PUT, GET and DELETE of `/tables/{arn}/{namespace}/{name}/<last>`, for the operations given. */
function tableSetting(last: string, noun: string, put: Run | undefined, get: Run, remove: Run | undefined): Route[] {
  return bucketSetting(last, noun, put, get, remove).map((route) => ({ ...route, root: 'tables', segments: 5 }));
}

/** Operations of the model Cairn cannot honour: a single server has no second region to replicate to, and no record expiration job. */
const CANNOT_HONOUR: readonly Route[] = [
  ['PUT', 'table-bucket-replication', 'PutTableBucketReplication'], ['GET', 'table-bucket-replication', 'GetTableBucketReplication'],
  ['DELETE', 'table-bucket-replication', 'DeleteTableBucketReplication'], ['PUT', 'table-replication', 'PutTableReplication'],
  ['GET', 'table-replication', 'GetTableReplication'], ['DELETE', 'table-replication', 'DeleteTableReplication'],
  ['GET', 'replication-status', 'GetTableReplicationStatus'], ['PUT', 'table-record-expiration', 'PutTableRecordExpirationConfiguration'],
  ['GET', 'table-record-expiration', 'GetTableRecordExpirationConfiguration'], ['GET', 'table-record-expiration-job-status', 'GetTableRecordExpirationJobStatus'],
].map(([method, root, operation]) => ({ method: method!, root: root!, segments: 1, operation: operation! }));

const ROUTES: readonly Route[] = [
  { method: 'PUT', root: 'buckets', segments: 1, operation: 'CreateTableBucket', run: create.createTableBucket },
  { method: 'GET', root: 'buckets', segments: 1, operation: 'ListTableBuckets', run: catalog.listTableBuckets },
  { method: 'GET', root: 'buckets', segments: 2, operation: 'GetTableBucket', run: catalog.getTableBucket },
  { method: 'DELETE', root: 'buckets', segments: 2, operation: 'DeleteTableBucket', run: catalog.deleteTableBucket },
  { method: 'PUT', root: 'namespaces', segments: 2, operation: 'CreateNamespace', run: catalog.createNamespace },
  { method: 'GET', root: 'namespaces', segments: 2, operation: 'ListNamespaces', run: catalog.listNamespaces },
  { method: 'GET', root: 'namespaces', segments: 3, operation: 'GetNamespace', run: catalog.getNamespace },
  { method: 'DELETE', root: 'namespaces', segments: 3, operation: 'DeleteNamespace', run: catalog.deleteNamespace },
  { method: 'PUT', root: 'tables', segments: 3, operation: 'CreateTable', run: create.createTable },
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
  ...bucketSetting('policy', 'TableBucketPolicy', policies.putTableBucketPolicy, policies.getTableBucketPolicy, policies.deleteTableBucketPolicy),
  ...tableSetting('policy', 'TablePolicy', policies.putTablePolicy, policies.getTablePolicy, policies.deleteTablePolicy),
  ...bucketSetting('encryption', 'TableBucketEncryption', settings.putTableBucketEncryption, settings.getTableBucketEncryption, settings.deleteTableBucketEncryption),
  ...tableSetting('encryption', 'TableEncryption', undefined, settings.getTableEncryption, undefined),
  ...bucketSetting('storage-class', 'TableBucketStorageClass', settings.putTableBucketStorageClass, settings.getTableBucketStorageClass, undefined),
  ...tableSetting('storage-class', 'TableStorageClass', undefined, settings.getTableStorageClass, undefined),
  ...bucketSetting('metrics', 'TableBucketMetricsConfiguration', settings.putTableBucketMetricsConfiguration,
    settings.getTableBucketMetricsConfiguration, settings.deleteTableBucketMetricsConfiguration),
  { method: 'POST', root: 'tag', segments: 2, operation: 'TagResource', run: tags.tagResource },
  { method: 'DELETE', root: 'tag', segments: 2, operation: 'UntagResource', run: tags.untagResource },
  { method: 'GET', root: 'tag', segments: 2, operation: 'ListTagsForResource', run: tags.listTagsForResource },
  ...CANNOT_HONOUR,
];

/** The route of a request; `run` is undefined for an operation not built yet (named as well as the path tells). */
export function routeOf(method: string, segments: readonly string[]): { operation: string; run?: Run } {
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.root === segments[0]
    && candidate.segments === segments.length && (candidate.last === undefined || candidate.last === segments[segments.length - 1]));
  if (route !== undefined) return { operation: route.operation, run: route.run };
  return { operation: `${method} /${segments[0] ?? ''}` };
}
