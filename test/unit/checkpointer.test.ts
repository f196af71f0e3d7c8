// The index's WAL checkpointer (src/index/sqlite/checkpointer.ts): the writer leaves checkpoints to
// a thread of its own, which copies committed frames into the database file while commits go on;
// every acknowledged write is there after the connections close and the file is opened again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { CHECKPOINT_INTERVAL_MS, WRITER_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../src/index/sqlite/checkpointer.js';
import type { ObjectRecord } from '../../src/index/types.js';
import { newTimeOrderedId } from '../../src/util/ids.js';

const WRITES = 1000;
const PAGE_BYTES = 4096;
/** Only a hang detector for the checkpointer's first pass. */
const CHECKPOINT_DEADLINE_MS = 10_000;

function record(key: string): ObjectRecord {
  return {
    bucket: 'b', key, versionId: 'null', dataId: newTimeOrderedId(), sizeBytes: 1, etag: 'e', lastModifiedMs: Date.now(), storageClass: 'STANDARD',
    headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array(64).fill(1),
  };
}

describe('index WAL checkpointer', () => {
  let directory: string;
  before(() => { directory = mkdtempSync(join(tmpdir(), 'cairn-checkpointer-')); });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('the writer keeps only a backstop autocheckpoint, and the thread copies the WAL into the database file', async () => {
    const path = join(directory, 'index.db');
    const index = SqliteIndex.open(path, { checkpointInBackground: true });
    await index.createBucket({ name: 'b', createdAtMs: 1, region: 'us-east-1', ownerId: 'o' });
    const probe = new Database(path, { readonly: true });
    try {
      assert.ok(WRITER_AUTOCHECKPOINT_PAGES >= 10 * 1000, 'the backstop is far above SQLite\'s 1,000 pages');
      const databaseBytesBefore = statSync(path).size;
      for (let write = 0; write < WRITES; write++) await index.putObject(record(`k${write}`));
      // Well over SQLite's default 1,000 pages of WAL, which would have checkpointed inside a commit and
      // grown the database file; with the backstop, no commit checkpoints.
      assert.ok(statSync(`${path}-wal`).size > 1000 * PAGE_BYTES, 'the writes filled more WAL than the default autocheckpoint allows');
      assert.equal(statSync(path).size, databaseBytesBefore, 'no checkpoint ran inside a commit');
      const checkpointer = await startCheckpointer(path);
      // Its first pass comes within an interval or so; polled, for a loaded machine.
      const deadlineMs = Date.now() + CHECKPOINT_DEADLINE_MS;
      while (statSync(path).size <= databaseBytesBefore + PAGE_BYTES && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, CHECKPOINT_INTERVAL_MS));
      await checkpointer.close();
      assert.ok(statSync(path).size > databaseBytesBefore + PAGE_BYTES, 'the checkpointer copied pages into the database file');
      assert.equal((probe.prepare('SELECT count(*) AS n FROM objects').get() as { n: number }).n, WRITES);
    } finally {
      probe.close();
      await index.close();
    }
    const reopened = SqliteIndex.open(path);
    try {
      assert.equal((await reopened.getObject('b', `k${WRITES - 1}`))?.key, `k${WRITES - 1}`);
    } finally {
      await reopened.close();
    }
  });
});
