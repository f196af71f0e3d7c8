// The S3 Tables maintenance operations (botocore s3tables 2018-05-10): Get/PutTableBucketMaintenanceConfiguration
// (icebergUnreferencedFileRemoval), Get/PutTableMaintenanceConfiguration (icebergCompaction,
// icebergSnapshotManagement) and GetTableMaintenanceJobStatus. A Put is checked whole before anything
// is stored: a bad value changes nothing.
import type { TableBucketRecord, TableRecord } from '../../../index/types.js';
import { isoTime, requireBucket, type TablesCall, type TablesContext } from '../catalog-ops.js';
import { badRequest, checkNamespaceName, checkTableName, notFound, tableArn, tableBucketArn } from '../names.js';
import type { TablesAnswer } from '../paging.js';
import {
  BUCKET_MAINTENANCE_TYPES, jobStatuses, MAINTENANCE_JOB_TYPES, maintenanceConfiguration, putMaintenanceConfiguration, readMaintenanceValue,
  TABLE_MAINTENANCE_TYPES, type MaintenanceJobType, type MaintenanceValue,
} from './config.js';

/** The path segment before a Put's type (`…/maintenance/{type}`). */
const MAINTENANCE_SEGMENT = 'maintenance';

async function requireTable(context: TablesContext, call: TablesCall): Promise<{ bucket: TableBucketRecord; table: TableRecord }> {
  const bucket = await requireBucket(context, call.segments[1]);
  const table = await context.index.getTable(bucket.name, checkNamespaceName(call.segments[2]), checkTableName(call.segments[3]));
  if (table === undefined) throw notFound('The specified table does not exist.');
  return { bucket, table };
}

function typeOf<T extends MaintenanceJobType>(call: TablesCall, types: readonly T[]): T {
  const [segment, type] = call.segments.slice(-2);
  if (segment !== MAINTENANCE_SEGMENT) throw badRequest('The request path is not valid.');
  if (!(types as readonly unknown[]).includes(type)) throw badRequest(`The maintenance type must be one of ${types.join(', ')}.`);
  return type as T;
}

/** The API's shape of a configuration: `{status, settings: {<type>: settings}}`. */
function valueJson(type: MaintenanceJobType, value: MaintenanceValue): Record<string, unknown> {
  return { status: value.status, settings: { [type]: value.settings } };
}

function configurationJson<T extends MaintenanceJobType>(configuration: Record<T, MaintenanceValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries<MaintenanceValue>(configuration).map(([type, value]) => [type, valueJson(type as T, value)]));
}

/** GET /buckets/{tableBucketARN}/maintenance */
export async function getTableBucketMaintenanceConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const configuration = await maintenanceConfiguration(context.index, bucket.tableBucketId, BUCKET_MAINTENANCE_TYPES);
  return { status: 200, body: { tableBucketARN: tableBucketArn(context.scope, bucket.name), configuration: configurationJson(configuration) } };
}

/** PUT /buckets/{tableBucketARN}/maintenance/{type} */
export async function putTableBucketMaintenanceConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const type = typeOf(call, BUCKET_MAINTENANCE_TYPES);
  const value = readMaintenanceValue(type, call.body['value']);
  await putMaintenanceConfiguration(context.index, bucket.tableBucketId, type, value);
  return { status: 204 };
}

/** GET /tables/{tableBucketARN}/{namespace}/{name}/maintenance */
export async function getTableMaintenanceConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  const configuration = await maintenanceConfiguration(context.index, table.tableId, TABLE_MAINTENANCE_TYPES);
  return { status: 200, body: { tableARN: tableArn(context.scope, bucket.name, table.tableId), configuration: configurationJson(configuration) } };
}

/** PUT /tables/{tableBucketARN}/{namespace}/{name}/maintenance/{type} */
export async function putTableMaintenanceConfiguration(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { table } = await requireTable(context, call);
  const type = typeOf(call, TABLE_MAINTENANCE_TYPES);
  const value = readMaintenanceValue(type, call.body['value']);
  await putMaintenanceConfiguration(context.index, table.tableId, type, value);
  return { status: 204 };
}

/** GET /tables/{tableBucketARN}/{namespace}/{name}/maintenance-job-status: a disabled job is Disabled whatever it did before. */
export async function getTableMaintenanceJobStatus(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  const [tableConfiguration, bucketConfiguration, statuses] = await Promise.all([
    maintenanceConfiguration(context.index, table.tableId, TABLE_MAINTENANCE_TYPES),
    maintenanceConfiguration(context.index, bucket.tableBucketId, BUCKET_MAINTENANCE_TYPES),
    jobStatuses(context.index, table.tableId),
  ]);
  const configuration: Record<MaintenanceJobType, MaintenanceValue> = { ...tableConfiguration, ...bucketConfiguration };
  const status = Object.fromEntries(MAINTENANCE_JOB_TYPES.map((type) => {
    const record = statuses[type];
    if (configuration[type].status === 'disabled') return [type, { status: 'Disabled' }];
    return [type, {
      status: record.status,
      ...(record.lastRunTimestampMs === undefined ? {} : { lastRunTimestamp: isoTime(record.lastRunTimestampMs) }),
      ...(record.failureMessage === undefined ? {} : { failureMessage: record.failureMessage }),
    }];
  }));
  return { status: 200, body: { tableARN: tableArn(context.scope, bucket.name, table.tableId), status } };
}
