// The threaded engine's method lists (index-methods.ts): the compiler checks them against the Index
// interface; here, that they name real methods of the SQLite engine, that the engine has no index
// method they leave out, and that the writer's dispatch runs exactly the listed writes.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyWrite, INDEX_READ_METHODS, INDEX_WRITE_METHODS } from '../../src/index/index-methods.js';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { PostgresIndex } from '../../src/index/postgres-index.js';
import { POSTGRES_UNSUPPORTED_METHODS } from '../../src/index/postgres/unsupported.js';
import { ThreadedSqliteIndex } from '../../src/index/threaded-index.js';

/** SqliteIndex's own methods outside the Index interface: the unchecked settings accessors of tests and diagnosis. */
const ENGINE_ONLY_METHODS = ['constructor', 'close', 'getBucketSetting', 'setBucketSetting', 'listBucketSettings'];

async function indexPath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'cairn-index-methods-')), 'index.db');
}

describe('index method lists', () => {
  it('read and write lists are disjoint and together name every public method of the SQLite engine', () => {
    const reads = new Set<string>(INDEX_READ_METHODS);
    const writes = new Set<string>(INDEX_WRITE_METHODS);
    assert.deepEqual([...reads].filter((name) => writes.has(name)), []);
    assert.equal(reads.size, INDEX_READ_METHODS.length, 'no read listed twice');
    assert.equal(writes.size, INDEX_WRITE_METHODS.length, 'no write listed twice');
    const engineMethods = Object.getOwnPropertyNames(SqliteIndex.prototype)
      .filter((name) => typeof Object.getOwnPropertyDescriptor(SqliteIndex.prototype, name)?.value === 'function')
      // TypeScript's private methods are still on the prototype at run time: they are listed below.
      .filter((name) => !ENGINE_ONLY_METHODS.includes(name) && !PRIVATE_ENGINE_METHODS.includes(name));
    assert.deepEqual(engineMethods.filter((name) => !reads.has(name) && !writes.has(name)), [], 'an engine method no list names');
    for (const name of [...reads, ...writes]) assert.ok(engineMethods.includes(name), `${name} is a method of the engine`);
  });

  it('the PostgreSQL engine has every listed method, each implemented or refused as not supported yet', () => {
    for (const name of [...INDEX_READ_METHODS, ...INDEX_WRITE_METHODS]) {
      assert.equal(typeof Reflect.get(PostgresIndex.prototype, name), 'function', name);
    }
    const unsupported = new Set<string>(POSTGRES_UNSUPPORTED_METHODS);
    for (const name of unsupported) assert.ok(reads(name) || writes(name), `${name} is an index method`);
  });

  it('the threaded engine has every listed method, and the dispatch refuses anything but a listed write', async () => {
    const file = await indexPath();
    const threaded = await ThreadedSqliteIndex.open(file);
    const direct = SqliteIndex.open(file);
    try {
      for (const name of [...INDEX_READ_METHODS, ...INDEX_WRITE_METHODS]) assert.equal(typeof Reflect.get(threaded, name), 'function', name);
      await assert.rejects(applyWrite(direct, 'getBucket', ['b']), /not an index write: getBucket/);
      await assert.rejects(applyWrite(direct, 'close', []), /not an index write: close/);
      assert.equal(await applyWrite(direct, 'createBucket', [{ name: 'b', createdAtMs: 1, region: 'us-east-1', ownerId: 'o' }]), 'created');
      assert.equal((await threaded.getBucket('b'))?.ownerId, 'o', 'a write through the dispatch, read through the threaded engine');
      assert.equal(await threaded.deleteBucket('b'), 'deleted');
    } finally {
      await threaded.close();
      await direct.close();
    }
  });
});

const reads = (name: string) => (INDEX_READ_METHODS as readonly string[]).includes(name);
const writes = (name: string) => (INDEX_WRITE_METHODS as readonly string[]).includes(name);

/** SqliteIndex's private helper methods (on its prototype at run time, invisible to TypeScript callers). */
const PRIVATE_ENGINE_METHODS = ['readObject', 'updateVersion'];
