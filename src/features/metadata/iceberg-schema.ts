// The metadata tables' Iceberg schemas and the Parquet field ids that go with them. Iceberg maps a
// data file's columns to the table's by field id, so both come from one numbering, Iceberg's own for
// a new table: the top-level columns 1…n in order, then each map's key and value ids after them.
import { sqlString } from './schema.js';

const MAP_TYPE_PREFIX = 'MAP(';

/** DuckDB type → Iceberg primitive type (the maps are built apart). */
const ICEBERG_TYPES: Record<string, string> = { VARCHAR: 'string', TIMESTAMP: 'timestamp', BOOLEAN: 'boolean', BIGINT: 'long' };

interface NumberedColumn {
  name: string;
  type: string;
  id: number;
  /** For a MAP(VARCHAR, VARCHAR) column: its key's and value's ids. */
  map?: { keyId: number; valueId: number };
}

function numbered(columns: Array<[name: string, type: string]>): NumberedColumn[] {
  let next = columns.length;
  return columns.map(([name, type], position) => {
    if (!type.startsWith(MAP_TYPE_PREFIX)) return { name, type, id: position + 1 };
    const map = { keyId: next + 1, valueId: next + 2 };
    next += 2;
    return { name, type, id: position + 1, map };
  });
}

/** DuckDB's COPY option naming each column's Parquet field id (maps' keys and values included). */
export function parquetFieldIds(columns: Array<[name: string, type: string]>): string {
  const entries = numbered(columns).map((column) => {
    const value = column.map === undefined ? String(column.id) : `{__duckdb_field_id: ${column.id}, key: ${column.map.keyId}, value: ${column.map.valueId}}`;
    return `${sqlString(column.name)}: ${value}`;
  });
  return `FIELD_IDS {${entries.join(', ')}}`;
}

/** The Iceberg schema (JSON, as in table metadata) of a table with these columns; every column optional. */
export function icebergSchema(columns: Array<[name: string, type: string]>): Record<string, unknown> {
  const fields = numbered(columns).map((column) => {
    const type = column.map === undefined
      ? ICEBERG_TYPES[column.type]
      : { type: 'map', 'key-id': column.map.keyId, key: 'string', 'value-id': column.map.valueId, value: 'string', 'value-required': false };
    if (type === undefined) throw new Error(`no Iceberg type for the column ${column.name} (${column.type})`);
    return { id: column.id, name: column.name, required: false, type };
  });
  return { type: 'struct', 'schema-id': 0, fields };
}
