// Completing an upload of 10,000 parts: the manifest record that lists them must fit (it lives in
// the record payload, split across records as needed), through the real storage and index layers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteIndex } from '../../src/index/sqlite-index.js';
import { completeUpload, createUpload } from '../../src/services/multipart.js';
import { Storage } from '../../src/storage/index.js';

describe('multipart manifest', () => {
  it('completes an upload of 10,000 parts and reads its manifest back', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-manifest-'));
    const storage = await Storage.open({ drivePath: join(directory, 'drive'), logger: () => {} });
    const index = SqliteIndex.open(join(directory, 'index.db'));
    try {
      await index.createBucket({ name: 'bucket', createdAtMs: Date.now(), region: 'us-east-1', ownerId: 'owner' });
      const layers = { index, storage };
      const upload = (await createUpload(layers, { bucket: 'bucket', key: 'huge', headers: { contentType: 'binary/octet-stream' }, userMetadata: {}, storageClass: 'STANDARD' }))!;
      const parts = Array.from({ length: 10_000 }, (_, index) => ({
        partNumber: index + 1,
        dataId: `part-data-id-${String(index).padStart(5, '0')}-0123456789abcdef`,
        sizeBytes: 5 * 1024 * 1024,
        etag: '0123456789abcdef0123456789abcdef',
        lastModifiedMs: Date.now(),
        checksum: { algorithm: 'CRC64NVME' as const, valueBase64: 'AAAAAAAAAAA=', type: 'FULL_OBJECT' as const },
        placement: new Uint8Array([1, 2, 3]),
      }));
      await Promise.all(parts.map((part) => index.putPart(upload.uploadId, part)));
      const outcome = await completeUpload(layers, upload, parts, { etag: 'abc-10000', sizeBytes: 10_000 * 5 * 1024 * 1024 });
      assert.equal(outcome.stored, true);
      const stored = await index.getObject('bucket', 'huge');
      assert.equal(stored?.parts?.length, 10_000);
      const manifestBytes: Buffer[] = [];
      for await (const chunk of storage.read({ bucket: 'bucket', key: 'huge', versionId: stored!.dataId }, (await import('../../src/storage/index.js')).decodePlacement(stored!.placement))) manifestBytes.push(chunk);
      const manifest = JSON.parse(Buffer.concat(manifestBytes).toString('utf8'));
      assert.equal(manifest.uploadId, upload.uploadId);
      assert.equal(manifest.parts.length, 10_000);
      assert.equal(manifest.parts[9_999].dataId, parts[9_999]!.dataId);
    } finally {
      await index.close();
      await storage.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
