// The registry's lifecycle settings, resource tags and pull records in the SQLite index
// (registry-lifecycle-index.ts): columns migration 11 adds to registry_repositories and
// registry_manifests. Tag changes are judged against the limit inside their write transaction.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import type {
  ChangeRegistryTagsOutcome, RegistryLifecycleField, RegistryLifecycleImage, RegistryLifecycleIndex, RegistryRepositorySettings, RegistryResourceTag,
} from '../registry-lifecycle-index.js';

/** Migration 11: the lifecycle policy, its preview's policy, its last evaluation, tags (JSON), each manifest's last pull. */
export const REGISTRY_LIFECYCLE_SCHEMA_SQL = `
ALTER TABLE registry_repositories ADD COLUMN lifecycle_policy TEXT;
ALTER TABLE registry_repositories ADD COLUMN lifecycle_preview_policy TEXT;
ALTER TABLE registry_repositories ADD COLUMN lifecycle_evaluated_at_ms INTEGER;
ALTER TABLE registry_repositories ADD COLUMN resource_tags TEXT;
ALTER TABLE registry_manifests ADD COLUMN last_pulled_at_ms INTEGER;
`;

export interface SettingsRow { lifecycle_policy: string | null; lifecycle_preview_policy: string | null; lifecycle_evaluated_at_ms: number | null; resource_tags: string | null }
interface ImageRow { digest: string; created_at_ms: number; last_pulled_at_ms: number | null; subject_digest: string | null; is_child: number }

function prepare(db: Database.Database) {
  return {
    getSettings: db.prepare('SELECT lifecycle_policy, lifecycle_preview_policy, lifecycle_evaluated_at_ms, resource_tags FROM registry_repositories WHERE name = ?'),
    withPolicy: db.prepare('SELECT name FROM registry_repositories WHERE lifecycle_policy IS NOT NULL AND (? IS NULL OR name > ?) ORDER BY name LIMIT ?'),
    images: db.prepare(`SELECT m.digest, m.created_at_ms, m.last_pulled_at_ms, m.subject_digest,
        EXISTS (SELECT 1 FROM registry_manifest_children c WHERE c.repository = m.repository AND c.child_digest = m.digest) AS is_child
      FROM registry_manifests m WHERE m.repository = ? ORDER BY m.created_at_ms, m.digest LIMIT ?`),
    tagsOf: db.prepare('SELECT tag, digest FROM registry_tags WHERE repository = ? ORDER BY tag'),
    setPolicy: db.prepare('UPDATE registry_repositories SET lifecycle_policy = ? WHERE name = ?'),
    setPreview: db.prepare('UPDATE registry_repositories SET lifecycle_preview_policy = ? WHERE name = ?'),
    setEvaluated: db.prepare('UPDATE registry_repositories SET lifecycle_evaluated_at_ms = ? WHERE name = ?'),
    setTags: db.prepare('UPDATE registry_repositories SET resource_tags = ? WHERE name = ?'),
    recordPull: db.prepare('UPDATE registry_manifests SET last_pulled_at_ms = ? WHERE repository = ? AND digest = ? AND (last_pulled_at_ms IS NULL OR last_pulled_at_ms < ?)'),
  };
}

export const tagsFrom = (text: string | null): RegistryResourceTag[] => (text === null ? [] : JSON.parse(text) as RegistryResourceTag[]);

/** A repository's lifecycle settings from its row (both engines store the same columns). */
export function settingsFromRow(row: SettingsRow): RegistryRepositorySettings {
  return {
    ...(row.lifecycle_policy === null ? {} : { lifecyclePolicy: row.lifecycle_policy }),
    ...(row.lifecycle_preview_policy === null ? {} : { lifecyclePreviewPolicy: row.lifecycle_preview_policy }),
    ...(row.lifecycle_evaluated_at_ms === null ? {} : { lifecycleEvaluatedAtMs: row.lifecycle_evaluated_at_ms }),
    tags: tagsFrom(row.resource_tags),
  };
}

export class RegistryLifecycleTables implements RegistryLifecycleIndex {
  private readonly statements;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = prepare(db);
  }

  async getRegistryRepositorySettings(name: string): Promise<RegistryRepositorySettings | undefined> {
    const row = this.statements.getSettings.get(name) as SettingsRow | undefined;
    return row === undefined ? undefined : settingsFromRow(row);
  }

  async listRegistryRepositoriesWithLifecyclePolicy(after: string | undefined, limit: number): Promise<string[]> {
    return (this.statements.withPolicy.all(after ?? null, after ?? null, limit) as Array<{ name: string }>).map((row) => row.name);
  }

  async listRegistryLifecycleImages(repository: string, limit: number): Promise<RegistryLifecycleImage[]> {
    const tags = new Map<string, string[]>();
    for (const row of this.statements.tagsOf.all(repository) as Array<{ tag: string; digest: string }>) {
      tags.set(row.digest, [...(tags.get(row.digest) ?? []), row.tag]);
    }
    return (this.statements.images.all(repository, limit) as ImageRow[]).map((row) => ({
      digest: row.digest, tags: tags.get(row.digest) ?? [], pushedAtMs: row.created_at_ms, isIndexChild: row.is_child === 1,
      ...(row.last_pulled_at_ms === null ? {} : { lastPulledAtMs: row.last_pulled_at_ms }),
      ...(row.subject_digest === null ? {} : { subjectDigest: row.subject_digest }),
    }));
  }

  setRegistryLifecycleText(name: string, field: RegistryLifecycleField, text: string | undefined): Promise<'set' | 'missing'> {
    const statement = field === 'policy' ? this.statements.setPolicy : this.statements.setPreview;
    return this.writes.submit(() => (statement.run(text ?? null, name).changes === 1 ? 'set' : 'missing'));
  }

  markRegistryLifecycleEvaluated(name: string, atMs: number): Promise<void> {
    return this.writes.submit(() => {
      this.statements.setEvaluated.run(atMs, name);
    });
  }

  changeRegistryRepositoryTags(name: string, add: RegistryResourceTag[], removeKeys: string[], tagsMax: number): Promise<ChangeRegistryTagsOutcome> {
    return this.writes.submit((): ChangeRegistryTagsOutcome => {
      const row = this.statements.getSettings.get(name) as SettingsRow | undefined;
      if (row === undefined) return 'missing';
      const tags = new Map(tagsFrom(row.resource_tags).map((tag) => [tag.Key, tag.Value]));
      for (const tag of add) tags.set(tag.Key, tag.Value);
      for (const key of removeKeys) tags.delete(key);
      if (tags.size > tagsMax) return 'too-many';
      const list = [...tags].map(([Key, Value]) => ({ Key, Value }));
      this.statements.setTags.run(list.length === 0 ? null : JSON.stringify(list), name);
      return 'changed';
    });
  }

  recordRegistryPull(repository: string, digest: string, atMs: number): Promise<void> {
    return this.writes.submit(() => {
      this.statements.recordPull.run(atMs, repository, digest, atMs);
    });
  }
}
