// The S3 Metadata journal in the index (src/features/metadata): the rows written with each change in
// a bucket that has a 'metadata' setting, and the files the exporter makes of them.
import type { StoredMetadataConfiguration } from './settings/metadata.js';
import type { ObjectRecord } from './records.js';

export type JournalRecordType = 'CREATE' | 'UPDATE_METADATA' | 'DELETE';

/** One change as the journal keeps it until it is exported (AWS's journal schema, before Parquet). */
export interface JournalRow {
  /** Increases with every row ever written (never reused): the source of sequence_number. */
  sequence: number;
  bucket: string;
  key: string;
  recordType: JournalRecordType;
  recordTimestampMs: number;
  /** Undefined for the 'null' version. */
  versionId?: string;
  /** Undefined for a permanent delete. */
  isDeleteMarker?: boolean;
  sizeBytes?: number;
  lastModifiedMs?: number;
  etag?: string;
  storageClass?: string;
  isMultipart?: boolean;
  checksumAlgorithm?: string;
  /** How the version is encrypted at rest (AWS's encryption_status: SSE-S3, SSE-C); undefined when it is not. */
  encryptionStatus?: string;
  /** SSE-KMS: the key's ARN. */
  kmsKeyArn?: string;
  /** Tag key → value (JSON object text); undefined for a delete. */
  tagsJson?: string;
  userMetadataJson?: string;
  requester?: string;
  sourceIpAddress?: string;
  requestId?: string;
}

export interface MetadataSnapshotRequest {
  systemBucket: string;
  buckets: Array<{ bucket: string; journalPrefix: string; inventoryPrefix: string }>;
  /** More unexported rows than this for the buckets asked: the snapshot says so instead of returning them. */
  pendingRowsMax: number;
  /** More files than this under one prefix: the snapshot says so instead of returning them. */
  filesPerTableMax: number;
}

export interface MetadataTableSnapshot {
  bucket: string;
  /** The bucket's 'metadata' setting, undefined when it has none (or the bucket is gone). */
  configuration?: StoredMetadataConfiguration;
  journalFiles: ObjectRecord[];
  inventoryFiles: ObjectRecord[];
  pendingRows: JournalRow[];
  /** Set when there were more pending rows or files than the request allows (nothing is returned then). */
  overLimit?: 'pending-rows' | 'files';
  /** Per table ('journal', 'inventory'): the exporter's state, as it last set it. */
  states: Record<string, unknown>;
}

export interface MetadataSnapshot {
  tables: MetadataTableSnapshot[];
  /** The largest journal sequence ever assigned when the snapshot was taken. */
  journalHighWater: number;
  /** Buckets with any file in the system bucket (tables that outlive their configuration). */
  bucketsWithFiles: string[];
}

export interface VersionCursor {
  key: string;
  dataId: string;
}

export interface InventoryScanPage {
  versions: Array<ObjectRecord & { isDeleteMarker: boolean; isMultipart: boolean }>;
  /** Every journal row up to this sequence is reflected in `versions`; later ones are not. */
  journalHighWater: number;
  /** Where the next page starts; undefined after the last page. */
  next?: VersionCursor;
}

export interface MetadataFilesCommit {
  systemBucket: string;
  add: ObjectRecord[];
  /** Keys in the system bucket. */
  remove: string[];
  /** Exactly these journal rows are removed, or the commit is refused. */
  consumeJournal?: { firstSequence: number; lastSequence: number; rowCount: number };
  states?: Array<{ bucket: string; table: string; value: unknown }>;
}

export interface JournalReads {
  /** Journal rows not exported yet, oldest first, at most `limit`. */
  readJournal(limit: number): Promise<JournalRow[]>;
  /** One consistent read of what the metadata tables of `request.buckets` are made of. */
  readMetadataSnapshot(request: MetadataSnapshotRequest): Promise<MetadataSnapshot>;
  /** A page of every version of a bucket (for an inventory backfill), read with the journal's high-water mark. */
  scanVersionsForInventory(bucket: string, after: VersionCursor | undefined, limit: number): Promise<InventoryScanPage>;
}

export interface JournalWrites {
  /**
   * In one transaction: adds and removes files in the system bucket, consumes exported journal rows
   * (all of them or nothing: a mismatch means another exporter ran and the commit is refused) and
   * sets table states.
   */
  commitMetadataFiles(commit: MetadataFilesCommit): Promise<{ discarded: Array<{ key: string; dataId: string }> }>;
}

export interface JournalIndex extends JournalReads, JournalWrites {}
