// S3 Tables maintenance settings as the API's model (botocore s3tables 2018-05-10) shapes them: a
// table bucket's icebergUnreferencedFileRemoval, a table's icebergCompaction and
// icebergSnapshotManagement, each `{status, settings}` with AWS's defaults (all enabled), read and
// checked from Put requests and stored in the index by the bucket's or table's id; and each table's
// job statuses (Not_Yet_Run, Successful, Failed, Disabled) as the runner records them.
import type { Index } from '../../../index/types.js';
import { badRequest } from '../names.js';

export const TABLE_MAINTENANCE_TYPES = ['icebergCompaction', 'icebergSnapshotManagement'] as const;
export const BUCKET_MAINTENANCE_TYPES = ['icebergUnreferencedFileRemoval'] as const;
export type TableMaintenanceType = (typeof TABLE_MAINTENANCE_TYPES)[number];
export type BucketMaintenanceType = (typeof BUCKET_MAINTENANCE_TYPES)[number];
export type MaintenanceJobType = TableMaintenanceType | BucketMaintenanceType;
export const MAINTENANCE_JOB_TYPES: readonly MaintenanceJobType[] = [...TABLE_MAINTENANCE_TYPES, ...BUCKET_MAINTENANCE_TYPES];

export const COMPACTION_STRATEGIES = ['auto', 'binpack', 'sort', 'z-order'] as const;
/** AWS's range of targetFileSizeMB. */
export const TARGET_FILE_SIZE_MB_MIN = 64;
export const TARGET_FILE_SIZE_MB_MAX = 512;
const POSITIVE_INTEGER_MAX = 2_147_483_647;

/** AWS's defaults: every type enabled with these settings until a Put changes them. */
const DEFAULT_SETTINGS: Record<MaintenanceJobType, Record<string, number | string>> = {
  icebergCompaction: { targetFileSizeMB: 512, strategy: 'auto' },
  icebergSnapshotManagement: { minSnapshotsToKeep: 1, maxSnapshotAgeHours: 120 },
  icebergUnreferencedFileRemoval: { unreferencedDays: 3, nonCurrentDays: 10 },
};

export interface MaintenanceValue {
  status: 'enabled' | 'disabled';
  settings: Record<string, number | string>;
}

export type JobStatusName = 'Not_Yet_Run' | 'Successful' | 'Failed' | 'Disabled';

/** A table's record of one job: its last outcome, and counters for the metrics. */
export interface JobStatusRecord {
  status: JobStatusName;
  lastRunTimestampMs?: number;
  failureMessage?: string;
  runs: number;
  failures: number;
  /** Commits lost to a writer's (each retried, or given up). */
  conflicts: number;
}

const configKind = (type: MaintenanceJobType): string => `config:${type}`;
export const statusKind = (type: MaintenanceJobType): string => `status:${type}`;

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > POSITIVE_INTEGER_MAX) {
    throw badRequest(`The ${what} must be a positive integer.`);
  }
  return value;
}

/** The settings of one type a Put names, checked against the model and AWS's documented ranges. */
function readSettings(type: MaintenanceJobType, given: Record<string, unknown>): Record<string, number | string> {
  const known = DEFAULT_SETTINGS[type];
  const unknown = Object.keys(given).find((key) => !(key in known));
  if (unknown !== undefined) throw badRequest(`The ${type} setting ${unknown} is not valid.`);
  const settings: Record<string, number | string> = { ...known };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || value === null) continue;
    if (key === 'strategy') {
      if (!(COMPACTION_STRATEGIES as readonly unknown[]).includes(value)) throw badRequest(`The compaction strategy must be one of ${COMPACTION_STRATEGIES.join(', ')}.`);
      settings[key] = value as string;
    } else {
      settings[key] = positiveInteger(value, key);
    }
  }
  const target = settings['targetFileSizeMB'];
  if (typeof target === 'number' && (target < TARGET_FILE_SIZE_MB_MIN || target > TARGET_FILE_SIZE_MB_MAX)) {
    throw badRequest(`The targetFileSizeMB must be between ${TARGET_FILE_SIZE_MB_MIN} and ${TARGET_FILE_SIZE_MB_MAX}.`);
  }
  return settings;
}

/** A Put's `value` ({status, settings: {<type>: {...}}}) for `type`, checked; settings left out keep the defaults. */
export function readMaintenanceValue(type: MaintenanceJobType, value: unknown): MaintenanceValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The maintenance configuration value must be specified.');
  const { status, settings } = value as Record<string, unknown>;
  if (status !== undefined && status !== 'enabled' && status !== 'disabled') throw badRequest('The maintenance status must be enabled or disabled.');
  let given: Record<string, unknown> = {};
  if (settings !== undefined && settings !== null) {
    if (typeof settings !== 'object' || Array.isArray(settings)) throw badRequest('The maintenance settings are not valid.');
    const members = Object.entries(settings as Record<string, unknown>).filter(([, member]) => member !== undefined && member !== null);
    if (members.length !== 1 || members[0]![0] !== type) throw badRequest(`The maintenance settings must name exactly ${type}.`);
    const member = members[0]![1];
    if (typeof member !== 'object' || Array.isArray(member)) throw badRequest(`The ${type} settings are not valid.`);
    given = member as Record<string, unknown>;
  }
  return { status: status ?? 'enabled', settings: readSettings(type, given) };
}

/** The configuration of each type for a bucket's or table's id: stored, else AWS's default. */
export async function maintenanceConfiguration<T extends MaintenanceJobType>(
  index: Index, ownerId: string, types: readonly T[],
): Promise<Record<T, MaintenanceValue>> {
  const stored = new Map((await index.getTableMaintenance(ownerId)).map((entry) => [entry.kind, entry.value]));
  return Object.fromEntries(types.map((type) => {
    const text = stored.get(configKind(type));
    return [type, text === undefined ? { status: 'enabled', settings: { ...DEFAULT_SETTINGS[type] } } : JSON.parse(text) as MaintenanceValue];
  })) as Record<T, MaintenanceValue>;
}

export async function putMaintenanceConfiguration(index: Index, ownerId: string, type: MaintenanceJobType, value: MaintenanceValue): Promise<void> {
  await index.putTableMaintenance({ ownerId, kind: configKind(type), value: JSON.stringify(value) });
}

/** Each job's status record of a table (Not_Yet_Run with no counts for one never run). */
export async function jobStatuses(index: Index, tableId: string): Promise<Record<MaintenanceJobType, JobStatusRecord>> {
  const stored = new Map((await index.getTableMaintenance(tableId)).map((entry) => [entry.kind, entry.value]));
  return Object.fromEntries(MAINTENANCE_JOB_TYPES.map((type) => {
    const text = stored.get(statusKind(type));
    return [type, text === undefined ? { status: 'Not_Yet_Run', runs: 0, failures: 0, conflicts: 0 } : JSON.parse(text) as JobStatusRecord];
  })) as Record<MaintenanceJobType, JobStatusRecord>;
}

export async function putJobStatus(index: Index, tableId: string, type: MaintenanceJobType, record: JobStatusRecord): Promise<void> {
  await index.putTableMaintenance({ ownerId: tableId, kind: statusKind(type), value: JSON.stringify(record) });
}
