// The container registry in the SQLite index (registry-index.ts). Writes run in the index's group
// commits, so a manifest's check of its blobs and the collector's check-and-delete of a blob are
// serialized: a manifest either counts a blob the collector has not taken, or finds it gone.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import type {
  AppendUploadOutcome, CollectedBlob, ManifestReferences, PutManifestOutcome, RegistryBlobRecord, RegistryImageSummary, RegistryIndex, RegistryManifestRecord,
  RegistryRepositoryRecord, RegistryUploadRecord,
} from '../registry-index.js';
import { RegistryLifecycleTables } from './registry-lifecycle.js';
import { manifestFromRow, repositoryFromRow, uploadFromRow, type ManifestRow, type RepositoryRow, type UploadRow } from './registry-schema.js';

interface BlobRow { digest: string; size_bytes: number; data_id: string; ref_count: number }

function prepare(db: Database.Database) {
  return {
    getRepository: db.prepare('SELECT * FROM registry_repositories WHERE name = ?'),
    listRepositories: db.prepare('SELECT name FROM registry_repositories WHERE (? IS NULL OR name > ?) ORDER BY name LIMIT ?'),
    insertRepository: db.prepare('INSERT OR IGNORE INTO registry_repositories (name, created_at_ms) VALUES (?, ?)'),
    setPolicy: db.prepare('UPDATE registry_repositories SET policy = ? WHERE name = ?'),
    deleteRepository: db.prepare('DELETE FROM registry_repositories WHERE name = ?'),
    anyManifest: db.prepare('SELECT 1 FROM registry_manifests WHERE repository = ? LIMIT 1'),
    linksOf: db.prepare('SELECT digest FROM registry_repository_blobs WHERE repository = ?'),
    deleteLinksOfRepository: db.prepare('DELETE FROM registry_repository_blobs WHERE repository = ?'),
    setMutability: db.prepare('UPDATE registry_repositories SET tag_mutability = ? WHERE name = ?'),
    getLinkedBlob: db.prepare(`SELECT b.* FROM registry_repository_blobs l JOIN registry_blobs b ON b.digest = l.digest
      WHERE l.repository = ? AND l.digest = ?`),
    upsertBlob: db.prepare(`INSERT INTO registry_blobs (digest, size_bytes, data_id, ref_count, unreferenced_since_ms)
      VALUES (?, ?, COALESCE((SELECT data_id FROM objects WHERE bucket = ? AND key = ?), ''), 0, ?)
      ON CONFLICT (digest) DO UPDATE SET size_bytes = excluded.size_bytes, data_id = excluded.data_id,
        unreferenced_since_ms = CASE WHEN ref_count = 0 THEN excluded.unreferenced_since_ms ELSE NULL END`),
    touchBlob: db.prepare('UPDATE registry_blobs SET unreferenced_since_ms = ? WHERE digest = ? AND ref_count = 0'),
    insertLink: db.prepare('INSERT OR IGNORE INTO registry_repository_blobs (repository, digest) VALUES (?, ?)'),
    deleteLink: db.prepare('DELETE FROM registry_repository_blobs WHERE repository = ? AND digest = ?'),
    getManifest: db.prepare('SELECT * FROM registry_manifests WHERE repository = ? AND digest = ?'),
    hasManifest: db.prepare('SELECT 1 FROM registry_manifests WHERE repository = ? AND digest = ?'),
    insertManifest: db.prepare(`INSERT OR IGNORE INTO registry_manifests
      (repository, digest, media_type, artifact_type, subject_digest, size_bytes, bytes, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteManifest: db.prepare('DELETE FROM registry_manifests WHERE repository = ? AND digest = ?'),
    insertBlobRef: db.prepare('INSERT OR IGNORE INTO registry_manifest_blobs (repository, manifest_digest, blob_digest) VALUES (?, ?, ?)'),
    blobRefsOf: db.prepare('SELECT blob_digest FROM registry_manifest_blobs WHERE repository = ? AND manifest_digest = ?'),
    deleteBlobRefs: db.prepare('DELETE FROM registry_manifest_blobs WHERE repository = ? AND manifest_digest = ?'),
    countRef: db.prepare('UPDATE registry_blobs SET ref_count = ref_count + 1, unreferenced_since_ms = NULL WHERE digest = ?'),
    uncountRef: db.prepare(`UPDATE registry_blobs SET ref_count = ref_count - 1,
      unreferenced_since_ms = CASE WHEN ref_count = 1 THEN ? ELSE unreferenced_since_ms END WHERE digest = ?`),
    insertChild: db.prepare('INSERT OR IGNORE INTO registry_manifest_children (repository, manifest_digest, child_digest) VALUES (?, ?, ?)'),
    deleteChildren: db.prepare('DELETE FROM registry_manifest_children WHERE repository = ? AND manifest_digest = ?'),
    getTag: db.prepare('SELECT digest FROM registry_tags WHERE repository = ? AND tag = ?'),
    listTags: db.prepare('SELECT tag FROM registry_tags WHERE repository = ? AND (? IS NULL OR tag > ?) ORDER BY tag LIMIT ?'),
    upsertTag: db.prepare('INSERT INTO registry_tags (repository, tag, digest) VALUES (?, ?, ?) ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest'),
    deleteTag: db.prepare('DELETE FROM registry_tags WHERE repository = ? AND tag = ?'),
    deleteTagsOf: db.prepare('DELETE FROM registry_tags WHERE repository = ? AND digest = ?'),
    listImages: db.prepare(`SELECT digest, media_type, size_bytes, created_at_ms, last_pulled_at_ms FROM registry_manifests
      WHERE repository = ? AND (? IS NULL OR digest > ?) ORDER BY digest LIMIT ?`),
    tagsOf: db.prepare('SELECT tag FROM registry_tags WHERE repository = ? AND digest = ? ORDER BY tag'),
    listReferrers: db.prepare('SELECT * FROM registry_manifests WHERE repository = ? AND subject_digest = ? ORDER BY digest LIMIT ?'),
    getUpload: db.prepare('SELECT * FROM registry_uploads WHERE upload_id = ?'),
    idleUploads: db.prepare('SELECT * FROM registry_uploads WHERE updated_at_ms < ? ORDER BY updated_at_ms LIMIT ?'),
    insertUpload: db.prepare(`INSERT INTO registry_uploads (upload_id, repository, size_bytes, created_at_ms, updated_at_ms)
      VALUES (?, ?, ?, ?, ?)`),
    appendUpload: db.prepare('UPDATE registry_uploads SET size_bytes = size_bytes + ?, updated_at_ms = ? WHERE upload_id = ?'),
    deleteUpload: db.prepare('DELETE FROM registry_uploads WHERE upload_id = ?'),
    chunksOf: db.prepare('SELECT object_key FROM registry_upload_chunks WHERE upload_id = ? ORDER BY offset_bytes'),
    insertChunk: db.prepare('INSERT INTO registry_upload_chunks (upload_id, offset_bytes, object_key) VALUES (?, ?, ?)'),
    deleteChunks: db.prepare('DELETE FROM registry_upload_chunks WHERE upload_id = ?'),
    collectable: db.prepare(`SELECT digest, data_id FROM registry_blobs b WHERE ref_count = 0 AND unreferenced_since_ms < ?
      AND NOT EXISTS (SELECT 1 FROM registry_repository_blobs l JOIN registry_uploads u ON u.repository = l.repository WHERE l.digest = b.digest)
      ORDER BY unreferenced_since_ms LIMIT ?`),
    deleteBlob: db.prepare('DELETE FROM registry_blobs WHERE digest = ?'),
    deleteLinksOf: db.prepare('DELETE FROM registry_repository_blobs WHERE digest = ?'),
  };
}

export class RegistryTables implements RegistryIndex {
  private readonly statements;
  /** Lifecycle settings, resource tags and pull records (registry-lifecycle-index.ts), the engine's delegate for them. */
  readonly lifecycle: RegistryLifecycleTables;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = prepare(db);
    this.lifecycle = new RegistryLifecycleTables(db, writes);
  }

  async getRegistryRepository(name: string): Promise<RegistryRepositoryRecord | undefined> {
    const row = this.statements.getRepository.get(name) as RepositoryRow | undefined;
    return row === undefined ? undefined : repositoryFromRow(row);
  }

  async listRegistryRepositories(after: string | undefined, limit: number): Promise<string[]> {
    return (this.statements.listRepositories.all(after ?? null, after ?? null, limit) as Array<{ name: string }>).map((row) => row.name);
  }

  async getRegistryBlob(repository: string, digest: string): Promise<RegistryBlobRecord | undefined> {
    const row = this.statements.getLinkedBlob.get(repository, digest) as BlobRow | undefined;
    return row === undefined ? undefined : { digest: row.digest, sizeBytes: row.size_bytes, dataId: row.data_id, refCount: row.ref_count };
  }

  async getRegistryManifest(repository: string, digest: string): Promise<RegistryManifestRecord | undefined> {
    const row = this.statements.getManifest.get(repository, digest) as ManifestRow | undefined;
    return row === undefined ? undefined : manifestFromRow(row);
  }

  async resolveRegistryTag(repository: string, tag: string): Promise<string | undefined> {
    return (this.statements.getTag.get(repository, tag) as { digest: string } | undefined)?.digest;
  }

  async listRegistryTags(repository: string, after: string | undefined, limit: number): Promise<string[]> {
    return (this.statements.listTags.all(repository, after ?? null, after ?? null, limit) as Array<{ tag: string }>).map((row) => row.tag);
  }

  async listRegistryImages(repository: string, afterDigest: string | undefined, limit: number): Promise<RegistryImageSummary[]> {
    const rows = this.statements.listImages.all(repository, afterDigest ?? null, afterDigest ?? null, limit) as Array<{ digest: string; media_type: string; size_bytes: number; created_at_ms: number; last_pulled_at_ms: number | null }>;
    return rows.map((row) => ({
      digest: row.digest, mediaType: row.media_type, sizeBytes: row.size_bytes, createdAtMs: row.created_at_ms,
      ...(row.last_pulled_at_ms === null ? {} : { lastPulledAtMs: row.last_pulled_at_ms }),
      tags: (this.statements.tagsOf.all(repository, row.digest) as Array<{ tag: string }>).map((tag) => tag.tag),
    }));
  }

  async listRegistryReferrers(repository: string, subjectDigest: string, limit: number): Promise<RegistryManifestRecord[]> {
    return (this.statements.listReferrers.all(repository, subjectDigest, limit) as ManifestRow[]).map(manifestFromRow);
  }

  async getRegistryUpload(uploadId: string): Promise<RegistryUploadRecord | undefined> {
    const row = this.statements.getUpload.get(uploadId) as UploadRow | undefined;
    return row === undefined ? undefined : this.uploadOf(row);
  }

  async listRegistryUploadsIdleSince(beforeMs: number, limit: number): Promise<RegistryUploadRecord[]> {
    return (this.statements.idleUploads.all(beforeMs, limit) as UploadRow[]).map((row) => this.uploadOf(row));
  }

  private uploadOf(row: UploadRow): RegistryUploadRecord {
    return uploadFromRow(row, (this.statements.chunksOf.all(row.upload_id) as Array<{ object_key: string }>).map((chunk) => chunk.object_key));
  }

  createRegistryRepository(name: string, atMs: number): Promise<'created' | 'already-exists'> {
    return this.writes.submit(() => (this.statements.insertRepository.run(name, atMs).changes === 1 ? 'created' : 'already-exists'));
  }

  deleteRegistryRepository(name: string, atMs: number): Promise<'deleted' | 'missing' | 'not-empty'> {
    return this.writes.submit(() => {
      if (this.statements.getRepository.get(name) === undefined) return 'missing';
      if (this.statements.anyManifest.get(name) !== undefined) return 'not-empty';
      for (const row of this.statements.linksOf.all(name) as Array<{ digest: string }>) this.statements.touchBlob.run(atMs, row.digest);
      this.statements.deleteLinksOfRepository.run(name);
      this.statements.deleteRepository.run(name);
      return 'deleted';
    });
  }

  setRegistryRepositoryPolicy(name: string, policy: string | undefined): Promise<'set' | 'missing'> {
    return this.writes.submit(() => (this.statements.setPolicy.run(policy ?? null, name).changes === 1 ? 'set' : 'missing'));
  }

  setRegistryTagMutability(name: string, mutability: 'MUTABLE' | 'IMMUTABLE'): Promise<'set' | 'missing'> {
    return this.writes.submit(() => (this.statements.setMutability.run(mutability, name).changes === 1 ? 'set' : 'missing'));
  }

  linkRegistryBlob(repository: string, blob: { digest: string; sizeBytes: number; bucket: string; key: string }, atMs: number): Promise<void> {
    return this.writes.submit(() => {
      this.statements.upsertBlob.run(blob.digest, blob.sizeBytes, blob.bucket, blob.key, atMs);
      this.statements.insertLink.run(repository, blob.digest);
    });
  }

  mountRegistryBlob(repository: string, digest: string, fromRepository: string, atMs: number): Promise<boolean> {
    return this.writes.submit(() => {
      if (this.statements.getLinkedBlob.get(fromRepository, digest) === undefined) return false;
      this.statements.insertLink.run(repository, digest);
      this.statements.touchBlob.run(atMs, digest);
      return true;
    });
  }

  unlinkRegistryBlob(repository: string, digest: string, atMs: number): Promise<'deleted' | 'missing'> {
    return this.writes.submit(() => {
      if (this.statements.deleteLink.run(repository, digest).changes === 0) return 'missing';
      this.statements.touchBlob.run(atMs, digest);
      return 'deleted';
    });
  }

  putRegistryManifest(record: RegistryManifestRecord, references: ManifestReferences, tag: string | undefined): Promise<PutManifestOutcome> {
    return this.writes.submit((): PutManifestOutcome => {
      const { repository, digest } = record;
      for (const blob of references.blobs) {
        if (this.statements.getLinkedBlob.get(repository, blob) === undefined) return { stored: false, reason: 'blob-unknown', digest: blob };
      }
      for (const child of references.manifests) {
        if (this.statements.hasManifest.get(repository, child) === undefined) return { stored: false, reason: 'manifest-unknown', digest: child };
      }
      if (tag !== undefined) {
        const current = this.statements.getTag.get(repository, tag) as { digest: string } | undefined;
        const repo = this.statements.getRepository.get(repository) as RepositoryRow | undefined;
        if (current !== undefined && current.digest !== digest && repo?.tag_mutability === 'IMMUTABLE') return { stored: false, reason: 'tag-immutable', digest: current.digest };
      }
      const inserted = this.statements.insertManifest.run(repository, digest, record.mediaType, record.artifactType ?? null, record.subjectDigest ?? null,
        record.sizeBytes, Buffer.from(record.bytes), record.createdAtMs).changes === 1;
      if (inserted) {
        for (const blob of new Set(references.blobs)) {
          if (this.statements.insertBlobRef.run(repository, digest, blob).changes === 1) this.statements.countRef.run(blob);
        }
        for (const child of references.manifests) this.statements.insertChild.run(repository, digest, child);
      }
      if (tag !== undefined) this.statements.upsertTag.run(repository, tag, digest);
      return { stored: true };
    });
  }

  deleteRegistryManifest(repository: string, digest: string, atMs: number, expectedTags?: readonly string[]): Promise<'deleted' | 'missing' | 'changed'> {
    return this.writes.submit(() => {
      if (expectedTags !== undefined) {
        const tags = (this.statements.tagsOf.all(repository, digest) as Array<{ tag: string }>).map((row) => row.tag);
        const expected = [...expectedTags].sort();
        if (tags.length !== expected.length || tags.some((tag, position) => tag !== expected[position])) return 'changed';
      }
      if (this.statements.deleteManifest.run(repository, digest).changes === 0) return 'missing';
      this.statements.deleteTagsOf.run(repository, digest);
      for (const row of this.statements.blobRefsOf.all(repository, digest) as Array<{ blob_digest: string }>) {
        this.statements.uncountRef.run(atMs, row.blob_digest);
      }
      this.statements.deleteBlobRefs.run(repository, digest);
      this.statements.deleteChildren.run(repository, digest);
      return 'deleted';
    });
  }

  deleteRegistryTag(repository: string, tag: string): Promise<'deleted' | 'missing'> {
    return this.writes.submit(() => (this.statements.deleteTag.run(repository, tag).changes === 1 ? 'deleted' : 'missing'));
  }

  createRegistryUpload(record: RegistryUploadRecord): Promise<void> {
    return this.writes.submit(() => {
      this.statements.insertUpload.run(record.uploadId, record.repository, record.sizeBytes, record.createdAtMs, record.updatedAtMs);
    });
  }

  appendRegistryUpload(uploadId: string, expectedOffset: number, sizeBytes: number, chunkKey: string, atMs: number): Promise<AppendUploadOutcome> {
    return this.writes.submit((): AppendUploadOutcome => {
      const row = this.statements.getUpload.get(uploadId) as UploadRow | undefined;
      if (row === undefined) return 'missing';
      if (row.size_bytes !== expectedOffset) return 'out-of-order';
      this.statements.appendUpload.run(sizeBytes, atMs, uploadId);
      this.statements.insertChunk.run(uploadId, expectedOffset, chunkKey);
      return { appended: this.uploadOf({ ...row, size_bytes: row.size_bytes + sizeBytes, updated_at_ms: atMs }) };
    });
  }

  deleteRegistryUpload(uploadId: string): Promise<RegistryUploadRecord | undefined> {
    return this.writes.submit(() => {
      const row = this.statements.getUpload.get(uploadId) as UploadRow | undefined;
      if (row === undefined) return undefined;
      const record = this.uploadOf(row);
      this.statements.deleteUpload.run(uploadId);
      this.statements.deleteChunks.run(uploadId);
      return record;
    });
  }

  collectRegistryBlobs(unreferencedBeforeMs: number, limit: number): Promise<CollectedBlob[]> {
    return this.writes.submit(() => {
      const rows = this.statements.collectable.all(unreferencedBeforeMs, limit) as Array<{ digest: string; data_id: string }>;
      for (const row of rows) {
        this.statements.deleteBlob.run(row.digest);
        this.statements.deleteLinksOf.run(row.digest);
      }
      return rows.map((row) => ({ digest: row.digest, dataId: row.data_id }));
    });
  }
}
