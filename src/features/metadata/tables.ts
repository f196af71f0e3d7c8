// A bucket's metadata tables as DuckDB views over local files: the journal is its exported Parquet
// files plus the rows not exported yet; the inventory is its base files with the journal's later
// changes applied on read (the latest change of each version wins; a permanent delete removes it).
// Each table answers to `journal."<bucket>"` / `inventory."<bucket>"`, to AWS's namespace form
// `"b_<bucket>".journal`, and to AWS's Athena form `"s3tablescatalog/aws-s3"."b_<bucket>"."journal"`.
import { writeFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { JournalRow } from '../../index/types.js';
import { ATHENA_CATALOG_NAME, INVENTORY_TABLE_NAME, JOURNAL_TABLE_NAME, journalSequenceNumber, tableNamespace } from './names.js';
import {
  emptySelect,
  failingSelect,
  INVENTORY_COLUMN_LIST,
  INVENTORY_COLUMNS,
  JOURNAL_COLUMN_LIST,
  JOURNAL_COLUMNS,
  journalLine,
  journalLinesSelect,
  sqlIdentifier,
  sqlString,
} from './schema.js';

export type InventorySource =
  | { kind: 'readable'; basePaths: string[]; watermark: number }
  | { kind: 'not-ready'; reason: string }
  | { kind: 'none' };

export interface TableSources {
  journalPaths: string[];
  /** Rows not exported yet, written as JSON lines (see writePendingRows). */
  pendingPath?: string;
  inventory: InventorySource;
}

/** Writes rows not exported yet as JSON lines for DuckDB; undefined when there are none. */
export async function writePendingRows(path: string, rows: JournalRow[]): Promise<string | undefined> {
  if (rows.length === 0) return undefined;
  await writeFile(path, rows.map(journalLine).join('\n') + '\n');
  return path;
}

function parquetSelect(columnList: string, paths: string[]): string {
  return `SELECT ${columnList} FROM read_parquet([${paths.map(sqlString).join(', ')}])`;
}

function journalSelect(sources: TableSources): string {
  const parts: string[] = [];
  if (sources.journalPaths.length > 0) parts.push(parquetSelect(JOURNAL_COLUMN_LIST, sources.journalPaths));
  if (sources.pendingPath !== undefined) parts.push(journalLinesSelect(sources.pendingPath));
  return parts.length === 0 ? emptySelect(JOURNAL_COLUMNS) : parts.join('\nUNION ALL\n');
}

/** The inventory as of now: base rows overlaid with every later journal change, per version. */
function inventorySelect(journalView: string, basePaths: string[], watermark: number): string {
  const base = basePaths.length === 0 ? emptySelect(INVENTORY_COLUMNS) : parquetSelect(INVENTORY_COLUMN_LIST, basePaths);
  return `WITH changes AS (
      SELECT ${INVENTORY_COLUMN_LIST}, NULL::VARCHAR AS record_type FROM (${base})
      UNION ALL
      SELECT ${INVENTORY_COLUMN_LIST}, record_type FROM ${journalView} WHERE sequence_number > ${sqlString(journalSequenceNumber(watermark))}
    ), latest AS (
      SELECT *, row_number() OVER (PARTITION BY key, coalesce(version_id, '') ORDER BY sequence_number DESC) AS change_rank FROM changes
    )
    SELECT ${INVENTORY_COLUMN_LIST} FROM latest
    WHERE change_rank = 1 AND (record_type IS NULL OR record_type <> 'DELETE' OR is_delete_marker)`;
}

/** Prepares the connection for registerTables: the schemas and AWS's Athena catalog name. */
export async function prepareCatalog(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${JOURNAL_TABLE_NAME}; CREATE SCHEMA IF NOT EXISTS ${INVENTORY_TABLE_NAME};
    ATTACH ':memory:' AS ${sqlIdentifier(ATHENA_CATALOG_NAME)}`);
}

export async function registerTables(connection: DuckDBConnection, bucket: string, sources: TableSources): Promise<void> {
  const name = sqlIdentifier(bucket);
  const journalView = `memory.${JOURNAL_TABLE_NAME}.${name}`;
  const inventoryView = `memory.${INVENTORY_TABLE_NAME}.${name}`;
  await connection.run(`CREATE VIEW ${journalView} AS ${journalSelect(sources)}`);
  const views = [[JOURNAL_TABLE_NAME, journalView]];
  const { inventory } = sources;
  if (inventory.kind !== 'none') {
    const select = inventory.kind === 'readable'
      ? inventorySelect(journalView, inventory.basePaths, inventory.watermark)
      : failingSelect(INVENTORY_COLUMNS, inventory.reason);
    await connection.run(`CREATE VIEW ${inventoryView} AS ${select}`);
    views.push([INVENTORY_TABLE_NAME, inventoryView]);
  }
  const namespace = sqlIdentifier(tableNamespace(bucket));
  for (const catalog of ['memory', sqlIdentifier(ATHENA_CATALOG_NAME)]) {
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${catalog}.${namespace}`);
    for (const [table, view] of views) await connection.run(`CREATE VIEW ${catalog}.${namespace}.${table} AS SELECT * FROM ${view}`);
  }
}
