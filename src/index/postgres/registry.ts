// The container registry in the PostgreSQL index (registry-index.ts): the twin of sqlite/registry.ts,
// same rows and mappers. Writes run in the engine's group commits, whose advisory lock serializes
// every front end's writes: a manifest's check of its blobs and the collector's check-and-delete of a
// blob never interleave. Sets are written in one statement each (unnest, ANY) rather than a round
// trip per blob, and a read that needs two tables (an upload and its chunks, an image and its tags)
// is one statement, so one snapshot.
import type {
  AppendUploadOutcome, CollectedBlob, ManifestReferences, PutManifestOutcome, RegistryBlobRecord, RegistryImageSummary, RegistryIndex,
  RegistryManifestRecord, RegistryRepositoryRecord, RegistryUploadRecord,
} from '../registry-index.js';
import { manifestFromRow, repositoryFromRow, uploadFromRow, type ManifestRow, type RepositoryRow, type UploadRow } from '../sqlite/registry-schema.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import { PostgresRegistryLifecycle } from './registry-lifecycle.js';

interface BlobRow { digest: string; size_bytes: number; data_id: string; ref_count: number }
type UploadWithChunks = UploadRow & { chunk_keys: string[] };
interface ImageRow { digest: string; media_type: string; size_bytes: number; created_at_ms: number; last_pulled_at_ms: number | null; tags: string[] }

const UPLOAD_WITH_CHUNKS = `SELECT u.*, COALESCE((SELECT array_agg(c.object_key ORDER BY c.offset_bytes) FROM registry_upload_chunks c
  WHERE c.upload_id = u.upload_id), '{}') AS chunk_keys FROM registry_uploads u`;

/** Of the digests $2 (in their order), the first `repository` ($1) does not have; `has` is the test of one digest `d`. */
const firstMissing = (has: string) => `SELECT d AS digest FROM unnest($2::text[]) WITH ORDINALITY AS wanted (d, position)
  WHERE NOT EXISTS (${has}) ORDER BY position LIMIT 1`;

const SQL = {
  getRepository: 'SELECT * FROM registry_repositories WHERE name = $1',
  listRepositories: 'SELECT name FROM registry_repositories WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2',
  insertRepository: 'INSERT INTO registry_repositories (name, created_at_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  setPolicy: 'UPDATE registry_repositories SET policy = $1 WHERE name = $2',
  deleteRepository: 'DELETE FROM registry_repositories WHERE name = $1',
  anyManifest: 'SELECT 1 FROM registry_manifests WHERE repository = $1 LIMIT 1',
  touchLinkedBlobs: `UPDATE registry_blobs SET unreferenced_since_ms = $2
    WHERE ref_count = 0 AND digest IN (SELECT digest FROM registry_repository_blobs WHERE repository = $1)`,
  deleteLinksOfRepository: 'DELETE FROM registry_repository_blobs WHERE repository = $1',
  setMutability: 'UPDATE registry_repositories SET tag_mutability = $1 WHERE name = $2',
  getLinkedBlob: `SELECT b.* FROM registry_repository_blobs l JOIN registry_blobs b ON b.digest = l.digest
    WHERE l.repository = $1 AND l.digest = $2`,
  upsertBlob: `INSERT INTO registry_blobs (digest, size_bytes, data_id, ref_count, unreferenced_since_ms)
    VALUES ($1, $2, COALESCE((SELECT data_id FROM objects WHERE bucket = $3 AND key = $4), ''), 0, $5)
    ON CONFLICT (digest) DO UPDATE SET size_bytes = excluded.size_bytes, data_id = excluded.data_id,
      unreferenced_since_ms = CASE WHEN registry_blobs.ref_count = 0 THEN excluded.unreferenced_since_ms ELSE NULL END`,
  touchBlob: 'UPDATE registry_blobs SET unreferenced_since_ms = $1 WHERE digest = $2 AND ref_count = 0',
  insertLink: 'INSERT INTO registry_repository_blobs (repository, digest) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  deleteLink: 'DELETE FROM registry_repository_blobs WHERE repository = $1 AND digest = $2',
  getManifest: 'SELECT * FROM registry_manifests WHERE repository = $1 AND digest = $2',
  firstUnknownBlob: firstMissing('SELECT 1 FROM registry_repository_blobs l JOIN registry_blobs b ON b.digest = l.digest WHERE l.repository = $1 AND l.digest = d'),
  firstUnknownManifest: firstMissing('SELECT 1 FROM registry_manifests m WHERE m.repository = $1 AND m.digest = d'),
  insertManifest: `INSERT INTO registry_manifests (repository, digest, media_type, artifact_type, subject_digest, size_bytes, bytes, created_at_ms)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
  deleteManifest: 'DELETE FROM registry_manifests WHERE repository = $1 AND digest = $2',
  insertBlobRefs: `INSERT INTO registry_manifest_blobs (repository, manifest_digest, blob_digest) SELECT $1, $2, d FROM unnest($3::text[]) AS d
    ON CONFLICT DO NOTHING RETURNING blob_digest`,
  countRefs: 'UPDATE registry_blobs SET ref_count = ref_count + 1, unreferenced_since_ms = NULL WHERE digest = ANY($1::text[])',
  uncountRefs: `UPDATE registry_blobs b SET ref_count = b.ref_count - 1,
      unreferenced_since_ms = CASE WHEN b.ref_count = 1 THEN $3 ELSE b.unreferenced_since_ms END
    FROM registry_manifest_blobs r WHERE r.repository = $1 AND r.manifest_digest = $2 AND b.digest = r.blob_digest`,
  deleteBlobRefs: 'DELETE FROM registry_manifest_blobs WHERE repository = $1 AND manifest_digest = $2',
  insertChildren: `INSERT INTO registry_manifest_children (repository, manifest_digest, child_digest) SELECT $1, $2, d FROM unnest($3::text[]) AS d
    ON CONFLICT DO NOTHING`,
  deleteChildren: 'DELETE FROM registry_manifest_children WHERE repository = $1 AND manifest_digest = $2',
  getTag: 'SELECT digest FROM registry_tags WHERE repository = $1 AND tag = $2',
  listTags: 'SELECT tag FROM registry_tags WHERE repository = $1 AND ($2::text IS NULL OR tag > $2) ORDER BY tag LIMIT $3',
  upsertTag: 'INSERT INTO registry_tags (repository, tag, digest) VALUES ($1, $2, $3) ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest',
  deleteTag: 'DELETE FROM registry_tags WHERE repository = $1 AND tag = $2',
  deleteTagsOf: 'DELETE FROM registry_tags WHERE repository = $1 AND digest = $2',
  tagsOf: 'SELECT tag FROM registry_tags WHERE repository = $1 AND digest = $2 ORDER BY tag',
  listImages: `SELECT m.digest, m.media_type, m.size_bytes, m.created_at_ms, m.last_pulled_at_ms,
      COALESCE((SELECT array_agg(t.tag ORDER BY t.tag) FROM registry_tags t WHERE t.repository = m.repository AND t.digest = m.digest), '{}') AS tags
    FROM registry_manifests m WHERE m.repository = $1 AND ($2::text IS NULL OR m.digest > $2) ORDER BY m.digest LIMIT $3`,
  listReferrers: 'SELECT * FROM registry_manifests WHERE repository = $1 AND subject_digest = $2 ORDER BY digest LIMIT $3',
  getUpload: `${UPLOAD_WITH_CHUNKS} WHERE u.upload_id = $1`,
  lockUpload: 'SELECT * FROM registry_uploads WHERE upload_id = $1 FOR UPDATE',
  idleUploads: `${UPLOAD_WITH_CHUNKS} WHERE u.updated_at_ms < $1 ORDER BY u.updated_at_ms LIMIT $2`,
  insertUpload: 'INSERT INTO registry_uploads (upload_id, repository, size_bytes, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5)',
  appendUpload: 'UPDATE registry_uploads SET size_bytes = size_bytes + $1, updated_at_ms = $2 WHERE upload_id = $3',
  deleteUpload: 'DELETE FROM registry_uploads WHERE upload_id = $1',
  insertChunk: 'INSERT INTO registry_upload_chunks (upload_id, offset_bytes, object_key) VALUES ($1, $2, $3)',
  deleteChunks: 'DELETE FROM registry_upload_chunks WHERE upload_id = $1',
  collectable: `SELECT digest, data_id FROM registry_blobs b WHERE ref_count = 0 AND unreferenced_since_ms < $1
    AND NOT EXISTS (SELECT 1 FROM registry_repository_blobs l JOIN registry_uploads u ON u.repository = l.repository WHERE l.digest = b.digest)
    ORDER BY unreferenced_since_ms LIMIT $2 FOR UPDATE`,
  deleteBlobs: 'DELETE FROM registry_blobs WHERE digest = ANY($1::text[])',
  deleteLinksOfBlobs: 'DELETE FROM registry_repository_blobs WHERE digest = ANY($1::text[])',
} as const;

const uploadOf = (row: UploadWithChunks): RegistryUploadRecord => uploadFromRow(row, row.chunk_keys);

export class PostgresRegistry implements RegistryIndex {
  /** Lifecycle settings, resource tags and pull records (registry-lifecycle-index.ts), the engine's delegate for them. */
  readonly lifecycle: PostgresRegistryLifecycle;

  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue) {
    this.lifecycle = new PostgresRegistryLifecycle(pool, writes);
  }

  private async one<Row extends object>(sql: Sql, text: string, values: unknown[]): Promise<Row | undefined> {
    return (await sql.query<Row>(text, values)).rows[0];
  }

  async getRegistryRepository(name: string): Promise<RegistryRepositoryRecord | undefined> {
    const row = await this.one<RepositoryRow>(this.pool, SQL.getRepository, [name]);
    return row === undefined ? undefined : repositoryFromRow(row);
  }

  async listRegistryRepositories(after: string | undefined, limit: number): Promise<string[]> {
    return (await this.pool.query<{ name: string }>(SQL.listRepositories, [after ?? null, limit])).rows.map((row) => row.name);
  }

  async getRegistryBlob(repository: string, digest: string): Promise<RegistryBlobRecord | undefined> {
    const row = await this.one<BlobRow>(this.pool, SQL.getLinkedBlob, [repository, digest]);
    return row === undefined ? undefined : { digest: row.digest, sizeBytes: row.size_bytes, dataId: row.data_id, refCount: row.ref_count };
  }

  async getRegistryManifest(repository: string, digest: string): Promise<RegistryManifestRecord | undefined> {
    const row = await this.one<ManifestRow>(this.pool, SQL.getManifest, [repository, digest]);
    return row === undefined ? undefined : manifestFromRow(row);
  }

  async resolveRegistryTag(repository: string, tag: string): Promise<string | undefined> {
    return (await this.one<{ digest: string }>(this.pool, SQL.getTag, [repository, tag]))?.digest;
  }

  async listRegistryTags(repository: string, after: string | undefined, limit: number): Promise<string[]> {
    return (await this.pool.query<{ tag: string }>(SQL.listTags, [repository, after ?? null, limit])).rows.map((row) => row.tag);
  }

  async listRegistryImages(repository: string, afterDigest: string | undefined, limit: number): Promise<RegistryImageSummary[]> {
    const { rows } = await this.pool.query<ImageRow>(SQL.listImages, [repository, afterDigest ?? null, limit]);
    return rows.map((row) => ({
      digest: row.digest, mediaType: row.media_type, sizeBytes: row.size_bytes, createdAtMs: row.created_at_ms,
      ...(row.last_pulled_at_ms === null ? {} : { lastPulledAtMs: row.last_pulled_at_ms }), tags: row.tags,
    }));
  }

  async listRegistryReferrers(repository: string, subjectDigest: string, limit: number): Promise<RegistryManifestRecord[]> {
    return (await this.pool.query<ManifestRow>(SQL.listReferrers, [repository, subjectDigest, limit])).rows.map(manifestFromRow);
  }

  async getRegistryUpload(uploadId: string): Promise<RegistryUploadRecord | undefined> {
    const row = await this.one<UploadWithChunks>(this.pool, SQL.getUpload, [uploadId]);
    return row === undefined ? undefined : uploadOf(row);
  }

  async listRegistryUploadsIdleSince(beforeMs: number, limit: number): Promise<RegistryUploadRecord[]> {
    return (await this.pool.query<UploadWithChunks>(SQL.idleUploads, [beforeMs, limit])).rows.map(uploadOf);
  }

  createRegistryRepository(name: string, atMs: number): Promise<'created' | 'already-exists'> {
    return this.writes.submit(async (sql) => ((await sql.query(SQL.insertRepository, [name, atMs])).rowCount === 1 ? 'created' : 'already-exists'));
  }

  deleteRegistryRepository(name: string, atMs: number): Promise<'deleted' | 'missing' | 'not-empty'> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getRepository, [name])).rows.length === 0) return 'missing';
      if ((await sql.query(SQL.anyManifest, [name])).rows.length > 0) return 'not-empty';
      await sql.query(SQL.touchLinkedBlobs, [name, atMs]);
      await sql.query(SQL.deleteLinksOfRepository, [name]);
      await sql.query(SQL.deleteRepository, [name]);
      return 'deleted';
    });
  }

  setRegistryRepositoryPolicy(name: string, policy: string | undefined): Promise<'set' | 'missing'> {
    return this.writes.submit(async (sql) => ((await sql.query(SQL.setPolicy, [policy ?? null, name])).rowCount === 1 ? 'set' : 'missing'));
  }

  setRegistryTagMutability(name: string, mutability: 'MUTABLE' | 'IMMUTABLE'): Promise<'set' | 'missing'> {
    return this.writes.submit(async (sql) => ((await sql.query(SQL.setMutability, [mutability, name])).rowCount === 1 ? 'set' : 'missing'));
  }

  linkRegistryBlob(repository: string, blob: { digest: string; sizeBytes: number; bucket: string; key: string }, atMs: number): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.upsertBlob, [blob.digest, blob.sizeBytes, blob.bucket, blob.key, atMs]);
      await sql.query(SQL.insertLink, [repository, blob.digest]);
    });
  }

  mountRegistryBlob(repository: string, digest: string, fromRepository: string, atMs: number): Promise<boolean> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getLinkedBlob, [fromRepository, digest])).rows.length === 0) return false;
      await sql.query(SQL.insertLink, [repository, digest]);
      await sql.query(SQL.touchBlob, [atMs, digest]);
      return true;
    });
  }

  unlinkRegistryBlob(repository: string, digest: string, atMs: number): Promise<'deleted' | 'missing'> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.deleteLink, [repository, digest])).rowCount === 0) return 'missing';
      await sql.query(SQL.touchBlob, [atMs, digest]);
      return 'deleted';
    });
  }

  putRegistryManifest(record: RegistryManifestRecord, references: ManifestReferences, tag: string | undefined): Promise<PutManifestOutcome> {
    return this.writes.submit(async (sql): Promise<PutManifestOutcome> => {
      const { repository, digest } = record;
      const unknownBlob = await this.one<{ digest: string }>(sql, SQL.firstUnknownBlob, [repository, references.blobs]);
      if (unknownBlob !== undefined) return { stored: false, reason: 'blob-unknown', digest: unknownBlob.digest };
      const unknownManifest = await this.one<{ digest: string }>(sql, SQL.firstUnknownManifest, [repository, references.manifests]);
      if (unknownManifest !== undefined) return { stored: false, reason: 'manifest-unknown', digest: unknownManifest.digest };
      if (tag !== undefined) {
        const current = await this.one<{ digest: string }>(sql, SQL.getTag, [repository, tag]);
        const repo = await this.one<RepositoryRow>(sql, SQL.getRepository, [repository]);
        if (current !== undefined && current.digest !== digest && repo?.tag_mutability === 'IMMUTABLE') return { stored: false, reason: 'tag-immutable', digest: current.digest };
      }
      const inserted = (await sql.query(SQL.insertManifest, [repository, digest, record.mediaType, record.artifactType ?? null, record.subjectDigest ?? null,
        record.sizeBytes, Buffer.from(record.bytes), record.createdAtMs])).rowCount === 1;
      if (inserted) {
        const counted = await sql.query<{ blob_digest: string }>(SQL.insertBlobRefs, [repository, digest, [...new Set(references.blobs)]]);
        await sql.query(SQL.countRefs, [counted.rows.map((row) => row.blob_digest)]);
        await sql.query(SQL.insertChildren, [repository, digest, [...new Set(references.manifests)]]);
      }
      if (tag !== undefined) await sql.query(SQL.upsertTag, [repository, tag, digest]);
      return { stored: true };
    });
  }

  deleteRegistryManifest(repository: string, digest: string, atMs: number, expectedTags?: readonly string[]): Promise<'deleted' | 'missing' | 'changed'> {
    return this.writes.submit(async (sql) => {
      if (expectedTags !== undefined) {
        const tags = (await sql.query<{ tag: string }>(SQL.tagsOf, [repository, digest])).rows.map((row) => row.tag);
        // Tags are ASCII (the OCI grammar): JavaScript's sort is the C collation's order of the stored ones.
        const expected = [...expectedTags].sort();
        if (tags.length !== expected.length || tags.some((tag, position) => tag !== expected[position])) return 'changed';
      }
      if ((await sql.query(SQL.deleteManifest, [repository, digest])).rowCount === 0) return 'missing';
      await sql.query(SQL.deleteTagsOf, [repository, digest]);
      await sql.query(SQL.uncountRefs, [repository, digest, atMs]);
      await sql.query(SQL.deleteBlobRefs, [repository, digest]);
      await sql.query(SQL.deleteChildren, [repository, digest]);
      return 'deleted';
    });
  }

  deleteRegistryTag(repository: string, tag: string): Promise<'deleted' | 'missing'> {
    return this.writes.submit(async (sql) => ((await sql.query(SQL.deleteTag, [repository, tag])).rowCount === 1 ? 'deleted' : 'missing'));
  }

  createRegistryUpload(record: RegistryUploadRecord): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.insertUpload, [record.uploadId, record.repository, record.sizeBytes, record.createdAtMs, record.updatedAtMs]);
    });
  }

  appendRegistryUpload(uploadId: string, expectedOffset: number, sizeBytes: number, chunkKey: string, atMs: number): Promise<AppendUploadOutcome> {
    return this.writes.submit(async (sql): Promise<AppendUploadOutcome> => {
      const row = await this.one<UploadRow>(sql, SQL.lockUpload, [uploadId]);
      if (row === undefined) return 'missing';
      if (row.size_bytes !== expectedOffset) return 'out-of-order';
      await sql.query(SQL.appendUpload, [sizeBytes, atMs, uploadId]);
      await sql.query(SQL.insertChunk, [uploadId, expectedOffset, chunkKey]);
      return { appended: uploadOf((await this.one<UploadWithChunks>(sql, SQL.getUpload, [uploadId]))!) };
    });
  }

  deleteRegistryUpload(uploadId: string): Promise<RegistryUploadRecord | undefined> {
    return this.writes.submit(async (sql) => {
      const row = await this.one<UploadWithChunks>(sql, SQL.getUpload, [uploadId]);
      if (row === undefined) return undefined;
      await sql.query(SQL.deleteUpload, [uploadId]);
      await sql.query(SQL.deleteChunks, [uploadId]);
      return uploadOf(row);
    });
  }

  collectRegistryBlobs(unreferencedBeforeMs: number, limit: number): Promise<CollectedBlob[]> {
    return this.writes.submit(async (sql) => {
      const { rows } = await sql.query<{ digest: string; data_id: string }>(SQL.collectable, [unreferencedBeforeMs, limit]);
      const digests = rows.map((row) => row.digest);
      await sql.query(SQL.deleteBlobs, [digests]);
      await sql.query(SQL.deleteLinksOfBlobs, [digests]);
      return rows.map((row) => ({ digest: row.digest, dataId: row.data_id }));
    });
  }
}
