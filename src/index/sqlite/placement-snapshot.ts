// Every placement the index holds, read in one snapshot: compaction counts a volume's live bytes and
// decides that nothing references a volume any more from it, so it must not miss a placement that
// moves between tables while it reads (a current version becoming noncurrent, an upload's parts
// becoming a completed object's). The snapshot is a read transaction held open, page after page, on
// a read-only connection of its own; other reads of this process never see it.

import Database from 'better-sqlite3';
import type { StoredPlacement } from '../types.js';

/** Each source table, its rows as StoredPlacements, and its primary key for keyset paging. */
const SOURCES = [
  {
    sql: `SELECT bucket, key, data_id, placement FROM objects WHERE (bucket, key) > (?, ?) ORDER BY bucket, key LIMIT ?`,
    start: ['', ''],
    cursor: (row: Row) => [row.bucket, row.key],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT bucket, key, data_id, placement FROM object_versions WHERE (bucket, key, data_id) > (?, ?, ?) AND is_delete_marker = 0
          ORDER BY bucket, key, data_id LIMIT ?`,
    start: ['', '', ''],
    cursor: (row: Row) => [row.bucket, row.key, row.data_id],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT object_data_id, part_number, data_id, placement FROM object_parts WHERE (object_data_id, part_number) > (?, ?)
          ORDER BY object_data_id, part_number LIMIT ?`,
    start: ['', 0],
    cursor: (row: Row) => [row.object_data_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: row.object_data_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
  {
    sql: `SELECT upload_id, part_number, data_id, placement FROM upload_parts WHERE (upload_id, part_number) > (?, ?)
          ORDER BY upload_id, part_number LIMIT ?`,
    start: ['', 0],
    cursor: (row: Row) => [row.upload_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: '', uploadId: row.upload_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
  // Recovery points' rows and parts (AWS Backup): every row is valid at some live point or at a chain's head.
  {
    sql: `SELECT chain, bucket, key, from_seq, data_id, placement FROM backup_rows WHERE (chain, key, from_seq) > (?, ?, ?)
          ORDER BY chain, key, from_seq LIMIT ?`,
    start: ['', '', 0],
    cursor: (row: Row) => [row.chain, row.key, row.from_seq],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT object_data_id, part_number, data_id, placement FROM backup_row_parts WHERE (object_data_id, part_number) > (?, ?)
          ORDER BY object_data_id, part_number LIMIT ?`,
    start: ['', 0],
    cursor: (row: Row) => [row.object_data_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: row.object_data_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
  // Versions a continuous backup keeps after their permanent deletion, and their parts.
  {
    sql: `SELECT bucket, key, data_id, placement FROM backup_retained_versions WHERE (bucket, key, data_id) > (?, ?, ?) AND is_delete_marker = 0
          ORDER BY bucket, key, data_id LIMIT ?`,
    start: ['', '', ''],
    cursor: (row: Row) => [row.bucket, row.key, row.data_id],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT object_data_id, part_number, data_id, placement FROM backup_retained_parts WHERE (object_data_id, part_number) > (?, ?)
          ORDER BY object_data_id, part_number LIMIT ?`,
    start: ['', 0],
    cursor: (row: Row) => [row.object_data_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: row.object_data_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
] as const;

interface Row {
  chain: string;
  from_seq: number;
  bucket: string;
  key: string;
  data_id: string;
  object_data_id: string;
  upload_id: string;
  part_number: number;
  placement: Buffer;
}

export async function* scanPlacementSnapshot(databasePath: string, pageRows: number): AsyncGenerator<StoredPlacement[]> {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN');
    for (const source of SOURCES) {
      const statement = db.prepare(source.sql);
      let cursor: unknown[] = [...source.start];
      for (;;) {
        const rows = statement.all(...cursor, pageRows) as Row[];
        if (rows.length > 0) yield rows.map(source.toPlacement);
        if (rows.length < pageRows) break;
        cursor = source.cursor(rows.at(-1)!);
      }
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
