// S3 Tables maintenance records in the SQLite index (tables-index.ts, TableMaintenanceEntry): each
// table bucket's and table's maintenance configuration, job statuses and noncurrent-file marks, one
// row per owner id and kind holding the feature's JSON. Writes run in the index's group commits.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import type { TableMaintenanceEntry } from '../tables-index.js';

/** The table of schema version 11. */
export const TABLE_MAINTENANCE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS s3_table_maintenance (
  owner_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (owner_id, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS s3_table_maintenance_by_kind ON s3_table_maintenance (kind, owner_id);
`;

interface EntryRow { owner_id: string; kind: string; value: string }
const entryFromRow = (row: EntryRow): TableMaintenanceEntry => ({ ownerId: row.owner_id, kind: row.kind, value: row.value });

export class TableMaintenanceRows {
  private readonly statements;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.statements = {
      ofOwner: db.prepare('SELECT * FROM s3_table_maintenance WHERE owner_id = ? ORDER BY kind'),
      ofKind: db.prepare('SELECT * FROM s3_table_maintenance WHERE kind = ? ORDER BY owner_id'),
      deleteOwner: db.prepare('DELETE FROM s3_table_maintenance WHERE owner_id = ?'),
      put: db.prepare('INSERT INTO s3_table_maintenance (owner_id, kind, value) VALUES (?, ?, ?) ON CONFLICT (owner_id, kind) DO UPDATE SET value = excluded.value'),
    };
  }

  getTableMaintenance(ownerId: string): TableMaintenanceEntry[] {
    return (this.statements.ofOwner.all(ownerId) as EntryRow[]).map(entryFromRow);
  }

  listTableMaintenanceOfKind(kind: string): TableMaintenanceEntry[] {
    return (this.statements.ofKind.all(kind) as EntryRow[]).map(entryFromRow);
  }

  /** Inside a write transaction: a deleted table's or table bucket's records go with it. */
  deleteOwnerRows(ownerId: string): void {
    this.statements.deleteOwner.run(ownerId);
  }

  putTableMaintenance(entry: TableMaintenanceEntry): Promise<void> {
    return this.writes.submit(() => {
      this.statements.put.run(entry.ownerId, entry.kind, entry.value);
    });
  }
}
