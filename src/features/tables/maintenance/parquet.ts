// Parquet data files for compaction: a table schema's columns as Parquet columns with Iceberg field
// ids, rows read from a data file by field id (hyparquet; a column a file lacks reads as null, a
// renamed one by its id), and columns written back as one file (hyparquet-writer). Values stay in
// their stored form (dates as days, timestamps as microseconds), so rewriting changes no row.
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Schema } from '../iceberg/metadata-model.js';

/** A table's primitive column as Parquet stores it. */
export interface ParquetColumn {
  fieldId: number;
  element: SchemaElement;
}

/** The Parquet form of each Iceberg primitive type compaction rewrites. */
const PARQUET_TYPES: Record<string, Omit<SchemaElement, 'name' | 'repetition_type' | 'field_id'>> = {
  boolean: { type: 'BOOLEAN' },
  int: { type: 'INT32' },
  long: { type: 'INT64' },
  float: { type: 'FLOAT' },
  double: { type: 'DOUBLE' },
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  binary: { type: 'BYTE_ARRAY' },
  date: { type: 'INT32', converted_type: 'DATE' },
  timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MICROS' },
  timestamptz: { type: 'INT64', converted_type: 'TIMESTAMP_MICROS' },
};

/** Values as stored: no conversion to Date objects. */
const RAW_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
};

export class UnsupportedTableError extends Error {}

export function parquetColumnsOf(schema: Schema): ParquetColumn[] {
  return schema.fields.map((field) => {
    const parquetType = typeof field.type === 'string' ? PARQUET_TYPES[field.type] : undefined;
    if (parquetType === undefined) throw new UnsupportedTableError(`compaction rewrites primitive columns only; ${field.name} is ${JSON.stringify(field.type)}`);
    return { fieldId: field.id, element: { ...parquetType, name: field.name, repetition_type: field.required ? 'REQUIRED' : 'OPTIONAL', field_id: field.id } };
  });
}

/** Appends a data file's rows to `columns` (one array per table column, in the table's order). */
export async function appendDataFileRows(bytes: Buffer, table: readonly ParquetColumn[], columns: unknown[][]): Promise<number> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const nameById = new Map<number, string>();
  for (const element of metadata.schema.slice(1)) if (element.field_id !== undefined) nameById.set(element.field_id, element.name);
  const names = table.map((column) => nameById.get(column.fieldId));
  const present = names.filter((name): name is string => name !== undefined);
  const rows = await parquetReadObjects({ file, metadata, columns: present, parsers: RAW_PARSERS, utf8: false });
  for (const [position, name] of names.entries()) {
    const target = columns[position]!;
    for (const row of rows) target.push(name === undefined ? null : (row as Record<string, unknown>)[name] ?? null);
  }
  return rows.length;
}

/** One Parquet file of the rows `from`–`to` of `columns`. */
export function writeDataFile(table: readonly ParquetColumn[], columns: unknown[][], from: number, to: number): Buffer {
  const bytes = parquetWriteBuffer({
    columnData: table.map((column, position) => ({ name: column.element.name, data: columns[position]!.slice(from, to) as never })),
    // hyparquet-writer bundles its own hyparquet: the elements are of the same shape (no logical types here).
    schema: [{ name: 'table', num_children: table.length }, ...table.map((column) => column.element)] as never,
  });
  return Buffer.from(bytes);
}
