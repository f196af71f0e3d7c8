// Exports journal rows to Parquet: the oldest unexported rows, one file per bucket and day, stored in
// the system bucket; then one index transaction makes the files visible and removes exactly those
// rows. A crash before that commit leaves the rows to be exported again (the stored bytes become
// garbage); a crash after it leaves them exported once. No row is lost, none is doubled.
import { randomUUID } from 'node:crypto';
import type { JournalRow, ObjectRecord } from '../../index/types.js';
import type { JournalTableState } from './configuration.js';
import { JOURNAL_TABLE_NAME, journalPartitionOf, journalSequenceNumber, tableDataPrefix } from './names.js';
import { JOURNAL_COLUMNS, journalLine, journalLinesSelect } from './schema.js';
import { FILE_METADATA } from './sources.js';
import type { MetadataWorkerContext } from './worker-context.js';

/** Rows exported in one commit at most; a larger backlog takes several. */
export const EXPORT_ROWS_PER_BATCH_MAX = 20_000;

export function journalFileMetadata(rows: { firstSequence: number; lastSequence: number; rowCount: number; minMs: number; maxMs: number }): Record<string, string> {
  return {
    [FILE_METADATA.firstSequence]: String(rows.firstSequence),
    [FILE_METADATA.lastSequence]: String(rows.lastSequence),
    [FILE_METADATA.rows]: String(rows.rowCount),
    [FILE_METADATA.minRecordTimestampMs]: String(rows.minMs),
    [FILE_METADATA.maxRecordTimestampMs]: String(rows.maxMs),
  };
}

/** Where a journal file of one partition goes: its sequence range first, so names sort by age. */
export function journalFileKey(bucket: string, partition: string, firstSequence: number, lastSequence: number): string {
  return `${tableDataPrefix(bucket, JOURNAL_TABLE_NAME)}${partition}/${journalSequenceNumber(firstSequence)}-${journalSequenceNumber(lastSequence)}-${randomUUID()}.parquet`;
}

function groupByFile(rows: JournalRow[]): Map<string, JournalRow[]> {
  const groups = new Map<string, JournalRow[]>();
  for (const row of rows) {
    const group = `${row.bucket}/${journalPartitionOf(row.recordTimestampMs)}`;
    const members = groups.get(group);
    if (members === undefined) groups.set(group, [row]);
    else members.push(row);
  }
  return groups;
}

async function writeGroup(worker: MetadataWorkerContext, rows: JournalRow[]): Promise<ObjectRecord> {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const linesPath = await worker.writeLines(rows.map(journalLine));
  const connection = await worker.connect();
  try {
    return await worker.storeSelect(
      connection,
      JOURNAL_COLUMNS,
      journalLinesSelect(linesPath),
      'sequence_number',
      journalFileKey(first.bucket, journalPartitionOf(first.recordTimestampMs), first.sequence, last.sequence),
      journalFileMetadata({
        firstSequence: first.sequence, lastSequence: last.sequence, rowCount: rows.length,
        minMs: rows.reduce((least, row) => Math.min(least, row.recordTimestampMs), Infinity),
        maxMs: rows.reduce((most, row) => Math.max(most, row.recordTimestampMs), -Infinity),
      }),
    );
  } finally {
    connection.closeSync();
    await worker.discard(linesPath);
  }
}

/**
 * Exports one batch; returns how many rows it exported. `failing` holds the buckets whose journal
 * state reports an export failure: a success clears it, a failure sets it.
 */
export async function exportJournalBatch(worker: MetadataWorkerContext, failing: Set<string>): Promise<number> {
  const rows = await worker.layers.index.readJournal(EXPORT_ROWS_PER_BATCH_MAX);
  if (rows.length === 0) return 0;
  const buckets = [...new Set(rows.map((row) => row.bucket))];
  try {
    const files: ObjectRecord[] = [];
    for (const group of groupByFile(rows).values()) files.push(await writeGroup(worker, group));
    const recovered = buckets.filter((bucket) => failing.has(bucket));
    await worker.commit({
      add: files,
      remove: [],
      consumeJournal: { firstSequence: rows[0]!.sequence, lastSequence: rows[rows.length - 1]!.sequence, rowCount: rows.length },
      states: recovered.map((bucket) => ({ bucket, table: JOURNAL_TABLE_NAME, value: undefined })),
    });
    for (const bucket of recovered) failing.delete(bucket);
    return rows.length;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    worker.log(`export of journal rows ${rows[0]!.sequence}–${rows[rows.length - 1]!.sequence} failed: ${message}`);
    const state: JournalTableState = { error: { code: 'ExportFailed', message, atMs: Date.now() } };
    await worker.commit({ add: [], remove: [], states: buckets.map((bucket) => ({ bucket, table: JOURNAL_TABLE_NAME, value: state })) })
      .then(() => buckets.forEach((bucket) => failing.add(bucket)))
      .catch(() => undefined);
    throw error;
  }
}
