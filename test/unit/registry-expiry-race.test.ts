// The registry lifecycle worker's delete races a push that tags the image it judged expired: the
// index deletes a manifest for the worker only while its tags are exactly those the worker saw,
// in the delete's own transaction, so a tag added in between keeps the image (and its new tag).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';

describe('registry: a lifecycle delete never takes a tag pushed after its evaluation', () => {
  const directories: string[] = [];
  after(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it("answers 'changed' and deletes nothing when the tags moved, and deletes when they did not", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cairn-registry-race-'));
    directories.push(directory);
    const index = SqliteIndex.open(join(directory, 'index.sqlite'));
    try {
      assert.equal(await index.createRegistryRepository('team/app', 1), 'created');
      const manifest = (digest: string) => ({
        repository: 'team/app', digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', sizeBytes: 2, bytes: new Uint8Array([123, 125]), createdAtMs: 2,
      });
      const noReferences = { blobs: [], manifests: [] };
      await index.putRegistryManifest(manifest('sha256:aa'), noReferences, 'old');
      await index.putRegistryManifest(manifest('sha256:bb'), noReferences, undefined);
      // The worker judged sha256:aa with tags ['old'], and sha256:bb untagged; then a push tags sha256:bb 'fresh'.
      await index.putRegistryManifest(manifest('sha256:bb'), noReferences, 'fresh');
      assert.equal(await index.deleteRegistryManifest('team/app', 'sha256:bb', 3, []), 'changed');
      assert.equal(await index.resolveRegistryTag('team/app', 'fresh'), 'sha256:bb');
      assert.equal(await index.deleteRegistryManifest('team/app', 'sha256:aa', 3, ['old']), 'deleted');
      assert.equal(await index.resolveRegistryTag('team/app', 'old'), undefined);
    } finally {
      await index.close();
    }
  });
});
