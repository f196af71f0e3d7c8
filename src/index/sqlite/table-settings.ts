// S3 Tables' settings in the SQLite index: each table bucket's and table's resource policy,
// encryption, storage class, tags and metrics configuration, one JSON text per (owner, kind). The
// owner is the table bucket's or table's id, unique for ever, so a re-created bucket or table
// never inherits the settings of the one it replaces.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import type { MergeTagsOutcome, TableSettingKind } from '../tables-index.js';

/** Schema version 11: the settings of table buckets and tables. */
export const TABLE_SETTINGS_SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS s3_table_settings (
  owner_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (owner_id, kind)
) WITHOUT ROWID;`;

export class TableSettingsTables {
  private readonly statements;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = {
      get: db.prepare('SELECT value FROM s3_table_settings WHERE owner_id = ? AND kind = ?'),
      put: db.prepare('INSERT INTO s3_table_settings (owner_id, kind, value) VALUES (?, ?, ?) ON CONFLICT (owner_id, kind) DO UPDATE SET value = excluded.value'),
      delete: db.prepare('DELETE FROM s3_table_settings WHERE owner_id = ? AND kind = ?'),
      deleteAll: db.prepare('DELETE FROM s3_table_settings WHERE owner_id = ?'),
    };
  }

  read(ownerId: string, kind: TableSettingKind): string | undefined {
    return (this.statements.get.get(ownerId, kind) as { value: string } | undefined)?.value;
  }

  put(ownerId: string, kind: TableSettingKind, value: string): Promise<void> {
    return this.writes.submit(() => {
      this.statements.put.run(ownerId, kind, value);
    });
  }

  delete(ownerId: string, kind: TableSettingKind): Promise<boolean> {
    return this.writes.submit(() => this.statements.delete.run(ownerId, kind).changes === 1);
  }

  /** Sets and removes tags in one transaction; refused ('too-many') when more than `tagsMax` would remain. */
  mergeTags(ownerId: string, set: Record<string, string>, remove: string[], tagsMax: number): Promise<MergeTagsOutcome> {
    return this.writes.submit((): MergeTagsOutcome => {
      const tags = JSON.parse(this.read(ownerId, 'tags') ?? '{}') as Record<string, string>;
      for (const key of remove) delete tags[key];
      Object.assign(tags, set);
      if (Object.keys(tags).length > tagsMax) return 'too-many';
      this.statements.put.run(ownerId, 'tags', JSON.stringify(tags));
      return 'merged';
    });
  }

  /** Inside a writing transaction: forgets every setting of a deleted table bucket or table. */
  forgetInTransaction(ownerId: string): void {
    this.statements.deleteAll.run(ownerId);
  }
}
