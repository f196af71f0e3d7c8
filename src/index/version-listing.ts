// ListObjectVersions for every index engine: versions ordered by key, then newest first, rolled up
// by delimiter with one seek per common prefix (as listing.ts does for current versions).
import { compareUtf8, prefixSuccessor } from '../util/utf8.js';
import { collectPage, commonPrefixOf } from './listing.js';
import type { ListVersionsPage, ListVersionsQuery, VersionSummary } from './types.js';

export interface VersionScanParameters {
  bucket: string;
  from: string;
  /** Exclusive upper bound on keys, or null. */
  to: string | null;
  /** Rows after (afterKey, afterDataId) in (key ascending, data id descending) order. */
  afterKey: string;
  afterDataId: string;
  limit: number;
}

type VersionRows = Array<VersionSummary & { dataId: string }>;
export type VersionRangeScan = (parameters: VersionScanParameters) => VersionRows | Promise<VersionRows>;
/** The data id of a key's version, to resume after a version-id-marker. */
export type VersionDataIdLookup = (bucket: string, key: string, versionId: string) => string | undefined | Promise<string | undefined>;

export async function listVersionsPage(scan: VersionRangeScan, dataIdOf: VersionDataIdLookup, query: ListVersionsQuery): Promise<ListVersionsPage> {
  const { bucket, prefix, delimiter, maxEntries } = query;
  const to = prefix === '' ? null : prefixSuccessor(prefix);
  // An empty data id sorts before every real one: "after (key, '')" means after all of key's versions.
  let cursor = { from: prefix, afterKey: '', afterDataId: '' };
  const marker = query.keyMarker ?? '';
  if (marker !== '') {
    if (commonPrefixOf(marker, prefix, delimiter) === marker) {
      const next = prefixSuccessor(marker);
      if (next === null) return { versions: [], commonPrefixes: [], isTruncated: false };
      if (compareUtf8(next, cursor.from) > 0) cursor = { from: next, afterKey: '', afterDataId: '' };
    } else {
      const resumeDataId = query.versionIdMarker === undefined || query.versionIdMarker === '' ? undefined : await dataIdOf(bucket, marker, query.versionIdMarker);
      cursor = { ...cursor, afterKey: marker, afterDataId: resumeDataId ?? '' };
    }
  }
  const scanned = await collectPage<VersionSummary & { dataId: string }, typeof cursor>({
    scan: (position, limit) => scan({ bucket, to, limit, ...position }),
    keyOf: (version) => version.key,
    // `from` can stay: every row after (key, data id) already lies past it.
    after: (version) => ({ from: prefix, afterKey: version.key, afterDataId: version.dataId }),
    afterPrefix: (commonPrefix) => {
      const next = prefixSuccessor(commonPrefix);
      return next === null ? null : { from: next, afterKey: '', afterDataId: '' };
    },
  }, cursor, prefix, delimiter, maxEntries);
  const last = scanned.last;
  return {
    versions: scanned.rows.map(({ dataId: _dataId, ...version }) => version),
    commonPrefixes: scanned.commonPrefixes,
    isTruncated: scanned.isTruncated,
    nextKeyMarker: last === undefined ? undefined : 'row' in last ? last.row.key : last.commonPrefix,
    nextVersionIdMarker: last !== undefined && 'row' in last ? last.row.versionId : undefined,
  };
}
