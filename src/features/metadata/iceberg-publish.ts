// The metadata tables as Iceberg tables of the AWS-managed table bucket `aws-s3`, namespace
// `b_<bucket>`, as AWS serves them: after each upkeep round, each configured bucket's journal (its
// exported Parquet files) and its inventory (the base files of its current generation, once ACTIVE)
// are handed to the publisher the server wires in (the tables feature's managed bucket), which
// commits a snapshot listing exactly those files. The journal's rows not exported yet, and the
// inventory's changes on top of its base, reach Iceberg readers with the next export or base rewrite.
import type { MetadataTableSnapshot, ObjectRecord } from '../../index/types.js';
import type { StoredMetadataConfiguration } from './configuration.js';
import { icebergSchema } from './iceberg-schema.js';
import { INVENTORY_TABLE_NAME, JOURNAL_TABLE_NAME, METADATA_SYSTEM_BUCKET, tableNamespace } from './names.js';
import { INVENTORY_COLUMNS, JOURNAL_COLUMNS } from './schema.js';
import { FILE_METADATA, fileNumber, inventoryBaseFiles, inventoryStateOf, snapshotRequest } from './sources.js';
import type { MetadataWorkerContext, PublishedTable, TablePublisher } from './worker-context.js';

/** Limits of the snapshot a publish reads (beyond them the bucket waits for the export to catch up). */
const PUBLISH_PENDING_ROWS_MAX = 200_000;
const PUBLISH_FILES_PER_TABLE_MAX = 5_000;

const JOURNAL_SCHEMA = icebergSchema(JOURNAL_COLUMNS);
const INVENTORY_SCHEMA = icebergSchema(INVENTORY_COLUMNS);

function filesOf(objects: ObjectRecord[]): PublishedTable['files'] {
  return objects.map((file) => ({
    location: `s3://${METADATA_SYSTEM_BUCKET}/${file.key}`, recordCount: fileNumber(file, FILE_METADATA.rows), sizeBytes: file.sizeBytes,
  }));
}

/**
 * The tables of one bucket as they are now (the inventory only once it has a complete base), with the
 * table ids GetBucketMetadataConfiguration reports in their ARNs. A V1 configuration's journal
 * belongs to the table bucket it names, not to `aws-s3`: it is not published.
 */
export function publishedTablesOf(table: MetadataTableSnapshot): PublishedTable[] {
  const configuration = table.configuration as StoredMetadataConfiguration | undefined;
  if (configuration === undefined || configuration.apiVersion !== 'V2') return [];
  const namespace = tableNamespace(table.bucket);
  const tables: PublishedTable[] = [{
    namespace, name: JOURNAL_TABLE_NAME, tableId: configuration.journal.tableId, schema: JOURNAL_SCHEMA, files: filesOf(table.journalFiles),
  }];
  const inventory = inventoryStateOf(table);
  if (inventory?.status === 'ACTIVE') {
    tables.push({
      namespace, name: INVENTORY_TABLE_NAME, tableId: configuration.inventory.tableId, schema: INVENTORY_SCHEMA, files: filesOf(inventoryBaseFiles(table, inventory)),
    });
  }
  return tables;
}

/** Publishes every configured bucket's tables; a bucket whose publish fails is logged and tried again next round. */
export async function publishIcebergTables(worker: MetadataWorkerContext, publish: TablePublisher): Promise<void> {
  const configured = await worker.layers.index.listBucketsWithSetting('metadata');
  for (const { bucket } of configured) {
    const snapshot = await worker.layers.index.readMetadataSnapshot(snapshotRequest([bucket], {
      pendingRowsMax: PUBLISH_PENDING_ROWS_MAX, filesPerTableMax: PUBLISH_FILES_PER_TABLE_MAX,
    }));
    const table = snapshot.tables[0]!;
    if (table.overLimit !== undefined) continue;
    for (const published of publishedTablesOf(table)) {
      try {
        await publish(published);
      } catch (error) {
        worker.log(`publishing ${published.namespace}.${published.name} to the Iceberg catalog failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
