// Listing with prefix and delimiter, shared by every index engine. Each common prefix is skipped
// with one seek (the next scan starts after every key under it), so a page costs O(page entries)
// index work, never O(keys under the prefix).
import { compareUtf8, keySuccessor, prefixSuccessor } from '../util/utf8.js';
import type { ListObjectsPage, ListObjectsQuery, ObjectSummary } from './types.js';

/** Keys in [fromInclusive, toExclusive) in UTF-8 byte order, at most `limit` of them. */
export type KeyRangeScan = (
  bucket: string,
  fromInclusive: string,
  toExclusive: string | null,
  limit: number,
) => ObjectSummary[] | Promise<ObjectSummary[]>;

/** Rows fetched per seek when no delimiter interrupts the run. */
const SCAN_BATCH_ROWS_MAX = 1000;
/**
 * Rows fetched by the seek after a roll-up. Keys right after a skipped common prefix often roll up
 * too, so a large batch would mostly be thrown away; the batch doubles while keys list as themselves.
 */
const SCAN_BATCH_ROWS_AFTER_ROLLUP = 4;

/** The common prefix `key` rolls up into, or undefined when it is listed as itself. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '' || !key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

/** Where a page that resumes after `after` starts (inclusive). */
function resumePosition(after: string, prefix: string, delimiter: string): string {
  // A marker that is itself a common prefix resumes after everything under it; otherwise just after it.
  if (commonPrefixOf(after, prefix, delimiter) === after) return prefixSuccessor(after) ?? keySuccessor(after);
  return keySuccessor(after);
}

/** How one kind of listing reads its rows, for collectPage. */
export interface RollupSource<Row, Cursor> {
  /** Rows after `cursor`, in listing order, at most `limit`. */
  /** Synchronous (SQLite) or not (PostgreSQL). */
  scan(cursor: Cursor, limit: number): Row[] | Promise<Row[]>;
  keyOf(row: Row): string;
  /** The cursor just after `row`. */
  after(row: Row): Cursor;
  /** The cursor after every key under `commonPrefix`, or null when nothing can follow. */
  afterPrefix(commonPrefix: string): Cursor | null;
}

export interface CollectedPage<Row> {
  rows: Row[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last entry returned: a row, or a common prefix. */
  last?: { row: Row } | { commonPrefix: string };
}

/**
 * One page of a listing with delimiter roll-ups, shared by objects, uploads and versions: rows are
 * scanned in batches, and each common prefix is skipped with one seek past everything under it.
 */
export async function collectPage<Row, Cursor>(source: RollupSource<Row, Cursor>, start: Cursor, prefix: string, delimiter: string, maxEntries: number): Promise<CollectedPage<Row>> {
  const page: CollectedPage<Row> = { rows: [], commonPrefixes: [], isTruncated: false };
  if (maxEntries === 0) return page;
  let cursor = start;
  let entryCount = 0;
  let batchRowsCap = delimiter === '' ? SCAN_BATCH_ROWS_MAX : SCAN_BATCH_ROWS_AFTER_ROLLUP;
  for (;;) {
    // One more row than the page needs tells whether the listing is truncated.
    const batchRows = Math.min(maxEntries - entryCount + 1, batchRowsCap);
    const rows = await source.scan(cursor, batchRows);
    let reseek = false;
    for (const row of rows) {
      if (entryCount >= maxEntries) {
        page.isTruncated = true;
        return page;
      }
      entryCount += 1;
      const rolledUp = commonPrefixOf(source.keyOf(row), prefix, delimiter);
      if (rolledUp !== undefined) {
        page.commonPrefixes.push(rolledUp);
        page.last = { commonPrefix: rolledUp };
        const next = source.afterPrefix(rolledUp);
        if (next === null) return page;
        cursor = next;
        reseek = true;
        batchRowsCap = SCAN_BATCH_ROWS_AFTER_ROLLUP;
        break;
      }
      page.rows.push(row);
      page.last = { row };
      cursor = source.after(row);
    }
    if (!reseek && rows.length < batchRows) return page;
    if (!reseek) batchRowsCap = Math.min(batchRowsCap * 2, SCAN_BATCH_ROWS_MAX);
  }
}

export async function listObjectsPage(scan: KeyRangeScan, query: ListObjectsQuery): Promise<ListObjectsPage> {
  const { bucket, prefix, delimiter } = query;
  const upperBound = prefix === '' ? null : prefixSuccessor(prefix);
  let lowerBound = prefix;
  if (query.after !== undefined) {
    const resume = resumePosition(query.after, prefix, delimiter);
    if (compareUtf8(resume, lowerBound) > 0) lowerBound = resume;
  }
  const collected = await collectPage<ObjectSummary, string>({
    scan: (fromInclusive, limit) => (upperBound !== null && compareUtf8(fromInclusive, upperBound) >= 0 ? [] : scan(bucket, fromInclusive, upperBound, limit)),
    keyOf: (row) => row.key,
    after: (row) => keySuccessor(row.key),
    afterPrefix: (commonPrefix) => prefixSuccessor(commonPrefix),
  }, lowerBound, prefix, delimiter, query.maxEntries);
  const last = collected.last;
  return {
    objects: collected.rows,
    commonPrefixes: collected.commonPrefixes,
    isTruncated: collected.isTruncated,
    lastEntry: last === undefined ? undefined : 'row' in last ? last.row.key : last.commonPrefix,
  };
}
