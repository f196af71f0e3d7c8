// Micro-benchmarks of the small-object changes of issue #20, session 8: each the old way beside the
// new one in one process, alternated, CPU per operation (hot-paths.ts's method and output).
//
//   npx tsc -p tsconfig.json && node dist/bench/small-objects.js [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { prepareSchema } from '../src/index/sqlite/migrations.js';
import { prepareStatements, summariesFromScanRows } from '../src/index/sqlite/statements.js';
import type { ObjectSummary } from '../src/index/object-index.js';
import { escapeXmlText, node, renderedXml, renderedXmlFragments, xmlDocument } from '../src/frontend/xml.js';
import { xmlDocumentBytes } from '../src/frontend/xml-bytes.js';
import { isoDate } from '../src/frontend/time.js';
import { compare, type Pair } from './micro-pairs.js';

const LIST_PAGE_KEYS = 1000;
const LIST_ROWS = 10_000;

/** A bucket of LIST_ROWS objects as PUT writes them (the bench's 16-byte objects under list/). */
function listingDatabase(directory: string): Database.Database {
  const db = new Database(join(directory, 'index.db'));
  db.pragma('journal_mode = WAL');
  prepareSchema(db, 'bench');
  const insert = db.prepare(`INSERT INTO objects (bucket, key, version_id, data_id, size_bytes, etag, last_modified_ms, storage_class,
    headers_json, user_metadata_json, checksum_json, placement) VALUES ('bench', ?, 'null', ?, 16, '96ca036569cc25a20be11be1e353ca3e', ?, 'STANDARD',
    '{"contentType":"binary/octet-stream"}', '{}', '{"algorithm":"CRC64NVME","valueBase64":"oUXAsKHwZ4c=","type":"FULL_OBJECT"}', ?)`);
  db.transaction(() => {
    for (let i = 0; i < LIST_ROWS; i++) {
      insert.run(`list/k${String(i).padStart(7, '0')}`, `01a24fd6dec9000061d6f53d5766${String(i).padStart(4, '0')}`, 1_796_635_811_547 + i, Buffer.from([1, 16, 1, 1, 143, 2, 231, 3, 16]));
    }
  })();
  return db;
}

function contentsFragment(object: ObjectSummary): string {
  return `<Contents><Key>${escapeXmlText(object.key)}</Key><LastModified>${isoDate(object.lastModifiedMs)}</LastModified>`
    + `<ETag>&quot;${object.etag}&quot;</ETag><Size>${object.sizeBytes}</Size><StorageClass>${escapeXmlText(object.storageClass)}</StorageClass></Contents>`;
}

function listPairs(db: Database.Database): Pair[] {
  const objectRows = db.prepare(`SELECT key, size_bytes AS sizeBytes, etag, last_modified_ms AS lastModifiedMs, storage_class AS storageClass
    FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`);
  const statements = prepareStatements(db);
  const scanObjects = () => objectRows.all('bench', 'list/', 'list0', LIST_PAGE_KEYS + 1) as ObjectSummary[];
  const scanArrays = () => summariesFromScanRows(statements.scanBounded.all('bench', 'list/', 'list0', LIST_PAGE_KEYS + 1));
  const page = scanArrays().slice(0, LIST_PAGE_KEYS);
  const head = () => [node('Name', 'bench'), node('Prefix', 'list/'), node('MaxKeys', LIST_PAGE_KEYS), node('IsTruncated', true)];
  const asRope = (objects: ObjectSummary[]) => {
    let xml = '';
    for (const object of objects) xml += contentsFragment(object);
    return Buffer.from(xmlDocument('ListBucketResult', [...head(), renderedXml(xml)]), 'utf8');
  };
  const asBytes = (objects: ObjectSummary[]) => xmlDocumentBytes('ListBucketResult', [...head(), renderedXmlFragments(objects.map(contentsFragment))]);
  return [
    {
      name: 'LIST page: 1,001 summary rows, row objects vs arrays', iterations: 300,
      before: (n) => { for (let i = 0; i < n; i++) scanObjects(); },
      after: (n) => { for (let i = 0; i < n; i++) scanArrays(); },
    },
    {
      name: 'LIST page: XML body, one rope + Buffer.from vs bytes', iterations: 300,
      before: (n) => { for (let i = 0; i < n; i++) asRope(page); },
      after: (n) => { for (let i = 0; i < n; i++) asBytes(page); },
    },
    {
      name: 'LIST page: rows and body together', iterations: 300,
      before: (n) => { for (let i = 0; i < n; i++) asRope(scanObjects().slice(0, LIST_PAGE_KEYS)); },
      after: (n) => { for (let i = 0; i < n; i++) asBytes(scanArrays().slice(0, LIST_PAGE_KEYS)); },
    },
  ];
}

const directory = mkdtempSync(join(tmpdir(), 'cairn-small-objects-'));
const db = listingDatabase(directory);
try {
  console.log('small objects (session 8): median of alternated rounds, CPU per operation (user + system, this process)');
  for (const pair of listPairs(db)) compare(pair);
} finally {
  db.close();
  rmSync(directory, { recursive: true, force: true });
}
