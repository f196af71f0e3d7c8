// Bucket settings in the SQLite index: one row per bucket and kind in bucket_settings, its value as
// JSON text, checked against its kind on the way in and on the way out (bucket-settings.ts).
import type { GroupCommitQueue } from '../group-commit.js';
import {
  decodeBucketSetting,
  encodeBucketSetting,
  BUCKET_SETTING_KIND_NAMES,
  type BucketSettingKind,
  type BucketSettingName,
  type BucketSettingsInit,
  type BucketSettingValue,
  type WritableBucketSettingKind,
} from '../bucket-settings.js';
import type { Statements } from './statements.js';

interface SettingRow {
  bucket: string;
  value_json: string;
}

export class BucketSettingsTables {
  constructor(private readonly statements: Statements, private readonly writes: GroupCommitQueue) {}

  read<K extends BucketSettingKind>(bucket: string, kind: K): BucketSettingValue<K> | undefined {
    const row = this.statements.getBucketSetting.get(bucket, kind) as { value_json: string } | undefined;
    return row === undefined ? undefined : decodeBucketSetting(bucket, kind, row.value_json);
  }

  list<K extends BucketSettingKind>(kind: K): Array<{ bucket: string; value: BucketSettingValue<K> }> {
    return (this.statements.bucketsWithSetting.all(kind) as SettingRow[])
      .map((row) => ({ bucket: row.bucket, value: decodeBucketSetting(row.bucket, kind, row.value_json) }));
  }

  write<K extends WritableBucketSettingKind>(bucket: string, kind: K, value: BucketSettingValue<K> | undefined): Promise<boolean> {
    this.refuseObjectLock(kind);
    // Checked here, before the write is queued: a value of the wrong shape is refused, never stored.
    const json = value === undefined ? undefined : encodeBucketSetting(kind, value);
    return this.writeJson(bucket, kind, json);
  }

  /** Inside createBucket's transaction: the new bucket's initial settings. */
  insertInitial(bucket: string, settings: BucketSettingsInit): void {
    for (const kind of BUCKET_SETTING_KIND_NAMES) {
      const value = settings[kind];
      if (value !== undefined) this.statements.upsertBucketSetting.run(bucket, kind, encodeBucketSetting(kind, value));
    }
  }

  // The raw accessors: the stored JSON as it is, unchecked, for tests and diagnosis only. The
  // server reads and writes settings through the typed ones above.
  rawGet(bucket: string, name: BucketSettingName): unknown {
    const row = this.statements.getBucketSetting.get(bucket, name) as { value_json: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.value_json);
  }

  rawList(name: BucketSettingName): Array<{ bucket: string; value: unknown }> {
    return (this.statements.bucketsWithSetting.all(name) as SettingRow[]).map((row) => ({ bucket: row.bucket, value: JSON.parse(row.value_json) }));
  }

  rawSet(bucket: string, name: BucketSettingName, value: unknown): Promise<boolean> {
    this.refuseObjectLock(name);
    return this.writeJson(bucket, name, value === undefined ? undefined : JSON.stringify(value));
  }

  private refuseObjectLock(name: BucketSettingName): void {
    // Object Lock is enabled only while versioning is Enabled, and never disabled again: only
    // setObjectLockConfiguration (and createBucket) may write it.
    if (name === 'object-lock') throw new Error('the object-lock setting is written only by setObjectLockConfiguration');
  }

  private writeJson(bucket: string, name: BucketSettingName, json: string | undefined): Promise<boolean> {
    return this.writes.submit(() => {
      if (this.statements.getBucket.get(bucket) === undefined) return false;
      if (json === undefined) this.statements.deleteBucketSetting.run(bucket, name);
      else this.statements.upsertBucketSetting.run(bucket, name, json);
      return true;
    });
  }
}
