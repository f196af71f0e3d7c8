// S3 Tables' catalog in the SQLite index (tables-index.ts): table buckets, namespaces and tables in
// three tables of their own (schema version 2). Writes run in the index's group commits, so each
// condition (a namespace still empty, a version token still current) is judged in the transaction
// that acts on it.
import type Database from 'better-sqlite3';
import type { GroupCommitQueue } from '../group-commit.js';
import { TableMaintenanceRows } from './tables-maintenance.js';
import type {
  CatalogPageQuery, CreateNamespaceOutcome, CreateTableBucketOutcome, CreateTableOutcome, DeleteCatalogEntryOutcome, DeleteTableOutcome,
  MergeTagsOutcome, MetadataLocationSwap, NamespacePropertiesOutcome, TableMaintenanceEntry, TableSettingKind, RenameTableOutcome, SwapMetadataLocationsOutcome, TableBucketRecord, TableChange, TableNamespaceRecord, TablePageQuery, TableRecord, TablesIndex,
  UpdateMetadataLocationOutcome,
} from '../tables-index.js';
import { TableSettingsTables } from './table-settings.js';

/** The tables of schema version 2. */
export const TABLES_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS s3_table_buckets (
  name TEXT PRIMARY KEY,
  table_bucket_id TEXT NOT NULL UNIQUE,
  owner_account_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  warehouse_bucket TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_table_namespaces (
  table_bucket TEXT NOT NULL,
  namespace TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  owner_account_id TEXT NOT NULL,
  PRIMARY KEY (table_bucket, namespace)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_tables (
  table_bucket TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  table_id TEXT NOT NULL,
  format TEXT NOT NULL,
  version_token TEXT NOT NULL,
  metadata_location TEXT,
  warehouse_location TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  modified_at_ms INTEGER NOT NULL,
  modified_by TEXT NOT NULL,
  owner_account_id TEXT NOT NULL,
  PRIMARY KEY (table_bucket, namespace, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS s3_tables_by_id ON s3_tables (table_bucket, table_id);
`;

/** Schema version 3: a namespace's Iceberg properties, a JSON object of strings. */
export const NAMESPACE_PROPERTIES_SQL = `ALTER TABLE s3_table_namespaces ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
CREATE TABLE IF NOT EXISTS iceberg_idempotency (
  key TEXT PRIMARY KEY,
  expires_at_ms INTEGER NOT NULL,
  answer TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iceberg_idempotency_by_expiry ON iceberg_idempotency (expires_at_ms);`;

export interface BucketRow { name: string; table_bucket_id: string; owner_account_id: string; created_at_ms: number; warehouse_bucket: string }
export interface NamespaceRow { table_bucket: string; namespace: string; namespace_id: string; created_at_ms: number; created_by: string; owner_account_id: string; properties: string }
export interface TableRow {
  table_bucket: string; namespace: string; name: string; table_id: string; format: string; version_token: string;
  metadata_location: string | null; warehouse_location: string; created_at_ms: number; created_by: string;
  modified_at_ms: number; modified_by: string; owner_account_id: string;
}

export const bucketFromRow = (row: BucketRow): TableBucketRecord => ({
  name: row.name, tableBucketId: row.table_bucket_id, ownerAccountId: row.owner_account_id, createdAtMs: row.created_at_ms, warehouseBucket: row.warehouse_bucket,
});
export const namespaceFromRow = (row: NamespaceRow): TableNamespaceRecord => ({
  tableBucket: row.table_bucket, namespace: row.namespace, namespaceId: row.namespace_id, createdAtMs: row.created_at_ms,
  createdBy: row.created_by, ownerAccountId: row.owner_account_id, properties: JSON.parse(row.properties) as Record<string, string>,
});
export const tableFromRow = (row: TableRow): TableRecord => ({
  tableBucket: row.table_bucket, namespace: row.namespace, name: row.name, tableId: row.table_id, format: 'ICEBERG',
  versionToken: row.version_token, metadataLocation: row.metadata_location ?? undefined, warehouseLocation: row.warehouse_location,
  createdAtMs: row.created_at_ms, createdBy: row.created_by, modifiedAtMs: row.modified_at_ms, modifiedBy: row.modified_by,
  ownerAccountId: row.owner_account_id,
});

/** Names in byte order from `after` (exclusive), starting with `prefix`: SQLite's BINARY collation compares UTF-8 bytes. */
const PAGE_CONDITION = "(? IS NULL OR substr(COL, 1, length(?)) = ?) AND (? IS NULL OR COL > ?)";
function pageCondition(column: string): string {
  return PAGE_CONDITION.replaceAll('COL', column);
}
function pageParams(query: CatalogPageQuery): unknown[] {
  const prefix = query.prefix ?? null;
  const after = query.after ?? null;
  return [prefix, prefix, prefix, after, after];
}

export class TablesCatalog implements TablesIndex {
  private readonly statements;
  private readonly maintenance: TableMaintenanceRows;

  private readonly settings: TableSettingsTables;

  constructor(db: Database.Database, private readonly writes: GroupCommitQueue) {
    this.maintenance = new TableMaintenanceRows(db, writes);
    this.settings = new TableSettingsTables(db, writes);
    const tableColumns = 'table_bucket, namespace, name, table_id, format, version_token, metadata_location, warehouse_location, created_at_ms, created_by, modified_at_ms, modified_by, owner_account_id';
    this.statements = {
      getBucket: db.prepare('SELECT * FROM s3_table_buckets WHERE name = ?'),
      listBuckets: db.prepare(`SELECT * FROM s3_table_buckets WHERE ${pageCondition('name')} ORDER BY name LIMIT ?`),
      insertBucket: db.prepare('INSERT OR IGNORE INTO s3_table_buckets (name, table_bucket_id, owner_account_id, created_at_ms, warehouse_bucket) VALUES (?, ?, ?, ?, ?)'),
      deleteBucket: db.prepare('DELETE FROM s3_table_buckets WHERE name = ?'),
      anyNamespace: db.prepare('SELECT 1 FROM s3_table_namespaces WHERE table_bucket = ? LIMIT 1'),
      getNamespace: db.prepare('SELECT * FROM s3_table_namespaces WHERE table_bucket = ? AND namespace = ?'),
      listNamespaces: db.prepare(`SELECT * FROM s3_table_namespaces WHERE table_bucket = ? AND ${pageCondition('namespace')} ORDER BY namespace LIMIT ?`),
      insertNamespace: db.prepare('INSERT OR IGNORE INTO s3_table_namespaces (table_bucket, namespace, namespace_id, created_at_ms, created_by, owner_account_id, properties) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      getAnswer: db.prepare('SELECT answer FROM iceberg_idempotency WHERE key = ? AND expires_at_ms > ?'),
      putAnswer: db.prepare('INSERT OR IGNORE INTO iceberg_idempotency (key, expires_at_ms, answer) VALUES (?, ?, ?)'),
      expireAnswers: db.prepare('DELETE FROM iceberg_idempotency WHERE expires_at_ms <= ?'),
      countAnswers: db.prepare('SELECT count(*) AS n FROM iceberg_idempotency'),
      dropOldestAnswers: db.prepare('DELETE FROM iceberg_idempotency WHERE key IN (SELECT key FROM iceberg_idempotency ORDER BY expires_at_ms LIMIT ?)'),
      setNamespaceProperties: db.prepare('UPDATE s3_table_namespaces SET properties = ? WHERE table_bucket = ? AND namespace = ?'),
      deleteNamespace: db.prepare('DELETE FROM s3_table_namespaces WHERE table_bucket = ? AND namespace = ?'),
      anyTable: db.prepare('SELECT 1 FROM s3_tables WHERE table_bucket = ? AND namespace = ? LIMIT 1'),
      getTable: db.prepare('SELECT * FROM s3_tables WHERE table_bucket = ? AND namespace = ? AND name = ?'),
      getTableById: db.prepare('SELECT * FROM s3_tables WHERE table_bucket = ? AND table_id = ?'),
      listTables: db.prepare(`SELECT * FROM s3_tables WHERE table_bucket = ? AND (? IS NULL OR namespace = ?)
        AND (? IS NULL OR substr(name, 1, length(?)) = ?) AND (? IS NULL OR (namespace, name) > (?, ?)) ORDER BY namespace, name LIMIT ?`),
      insertTable: db.prepare(`INSERT OR IGNORE INTO s3_tables (${tableColumns}) VALUES (${tableColumns.split(',').map(() => '?').join(', ')})`),
      deleteTable: db.prepare('DELETE FROM s3_tables WHERE table_bucket = ? AND namespace = ? AND name = ?'),
      renameTable: db.prepare(`UPDATE s3_tables SET namespace = ?, name = ?, modified_at_ms = ?, modified_by = ?
        WHERE table_bucket = ? AND namespace = ? AND name = ?`),
      setMetadataLocation: db.prepare(`UPDATE s3_tables SET metadata_location = ?, version_token = ?, modified_at_ms = ?, modified_by = ?
        WHERE table_bucket = ? AND namespace = ? AND name = ?`),
    };
  }

  async getTableBucket(name: string): Promise<TableBucketRecord | undefined> {
    const row = this.statements.getBucket.get(name) as BucketRow | undefined;
    return row === undefined ? undefined : bucketFromRow(row);
  }

  async listTableBuckets(query: CatalogPageQuery): Promise<TableBucketRecord[]> {
    return (this.statements.listBuckets.all(...pageParams(query), query.limit) as BucketRow[]).map(bucketFromRow);
  }

  async getTableNamespace(tableBucket: string, namespace: string): Promise<TableNamespaceRecord | undefined> {
    const row = this.statements.getNamespace.get(tableBucket, namespace) as NamespaceRow | undefined;
    return row === undefined ? undefined : namespaceFromRow(row);
  }

  async listTableNamespaces(tableBucket: string, query: CatalogPageQuery): Promise<TableNamespaceRecord[]> {
    return (this.statements.listNamespaces.all(tableBucket, ...pageParams(query), query.limit) as NamespaceRow[]).map(namespaceFromRow);
  }

  async getTable(tableBucket: string, namespace: string, name: string): Promise<TableRecord | undefined> {
    return this.readTable(tableBucket, namespace, name);
  }

  async getTableById(tableBucket: string, tableId: string): Promise<TableRecord | undefined> {
    const row = this.statements.getTableById.get(tableBucket, tableId) as TableRow | undefined;
    return row === undefined ? undefined : tableFromRow(row);
  }

  async listTables(tableBucket: string, query: TablePageQuery): Promise<TableRecord[]> {
    const namespace = query.namespace ?? null;
    const prefix = query.prefix ?? null;
    const after = query.after;
    const rows = this.statements.listTables.all(tableBucket, namespace, namespace, prefix, prefix, prefix,
      after === undefined ? null : 1, after?.namespace ?? null, after?.name ?? null, query.limit) as TableRow[];
    return rows.map(tableFromRow);
  }

  createTableBucket(record: TableBucketRecord): Promise<CreateTableBucketOutcome> {
    return this.writes.submit(() => {
      const result = this.statements.insertBucket.run(record.name, record.tableBucketId, record.ownerAccountId, record.createdAtMs, record.warehouseBucket);
      return result.changes === 1 ? 'created' : 'already-exists';
    });
  }

  deleteTableBucket(name: string): Promise<DeleteCatalogEntryOutcome> {
    return this.writes.submit(() => {
      const bucket = this.statements.getBucket.get(name) as BucketRow | undefined;
      if (bucket === undefined) return 'missing';
      if (this.statements.anyNamespace.get(name) !== undefined) return 'not-empty';
      this.maintenance.deleteOwnerRows(bucket.table_bucket_id);
      this.statements.deleteBucket.run(name);
      this.settings.forgetInTransaction(bucket.table_bucket_id);
      return 'deleted';
    });
  }

  createTableNamespace(record: TableNamespaceRecord): Promise<CreateNamespaceOutcome> {
    return this.writes.submit(() => {
      if (this.statements.getBucket.get(record.tableBucket) === undefined) return 'no-such-bucket';
      const result = this.statements.insertNamespace.run(record.tableBucket, record.namespace, record.namespaceId, record.createdAtMs, record.createdBy, record.ownerAccountId,
        JSON.stringify(record.properties ?? {}));
      return result.changes === 1 ? 'created' : 'already-exists';
    });
  }

  updateTableNamespaceProperties(tableBucket: string, namespace: string, updates: Record<string, string>, removals: string[]): Promise<NamespacePropertiesOutcome> {
    return this.writes.submit((): NamespacePropertiesOutcome => {
      const row = this.statements.getNamespace.get(tableBucket, namespace) as NamespaceRow | undefined;
      if (row === undefined) return 'missing';
      const before = JSON.parse(row.properties) as Record<string, string>;
      const after = { ...before };
      for (const key of removals) delete after[key];
      Object.assign(after, updates);
      this.statements.setNamespaceProperties.run(JSON.stringify(after), tableBucket, namespace);
      return { before, after };
    });
  }

  async getIdempotentAnswer(key: string, nowMs: number): Promise<string | undefined> {
    return (this.statements.getAnswer.get(key, nowMs) as { answer: string } | undefined)?.answer;
  }

  putIdempotentAnswer(key: string, expiresAtMs: number, answer: string, nowMs: number, entriesMax: number): Promise<string> {
    return this.writes.submit(() => {
      this.statements.expireAnswers.run(nowMs);
      const count = (this.statements.countAnswers.get() as { n: number }).n;
      if (count >= entriesMax) this.statements.dropOldestAnswers.run(count - entriesMax + 1);
      this.statements.putAnswer.run(key, expiresAtMs, answer);
      // A concurrent first request may have stored its answer already: that one is the answer.
      return (this.statements.getAnswer.get(key, nowMs) as { answer: string }).answer;
    });
  }

  deleteTableNamespace(tableBucket: string, namespace: string): Promise<DeleteCatalogEntryOutcome> {
    return this.writes.submit(() => {
      if (this.statements.getNamespace.get(tableBucket, namespace) === undefined) return 'missing';
      if (this.statements.anyTable.get(tableBucket, namespace) !== undefined) return 'not-empty';
      this.statements.deleteNamespace.run(tableBucket, namespace);
      return 'deleted';
    });
  }

  createTable(record: TableRecord): Promise<CreateTableOutcome> {
    return this.writes.submit(() => {
      if (this.statements.getNamespace.get(record.tableBucket, record.namespace) === undefined) return 'no-such-namespace';
      const result = this.statements.insertTable.run(record.tableBucket, record.namespace, record.name, record.tableId, record.format,
        record.versionToken, record.metadataLocation ?? null, record.warehouseLocation, record.createdAtMs, record.createdBy,
        record.modifiedAtMs, record.modifiedBy, record.ownerAccountId);
      return result.changes === 1 ? 'created' : 'already-exists';
    });
  }

  deleteTable(tableBucket: string, namespace: string, name: string, versionToken: string | undefined): Promise<DeleteTableOutcome> {
    return this.writes.submit(() => {
      const current = this.readTable(tableBucket, namespace, name);
      if (current === undefined) return 'missing';
      if (versionToken !== undefined && versionToken !== current.versionToken) return 'conflict';
      this.maintenance.deleteOwnerRows(current.tableId);
      this.statements.deleteTable.run(tableBucket, namespace, name);
      this.settings.forgetInTransaction(current.tableId);
      return 'deleted';
    });
  }

  renameTable(tableBucket: string, namespace: string, name: string, to: { namespace: string; name: string }, change: TableChange): Promise<RenameTableOutcome> {
    return this.writes.submit((): RenameTableOutcome => {
      const current = this.readTable(tableBucket, namespace, name);
      if (current === undefined) return 'missing';
      if (change.versionToken !== undefined && change.versionToken !== current.versionToken) return 'conflict';
      if (this.statements.getNamespace.get(tableBucket, to.namespace) === undefined) return 'no-such-namespace';
      if (to.namespace === namespace && to.name === name) return 'renamed';
      if (this.readTable(tableBucket, to.namespace, to.name) !== undefined) return 'already-exists';
      this.statements.renameTable.run(to.namespace, to.name, change.atMs, change.by, tableBucket, namespace, name);
      return 'renamed';
    });
  }

  updateTableMetadataLocation(
    tableBucket: string, namespace: string, name: string, metadataLocation: string, newVersionToken: string, change: TableChange & { versionToken: string },
  ): Promise<UpdateMetadataLocationOutcome> {
    return this.writes.submit((): UpdateMetadataLocationOutcome => {
      const current = this.readTable(tableBucket, namespace, name);
      if (current === undefined) return 'missing';
      if (change.versionToken !== current.versionToken) return 'conflict';
      this.statements.setMetadataLocation.run(metadataLocation, newVersionToken, change.atMs, change.by, tableBucket, namespace, name);
      return { updated: { ...current, metadataLocation, versionToken: newVersionToken, modifiedAtMs: change.atMs, modifiedBy: change.by } };
    });
  }

  swapTableMetadataLocations(swaps: MetadataLocationSwap[], change: { atMs: number; by: string }): Promise<SwapMetadataLocationsOutcome> {
    return this.writes.submit((): SwapMetadataLocationsOutcome => {
      const current: TableRecord[] = [];
      for (const [position, swap] of swaps.entries()) {
        const table = this.readTable(swap.tableBucket, swap.namespace, swap.name);
        if (table === undefined) return { refused: position, reason: 'missing' };
        if (table.versionToken !== swap.versionToken) return { refused: position, reason: 'conflict' };
        current.push(table);
      }
      // Every token judged before any row changes: the transaction applies all of them or none.
      return {
        updated: swaps.map((swap, position) => {
          this.statements.setMetadataLocation.run(swap.metadataLocation, swap.newVersionToken, change.atMs, change.by, swap.tableBucket, swap.namespace, swap.name);
          return { ...current[position]!, metadataLocation: swap.metadataLocation, versionToken: swap.newVersionToken, modifiedAtMs: change.atMs, modifiedBy: change.by };
        }),
      };
    });
  }

  async getTableMaintenance(ownerId: string): Promise<TableMaintenanceEntry[]> {
    return this.maintenance.getTableMaintenance(ownerId);
  }

  async listTableMaintenanceOfKind(kind: string): Promise<TableMaintenanceEntry[]> {
    return this.maintenance.listTableMaintenanceOfKind(kind);
  }

  putTableMaintenance(entry: TableMaintenanceEntry): Promise<void> {
    return this.maintenance.putTableMaintenance(entry);
  }

  async getTableSetting(ownerId: string, kind: TableSettingKind): Promise<string | undefined> {
    return this.settings.read(ownerId, kind);
  }

  putTableSetting(ownerId: string, kind: TableSettingKind, value: string): Promise<void> {
    return this.settings.put(ownerId, kind, value);
  }

  deleteTableSetting(ownerId: string, kind: TableSettingKind): Promise<boolean> {
    return this.settings.delete(ownerId, kind);
  }

  mergeTableTags(ownerId: string, set: Record<string, string>, remove: string[], tagsMax: number): Promise<MergeTagsOutcome> {
    return this.settings.mergeTags(ownerId, set, remove, tagsMax);
  }

  private readTable(tableBucket: string, namespace: string, name: string): TableRecord | undefined {
    const row = this.statements.getTable.get(tableBucket, namespace, name) as TableRow | undefined;
    return row === undefined ? undefined : tableFromRow(row);
  }
}

/**
 * Puts the catalog's methods on an engine's prototype, each calling the engine's catalog: they are
 * the engine's own methods then (index-methods.test.ts checks the prototype against the lists).
 */
