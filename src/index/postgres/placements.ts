// Every placement the PostgreSQL index holds, read in one snapshot (REPEATABLE READ, read only) on a
// connection held for the whole scan: compaction must not miss a placement that moves between tables
// while it reads (see sqlite/placement-snapshot.ts, whose pages this follows), recovery points' and
// continuous backups' copies included.
import type pg from 'pg';
import type { StoredPlacement } from '../types.js';
import { reachable } from './connection.js';

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

/** Each source table, its rows as StoredPlacements, and its primary key for keyset paging. */
const SOURCES = [
  {
    sql: 'SELECT bucket, key, data_id, placement FROM objects WHERE (bucket, key) > ($1, $2) ORDER BY bucket, key LIMIT $3',
    start: ['', ''],
    cursor: (row: Row) => [row.bucket, row.key],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT bucket, key, data_id, placement FROM object_versions WHERE (bucket, key, data_id) > ($1, $2, $3) AND is_delete_marker = 0
          ORDER BY bucket, key, data_id LIMIT $4`,
    start: ['', '', ''],
    cursor: (row: Row) => [row.bucket, row.key, row.data_id],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT object_data_id, part_number, data_id, placement FROM object_parts WHERE (object_data_id, part_number) > ($1, $2)
          ORDER BY object_data_id, part_number LIMIT $3`,
    start: ['', 0],
    cursor: (row: Row) => [row.object_data_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: row.object_data_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
  {
    sql: `SELECT upload_id, part_number, data_id, placement FROM upload_parts WHERE (upload_id, part_number) > ($1, $2)
          ORDER BY upload_id, part_number LIMIT $3`,
    start: ['', 0],
    cursor: (row: Row) => [row.upload_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: '', uploadId: row.upload_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
  // Recovery points' rows and parts (AWS Backup): every row is valid at some live point or at a chain's head.
  {
    sql: `SELECT chain, bucket, key, from_seq, data_id, placement FROM backup_rows WHERE (chain, key, from_seq) > ($1, $2, $3)
          ORDER BY chain, key, from_seq LIMIT $4`,
    start: ['', '', 0],
    cursor: (row: Row) => [row.chain, row.key, row.from_seq],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT object_data_id, part_number, data_id, placement FROM backup_row_parts WHERE (object_data_id, part_number) > ($1, $2)
          ORDER BY object_data_id, part_number LIMIT $3`,
    start: ['', 0],
    cursor: (row: Row) => [row.object_data_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: row.object_data_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
  // Versions a continuous backup keeps after their permanent deletion, and their parts.
  {
    sql: `SELECT bucket, key, data_id, placement FROM backup_retained_versions WHERE (bucket, key, data_id) > ($1, $2, $3) AND is_delete_marker = 0
          ORDER BY bucket, key, data_id LIMIT $4`,
    start: ['', '', ''],
    cursor: (row: Row) => [row.bucket, row.key, row.data_id],
    toPlacement: (row: Row): StoredPlacement => ({ bucket: row.bucket, key: row.key, dataId: row.data_id, recordDataId: row.data_id, placement: row.placement }),
  },
  {
    sql: `SELECT object_data_id, part_number, data_id, placement FROM backup_retained_parts WHERE (object_data_id, part_number) > ($1, $2)
          ORDER BY object_data_id, part_number LIMIT $3`,
    start: ['', 0],
    cursor: (row: Row) => [row.object_data_id, row.part_number],
    toPlacement: (row: Row): StoredPlacement => ({
      bucket: '', key: '', dataId: row.object_data_id, partNumber: row.part_number, recordDataId: row.data_id, placement: row.placement,
    }),
  },
] as const;

export async function* scanPostgresPlacements(pool: pg.Pool, pageRows: number): AsyncGenerator<StoredPlacement[]> {
  const client = await reachable(() => pool.connect());
  let failure: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const source of SOURCES) {
      let cursor: unknown[] = [...source.start];
      for (;;) {
        const { rows } = await reachable(() => client.query<Row>(source.sql, [...cursor, pageRows]));
        if (rows.length > 0) yield rows.map(source.toPlacement);
        if (rows.length < pageRows) break;
        cursor = source.cursor(rows.at(-1)!);
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    if (failure === undefined) await client.query('ROLLBACK').catch(() => undefined);
    client.release(failure);
  }
}
