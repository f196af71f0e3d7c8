// The backup store's record primitives (features/backup/store.ts), across processes as the workers
// use them: `create` makes a record once however many try at once, and `update` is a compare-and-set
// (concurrent read-modify-writes from several processes lose no change); a stale lock is broken.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Collection, derivedUuid } from '../../src/features/backup/store.js';

const PROCESSES = 3;
const UPDATES_PER_PROCESS = 40;

async function inChild(directory: string, role: string): Promise<void> {
  const child = fork(import.meta.filename, [], { env: { ...process.env, BACKUP_STORE_CHILD: role, BACKUP_STORE_DIRECTORY: directory }, stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
}

if (process.env['BACKUP_STORE_CHILD'] !== undefined) {
  // A child: either tries to create the record, or increments its counter UPDATES_PER_PROCESS times.
  const records = new Collection<{ count: number; by: number }>(process.env['BACKUP_STORE_DIRECTORY']!);
  if (process.env['BACKUP_STORE_CHILD'] === 'create') {
    const made = await records.create('once', { count: 0, by: process.pid });
    await writeFile(path.join(process.env['BACKUP_STORE_DIRECTORY']!, `made-${process.pid}`), String(made));
  } else {
    for (let round = 0; round < UPDATES_PER_PROCESS; round += 1) await records.update('counter', (current) => ({ count: (current?.count ?? 0) + 1, by: process.pid }));
  }
} else {
  describe('backup store records', () => {
    it('create makes a record once, even when several processes try at once', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'cairn-backup-store-'));
      await Promise.all(Array.from({ length: PROCESSES }, () => inChild(directory, 'create')));
      const records = new Collection<{ count: number; by: number }>(directory);
      assert.equal((await records.list()).length, 1);
      assert.equal(await records.create('once', { count: 1, by: 0 }), false);
      assert.equal((await records.get('once'))!.count, 0);
    });

    it('update is a compare-and-set: concurrent increments from several processes all count', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'cairn-backup-store-'));
      await Promise.all(Array.from({ length: PROCESSES }, () => inChild(directory, 'update')));
      const records = new Collection<{ count: number; by: number }>(directory);
      assert.equal((await records.get('counter'))!.count, PROCESSES * UPDATES_PER_PROCESS);
      const unchanged = await records.update('counter', () => undefined);
      assert.deepEqual([unchanged.changed, unchanged.value!.count], [false, PROCESSES * UPDATES_PER_PROCESS]);
    });

    it('a lock left by a process that died holding it is broken once stale', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'cairn-backup-store-'));
      const records = new Collection<{ count: number; by: number }>(directory);
      await records.put('left', { count: 1, by: 0 });
      const lock = path.join(directory, 'left.json.lock');
      await writeFile(lock, '');
      const old = new Date(Date.now() - 60_000);
      await utimes(lock, old, old);
      assert.equal((await records.update('left', (current) => ({ ...current!, count: 2 }))).value!.count, 2);
    });

    it('derived ids are stable and uuid-shaped', () => {
      assert.equal(derivedUuid('a', 1), derivedUuid('a', 1));
      assert.notEqual(derivedUuid('a', 1), derivedUuid('a', 2));
      assert.match(derivedUuid('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  });
}
