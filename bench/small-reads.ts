// Micro-benchmarks of the 4 KiB GET/HEAD changes of issue #20, session 9: each the old way beside the
// new one in one process, alternated, CPU per operation (hot-paths.ts's method and output).
//
//   npx tsc -p tsconfig.json && node dist/bench/small-reads.js [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeBucketSetting } from '../src/index/bucket-settings.js';
import { SqliteIndex } from '../src/index/sqlite-index.js';
import { ACCESS_SETTING_COLUMNS, accessFromRow, REQUEST_SETTING_COLUMNS, requestSettingsFromRow, type AccessRow } from '../src/index/sqlite/identities.js';
import { bucketFromRow, type BucketRow } from '../src/index/sqlite/schema.js';
import { startRequestRecord, type S3RequestObserver, type S3RequestRecord } from '../src/frontend/s3/request-record.js';
import { compare, type Pair } from './micro-pairs.js';

const BUCKET = 'bench';

/** An index holding the bench's bucket with what a new bucket gets (public access block, ownership controls). */
async function benchIndex(directory: string): Promise<string> {
  const path = join(directory, 'index.db');
  const index = SqliteIndex.open(path);
  await index.createBucket({ name: BUCKET, createdAtMs: 1, region: 'us-east-1', ownerId: 'owner' }, {
    'public-access-block': { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    'ownership-controls': { ObjectOwnership: 'BucketOwnerEnforced' },
  });
  await index.close();
  return path;
}

function bucketReadPairs(db: Database.Database): Pair[] {
  const before = db.prepare(`SELECT b.*, ${ACCESS_SETTING_COLUMNS} FROM buckets b WHERE b.name = ?`);
  const after = db.prepare(`SELECT b.*, ${ACCESS_SETTING_COLUMNS}, ${REQUEST_SETTING_COLUMNS} FROM buckets b WHERE b.name = ?`);
  const setting = db.prepare('SELECT value_json FROM bucket_settings WHERE bucket = ? AND name = ?');
  const readSetting = (kind: 'lifecycle' | 'logging' | 'encryption' | 'object-lock') => {
    const row = setting.get(BUCKET, kind) as { value_json: string } | undefined;
    return row === undefined ? undefined : decodeBucketSetting(BUCKET, kind, row.value_json);
  };
  const bucketBefore = () => {
    const row = before.get(BUCKET) as BucketRow & AccessRow;
    return { bucket: bucketFromRow(row), access: accessFromRow(BUCKET, row) };
  };
  const bucketAfter = () => {
    const row = after.get(BUCKET) as BucketRow & AccessRow;
    return { bucket: bucketFromRow(row), access: accessFromRow(BUCKET, row), settingsJson: requestSettingsFromRow(row) };
  };
  return [
    {
      name: 'GET/HEAD: bucket, lifecycle, logging (3 reads) vs 1', iterations: 20_000,
      before: (n) => { for (let i = 0; i < n; i++) { bucketBefore(); readSetting('lifecycle'); readSetting('logging'); } },
      after: (n) => {
        for (let i = 0; i < n; i++) {
          const found = bucketAfter();
          if (found.settingsJson.lifecycle !== undefined || found.settingsJson.logging !== undefined) throw new Error('unexpected setting');
        }
      },
    },
    {
      name: 'PUT: bucket, object-lock, encryption, lifecycle, logging (5) vs 1', iterations: 20_000,
      before: (n) => {
        for (let i = 0; i < n; i++) { bucketBefore(); readSetting('object-lock'); readSetting('encryption'); readSetting('lifecycle'); readSetting('logging'); }
      },
      after: (n) => { for (let i = 0; i < n; i++) bucketAfter(); },
    },
  ];
}

type Fields = Pick<S3RequestRecord, 'requestId' | 'req' | 'res' | 'rawUrl' | 'bucket' | 'key' | 'query'>;
type WriteMethod = (...args: unknown[]) => unknown;

/** startRequestRecord before session 9: the record made by an object spread of `fields`. */
function startRequestRecordBefore(observer: S3RequestObserver, fields: Fields): S3RequestRecord {
  const { req, res } = fields;
  const record: S3RequestRecord = { ...fields, startedAtMs: Date.now(), finishedAtMs: 0, bytesSent: 0 };
  if (req.complete) record.requestReadAtMs = record.startedAtMs;
  else req.once('end', () => { record.requestReadAtMs = Date.now(); });
  const end = res.end as unknown as WriteMethod;
  res.end = function (this: unknown, ...args: unknown[]): unknown {
    record.firstByteAtMs ??= Date.now();
    return Reflect.apply(end, this, args);
  } as unknown as ServerResponse['end'];
  res.once('close', () => {
    record.finishedAtMs = Date.now();
    observer.requestDone(record);
  });
  return record;
}

/** A response as a HEAD answers it (no socket: node keeps the bytes), with or without the access log's record. */
function requestRecordPairs(): Pair[] {
  const socket = new Socket();
  const query = new URLSearchParams('');
  const observer: S3RequestObserver = { requestDone: () => undefined };
  const answer = (start: (observer: S3RequestObserver, fields: Fields) => S3RequestRecord) => {
    const req = new IncomingMessage(socket);
    req.complete = true;
    const res = new ServerResponse(req);
    start(observer, { requestId: 'R', req, res, rawUrl: '/bench/k', bucket: 'bench', key: 'k', query });
    res.setHeader('ETag', '"0"');
    res.end();
    res.emit('close');
  };
  return [{
    name: 'HEAD response with its access-log record: spread vs literal', iterations: 30_000,
    before: (n) => { for (let i = 0; i < n; i++) answer(startRequestRecordBefore); },
    after: (n) => { for (let i = 0; i < n; i++) answer(startRequestRecord); },
  }];
}

const directory = mkdtempSync(join(tmpdir(), 'cairn-small-reads-'));
const db = new Database(await benchIndex(directory), { readonly: true });
try {
  console.log('small reads (session 9): median of alternated rounds, CPU per operation (user + system, this process)');
  for (const pair of [...bucketReadPairs(db), ...requestRecordPairs()]) compare(pair);
} finally {
  db.close();
  rmSync(directory, { recursive: true, force: true });
}
