// Bucket settings and Object Lock on PostgreSQL, the twins of sqlite/settings.ts and
// sqlite/object-lock-writes.ts: each write runs on the connection of its write transaction, so a
// rule's check (versioning must stay Enabled, a retention may only grow) and its write cannot be split.
import {
  decodeBucketSetting, encodeBucketSetting, BUCKET_SETTING_KIND_NAMES,
  type BucketSettingKind, type BucketSettingName, type BucketSettingsInit, type BucketSettingValue,
} from '../bucket-settings.js';
import { retentionChangeRefusal } from '../object-lock.js';
import { lockToParameters } from '../sqlite/schema.js';
import type {
  LegalHoldStatus, ObjectLockChangeOutcome, ObjectLockConfiguration, ObjectRecord, ObjectRetention, SetObjectLockConfigurationOutcome,
  SetVersioningOutcome, VersioningStatus,
} from '../types.js';
import type { Sql } from './connection.js';
import { SQL } from './statements.js';
import { PostgresVersionRules } from './versioning.js';

interface SettingRow {
  bucket: string;
  value_json: string;
}

export async function readSetting<K extends BucketSettingKind>(sql: Sql, bucket: string, kind: K): Promise<BucketSettingValue<K> | undefined> {
  const row = (await sql.query<SettingRow>(SQL.getBucketSetting, [bucket, kind])).rows[0];
  return row === undefined ? undefined : decodeBucketSetting(bucket, kind, row.value_json);
}

export async function listSettings<K extends BucketSettingKind>(sql: Sql, kind: K): Promise<Array<{ bucket: string; value: BucketSettingValue<K> }>> {
  return (await sql.query<SettingRow>(SQL.bucketsWithSetting, [kind])).rows.map((row) => ({ bucket: row.bucket, value: decodeBucketSetting(row.bucket, kind, row.value_json) }));
}

export async function rawSettings(sql: Sql, name: BucketSettingName): Promise<Array<{ bucket: string; value: unknown }>> {
  return (await sql.query<SettingRow>(SQL.bucketsWithSetting, [name])).rows.map((row) => ({ bucket: row.bucket, value: JSON.parse(row.value_json) }));
}

/** Inside createBucket's transaction: the new bucket's initial settings. */
export async function insertInitialSettings(sql: Sql, bucket: string, settings: BucketSettingsInit): Promise<void> {
  for (const kind of BUCKET_SETTING_KIND_NAMES) {
    const value = settings[kind];
    if (value !== undefined) await sql.query(SQL.upsertBucketSetting, [bucket, kind, encodeBucketSetting(kind, value)]);
  }
}

/** Sets (undefined: removes) a setting's JSON; false when there is no such bucket. */
export async function writeSettingJson(sql: Sql, bucket: string, name: BucketSettingName, json: string | undefined): Promise<boolean> {
  if ((await sql.query(SQL.getBucket, [bucket])).rows.length === 0) return false;
  if (json === undefined) await sql.query(SQL.deleteBucketSetting, [bucket, name]);
  else await sql.query(SQL.upsertBucketSetting, [bucket, name, json]);
  return true;
}

export async function setBucketVersioning(sql: Sql, bucket: string, status: VersioningStatus): Promise<SetVersioningOutcome> {
  if ((await sql.query(SQL.getBucket, [bucket])).rows.length === 0) return 'no-such-bucket';
  // Object Lock needs every version kept: its bucket's versioning can never be suspended.
  if (status !== 'Enabled' && await new PostgresVersionRules(sql).objectLockOf(bucket) !== undefined) return 'object-lock-enabled';
  await sql.query(SQL.setBucketVersioning, [status, bucket]);
  return 'set';
}

export async function setObjectLockConfiguration(sql: Sql, bucket: string, configuration: ObjectLockConfiguration): Promise<SetObjectLockConfigurationOutcome> {
  if ((await sql.query(SQL.getBucket, [bucket])).rows.length === 0) return 'no-such-bucket';
  if (await new PostgresVersionRules(sql).versioningOf(bucket) !== 'Enabled') return 'versioning-not-enabled';
  await sql.query(SQL.upsertBucketSetting, [bucket, 'object-lock', encodeBucketSetting('object-lock', configuration)]);
  return 'set';
}

type LockChange = (version: ObjectRecord) => { retention?: ObjectRetention; legalHold?: LegalHoldStatus } | ObjectLockChangeOutcome;

/** Changes one version's retention or legal hold, or answers why not (a refusal changes nothing). */
export async function changeObjectLock(sql: Sql, bucket: string, key: string, versionId: string, apply: LockChange): Promise<ObjectLockChangeOutcome> {
  const versions = new PostgresVersionRules(sql);
  if (await versions.objectLockOf(bucket) === undefined) return 'object-lock-not-enabled';
  const current = await versions.currentOf(bucket, key);
  const version = await versions.getVersion(bucket, key, versionId, current);
  if (version === undefined || version.isDeleteMarker === true) return 'no-such-version';
  const next = apply(version);
  if (typeof next === 'string') return next;
  const lock = lockToParameters(next);
  const isCurrent = current !== undefined && current.versionId === versionId;
  const changed = await sql.query(isCurrent ? SQL.setObjectLockState : SQL.setVersionLockState, [bucket, key, versionId, lock.lockMode, lock.lockRetainUntilMs, lock.legalHold]);
  if (changed.rowCount !== 1) throw new Error(`lock change of ${bucket}/${key} version ${versionId} matched ${changed.rowCount} rows`);
  return 'set';
}

export function retentionChange(retention: ObjectRetention | undefined, bypassGovernance: boolean): LockChange {
  return (version) => retentionChangeRefusal(version.retention, retention, Date.now(), bypassGovernance) ?? { retention, legalHold: version.legalHold };
}
