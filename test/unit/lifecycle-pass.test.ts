// One lifecycle pass over a real index and drive, with scan batches so small that a key's versions
// span several: the outcome must be the same whatever the batch size.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import type { ObjectRecord } from '../../src/index/types.js';
import { runLifecyclePass } from '../../src/services/lifecycle/pass.js';
import type { LifecycleConfiguration } from '../../src/services/lifecycle/rules.js';
import { Storage } from '../../src/storage/index.js';
import { newTimeOrderedId } from '../../src/util/ids.js';

const DAY_MS = 1000;

const configuration: LifecycleConfiguration = {
  transitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
  rules: [{
    id: 'tidy', enabled: true, filterForm: 'empty', match: { prefix: '', tags: [] },
    expiration: { expiredObjectDeleteMarker: true },
    transitions: [],
    noncurrentVersionExpiration: { noncurrentDays: 1, newerNoncurrentVersions: 2 },
    noncurrentVersionTransitions: [],
  }],
};

function record(key: string, lastModifiedMs: number): ObjectRecord {
  const dataId = newTimeOrderedId();
  return {
    bucket: 'b', key, versionId: 'null', dataId, sizeBytes: 1, etag: 'e', lastModifiedMs, storageClass: 'STANDARD',
    headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array([1]),
  };
}

/** Builds the bucket, runs one pass with `batch`, and returns what remains, as "key kind latest". */
async function outcomeWithBatch(directory: string, batch: number): Promise<string[]> {
  const index = SqliteIndex.open(join(directory, `index-${batch}.db`));
  const storage = await Storage.open({ drivePath: join(directory, `drive-${batch}`), logger: () => undefined });
  try {
    await index.createBucket({ name: 'b', createdAtMs: 1, region: 'us-east-1', ownerId: 'o' });
    await index.setBucketVersioning('b', 'Enabled');
    await index.setBucketSetting('b', 'lifecycle', configuration);
    for (let version = 0; version < 6; version += 1) await index.putObject(record('many', 1000 + version));
    await index.deleteObject('b', 'lone-marker');
    await index.putObject(record('one-noncurrent', 1000));
    await index.deleteObject('b', 'one-noncurrent');
    for (let version = 0; version < 4; version += 1) await index.putObject(record('four', 1000 + version));
    const log: string[] = [];
    const totals = await runLifecyclePass({
      layers: { index, storage }, dayMs: DAY_MS, nowMs: Date.now() + 10 * DAY_MS, shouldStop: () => false, log: (line) => log.push(line), scanBatchVersions: batch,
    });
    assert.deepEqual(log, []);
    assert.deepEqual(totals, { expired: 0, transitioned: 0, noncurrentRemoved: 4, deleteMarkersRemoved: 1, uploadsAborted: 0, skipped: 0 });
    const listed = await index.listObjectVersions({ bucket: 'b', prefix: '', delimiter: '', maxEntries: 1000 });
    return listed.versions.map((version) => `${version.key} ${version.isDeleteMarker ? 'marker' : `v${version.lastModifiedMs - 1000}`} ${version.isLatest ? 'latest' : 'noncurrent'}`);
  } finally {
    await storage.close();
    await index.close();
  }
}

describe('a lifecycle pass', () => {
  it('keeps the newest noncurrent versions and removes lone markers, whatever the scan batch size', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-lifecycle-pass-'));
    try {
      const expected = [
        'four v3 latest', 'four v2 noncurrent', 'four v1 noncurrent',
        'many v5 latest', 'many v4 noncurrent', 'many v3 noncurrent',
        'one-noncurrent marker latest', 'one-noncurrent v0 noncurrent',
      ];
      for (const batch of [1, 2, 3, 5, 1000]) assert.deepEqual(await outcomeWithBatch(directory, batch), expected, `batch ${batch}`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
