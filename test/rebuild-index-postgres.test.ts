// `cairn admin rebuild-index --index postgres://…`: the index rebuilt from the drives into an empty
// PostgreSQL database; refused (nothing written) while a server uses the database and when it is not
// empty. Runs on the local PostgreSQL whatever CAIRN_TEST_INDEX says (the index is named explicitly).
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { sdkClient } from './helpers/clients.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory } from './helpers/server.js';

const BUCKET = 'rebuilt';
const COMMAND_TIMEOUT_MS = 60_000;

async function bucketCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const present = await client.query<{ present: boolean }>("SELECT to_regclass('buckets') IS NOT NULL AS present");
    if (!present.rows[0]!.present) return 0;
    return Number((await client.query<{ count: string }>('SELECT count(*) FROM buckets')).rows[0]!.count);
  } finally {
    await client.end();
  }
}

describe('rebuild-index into PostgreSQL', () => {
  const databases: string[] = [];
  after(async () => {
    for (const url of databases) await dropTestDatabase(url);
  });

  it('refuses a database in use or not empty, rebuilds into an empty one byte-identical', { timeout: 180_000 }, async () => {
    const dataDirectory = temporaryDirectory('rebuild-pg');
    const original = await createTestDatabase();
    databases.push(original);
    const rebuild = (url: string) => runCommand(process.execPath, [CAIRN_BIN, 'admin', 'rebuild-index', '--data', dataDirectory, '--index', url], { timeoutMs: COMMAND_TIMEOUT_MS });
    let server = await startServer({ dataDirectory, extraArgs: ['--index', original] });
    const bodies = new Map([['kept/a', randomBytes(70_000)], ['kept/b', randomBytes(10)], ['gone', randomBytes(100)]]);
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [key, body] of bodies) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone' }));
    s3.destroy();

    const fresh = await createTestDatabase();
    databases.push(fresh);
    // A server still uses the original database: refused before anything is read or written.
    const inUse = await rebuild(original);
    assert.equal(inUse.code, 1, inUse.stderr);
    assert.match(inUse.stderr, /is in use: stop the server/);
    await server.stop();
    // Not empty: refused, and the database is as it was.
    const notEmpty = await rebuild(original);
    assert.equal(notEmpty.code, 1, notEmpty.stderr);
    assert.match(notEmpty.stderr, /is not empty \(its buckets table has rows\)/);
    assert.equal(await bucketCount(original), 1);

    const rebuilt = await rebuild(fresh);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /1 buckets, 2 object writes replayed/);
    assert.match(rebuilt.stdout, /rebuilt the index in postgres:\/\//);
    // Once filled, the same database is refused the second time.
    const again = await rebuild(fresh);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /is not empty/);

    server = await startServer({ dataDirectory, extraArgs: ['--index', fresh] });
    const reader = sdkClient(server);
    try {
      for (const key of ['kept/a', 'kept/b']) {
        const got = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), bodies.get(key));
      }
      await assert.rejects(reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'gone' })), { name: 'NoSuchKey' });
    } finally {
      reader.destroy();
      await server.dispose();
    }
  });
});
