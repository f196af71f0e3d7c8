// ListMultipartUploads for every index engine: uploads ordered by key, then by initiation (upload
// ids are time-ordered), rolled up by delimiter with one seek per common prefix, as in listing.ts.
import { keySuccessor, prefixSuccessor, compareUtf8 } from '../util/utf8.js';
import { collectPage, commonPrefixOf } from './listing.js';
import type { ListUploadsPage, ListUploadsQuery, UploadSummary } from './types.js';

/** Uploads whose (key, uploadId) sorts after (afterKey, afterUploadId), keys below `toExclusive`. */
export type UploadRangeScan = (
  bucket: string,
  afterKey: string,
  afterUploadId: string,
  toExclusive: string | null,
  limit: number,
) => UploadSummary[] | Promise<UploadSummary[]>;

/** The cursor a page starts after; '' as upload id sorts before every id of that key. */
function startCursor(query: ListUploadsQuery): { key: string; uploadId: string } {
  const { prefix, delimiter, keyMarker, uploadIdMarker } = query;
  let cursor = { key: prefix, uploadId: '' };
  if (keyMarker !== undefined && keyMarker !== '') {
    let resume: { key: string; uploadId: string };
    if (commonPrefixOf(keyMarker, prefix, delimiter) === keyMarker) {
      resume = { key: prefixSuccessor(keyMarker) ?? keySuccessor(keyMarker), uploadId: '' };
    } else if (uploadIdMarker !== undefined && uploadIdMarker !== '') {
      resume = { key: keyMarker, uploadId: uploadIdMarker };
    } else {
      resume = { key: keySuccessor(keyMarker), uploadId: '' };
    }
    if (compareUtf8(resume.key, cursor.key) >= 0) cursor = resume;
  }
  return cursor;
}

export async function listUploadsPage(scan: UploadRangeScan, query: ListUploadsQuery): Promise<ListUploadsPage> {
  const { bucket, prefix, delimiter } = query;
  const upperBound = prefix === '' ? null : prefixSuccessor(prefix);
  const collected = await collectPage<UploadSummary, { key: string; uploadId: string }>({
    scan: (cursor, limit) => scan(bucket, cursor.key, cursor.uploadId, upperBound, limit),
    keyOf: (upload) => upload.key,
    after: (upload) => ({ key: upload.key, uploadId: upload.uploadId }),
    afterPrefix: (commonPrefix) => {
      const next = prefixSuccessor(commonPrefix);
      return next === null ? null : { key: next, uploadId: '' };
    },
  }, startCursor(query), prefix, delimiter, query.maxEntries);
  const last = collected.last;
  return {
    uploads: collected.rows,
    commonPrefixes: collected.commonPrefixes,
    isTruncated: collected.isTruncated,
    nextKeyMarker: last === undefined ? undefined : 'row' in last ? last.row.key : last.commonPrefix,
    nextUploadIdMarker: last !== undefined && 'row' in last ? last.row.uploadId : undefined,
  };
}
