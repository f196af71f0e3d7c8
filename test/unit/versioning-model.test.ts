// Model-based check of the versioning rules in the SQLite index: random sequences of PUT, DELETE,
// DELETE ?versionId and versioning changes, compared after every step with a plain model of S3's
// rules (each key's versions, newest first).
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import type { ObjectRecord, VersioningStatus } from '../../src/index/types.js';
import { newTimeOrderedId } from '../../src/util/ids.js';

type Operation =
  | { kind: 'put'; key: string }
  | { kind: 'delete'; key: string }
  | { kind: 'deleteVersion'; key: string; pick: number }
  | { kind: 'versioning'; status: VersioningStatus };

interface ModelVersion {
  versionId: string;
  deleteMarker: boolean;
  /** The bytes' data id (undefined for markers, whose ids the index makes). */
  dataId?: string;
}

const KEYS = ['a', 'b', 'c/d'];
const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deleteVersion' as const), key: fc.constantFrom(...KEYS), pick: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('versioning' as const), status: fc.constantFrom<VersioningStatus>('Enabled', 'Suspended') }) },
);

function record(bucket: string, key: string, dataId: string): ObjectRecord {
  return {
    bucket, key, versionId: dataId, dataId, sizeBytes: 1, etag: dataId.slice(0, 32), lastModifiedMs: Date.now(), storageClass: 'STANDARD',
    headers: { contentType: 'x' }, userMetadata: {}, placement: new Uint8Array([1]),
  };
}

async function applyToIndex(index: SqliteIndex, model: Map<string, ModelVersion[]>, state: { versioning?: VersioningStatus }, operation: Operation): Promise<void> {
  const versions = operation.kind === 'versioning' ? [] : model.get(operation.key) ?? [];
  switch (operation.kind) {
    case 'versioning':
      await index.setBucketVersioning('bucket', operation.status);
      state.versioning = operation.status;
      return;
    case 'put': {
      const dataId = newTimeOrderedId();
      const outcome = await index.putObject(record('bucket', operation.key, dataId));
      assert.ok(outcome.stored);
      const versionId = state.versioning === 'Enabled' ? dataId : 'null';
      assert.equal(outcome.versionId, versionId);
      const kept = state.versioning === undefined ? [] : versions.filter((version) => version.versionId !== 'null' || state.versioning === 'Enabled');
      model.set(operation.key, [{ versionId, deleteMarker: false, dataId }, ...kept]);
      return;
    }
    case 'delete': {
      const outcome = await index.deleteObject('bucket', operation.key);
      if (state.versioning === undefined) {
        model.set(operation.key, []);
        return;
      }
      assert.ok(outcome.deleteMarkerVersionId !== undefined);
      const kept = versions.filter((version) => version.versionId !== 'null' || state.versioning === 'Enabled');
      model.set(operation.key, [{ versionId: outcome.deleteMarkerVersionId!, deleteMarker: true }, ...kept]);
      return;
    }
    case 'deleteVersion': {
      if (versions.length === 0) return;
      const target = versions[operation.pick % versions.length]!;
      const outcome = await index.deleteVersion('bucket', operation.key, target.versionId);
      assert.equal(outcome.wasDeleteMarker === true, target.deleteMarker);
      model.set(operation.key, versions.filter((version) => version !== target));
    }
  }
}

async function assertMatches(index: SqliteIndex, model: Map<string, ModelVersion[]>, label: string): Promise<void> {
  const page = await index.listObjectVersions({ bucket: 'bucket', prefix: '', delimiter: '', maxEntries: 1000 });
  const listed = page.versions.map((version) => `${version.key}:${version.isDeleteMarker ? 'marker' : version.versionId}:${version.isLatest}`);
  const expected = [...KEYS].sort().flatMap((key) => (model.get(key) ?? []).map((version, position) =>
    `${key}:${version.deleteMarker ? 'marker' : version.versionId}:${position === 0}`));
  assert.deepEqual(listed, expected, label);
  for (const key of KEYS) {
    const latest = (model.get(key) ?? [])[0];
    const live = await index.getObject('bucket', key);
    if (latest === undefined || latest.deleteMarker) assert.equal(live, undefined, `${label}: ${key} has no live version`);
    else assert.equal(live?.dataId, latest.dataId, `${label}: ${key}'s live version`);
    const marker = await index.getLatestDeleteMarker('bucket', key);
    assert.equal(marker !== undefined, latest?.deleteMarker === true, `${label}: ${key}'s latest delete marker`);
  }
}

describe('versioning model', () => {
  it('matches S3\'s rules for random sequences of puts, deletes, version deletes and versioning changes', async () => {
    const sequences = fc.sample(fc.array(operationArbitrary, { minLength: 10, maxLength: 40 }), 60);
    const directory = mkdtempSync(join(tmpdir(), 'cairn-versioning-model-'));
    try {
      for (const [sequenceNumber, sequence] of sequences.entries()) {
        const index = SqliteIndex.open(join(directory, `index-${sequenceNumber}.db`));
        await index.createBucket({ name: 'bucket', createdAtMs: Date.now(), region: 'us-east-1', ownerId: 'owner' });
        const model = new Map<string, ModelVersion[]>();
        const state: { versioning?: VersioningStatus } = {};
        for (const [step, operation] of sequence.entries()) {
          await applyToIndex(index, model, state, operation);
          await assertMatches(index, model, `sequence ${sequenceNumber} step ${step}: ${JSON.stringify(operation)}`);
        }
        await index.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
