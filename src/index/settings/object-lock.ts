// The 'object-lock' bucket setting: present exactly when Object Lock is enabled on the bucket, and
// written only by setObjectLockConfiguration (and createBucket); the check of its stored shape.
import type { ObjectLockMode } from '../records.js';
import { finiteNumber, oneOf, optional, record, SettingShapeError } from './shape.js';

/**
 * Present exactly when Object Lock is enabled on the bucket (it can never be disabled again). The
 * default retention applies to new versions that name none.
 */
export interface ObjectLockConfiguration {
  enabled: true;
  defaultRetention?: { mode: ObjectLockMode; days?: number; years?: number };
}

const OBJECT_LOCK_MODES: readonly ObjectLockMode[] = ['GOVERNANCE', 'COMPLIANCE'];

export function parseObjectLockSetting(value: unknown): ObjectLockConfiguration {
  const configuration = record(value, '');
  if (configuration['enabled'] !== true) throw new SettingShapeError('enabled', 'true');
  optional(configuration, 'defaultRetention', '', (retention, path) => {
    const fields = record(retention, path);
    oneOf(fields['mode'], OBJECT_LOCK_MODES, `${path}.mode`);
    optional(fields, 'days', path, finiteNumber);
    optional(fields, 'years', path, finiteNumber);
  });
  return value as ObjectLockConfiguration;
}
