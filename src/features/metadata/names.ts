// Names of S3 Metadata things: the system bucket that holds the tables' Parquet files, where each
// table's files live in it (an Iceberg-style `<table>/data/` layout, so the table-bucket work can
// serve them through the Iceberg catalog), the ARNs and namespaces AWS reports, and the
// sequence_number format.

/**
 * The bucket that holds every metadata table's files. Its name is reserved (CreateBucket refuses it),
 * clients may read it, and only Cairn writes it.
 */
export const METADATA_SYSTEM_BUCKET = 'cairn-metadata';

/** AWS's AWS-managed table bucket, and its table names (the V2 API reports these). */
export const MANAGED_TABLE_BUCKET_NAME = 'aws-s3';
export const JOURNAL_TABLE_NAME = 'journal';
export const INVENTORY_TABLE_NAME = 'inventory';
/** V1 configurations name their own table bucket; AWS keeps their table in this namespace. */
export const V1_TABLE_NAMESPACE = 'aws_s3_metadata';
/** AWS's Athena catalog name for the managed table bucket; Cairn's SQL accepts it too. */
export const ATHENA_CATALOG_NAME = 's3tablescatalog/aws-s3';

/** AWS keeps a bucket's metadata tables in the namespace `b_<bucket>`. */
export function tableNamespace(bucket: string): string {
  return `b_${bucket}`;
}

export function managedTableBucketArn(region: string, accountId: string): string {
  return `arn:aws:s3tables:${region}:${accountId}:bucket/${MANAGED_TABLE_BUCKET_NAME}`;
}

export function managedTableArn(region: string, accountId: string, tableId: string): string {
  return `${managedTableBucketArn(region, accountId)}/table/${tableId}`;
}

/** Where a table's Parquet files live in the system bucket. */
export function tableDataPrefix(bucket: string, table: typeof JOURNAL_TABLE_NAME | typeof INVENTORY_TABLE_NAME): string {
  return `${bucket}/${table}/data/`;
}

/** Journal files are partitioned by the UTC day of their records. */
export function journalPartitionOf(recordTimestampMs: number): string {
  return `record_date=${new Date(recordTimestampMs).toISOString().slice(0, 10)}`;
}

const SEQUENCE_HEX_DIGITS = 16;

/**
 * sequence_number of the journal row with this sequence: fixed-width hex, so later changes compare
 * larger as strings too (AWS's promise). Journal rows take even numbers; a backfilled inventory row
 * that reflects every change up to sequence S takes 2S+1, between that change and the next.
 */
export function journalSequenceNumber(sequence: number): string {
  return (sequence * 2).toString(16).padStart(SEQUENCE_HEX_DIGITS, '0');
}

export function backfillSequenceNumber(journalHighWater: number): string {
  return (journalHighWater * 2 + 1).toString(16).padStart(SEQUENCE_HEX_DIGITS, '0');
}
