// S3 Tables' catalog in the PostgreSQL index (tables-index.ts): the twin of sqlite/tables.ts, same
// rows and mappers. Writes run in the engine's group commits (one transaction, every front end's
// writes serialized by its advisory lock). The Iceberg commit's compare-and-set does not lean on
// that lock alone: the rows it judges are locked (FOR UPDATE) and each update names the version
// token it replaces, so a token is judged and replaced in one transaction on any front end.
import {
  bucketFromRow, namespaceFromRow, tableFromRow, type BucketRow, type NamespaceRow, type TableRow,
} from '../sqlite/tables.js';
import type {
  CatalogPageQuery, CreateNamespaceOutcome, CreateTableBucketOutcome, CreateTableOutcome, DeleteCatalogEntryOutcome, DeleteTableOutcome,
  MergeTagsOutcome, MetadataLocationSwap, NamespacePropertiesOutcome, RenameTableOutcome, SwapMetadataLocationsOutcome, TableBucketRecord,
  TableChange, TableMaintenanceEntry, TableNamespaceRecord, TablePageQuery, TableRecord, TableSettingKind, TablesIndex, UpdateMetadataLocationOutcome,
} from '../tables-index.js';
import type { Sql } from './connection.js';
import type { PostgresWriteQueue } from './group-commit.js';
import { PostgresTableSettings } from './table-settings.js';

const TABLE_COLUMNS = ['table_bucket', 'namespace', 'name', 'table_id', 'format', 'version_token', 'metadata_location', 'warehouse_location',
  'created_at_ms', 'created_by', 'modified_at_ms', 'modified_by', 'owner_account_id'];

/** Names starting with the prefix ($n, or NULL: any) and after the cursor ($n+1, or NULL): byte order under COLLATE "C". */
const page = (column: string, first: number) => `($${first}::text IS NULL OR starts_with(${column}, $${first}))
  AND ($${first + 1}::text IS NULL OR ${column} > $${first + 1})`;

const SQL = {
  getBucket: 'SELECT * FROM s3_table_buckets WHERE name = $1',
  listBuckets: `SELECT * FROM s3_table_buckets WHERE ${page('name', 1)} ORDER BY name LIMIT $3`,
  insertBucket: `INSERT INTO s3_table_buckets (name, table_bucket_id, owner_account_id, created_at_ms, warehouse_bucket) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT DO NOTHING`,
  deleteBucket: 'DELETE FROM s3_table_buckets WHERE name = $1',
  anyNamespace: 'SELECT 1 FROM s3_table_namespaces WHERE table_bucket = $1 LIMIT 1',
  getNamespace: 'SELECT * FROM s3_table_namespaces WHERE table_bucket = $1 AND namespace = $2',
  lockNamespace: 'SELECT * FROM s3_table_namespaces WHERE table_bucket = $1 AND namespace = $2 FOR UPDATE',
  listNamespaces: `SELECT * FROM s3_table_namespaces WHERE table_bucket = $1 AND ${page('namespace', 2)} ORDER BY namespace LIMIT $4`,
  insertNamespace: `INSERT INTO s3_table_namespaces (table_bucket, namespace, namespace_id, created_at_ms, created_by, owner_account_id, properties)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
  setNamespaceProperties: 'UPDATE s3_table_namespaces SET properties = $1 WHERE table_bucket = $2 AND namespace = $3',
  deleteNamespace: 'DELETE FROM s3_table_namespaces WHERE table_bucket = $1 AND namespace = $2',
  getAnswer: 'SELECT answer FROM iceberg_idempotency WHERE key = $1 AND expires_at_ms > $2',
  putAnswer: 'INSERT INTO iceberg_idempotency (key, expires_at_ms, answer) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
  expireAnswers: 'DELETE FROM iceberg_idempotency WHERE expires_at_ms <= $1',
  countAnswers: 'SELECT count(*)::integer AS n FROM iceberg_idempotency',
  dropOldestAnswers: 'DELETE FROM iceberg_idempotency WHERE key IN (SELECT key FROM iceberg_idempotency ORDER BY expires_at_ms LIMIT $1)',
  anyTable: 'SELECT 1 FROM s3_tables WHERE table_bucket = $1 AND namespace = $2 LIMIT 1',
  getTable: 'SELECT * FROM s3_tables WHERE table_bucket = $1 AND namespace = $2 AND name = $3',
  lockTable: 'SELECT * FROM s3_tables WHERE table_bucket = $1 AND namespace = $2 AND name = $3 FOR UPDATE',
  getTableById: 'SELECT * FROM s3_tables WHERE table_bucket = $1 AND table_id = $2',
  listTables: `SELECT * FROM s3_tables WHERE table_bucket = $1 AND ($2::text IS NULL OR namespace = $2)
    AND ($3::text IS NULL OR starts_with(name, $3)) AND ($4::text IS NULL OR (namespace, name) > ($4, $5::text)) ORDER BY namespace, name LIMIT $6`,
  insertTable: `INSERT INTO s3_tables (${TABLE_COLUMNS.join(', ')}) VALUES (${TABLE_COLUMNS.map((_, position) => `$${position + 1}`).join(', ')})
    ON CONFLICT DO NOTHING`,
  deleteTable: 'DELETE FROM s3_tables WHERE table_bucket = $1 AND namespace = $2 AND name = $3',
  renameTable: 'UPDATE s3_tables SET namespace = $1, name = $2, modified_at_ms = $3, modified_by = $4 WHERE table_bucket = $5 AND namespace = $6 AND name = $7',
  /** The compare-and-set: only while the table still has the version token its writer read ($8). */
  swapMetadataLocation: `UPDATE s3_tables SET metadata_location = $1, version_token = $2, modified_at_ms = $3, modified_by = $4
    WHERE table_bucket = $5 AND namespace = $6 AND name = $7 AND version_token = $8 RETURNING *`,
} as const;

export class PostgresTablesCatalog implements TablesIndex {
  private readonly settings: PostgresTableSettings;

  constructor(private readonly pool: Sql, private readonly writes: PostgresWriteQueue) {
    this.settings = new PostgresTableSettings(pool, writes);
  }

  private async one<Row extends object>(sql: Sql, text: string, values: unknown[]): Promise<Row | undefined> {
    return (await sql.query<Row>(text, values)).rows[0];
  }

  private async table(sql: Sql, text: string, values: unknown[]): Promise<TableRecord | undefined> {
    const row = await this.one<TableRow>(sql, text, values);
    return row === undefined ? undefined : tableFromRow(row);
  }

  async getTableBucket(name: string): Promise<TableBucketRecord | undefined> {
    const row = await this.one<BucketRow>(this.pool, SQL.getBucket, [name]);
    return row === undefined ? undefined : bucketFromRow(row);
  }

  async listTableBuckets(query: CatalogPageQuery): Promise<TableBucketRecord[]> {
    return (await this.pool.query<BucketRow>(SQL.listBuckets, [query.prefix ?? null, query.after ?? null, query.limit])).rows.map(bucketFromRow);
  }

  async getTableNamespace(tableBucket: string, namespace: string): Promise<TableNamespaceRecord | undefined> {
    const row = await this.one<NamespaceRow>(this.pool, SQL.getNamespace, [tableBucket, namespace]);
    return row === undefined ? undefined : namespaceFromRow(row);
  }

  async listTableNamespaces(tableBucket: string, query: CatalogPageQuery): Promise<TableNamespaceRecord[]> {
    const values = [tableBucket, query.prefix ?? null, query.after ?? null, query.limit];
    return (await this.pool.query<NamespaceRow>(SQL.listNamespaces, values)).rows.map(namespaceFromRow);
  }

  getTable(tableBucket: string, namespace: string, name: string): Promise<TableRecord | undefined> {
    return this.table(this.pool, SQL.getTable, [tableBucket, namespace, name]);
  }

  getTableById(tableBucket: string, tableId: string): Promise<TableRecord | undefined> {
    return this.table(this.pool, SQL.getTableById, [tableBucket, tableId]);
  }

  async listTables(tableBucket: string, query: TablePageQuery): Promise<TableRecord[]> {
    const values = [tableBucket, query.namespace ?? null, query.prefix ?? null, query.after?.namespace ?? null, query.after?.name ?? null, query.limit];
    return (await this.pool.query<TableRow>(SQL.listTables, values)).rows.map(tableFromRow);
  }

  async getIdempotentAnswer(key: string, nowMs: number): Promise<string | undefined> {
    return (await this.one<{ answer: string }>(this.pool, SQL.getAnswer, [key, nowMs]))?.answer;
  }

  createTableBucket(record: TableBucketRecord): Promise<CreateTableBucketOutcome> {
    return this.writes.submit(async (sql) => {
      const values = [record.name, record.tableBucketId, record.ownerAccountId, record.createdAtMs, record.warehouseBucket];
      return (await sql.query(SQL.insertBucket, values)).rowCount === 1 ? 'created' : 'already-exists';
    });
  }

  deleteTableBucket(name: string): Promise<DeleteCatalogEntryOutcome> {
    return this.writes.submit(async (sql) => {
      const bucket = await this.one<BucketRow>(sql, SQL.getBucket, [name]);
      if (bucket === undefined) return 'missing';
      if ((await sql.query(SQL.anyNamespace, [name])).rows.length > 0) return 'not-empty';
      await this.settings.forgetOwner(sql, bucket.table_bucket_id);
      await sql.query(SQL.deleteBucket, [name]);
      return 'deleted';
    });
  }

  createTableNamespace(record: TableNamespaceRecord): Promise<CreateNamespaceOutcome> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getBucket, [record.tableBucket])).rows.length === 0) return 'no-such-bucket';
      const values = [record.tableBucket, record.namespace, record.namespaceId, record.createdAtMs, record.createdBy, record.ownerAccountId,
        JSON.stringify(record.properties ?? {})];
      return (await sql.query(SQL.insertNamespace, values)).rowCount === 1 ? 'created' : 'already-exists';
    });
  }

  updateTableNamespaceProperties(tableBucket: string, namespace: string, updates: Record<string, string>, removals: string[]): Promise<NamespacePropertiesOutcome> {
    return this.writes.submit(async (sql): Promise<NamespacePropertiesOutcome> => {
      const row = await this.one<NamespaceRow>(sql, SQL.lockNamespace, [tableBucket, namespace]);
      if (row === undefined) return 'missing';
      const before = JSON.parse(row.properties) as Record<string, string>;
      const after = { ...before };
      for (const key of removals) delete after[key];
      Object.assign(after, updates);
      await sql.query(SQL.setNamespaceProperties, [JSON.stringify(after), tableBucket, namespace]);
      return { before, after };
    });
  }

  putIdempotentAnswer(key: string, expiresAtMs: number, answer: string, nowMs: number, entriesMax: number): Promise<string> {
    return this.writes.submit(async (sql) => {
      await sql.query(SQL.expireAnswers, [nowMs]);
      const count = (await this.one<{ n: number }>(sql, SQL.countAnswers, []))!.n;
      if (count >= entriesMax) await sql.query(SQL.dropOldestAnswers, [count - entriesMax + 1]);
      await sql.query(SQL.putAnswer, [key, expiresAtMs, answer]);
      // A concurrent first request may have stored its answer already: that one is the answer.
      return (await this.one<{ answer: string }>(sql, SQL.getAnswer, [key, nowMs]))!.answer;
    });
  }

  deleteTableNamespace(tableBucket: string, namespace: string): Promise<DeleteCatalogEntryOutcome> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getNamespace, [tableBucket, namespace])).rows.length === 0) return 'missing';
      if ((await sql.query(SQL.anyTable, [tableBucket, namespace])).rows.length > 0) return 'not-empty';
      await sql.query(SQL.deleteNamespace, [tableBucket, namespace]);
      return 'deleted';
    });
  }

  createTable(record: TableRecord): Promise<CreateTableOutcome> {
    return this.writes.submit(async (sql) => {
      if ((await sql.query(SQL.getNamespace, [record.tableBucket, record.namespace])).rows.length === 0) return 'no-such-namespace';
      const values = [record.tableBucket, record.namespace, record.name, record.tableId, record.format, record.versionToken,
        record.metadataLocation ?? null, record.warehouseLocation, record.createdAtMs, record.createdBy, record.modifiedAtMs, record.modifiedBy,
        record.ownerAccountId];
      return (await sql.query(SQL.insertTable, values)).rowCount === 1 ? 'created' : 'already-exists';
    });
  }

  deleteTable(tableBucket: string, namespace: string, name: string, versionToken: string | undefined): Promise<DeleteTableOutcome> {
    return this.writes.submit(async (sql) => {
      const current = await this.table(sql, SQL.lockTable, [tableBucket, namespace, name]);
      if (current === undefined) return 'missing';
      if (versionToken !== undefined && versionToken !== current.versionToken) return 'conflict';
      await this.settings.forgetOwner(sql, current.tableId);
      await sql.query(SQL.deleteTable, [tableBucket, namespace, name]);
      return 'deleted';
    });
  }

  renameTable(tableBucket: string, namespace: string, name: string, to: { namespace: string; name: string }, change: TableChange): Promise<RenameTableOutcome> {
    return this.writes.submit(async (sql): Promise<RenameTableOutcome> => {
      const current = await this.table(sql, SQL.lockTable, [tableBucket, namespace, name]);
      if (current === undefined) return 'missing';
      if (change.versionToken !== undefined && change.versionToken !== current.versionToken) return 'conflict';
      if ((await sql.query(SQL.getNamespace, [tableBucket, to.namespace])).rows.length === 0) return 'no-such-namespace';
      if (to.namespace === namespace && to.name === name) return 'renamed';
      if ((await sql.query(SQL.getTable, [tableBucket, to.namespace, to.name])).rows.length > 0) return 'already-exists';
      await sql.query(SQL.renameTable, [to.namespace, to.name, change.atMs, change.by, tableBucket, namespace, name]);
      return 'renamed';
    });
  }

  updateTableMetadataLocation(
    tableBucket: string, namespace: string, name: string, metadataLocation: string, newVersionToken: string, change: TableChange & { versionToken: string },
  ): Promise<UpdateMetadataLocationOutcome> {
    return this.writes.submit(async (sql): Promise<UpdateMetadataLocationOutcome> => {
      const updated = await this.table(sql, SQL.swapMetadataLocation,
        [metadataLocation, newVersionToken, change.atMs, change.by, tableBucket, namespace, name, change.versionToken]);
      if (updated !== undefined) return { updated };
      return (await sql.query(SQL.getTable, [tableBucket, namespace, name])).rows.length === 0 ? 'missing' : 'conflict';
    });
  }

  swapTableMetadataLocations(swaps: MetadataLocationSwap[], change: { atMs: number; by: string }): Promise<SwapMetadataLocationsOutcome> {
    return this.writes.submit(async (sql): Promise<SwapMetadataLocationsOutcome> => {
      // Every token judged (its row locked) before any row changes: the transaction applies all of them or none.
      for (const [position, swap] of swaps.entries()) {
        const table = await this.table(sql, SQL.lockTable, [swap.tableBucket, swap.namespace, swap.name]);
        if (table === undefined) return { refused: position, reason: 'missing' };
        if (table.versionToken !== swap.versionToken) return { refused: position, reason: 'conflict' };
      }
      const updated: TableRecord[] = [];
      for (const swap of swaps) {
        const table = await this.table(sql, SQL.swapMetadataLocation, [swap.metadataLocation, swap.newVersionToken, change.atMs, change.by,
          swap.tableBucket, swap.namespace, swap.name, swap.versionToken]);
        // Unreachable (each row is locked and judged above) unless one table is named twice: then nothing is applied.
        if (table === undefined) throw new Error(`swapTableMetadataLocations: ${swap.namespace}.${swap.name} changed within its transaction`);
        updated.push(table);
      }
      return { updated };
    });
  }

  getTableMaintenance(ownerId: string): Promise<TableMaintenanceEntry[]> {
    return this.settings.maintenanceOf(ownerId);
  }

  listTableMaintenanceOfKind(kind: string): Promise<TableMaintenanceEntry[]> {
    return this.settings.maintenanceOfKind(kind);
  }

  putTableMaintenance(entry: TableMaintenanceEntry): Promise<void> {
    return this.settings.putMaintenance(entry);
  }

  getTableSetting(ownerId: string, kind: TableSettingKind): Promise<string | undefined> {
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
}
