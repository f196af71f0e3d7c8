// S3 Tables' settings and maintenance records in the PostgreSQL index: the twin of
// sqlite/table-settings.ts and sqlite/tables-maintenance.ts (same rows). Each is one JSON text per
// (owner id, kind), the owner a table bucket's or table's id (never reused). Writes run in the
// engine's group commits; a tag merge reads and writes in its one transaction, the row locked.
import type { MergeTagsOutcome, TableMaintenanceEntry, TableSettingKind } from '../tables-index.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';

const SQL = {
  getSetting: 'SELECT value FROM s3_table_settings WHERE owner_id = $1 AND kind = $2',
  lockSetting: 'SELECT value FROM s3_table_settings WHERE owner_id = $1 AND kind = $2 FOR UPDATE',
  putSetting: `INSERT INTO s3_table_settings (owner_id, kind, value) VALUES ($1, $2, $3)
    ON CONFLICT (owner_id, kind) DO UPDATE SET value = excluded.value`,
  deleteSetting: 'DELETE FROM s3_table_settings WHERE owner_id = $1 AND kind = $2',
  deleteSettingsOf: 'DELETE FROM s3_table_settings WHERE owner_id = $1',
  maintenanceOf: 'SELECT owner_id, kind, value FROM s3_table_maintenance WHERE owner_id = $1 ORDER BY kind',
  maintenanceOfKind: 'SELECT owner_id, kind, value FROM s3_table_maintenance WHERE kind = $1 ORDER BY owner_id',
  putMaintenance: `INSERT INTO s3_table_maintenance (owner_id, kind, value) VALUES ($1, $2, $3)
    ON CONFLICT (owner_id, kind) DO UPDATE SET value = excluded.value`,
  deleteMaintenanceOf: 'DELETE FROM s3_table_maintenance WHERE owner_id = $1',
} as const;

interface EntryRow { owner_id: string; kind: string; value: string }
const entryFromRow = (row: EntryRow): TableMaintenanceEntry => ({ ownerId: row.owner_id, kind: row.kind, value: row.value });

export class PostgresTableSettings {
  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue) {}

  async read(ownerId: string, kind: TableSettingKind): Promise<string | undefined> {
    return (await this.pool.query<{ value: string }>(SQL.getSetting, [ownerId, kind])).rows[0]?.value;
  }

  put(ownerId: string, kind: TableSettingKind, value: string): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.putSetting, [ownerId, kind, value]);
    });
  }

  delete(ownerId: string, kind: TableSettingKind): Promise<boolean> {
    return this.writes.submit(async (sql) => (await sql.query(SQL.deleteSetting, [ownerId, kind])).rowCount === 1);
  }

  /** Sets and removes tags in one transaction; refused ('too-many') when more than `tagsMax` would remain. */
  mergeTags(ownerId: string, set: Record<string, string>, remove: string[], tagsMax: number): Promise<MergeTagsOutcome> {
    return this.writes.submit(async (sql): Promise<MergeTagsOutcome> => {
      const stored = (await sql.query<{ value: string }>(SQL.lockSetting, [ownerId, 'tags'])).rows[0]?.value;
      const tags = JSON.parse(stored ?? '{}') as Record<string, string>;
      for (const key of remove) delete tags[key];
      Object.assign(tags, set);
      if (Object.keys(tags).length > tagsMax) return 'too-many';
      await sql.query(SQL.putSetting, [ownerId, 'tags', JSON.stringify(tags)]);
      return 'merged';
    });
  }

  async maintenanceOf(ownerId: string): Promise<TableMaintenanceEntry[]> {
    return (await this.pool.query<EntryRow>(SQL.maintenanceOf, [ownerId])).rows.map(entryFromRow);
  }

  async maintenanceOfKind(kind: string): Promise<TableMaintenanceEntry[]> {
    return (await this.pool.query<EntryRow>(SQL.maintenanceOfKind, [kind])).rows.map(entryFromRow);
  }

  putMaintenance(entry: TableMaintenanceEntry): Promise<void> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.putMaintenance, [entry.ownerId, entry.kind, entry.value]);
    });
  }

  /** Inside a write transaction: a deleted table bucket's or table's settings and maintenance records go with it. */
  async forgetOwner(sql: Sql, ownerId: string): Promise<void> {
    await sql.query(SQL.deleteMaintenanceOf, [ownerId]);
    await sql.query(SQL.deleteSettingsOf, [ownerId]);
  }
}
