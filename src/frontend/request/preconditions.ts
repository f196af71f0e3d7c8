// Conditional requests (If-Match, If-None-Match, If-(Un)Modified-Since), as GET and copy evaluate them.
import type { ObjectRecord } from '../../index/types.js';
import { parseHttpDate } from '../time.js';

/** Whether an If-Match / If-None-Match list names the ETag ("*" names any). */
function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((entry) => {
    const candidate = entry.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    return candidate === '*' || candidate === etag;
  });
}

/** Last-Modified has one-second resolution on the wire, so comparisons use whole seconds. */
function lastModifiedSecondMs(object: ObjectRecord): number {
  return Math.floor(object.lastModifiedMs / 1000) * 1000;
}

interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/**
 * S3's evaluation order (RFC 7232 §6): If-Match decides over If-Unmodified-Since, If-None-Match over
 * If-Modified-Since. Returns the failure status, or undefined when the request proceeds.
 */
export function failedPrecondition(conditions: Preconditions, object: ObjectRecord, nowMs: number): 304 | 412 | undefined {
  const modifiedMs = lastModifiedSecondMs(object);
  if (conditions.ifMatch !== undefined) {
    if (!etagListMatches(conditions.ifMatch, object.etag)) return 412;
  } else {
    const unmodifiedSinceMs = parseHttpDate(conditions.ifUnmodifiedSince);
    if (unmodifiedSinceMs !== undefined && modifiedMs > unmodifiedSinceMs) return 412;
  }
  if (conditions.ifNoneMatch !== undefined) {
    if (etagListMatches(conditions.ifNoneMatch, object.etag)) return 304;
  } else {
    const modifiedSinceMs = parseHttpDate(conditions.ifModifiedSince);
    if (modifiedSinceMs !== undefined && modifiedSinceMs <= nowMs && modifiedMs <= modifiedSinceMs) return 304;
  }
  return undefined;
}
