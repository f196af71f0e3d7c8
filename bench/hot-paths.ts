// Micro-benchmarks of the hot-path changes of issue #20, each the old way beside the new one in the
// same process, alternated, CPU time per operation (process.cpuUsage): on a machine shared with
// other jobs this is far steadier than requests per second.
//
//   npx tsc -p tsconfig.json && node dist/bench/hot-paths.js [--rounds 5]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newRequestId, newRequestId2, newTimeOrderedId } from '../src/util/ids.js';
import { node, renderedXml, xmlDocument, etagNode, escapeXmlText, type XmlNode } from '../src/frontend/xml.js';
import { isoDate } from '../src/frontend/time.js';
import { compare, MICRO_ROUNDS as ROUNDS, type Pair } from './micro-pairs.js';

// Ids: three randomBytes calls per request before, one pooled buffer after.
const idsPair: Pair = {
  name: 'request id + x-amz-id-2 + data id (per request)', iterations: 50_000,
  before: (n) => {
    for (let i = 0; i < n; i++) {
      randomBytes(8).toString('hex').toUpperCase();
      randomBytes(24).toString('base64');
      Date.now().toString(16).padStart(12, '0') + '0000' + randomBytes(8).toString('hex');
    }
  },
  after: (n) => {
    for (let i = 0; i < n; i++) {
      newRequestId();
      newRequestId2();
      newTimeOrderedId();
    }
  },
};

function sqlitePairs(directory: string): Pair[] {
  const db = new Database(join(directory, 'bench.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE objects (bucket TEXT, key TEXT, value TEXT, parts_count INTEGER, PRIMARY KEY (bucket, key)) WITHOUT ROWID');
  const insert = db.prepare('INSERT OR REPLACE INTO objects VALUES (?, ?, ?, 0)');
  db.transaction(() => { for (let i = 0; i < 10_000; i++) insert.run('b', `k${i}`, 'x'.repeat(200)); })();
  const get = db.prepare('SELECT * FROM objects WHERE bucket = ? AND key = ?');
  const inSnapshot = db.transaction((key: string) => get.get('b', key));
  let counter = 0;
  return [
    {
      name: 'object read: BEGIN+SELECT+COMMIT vs one SELECT', iterations: 50_000,
      before: (n) => { for (let i = 0; i < n; i++) inSnapshot(`k${i % 10_000}`); },
      after: (n) => { for (let i = 0; i < n; i++) get.get('b', `k${i % 10_000}`); },
    },
    {
      // The writer's inner part of a lone write's commit (the fsync is the same either way and not CPU).
      name: 'lone index write: with a savepoint vs without', iterations: 300,
      before: (n) => { for (let i = 0; i < n; i++) db.transaction(() => db.transaction(() => insert.run('b', `w${counter++}`, 'y'))())(); },
      after: (n) => { for (let i = 0; i < n; i++) db.transaction(() => insert.run('b', `w${counter++}`, 'y'))(); },
    },
  ];
}

// A ListObjectsV2 page of 1,000 keys: six nodes per object before, one string after.
function listPair(): Pair {
  const objects = Array.from({ length: 1000 }, (_, i) => ({
    key: `list/k${String(i).padStart(7, '0')}`, lastModifiedMs: 1_765_000_000_000 + i, etag: 'd41d8cd98f00b204e9800998ecf8427e', sizeBytes: 16, storageClass: 'STANDARD',
  }));
  const wrap = (contents: XmlNode[]) => xmlDocument('ListBucketResult', [node('Name', 'bench'), node('KeyCount', 1000), ...contents]);
  return {
    name: 'LIST page of 1,000 keys: XML rendering', iterations: 300,
    before: (n) => {
      for (let i = 0; i < n; i++) {
        wrap(objects.map((object) => node('Contents', [
          node('Key', object.key), node('LastModified', isoDate(object.lastModifiedMs)), etagNode(object.etag),
          node('Size', object.sizeBytes), node('StorageClass', object.storageClass), node('Owner', undefined),
        ])));
      }
    },
    after: (n) => {
      for (let i = 0; i < n; i++) {
        let xml = '';
        for (const object of objects) {
          xml += `<Contents><Key>${escapeXmlText(object.key)}</Key><LastModified>${isoDate(object.lastModifiedMs)}</LastModified>`
            + `<ETag>&quot;${object.etag}&quot;</ETag><Size>${object.sizeBytes}</Size><StorageClass>${escapeXmlText(object.storageClass)}</StorageClass></Contents>`;
        }
        wrap([renderedXml(xml)]);
      }
    },
  };
}

// The first unit of a 1 MiB body arriving in 64 KiB socket chunks: doubling from 64 KiB vs one whole unit.
function unitPair(): Pair {
  const chunk = randomBytes(64 * 1024);
  const fill = (jump: boolean) => (n: number) => {
    for (let i = 0; i < n; i++) {
      let unit = Buffer.alloc(0);
      let filled = 0;
      for (let c = 0; c < 16; c++) {
        const needed = filled + chunk.length;
        if (needed > unit.length) {
          const grown = Buffer.allocUnsafe(jump && needed > 64 * 1024 ? 1024 * 1024 : Math.max(needed, unit.length * 2));
          unit.copy(grown, 0, 0, filled);
          unit = grown;
        }
        chunk.copy(unit, filled);
        filled = needed;
      }
    }
  };
  return { name: '1 MiB body into its unit buffer (64 KiB chunks)', iterations: 300, before: fill(false), after: fill(true) };
}

const directory = mkdtempSync(join(tmpdir(), 'cairn-hot-paths-'));
try {
  console.log(`hot paths: median of ${ROUNDS} alternated rounds, CPU per operation (user + system, this process)`);
  for (const pair of [idsPair, ...sqlitePairs(directory), listPair(), unitPair()]) compare(pair);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
