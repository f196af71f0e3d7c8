// The registry's lifecycle settings, resource tags and pull records in the PostgreSQL index
// (registry-lifecycle-index.ts): the twin of sqlite/registry-lifecycle.ts, on the columns
// registry-schema.ts gives registry_repositories and registry_manifests. A tag change locks its
// repository's row and is judged against the limit in its write transaction.
import type {
  ChangeRegistryTagsOutcome, RegistryLifecycleField, RegistryLifecycleImage, RegistryLifecycleIndex, RegistryRepositorySettings, RegistryResourceTag,
} from '../registry-lifecycle-index.js';
import { settingsFromRow, tagsFrom, type SettingsRow } from '../sqlite/registry-lifecycle.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';

interface ImageRow { digest: string; created_at_ms: number; last_pulled_at_ms: number | null; subject_digest: string | null; is_child: boolean; tags: string[] }

const SETTINGS_COLUMNS = 'lifecycle_policy, lifecycle_preview_policy, lifecycle_evaluated_at_ms, resource_tags';

const SQL = {
  getSettings: `SELECT ${SETTINGS_COLUMNS} FROM registry_repositories WHERE name = $1`,
  lockSettings: `SELECT ${SETTINGS_COLUMNS} FROM registry_repositories WHERE name = $1 FOR UPDATE`,
  withPolicy: 'SELECT name FROM registry_repositories WHERE lifecycle_policy IS NOT NULL AND ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2',
  // One statement (one snapshot): each image with its tags and whether an index of the repository names it.
  images: `SELECT m.digest, m.created_at_ms, m.last_pulled_at_ms, m.subject_digest,
      EXISTS (SELECT 1 FROM registry_manifest_children c WHERE c.repository = m.repository AND c.child_digest = m.digest) AS is_child,
      COALESCE((SELECT array_agg(t.tag ORDER BY t.tag) FROM registry_tags t WHERE t.repository = m.repository AND t.digest = m.digest), '{}') AS tags
    FROM registry_manifests m WHERE m.repository = $1 ORDER BY m.created_at_ms, m.digest LIMIT $2`,
  setPolicy: 'UPDATE registry_repositories SET lifecycle_policy = $1 WHERE name = $2',
  setPreview: 'UPDATE registry_repositories SET lifecycle_preview_policy = $1 WHERE name = $2',
  setEvaluated: 'UPDATE registry_repositories SET lifecycle_evaluated_at_ms = $1 WHERE name = $2',
  setTags: 'UPDATE registry_repositories SET resource_tags = $1 WHERE name = $2',
  recordPull: `UPDATE registry_manifests SET last_pulled_at_ms = $1
    WHERE repository = $2 AND digest = $3 AND (last_pulled_at_ms IS NULL OR last_pulled_at_ms < $1)`,
} as const;


export class PostgresRegistryLifecycle implements RegistryLifecycleIndex {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue) {}

  async getRegistryRepositorySettings(name: string): Promise<RegistryRepositorySettings | undefined> {
    const row = (await this.pool.query<SettingsRow>(SQL.getSettings, [name])).rows[0];
    return row === undefined ? undefined : settingsFromRow(row);
  }

  async listRegistryRepositoriesWithLifecyclePolicy(after: string | undefined, limit: number): Promise<string[]> {
    return (await this.pool.query<{ name: string }>(SQL.withPolicy, [after ?? null, limit])).rows.map((row) => row.name);
  }

  async listRegistryLifecycleImages(repository: string, limit: number): Promise<RegistryLifecycleImage[]> {
    return (await this.pool.query<ImageRow>(SQL.images, [repository, limit])).rows.map((row) => ({
      digest: row.digest, tags: row.tags, pushedAtMs: row.created_at_ms, isIndexChild: row.is_child,
      ...(row.last_pulled_at_ms === null ? {} : { lastPulledAtMs: row.last_pulled_at_ms }),
      ...(row.subject_digest === null ? {} : { subjectDigest: row.subject_digest }),
    }));
  }

  setRegistryLifecycleText(name: string, field: RegistryLifecycleField, text: string | undefined): Promise<'set' | 'missing'> {
    const statement = field === 'policy' ? SQL.setPolicy : SQL.setPreview;
    return this.writes.submit(async (sql) => ((await sql.query(statement, [text ?? null, name])).rowCount === 1 ? 'set' : 'missing'));
  }

  markRegistryLifecycleEvaluated(name: string, atMs: number): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.setEvaluated, [atMs, name]);
    });
  }

  changeRegistryRepositoryTags(name: string, add: RegistryResourceTag[], removeKeys: string[], tagsMax: number): Promise<ChangeRegistryTagsOutcome> {
    return this.writes.submit(async (sql): Promise<ChangeRegistryTagsOutcome> => {
      const row = (await sql.query<SettingsRow>(SQL.lockSettings, [name])).rows[0];
      if (row === undefined) return 'missing';
      const tags = new Map(tagsFrom(row.resource_tags).map((tag) => [tag.Key, tag.Value]));
      for (const tag of add) tags.set(tag.Key, tag.Value);
      for (const key of removeKeys) tags.delete(key);
      if (tags.size > tagsMax) return 'too-many';
      const list = [...tags].map(([Key, Value]) => ({ Key, Value }));
      await sql.query(SQL.setTags, [list.length === 0 ? null : JSON.stringify(list), name]);
      return 'changed';
    });
  }

  recordRegistryPull(repository: string, digest: string, atMs: number): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.recordPull, [atMs, repository, digest]);
    });
  }
}
