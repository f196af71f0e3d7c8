// The SQLite index's group commit (src/index/group-commit.ts): a write that throws is undone and
// rejected alone, whether it was committed by itself (no savepoint) or in a batch (its savepoint).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommitQueue } from '../../src/index/group-commit.js';

describe('group commit', () => {
  let directory: string;
  let db: Database.Database;
  let queue: GroupCommitQueue;
  const rows = (): string[] => (db.prepare('SELECT name FROM t ORDER BY name').all() as Array<{ name: string }>).map((row) => row.name);
  const insert = (name: string) => () => db.prepare('INSERT INTO t (name) VALUES (?)').run(name).changes;
  const insertThenThrow = (name: string) => () => {
    db.prepare('INSERT INTO t (name) VALUES (?)').run(name);
    throw new Error(`refused ${name}`);
  };

  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'cairn-group-commit-'));
    db = new Database(join(directory, 'index.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (name TEXT PRIMARY KEY)');
    queue = new GroupCommitQueue(db);
  });
  after(() => {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('commits a write alone and undoes a lone write that throws, leaving nothing of it', async () => {
    assert.equal(await queue.submit(insert('a')), 1);
    await assert.rejects(queue.submit(insertThenThrow('b')), /refused b/);
    assert.deepEqual(rows(), ['a']);
    assert.equal(db.inTransaction, false);
  });

  it('in a batch, undoes only the write that throws; the others commit and resolve', async () => {
    const outcomes = await Promise.allSettled([queue.submit(insert('c')), queue.submit(insertThenThrow('d')), queue.submit(insert('e'))]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(rows(), ['a', 'c', 'e']);
  });

  it('rejects a lone write whose statement fails (a constraint) and keeps serving the next ones', async () => {
    await assert.rejects(queue.submit(insert('a')), /UNIQUE constraint failed/);
    assert.equal(await queue.submit(insert('f')), 1);
    await queue.drain();
    assert.deepEqual(rows(), ['a', 'c', 'e', 'f']);
  });
});
