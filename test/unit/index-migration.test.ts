// Schema migrations of the SQLite index: an index written at version 1 (before the S3 Tables
// catalog) opens at the current version with its data kept and the catalog's tables added; an
// index newer than this code is refused.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { SCHEMA_VERSION } from '../../src/index/sqlite/migrations.js';
import { SCHEMA_SQL } from '../../src/index/sqlite/schema.js';

async function indexPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'cairn-index-migration-')), 'index.db');
}

function storedVersion(file: string): string | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
}

describe('index schema migrations', () => {
  it('upgrades a version 1 index to the current version, keeping its buckets', async () => {
    const file = await indexPath();
    const v1 = new Database(file);
    v1.exec(SCHEMA_SQL);
    v1.prepare("INSERT INTO meta (name, value) VALUES ('schema_version', '1')").run();
    v1.prepare('INSERT INTO buckets (name, created_at_ms, region, owner_id) VALUES (?, ?, ?, ?)').run('old', 1, 'us-east-1', 'o');
    v1.close();
    const index = SqliteIndex.open(file);
    try {
      assert.equal(SCHEMA_VERSION, 3);
      assert.equal((await index.getBucket('old'))?.ownerId, 'o');
      const record = { name: 'tb', tableBucketId: 'id', ownerAccountId: '000000000000', createdAtMs: 2, warehouseBucket: 'id--table-s3' };
      assert.equal(await index.createTableBucket(record), 'created');
      assert.deepEqual(await index.getTableBucket('tb'), record);
      const target = { name: 'hook', kind: 'webhook' as const, settings: { url: 'http://127.0.0.1/' }, createdAtMs: 3, deadLetters: 0, delivered: 0, failedAttempts: 0 };
      assert.equal(await index.createEventTarget(target), 'created');
      assert.deepEqual(await index.listEventTargets(), [target]);
    } finally {
      await index.close();
    }
    assert.equal(storedVersion(file), '3');
  });

  it('creates a new index at the current version, and refuses one newer than this code', async () => {
    const file = await indexPath();
    await SqliteIndex.open(file).close();
    assert.equal(storedVersion(file), String(SCHEMA_VERSION));
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = ? WHERE name = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    db.close();
    assert.throws(() => SqliteIndex.open(file), new RegExp(`has schema version ${SCHEMA_VERSION + 1}, newer than this Cairn \\(${SCHEMA_VERSION}\\)`));
  });
});
