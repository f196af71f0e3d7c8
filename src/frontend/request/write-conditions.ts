// Conditional writes: If-None-Match: * and If-Match: <etag> on PutObject, CompleteMultipartUpload
// and DeleteObject, checked by the index inside the write's own transaction.
import type { ConditionFailure, WriteCondition } from '../../index/types.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';

function unquote(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export function writeConditionFromHeaders(context: RequestContext, allowIfNoneMatch = true): WriteCondition | undefined {
  const ifNoneMatch = header(context, 'if-none-match');
  const ifMatch = header(context, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  const condition: WriteCondition = {};
  if (ifNoneMatch !== undefined) {
    if (!allowIfNoneMatch) throw new S3Error('NotImplemented', 'If-None-Match is not supported on this operation.', { extraFields: { Header: 'If-None-Match' } });
    // Writes accept only "*" (no object may exist); an ETag here would ask for something S3 does not do.
    if (ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'If-None-Match on a write accepts only "*".', { extraFields: { Header: 'If-None-Match' } });
    condition.ifNoneMatch = true;
  }
  if (ifMatch !== undefined) condition.ifMatchEtag = ifMatch.trim() === '*' ? '*' : unquote(ifMatch);
  return condition;
}

export function conditionError(failure: ConditionFailure, key: string, conflict = false): S3Error {
  if (failure === 'no-such-key') return new S3Error('NoSuchKey', undefined, { extraFields: { Key: key } });
  if (conflict) return new S3Error('ConditionalRequestConflict');
  return new S3Error('PreconditionFailed', undefined, { extraFields: { Condition: 'If-Match' } });
}
