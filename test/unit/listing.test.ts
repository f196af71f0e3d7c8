// Model-based check of the listing algorithm: random key sets, prefixes, delimiters and page sizes,
// paged to the end, against a naive model of S3's listing semantics.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonPrefixOf, listObjectsPage, type KeyRangeScan } from '../../src/index/listing.js';
import type { ObjectSummary, UploadSummary } from '../../src/index/types.js';
import { listUploadsPage, type UploadRangeScan } from '../../src/index/upload-listing.js';
import { compareUtf8, prefixSuccessor } from '../../src/util/utf8.js';

function scanOver(sortedKeys: string[]): { scan: KeyRangeScan; seeks: () => number; rowsRead: () => number } {
  let seekCount = 0;
  let rowCount = 0;
  const scan: KeyRangeScan = (_bucket, fromInclusive, toExclusive, limit) => {
    seekCount += 1;
    const rows: ObjectSummary[] = [];
    for (const key of sortedKeys) {
      if (compareUtf8(key, fromInclusive) < 0) continue;
      if (toExclusive !== null && compareUtf8(key, toExclusive) >= 0) break;
      rows.push({ key, sizeBytes: 0, etag: '', lastModifiedMs: 0, storageClass: 'STANDARD' });
      if (rows.length === limit) break;
    }
    rowCount += rows.length;
    return rows;
  };
  return { scan, seeks: () => seekCount, rowsRead: () => rowCount };
}

/** What S3 lists in full: keys under the prefix, rolled up by delimiter, in byte order. */
function modelListing(sortedKeys: string[], prefix: string, delimiter: string): string[] {
  const entries: string[] = [];
  for (const key of sortedKeys) {
    if (!key.startsWith(prefix)) continue;
    const rolled = commonPrefixOf(key, prefix, delimiter);
    const entry = rolled ?? key;
    if (entries[entries.length - 1] !== entry) entries.push(entry);
  }
  return entries;
}

const keyAlphabet = fc.constantFrom('a', 'b', '/', '-', 'é', '\uE000', '😀', 'z');
const keyArbitrary = fc.array(keyAlphabet, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

describe('listing model', () => {
  it('pages through exactly the model listing, in order, for any keys, prefix, delimiter and page size', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(keyArbitrary, { maxLength: 40 }),
      fc.array(keyAlphabet, { maxLength: 2 }).map((parts) => parts.join('')),
      fc.constantFrom('', '/', '-', 'é', 'ab'),
      fc.integer({ min: 1, max: 7 }),
      async (keys, prefix, delimiter, pageSize) => {
        const sorted = [...keys].sort(compareUtf8);
        const { scan } = scanOver(sorted);
        const listed: string[] = [];
        let after: string | undefined;
        for (let pageNumber = 0; pageNumber < 100; pageNumber += 1) {
          const page = await listObjectsPage(scan, { bucket: 'b', prefix, delimiter, after, maxEntries: pageSize });
          const pageEntries = [...page.objects.map((object) => object.key), ...page.commonPrefixes].sort(compareUtf8);
          assert.ok(pageEntries.length <= pageSize);
          listed.push(...pageEntries);
          if (!page.isTruncated) break;
          after = page.lastEntry;
        }
        assert.deepEqual(listed, modelListing(sorted, prefix, delimiter));
      },
    ), { numRuns: 400 });
  });

  it('skips a common prefix with one seek, whatever the number of keys under it', async () => {
    const keys = Array.from({ length: 5000 }, (_, index) => `big/${String(index).padStart(5, '0')}`).concat(['small/1', 'top']);
    const { scan, seeks, rowsRead } = scanOver(keys.sort(compareUtf8));
    const page = await listObjectsPage(scan, { bucket: 'b', prefix: '', delimiter: '/', maxEntries: 1000 });
    assert.deepEqual(page.commonPrefixes, ['big/', 'small/']);
    assert.deepEqual(page.objects.map((object) => object.key), ['top']);
    assert.ok(seeks() <= 4, `expected a seek per common prefix, got ${seeks()}`);
    // Rows read stay a handful per entry, not the 5,000 keys under "big/" (nor a full batch of them).
    assert.ok(rowsRead() <= 16, `expected a few rows per common prefix, read ${rowsRead()}`);
  });

  it('computes the successor of a prefix in UTF-8 byte order', () => {
    assert.equal(prefixSuccessor('a/'), 'a0');
    assert.equal(prefixSuccessor(''), null);
    assert.equal(prefixSuccessor('a\uD7FF'), 'a\uE000');
    assert.equal(prefixSuccessor('x\u{10FFFF}'), 'y');
  });
});

describe('multipart uploads listing model', () => {
  it('pages through every upload, in key then initiation order, for any prefix, delimiter and page size', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(keyArbitrary, fc.integer({ min: 1, max: 3 })), { maxLength: 25 }),
      fc.array(keyAlphabet, { maxLength: 2 }).map((parts) => parts.join('')),
      fc.constantFrom('', '/', '-'),
      fc.integer({ min: 1, max: 5 }),
      async (keysWithCounts, prefix, delimiter, pageSize) => {
        let sequence = 0;
        const uploads: UploadSummary[] = keysWithCounts.flatMap(([key, count]) => Array.from({ length: count }, () => {
          sequence += 1;
          return { key, uploadId: String(sequence).padStart(6, '0'), initiatedMs: sequence, storageClass: 'STANDARD' };
        }));
        const sorted = uploads.sort((left, right) => compareUtf8(left.key, right.key) || (left.uploadId < right.uploadId ? -1 : 1));
        const scan: UploadRangeScan = (_bucket, afterKey, afterUploadId, toExclusive, limit) => sorted.filter((upload) => {
          const order = compareUtf8(upload.key, afterKey);
          const afterCursor = order > 0 || (order === 0 && upload.uploadId > afterUploadId);
          return afterCursor && (toExclusive === null || compareUtf8(upload.key, toExclusive) < 0);
        }).slice(0, limit);
        const listed: string[] = [];
        let keyMarker: string | undefined;
        let uploadIdMarker: string | undefined;
        for (let pageNumber = 0; pageNumber < 200; pageNumber += 1) {
          const page = await listUploadsPage(scan, { bucket: 'b', prefix, delimiter, keyMarker, uploadIdMarker, maxEntries: pageSize });
          assert.ok(page.uploads.length + page.commonPrefixes.length <= pageSize);
          listed.push(...page.uploads.map((upload) => `${upload.key}#${upload.uploadId}`), ...page.commonPrefixes);
          if (!page.isTruncated) break;
          keyMarker = page.nextKeyMarker;
          uploadIdMarker = page.nextUploadIdMarker;
        }
        const expected: string[] = [];
        for (const upload of sorted) {
          if (!upload.key.startsWith(prefix)) continue;
          const rolled = commonPrefixOf(upload.key, prefix, delimiter);
          const entry = rolled ?? `${upload.key}#${upload.uploadId}`;
          if (!expected.includes(entry)) expected.push(entry);
        }
        assert.deepEqual([...listed].sort(), [...expected].sort());
        assert.equal(listed.length, expected.length, 'no upload or prefix listed twice');
      },
    ), { numRuns: 300 });
  });
});
