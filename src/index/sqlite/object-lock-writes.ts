// The SQLite index's Object Lock writes, each run inside one write transaction: enabling it on a
// bucket (which must stay versioned), and changing one version's retention or legal hold under the
// rules of ../object-lock.ts.
import { encodeBucketSetting } from '../bucket-settings.js';
import { retentionChangeRefusal } from '../object-lock.js';
import type {
  LegalHoldStatus,
  ObjectLockChangeOutcome,
  ObjectLockConfiguration,
  ObjectRecord,
  ObjectRetention,
  SetObjectLockConfigurationOutcome,
  SetVersioningOutcome,
  VersioningStatus,
} from '../types.js';
import { lockToParameters } from './schema.js';
import type { Statements } from './statements.js';
import type { VersionRules } from './versioning.js';

/** What a lock change does to a version's state; a refusal leaves the version as it was. */
type LockChange = (version: ObjectRecord) => { retention?: ObjectRetention; legalHold?: LegalHoldStatus } | ObjectLockChangeOutcome;

export class ObjectLockWrites {
  constructor(private readonly statements: Statements, private readonly versions: VersionRules) {}

  setBucketVersioning(bucket: string, status: VersioningStatus): SetVersioningOutcome {
    if (this.statements.getBucket.get(bucket) === undefined) return 'no-such-bucket';
    // Object Lock needs every version kept: its bucket's versioning can never be suspended.
    if (status !== 'Enabled' && this.versions.objectLockOf(bucket) !== undefined) return 'object-lock-enabled';
    this.statements.setBucketVersioning.run(status, bucket);
    return 'set';
  }

  setConfiguration(bucket: string, configuration: ObjectLockConfiguration): SetObjectLockConfigurationOutcome {
    if (this.statements.getBucket.get(bucket) === undefined) return 'no-such-bucket';
    if (this.versions.versioningOf(bucket) !== 'Enabled') return 'versioning-not-enabled';
    this.statements.upsertBucketSetting.run(bucket, 'object-lock', encodeBucketSetting('object-lock', configuration));
    return 'set';
  }

  setRetention(bucket: string, key: string, versionId: string, retention: ObjectRetention | undefined, bypassGovernance: boolean): ObjectLockChangeOutcome {
    return this.change(bucket, key, versionId, (version) => {
      const refusal = retentionChangeRefusal(version.retention, retention, Date.now(), bypassGovernance);
      return refusal ?? { retention, legalHold: version.legalHold };
    });
  }

  setLegalHold(bucket: string, key: string, versionId: string, status: LegalHoldStatus): ObjectLockChangeOutcome {
    return this.change(bucket, key, versionId, (version) => ({ retention: version.retention, legalHold: status }));
  }

  private change(bucket: string, key: string, versionId: string, apply: LockChange): ObjectLockChangeOutcome {
    if (this.versions.objectLockOf(bucket) === undefined) return 'object-lock-not-enabled';
    const current = this.versions.currentOf(bucket, key);
    const version = this.versions.getVersion(bucket, key, versionId, current);
    if (version === undefined || version.isDeleteMarker === true) return 'no-such-version';
    const next = apply(version);
    if (typeof next === 'string') return next;
    const parameters = { bucket, key, versionId, ...lockToParameters(next) };
    const isCurrent = current !== undefined && current.versionId === versionId;
    const changed = isCurrent ? this.statements.setObjectLockState.run(parameters) : this.statements.setVersionLockState.run(parameters);
    if (changed.changes !== 1) throw new Error(`lock change of ${bucket}/${key} version ${versionId} matched ${changed.changes} rows`);
    return 'set';
  }
}
