// The 'metadata' bucket setting: a bucket's S3 Metadata configuration as Cairn keeps it (the
// feature lives in src/features/metadata), and the check of the stored shape.
import { boolean, finiteNumber, oneOf, optional, record, string } from './shape.js';

export interface RecordExpirationSetting {
  enabled: boolean;
  days?: number;
}

export interface StoredMetadataConfiguration {
  /** V1 (CreateBucketMetadataTableConfiguration) or V2 (CreateBucketMetadataConfiguration). */
  apiVersion: 'V1' | 'V2';
  createdAtMs: number;
  journal: { tableId: string; recordExpiration: RecordExpirationSetting };
  /** enabledAtMs tells one enabling from the next: each starts a fresh backfill. */
  inventory: { enabled: boolean; tableId?: string; enabledAtMs?: number };
  /** V1 only: the table bucket and table name the client named (Cairn keeps the rows itself). */
  v1Destination?: { tableBucketArn: string; tableName: string };
}

const API_VERSIONS = ['V1', 'V2'] as const;

export function parseMetadataSetting(value: unknown): StoredMetadataConfiguration {
  const configuration = record(value, '');
  oneOf(configuration['apiVersion'], API_VERSIONS, 'apiVersion');
  finiteNumber(configuration['createdAtMs'], 'createdAtMs');
  const journal = record(configuration['journal'], 'journal');
  string(journal['tableId'], 'journal.tableId');
  const expiration = record(journal['recordExpiration'], 'journal.recordExpiration');
  boolean(expiration['enabled'], 'journal.recordExpiration.enabled');
  optional(expiration, 'days', 'journal.recordExpiration', finiteNumber);
  const inventory = record(configuration['inventory'], 'inventory');
  boolean(inventory['enabled'], 'inventory.enabled');
  optional(inventory, 'tableId', 'inventory', string);
  optional(inventory, 'enabledAtMs', 'inventory', finiteNumber);
  optional(configuration, 'v1Destination', '', (destination, path) => {
    string(record(destination, path)['tableBucketArn'], `${path}.tableBucketArn`);
    string(record(destination, path)['tableName'], `${path}.tableName`);
  });
  return value as StoredMetadataConfiguration;
}
