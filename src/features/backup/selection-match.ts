// Which buckets a backup selection names: by ARN (a trailing * matches a prefix), by tag
// (STRINGEQUALS conditions, any of which selects), minus its NotResources.
import type { BucketRecord } from '../../index/types.js';
import type { SelectionRecord } from './records.js';

export function selects(selection: SelectionRecord, bucket: BucketRecord): boolean {
  const arn = `arn:aws:s3:::${bucket.name}`;
  const matches = (pattern: string) => pattern === arn || pattern === '*' || (pattern.endsWith('*') && arn.startsWith(pattern.slice(0, -1)));
  if (selection.notResources.some(matches)) return false;
  if (selection.resources.some(matches)) return true;
  return selection.tagConditions.some(({ key, value }) => (bucket.tags ?? []).some((tag) => tag.key === key && tag.value === value));
}

