// The journal table's upkeep: small files of one day merged into one (an export every second
// would otherwise leave tens of thousands of files a day), and RecordExpiration: rows older than the
// configured days removed (whole files dropped, a file that straddles the cutoff rewritten).
import type { DuckDBConnection } from '@duckdb/node-api';
import type { MetadataTableSnapshot, ObjectRecord } from '../../index/types.js';
import type { StoredMetadataConfiguration } from './configuration.js';
import { compactInventory } from './inventory.js';
import { journalFileKey, journalFileMetadata } from './journal-export.js';
import { JOURNAL_TABLE_NAME, tableDataPrefix } from './names.js';
import { JOURNAL_COLUMN_LIST, JOURNAL_COLUMNS, sqlString } from './schema.js';
import { FILE_METADATA, fileNumber, inventoryStateOf } from './sources.js';
import type { MetadataWorkerContext } from './worker-context.js';

/** A day's partition with more small files than this is merged. */
const PARTITION_SMALL_FILES_MAX = 16;
/** Files at least this large are left as they are. */
const SMALL_FILE_BYTES_MAX = 64 * 1024 * 1024;

function partitionOf(file: ObjectRecord, bucket: string): string {
  return file.key.slice(tableDataPrefix(bucket, JOURNAL_TABLE_NAME).length).split('/', 1)[0]!;
}

/** Stores `select`'s journal rows as one file of `partition`; undefined when it has no rows. */
async function storeJournalRows(
  worker: MetadataWorkerContext,
  connection: DuckDBConnection,
  bucket: string,
  partition: string,
  select: string,
): Promise<ObjectRecord | undefined> {
  const summary = (await connection.runAndReadAll(`SELECT count(*), min(sequence_number), max(sequence_number),
      epoch_ms(min(record_timestamp)), epoch_ms(max(record_timestamp)) FROM (${select})`)).getRowsJson()[0]!;
  const rowCount = Number(summary[0]);
  if (rowCount === 0) return undefined;
  // sequence_number is the hex of twice the journal sequence (names.ts).
  const firstSequence = parseInt(String(summary[1]), 16) / 2;
  const lastSequence = parseInt(String(summary[2]), 16) / 2;
  return worker.storeSelect(connection, JOURNAL_COLUMNS, select, 'sequence_number', journalFileKey(bucket, partition, firstSequence, lastSequence),
    journalFileMetadata({ firstSequence, lastSequence, rowCount, minMs: Number(summary[3]), maxMs: Number(summary[4]) }));
}

function filesSelect(paths: string[], where = ''): string {
  return `SELECT ${JOURNAL_COLUMN_LIST} FROM read_parquet([${paths.map(sqlString).join(', ')}]) ${where}`;
}

/** Rewrites `files` (read through the cache) with `where` applied, as one file; commits the swap. */
async function rewrite(worker: MetadataWorkerContext, bucket: string, partition: string, files: ObjectRecord[], where: string): Promise<void> {
  const paths = await worker.cache.acquire(worker.layers, files);
  try {
    const merged = await worker.withDatabase((connection) => storeJournalRows(worker, connection, bucket, partition, filesSelect(paths, where)));
    await worker.commit({ add: merged === undefined ? [] : [merged], remove: files.map((file) => file.key) });
  } finally {
    worker.cache.release(paths);
  }
}

/** Merges the small files of one crowded partition; returns whether it did. */
export async function compactJournal(worker: MetadataWorkerContext, table: MetadataTableSnapshot): Promise<boolean> {
  const partitions = new Map<string, ObjectRecord[]>();
  for (const file of table.journalFiles) {
    if (file.sizeBytes >= SMALL_FILE_BYTES_MAX) continue;
    const partition = partitionOf(file, table.bucket);
    partitions.set(partition, [...(partitions.get(partition) ?? []), file]);
  }
  for (const [partition, files] of partitions) {
    if (files.length <= PARTITION_SMALL_FILES_MAX) continue;
    await rewrite(worker, table.bucket, partition, files, '');
    worker.log(`journal of ${table.bucket}: ${files.length} files of ${partition} merged`);
    return true;
  }
  return false;
}

/**
 * RecordExpiration: removes rows older than the configured days; returns whether it changed anything.
 * Rows the inventory still reads on top of its base are folded into a new base first.
 */
export async function expireJournal(worker: MetadataWorkerContext, table: MetadataTableSnapshot, journalHighWater: number, nowMs: number): Promise<boolean> {
  const configuration = table.configuration as StoredMetadataConfiguration | undefined;
  const expiration = configuration?.journal.recordExpiration;
  if (expiration?.enabled !== true || expiration.days === undefined) return false;
  const cutoffMs = nowMs - expiration.days * worker.options.daySeconds * 1000;
  const affected = table.journalFiles.filter((file) => fileNumber(file, FILE_METADATA.minRecordTimestampMs) < cutoffMs);
  if (affected.length === 0) return false;
  if (configuration!.inventory.enabled) {
    const inventory = inventoryStateOf(table);
    // A backfill in progress still needs every change since its mark.
    if (inventory === undefined || inventory.status !== 'ACTIVE') return false;
    if (affected.some((file) => fileNumber(file, FILE_METADATA.lastSequence) > (inventory.watermark ?? 0))) {
      await compactInventory(worker, table, journalHighWater);
      return true;
    }
  }
  const whole = affected.filter((file) => fileNumber(file, FILE_METADATA.maxRecordTimestampMs) < cutoffMs);
  const straddling = affected.filter((file) => !whole.includes(file));
  if (whole.length > 0) await worker.commit({ add: [], remove: whole.map((file) => file.key) });
  for (const file of straddling) {
    await rewrite(worker, table.bucket, partitionOf(file, table.bucket), [file], `WHERE record_timestamp >= epoch_ms(${Math.floor(cutoffMs)}::BIGINT)`);
  }
  worker.log(`journal of ${table.bucket}: records before ${new Date(cutoffMs).toISOString()} expired (${whole.length} file(s) removed, ${straddling.length} rewritten)`);
  return true;
}
