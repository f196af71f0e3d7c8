// The AWS-managed table bucket `aws-s3`: tables another feature owns (S3 Metadata's journal and
// inventory) served by the Iceberg catalog as real Iceberg tables. The bucket, a namespace and a
// table are created on first use (owned by the account); each publish makes the table's current
// snapshot list exactly the files the owner names, through the same metadata-location swap every
// writer uses (a racing commit makes it plan again). Clients may read the tables but not change them
// (authorize.ts refuses every write in this bucket).
import { randomUUID } from 'node:crypto';
import type { TableBucketRecord, TableRecord } from '../../../index/types.js';
import type { Layers } from '../../../services/objects.js';
import { nextMetadataLocation, writeMetadataFile } from '../iceberg/metadata-files.js';
import { newTableMetadata, type JsonObject } from '../iceberg/metadata-model.js';
import { commitMaintenance, type CommitSettings } from '../maintenance/commit.js';
import { MANAGED_TABLE_BUCKET_NAME } from '../names.js';
import { newVersionToken } from '../table-ops.js';
import { applyWarehouseEncryption } from '../warehouse-encryption.js';
import { planManagedSnapshot, type ManagedTableFile } from './snapshot.js';

export type { ManagedTableFile } from './snapshot.js';

/** Tries at one publish before it waits for the next (only a racing writer makes a try fail). */
const PUBLISH_ATTEMPTS_MAX = 3;
/** The managed bucket's data bucket, named as every table bucket's is. */
const WAREHOUSE_BUCKET_SUFFIX = '--table-s3';

/** A table as its owner wants it now: its Iceberg schema (ids included) and its data files. */
export interface ManagedTableContent {
  namespace: string;
  name: string;
  /** The table's id when it is created (a fresh one when undefined); an existing table keeps its own. */
  tableId?: string;
  /** An Iceberg schema (`{type: 'struct', fields: […]}`), used when the table is created. */
  schema: JsonObject;
  files: ManagedTableFile[];
}

export interface ManagedTablesSettings {
  region: string;
  accountId: string;
  /** The canonical id that owns the data bucket (the account's root). */
  ownerId: string;
}

/** Publishes tables into `aws-s3`; a publish that changes nothing writes nothing. */
export class ManagedTables {
  /** Per table id: the metadata file last published and the files it lists, to skip unchanged publishes. */
  private readonly published = new Map<string, { metadataLocation: string; files: string }>();
  private readonly commits: CommitSettings;

  constructor(private readonly layers: Layers, private readonly settings: ManagedTablesSettings) {
    this.commits = { layers, accountId: settings.accountId, attemptsMax: PUBLISH_ATTEMPTS_MAX, commitDelayMs: 0 };
  }

  async publish(content: ManagedTableContent): Promise<void> {
    const table = await this.ensureTable(content);
    const files = content.files.map((file) => file.location).sort().join('\n');
    const last = this.published.get(table.tableId);
    if (last !== undefined && last.metadataLocation === table.metadataLocation && last.files === files) return;
    const outcome = await commitMaintenance(this.commits, MANAGED_TABLE_BUCKET_NAME, table.tableId, (base) => planManagedSnapshot(this.layers, base, content.files));
    if (outcome.kind === 'gave-up') throw new Error(`publishing ${content.namespace}.${content.name}: a racing commit won ${PUBLISH_ATTEMPTS_MAX} times`);
    const current = await this.layers.index.getTableById(MANAGED_TABLE_BUCKET_NAME, table.tableId);
    if (current?.metadataLocation !== undefined) this.published.set(table.tableId, { metadataLocation: current.metadataLocation, files });
  }

  private async ensureBucket(): Promise<TableBucketRecord> {
    const { index } = this.layers;
    let bucket = await index.getTableBucket(MANAGED_TABLE_BUCKET_NAME);
    if (bucket === undefined) {
      const tableBucketId = randomUUID();
      const record = {
        name: MANAGED_TABLE_BUCKET_NAME, tableBucketId, ownerAccountId: this.settings.accountId, createdAtMs: Date.now(),
        warehouseBucket: `${tableBucketId}${WAREHOUSE_BUCKET_SUFFIX}`,
      };
      await index.createTableBucket(record);
      bucket = (await index.getTableBucket(MANAGED_TABLE_BUCKET_NAME))!;
    }
    if (await index.getBucket(bucket.warehouseBucket) === undefined) {
      await index.createBucket({ name: bucket.warehouseBucket, createdAtMs: Date.now(), region: this.settings.region, ownerId: this.settings.ownerId });
      await applyWarehouseEncryption(index, bucket);
    }
    return bucket;
  }

  private async ensureTable(content: ManagedTableContent): Promise<TableRecord> {
    const { index } = this.layers;
    const existing = await index.getTable(MANAGED_TABLE_BUCKET_NAME, content.namespace, content.name);
    if (existing !== undefined) return existing;
    const bucket = await this.ensureBucket();
    const nowMs = Date.now();
    const by = this.settings.accountId;
    if (await index.getTableNamespace(bucket.name, content.namespace) === undefined) {
      await index.createTableNamespace({
        tableBucket: bucket.name, namespace: content.namespace, namespaceId: randomUUID(), createdAtMs: nowMs, createdBy: by, ownerAccountId: by,
      });
    }
    const tableId = content.tableId ?? randomUUID();
    const location = `s3://${bucket.warehouseBucket}/${tableId}`;
    const metadata = newTableMetadata({ schema: content.schema }, location, tableId, nowMs);
    const metadataLocation = nextMetadataLocation(metadata);
    await writeMetadataFile(this.layers, metadataLocation, metadata);
    await index.createTable({
      tableBucket: bucket.name, namespace: content.namespace, name: content.name, tableId, format: 'ICEBERG', versionToken: newVersionToken(),
      warehouseLocation: location, metadataLocation, createdAtMs: nowMs, createdBy: by, modifiedAtMs: nowMs, modifiedBy: by, ownerAccountId: by,
    });
    // Another process may have created it first: theirs is the table.
    return (await index.getTable(MANAGED_TABLE_BUCKET_NAME, content.namespace, content.name))!;
  }
}
