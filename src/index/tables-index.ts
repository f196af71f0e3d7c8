// S3 Tables' catalog in the index: table buckets, their namespaces and their tables (the control
// plane of the S3 Tables API). A table's data lives in ordinary objects under its warehouse
// location; the index keeps only the catalog, and judges the table's version token (optimistic
// concurrency of metadata-location updates) in the writing transaction.

export interface TableBucketRecord {
  name: string;
  /** A random id, unique for ever (the ARN names the bucket by name; this tells re-creations apart). */
  tableBucketId: string;
  ownerAccountId: string;
  createdAtMs: number;
  /** The S3 bucket holding the data of this table bucket's tables (their warehouse locations). */
  warehouseBucket: string;
}

export interface TableNamespaceRecord {
  tableBucket: string;
  namespace: string;
  namespaceId: string;
  createdAtMs: number;
  createdBy: string;
  ownerAccountId: string;
  /** The namespace's Iceberg properties (the REST catalog's; empty unless set there). */
  properties?: Record<string, string>;
}

export interface TableRecord {
  tableBucket: string;
  namespace: string;
  name: string;
  tableId: string;
  format: 'ICEBERG';
  /** Changes with every metadata-location update; a writer names the one it read. */
  versionToken: string;
  /** The table's current Iceberg metadata file; undefined until a writer sets one. */
  metadataLocation?: string;
  /** `s3://<warehouse bucket>/<table id>/`: where the table's files belong. */
  warehouseLocation: string;
  createdAtMs: number;
  createdBy: string;
  modifiedAtMs: number;
  modifiedBy: string;
  ownerAccountId: string;
}

/** A page of names in byte order: those starting with `prefix`, after `after`, at most `limit`. */
export interface CatalogPageQuery {
  prefix?: string;
  after?: string;
  limit: number;
}

/** Tables are listed by namespace, then name; a page resumes after one table. */
export interface TablePageQuery {
  namespace?: string;
  prefix?: string;
  after?: { namespace: string; name: string };
  limit: number;
}

/** A change judged against the table's current version token (undefined: unconditional). */
export interface TableChange {
  versionToken?: string;
  atMs: number;
  by: string;
}

export type CreateTableBucketOutcome = 'created' | 'already-exists';
export type DeleteCatalogEntryOutcome = 'deleted' | 'missing' | 'not-empty';
export type CreateNamespaceOutcome = 'created' | 'already-exists' | 'no-such-bucket';
export type CreateTableOutcome = 'created' | 'already-exists' | 'no-such-namespace';
export type DeleteTableOutcome = 'deleted' | 'missing' | 'conflict';
export type RenameTableOutcome = 'renamed' | 'missing' | 'conflict' | 'already-exists' | 'no-such-namespace';
export type UpdateMetadataLocationOutcome = { updated: TableRecord } | 'missing' | 'conflict';

/** A namespace's properties before and after an update, or 'missing'. */
export type NamespacePropertiesOutcome = { before: Record<string, string>; after: Record<string, string> } | 'missing';

/** One table's move to a new metadata file, judged against the version token its writer read. */
export interface MetadataLocationSwap {
  tableBucket: string;
  namespace: string;
  name: string;
  metadataLocation: string;
  versionToken: string;
  newVersionToken: string;
}

/** All swapped, or none: the first swap refused (by its position) and why. */
export type SwapMetadataLocationsOutcome = { updated: TableRecord[] } | { refused: number; reason: 'missing' | 'conflict' };

/**
 * One maintenance record of a table bucket or table (S3 Tables maintenance): its configuration of a
 * maintenance type, a job's status, or the files marked noncurrent; `value` is the feature's JSON.
 * `ownerId` is the table bucket's or table's id (never reused, so a re-created name starts afresh);
 * deleting the table or table bucket deletes its records.
 */
export interface TableMaintenanceEntry {
  ownerId: string;
  kind: string;
  value: string;
}
/** A setting of a table bucket or table, kept as JSON text by the owner's id (table bucket id or table id). */
export type TableSettingKind = 'policy' | 'encryption' | 'storage-class' | 'tags' | 'metrics';
export type MergeTagsOutcome = 'merged' | 'too-many';

export interface TablesReads {
  getTableBucket(name: string): Promise<TableBucketRecord | undefined>;
  listTableBuckets(query: CatalogPageQuery): Promise<TableBucketRecord[]>;
  getTableNamespace(tableBucket: string, namespace: string): Promise<TableNamespaceRecord | undefined>;
  listTableNamespaces(tableBucket: string, query: CatalogPageQuery): Promise<TableNamespaceRecord[]>;
  getTable(tableBucket: string, namespace: string, name: string): Promise<TableRecord | undefined>;
  getTableById(tableBucket: string, tableId: string): Promise<TableRecord | undefined>;
  /** The Iceberg catalog's stored answer to an Idempotency-Key, unless expired. */
  getIdempotentAnswer(key: string, nowMs: number): Promise<string | undefined>;
  listTables(tableBucket: string, query: TablePageQuery): Promise<TableRecord[]>;
  /** Every maintenance record of a table bucket or table. */
  getTableMaintenance(ownerId: string): Promise<TableMaintenanceEntry[]>;
  /** Every maintenance record of one kind (metrics gather the job statuses). */
  listTableMaintenanceOfKind(kind: string): Promise<TableMaintenanceEntry[]>;
  getTableSetting(ownerId: string, kind: TableSettingKind): Promise<string | undefined>;
}

export interface TablesWrites {
  createTableBucket(record: TableBucketRecord): Promise<CreateTableBucketOutcome>;
  /** Refused ('not-empty') while the bucket holds a namespace. */
  deleteTableBucket(name: string): Promise<DeleteCatalogEntryOutcome>;
  createTableNamespace(record: TableNamespaceRecord): Promise<CreateNamespaceOutcome>;
  /** Refused ('not-empty') while the namespace holds a table. */
  deleteTableNamespace(tableBucket: string, namespace: string): Promise<DeleteCatalogEntryOutcome>;
  /** Removes `removals` and sets `updates` on a namespace's properties, in one transaction. */
  updateTableNamespaceProperties(tableBucket: string, namespace: string, updates: Record<string, string>, removals: string[]): Promise<NamespacePropertiesOutcome>;
  /**
   * Stores the answer to an Idempotency-Key (expired ones removed, the oldest dropped past
   * `entriesMax`) unless one is stored already; returns the stored one.
   */
  putIdempotentAnswer(key: string, expiresAtMs: number, answer: string, nowMs: number, entriesMax: number): Promise<string>;
  createTable(record: TableRecord): Promise<CreateTableOutcome>;
  deleteTable(tableBucket: string, namespace: string, name: string, versionToken: string | undefined): Promise<DeleteTableOutcome>;
  renameTable(tableBucket: string, namespace: string, name: string, to: { namespace: string; name: string }, change: TableChange): Promise<RenameTableOutcome>;
  /** Sets the metadata location if the table's version token is still `change.versionToken`, giving it `newVersionToken`. */
  updateTableMetadataLocation(
    tableBucket: string, namespace: string, name: string, metadataLocation: string, newVersionToken: string, change: TableChange & { versionToken: string },
  ): Promise<UpdateMetadataLocationOutcome>;
  /** Several tables' metadata locations in one transaction: every version token still current, or nothing changes. */
  swapTableMetadataLocations(swaps: MetadataLocationSwap[], change: { atMs: number; by: string }): Promise<SwapMetadataLocationsOutcome>;
  /** Sets (or replaces) one maintenance record. */
  putTableMaintenance(entry: TableMaintenanceEntry): Promise<void>;
  /** Sets a setting (deleting a table bucket or table forgets its settings). */
  putTableSetting(ownerId: string, kind: TableSettingKind, value: string): Promise<void>;
  /** Whether there was one to delete. */
  deleteTableSetting(ownerId: string, kind: TableSettingKind): Promise<boolean>;
  /** Sets and removes tags in one transaction, refused when more than `tagsMax` would remain. */
  mergeTableTags(ownerId: string, set: Record<string, string>, remove: string[], tagsMax: number): Promise<MergeTagsOutcome>;
}

export interface TablesIndex extends TablesReads, TablesWrites {}

export const TABLES_READ_METHODS = [
  'getTableBucket', 'listTableBuckets', 'getTableNamespace', 'listTableNamespaces', 'getTable', 'getTableById', 'getIdempotentAnswer', 'listTables', 'getTableSetting',
  'getTableMaintenance', 'listTableMaintenanceOfKind',
] as const satisfies ReadonlyArray<keyof TablesReads>;

export const TABLES_WRITE_METHODS = [
  'createTableBucket', 'deleteTableBucket', 'createTableNamespace', 'updateTableNamespaceProperties', 'putIdempotentAnswer', 'deleteTableNamespace', 'createTable', 'deleteTable', 'renameTable',
  'updateTableMetadataLocation', 'swapTableMetadataLocations', 'putTableSetting', 'deleteTableSetting', 'mergeTableTags',
  'putTableMaintenance',
] as const satisfies ReadonlyArray<keyof TablesWrites>;

// Compiles only while every method of the domain is listed (an engine binds exactly these).
const EVERY_TABLES_METHOD_LISTED: [Exclude<keyof TablesIndex, (typeof TABLES_READ_METHODS)[number] | (typeof TABLES_WRITE_METHODS)[number]>] extends [never] ? true : false = true;
void EVERY_TABLES_METHOD_LISTED;
