// Conditional writes (If-None-Match / If-Match), evaluated against the key's current version inside
// the same transaction as the write, so two racing writers cannot both pass.
import type { ConditionFailure, ObjectRecord, WriteCondition } from './types.js';

export function conditionFailure(current: ObjectRecord | undefined, condition: WriteCondition | undefined): ConditionFailure | undefined {
  if (condition === undefined) return undefined;
  if (condition.ifNoneMatch === true && current !== undefined) return 'precondition-failed';
  if (condition.ifMatchEtag !== undefined) {
    if (current === undefined) return 'no-such-key';
    if (condition.ifMatchEtag !== '*' && condition.ifMatchEtag !== current.etag) return 'precondition-failed';
  }
  if (condition.ifDataId !== undefined) {
    if (current === undefined) return 'no-such-key';
    if (condition.ifDataId !== current.dataId) return 'precondition-failed';
  }
  return undefined;
}
