// The tables' upkeep: an inventory enabled on a bucket that already has objects is backfilled (in
// pages, while the bucket keeps changing) and then equals the bucket; RecordExpiration removes journal
// rows older than its days (a day is 2 s here) while the inventory keeps every object.
import {
  CreateBucketCommand,
  CreateBucketMetadataConfigurationCommand,
  GetBucketMetadataConfigurationCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { sql, waitFor, waitForActiveInventory } from './helpers/metadata.js';
import { BucketModel, runLane } from './helpers/metadata-model.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { closeSuite } from './helpers/suite.js';

const DAY_SECONDS = 2;
const BACKFILL_PAGE_VERSIONS = 50;
const LANES = 4;
const KEYS_PER_LANE = 30;
const TIMEOUT_MS = 40_000;

function inventoryOf(model: BucketModel) {
  return model.existing().map((version) => ({
    key: version.key, version_id: version.versionId, is_delete_marker: version.isDeleteMarker, size: version.size, e_tag: version.etag,
    storage_class: version.storageClass, object_tags: version.tags, user_metadata: version.metadata,
  })).sort((a, b) => `${a.key} ${a.version_id}`.localeCompare(`${b.key} ${b.version_id}`));
}

async function inventoryRows(server: RunningServer, bucket: string) {
  return (await sql(server, `SELECT key, version_id, is_delete_marker, size, e_tag, storage_class, object_tags, user_metadata FROM inventory."${bucket}"`))
    .sort((a, b) => `${a['key']} ${a['version_id']}`.localeCompare(`${b['key']} ${b['version_id']}`));
}

async function runLanes(s3: S3Client, bucket: string, model: BucketModel, mutationsPerLane: number, seed: number): Promise<void> {
  await Promise.all(Array.from({ length: LANES }, (_, lane) => runLane({
    s3, bucket, model, lane, keys: KEYS_PER_LANE, mutations: mutationsPerLane, sourceIp: '127.0.0.1', seed: seed + lane,
  })));
}

async function versionedBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

describe('S3 Metadata table upkeep', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    server = await startServer({ env: {
      CAIRN_METADATA_DAY_SECONDS: String(DAY_SECONDS), CAIRN_METADATA_BACKFILL_PAGE_VERSIONS: String(BACKFILL_PAGE_VERSIONS),
    } });
    s3 = sdkClient(server);
  });
  after(() => closeSuite(server, s3));

  it('backfills the inventory of a bucket that has objects, while it changes', async () => {
    const bucket = 'backfilled';
    const model = new BucketModel();
    await versionedBucket(s3, bucket);
    await runLanes(s3, bucket, model, 150, 1);
    const versionsBefore = model.existing().length;
    assert.ok(versionsBefore > BACKFILL_PAGE_VERSIONS * 4, `only ${versionsBefore} versions`);
    const eventsBefore = model.events.length;
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket: bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } }, InventoryTableConfiguration: { ConfigurationState: 'ENABLED' },
    } }));
    await runLanes(s3, bucket, model, 60, 100);
    await waitForActiveInventory(s3, bucket, TIMEOUT_MS);
    assert.deepEqual(await inventoryRows(server, bucket), inventoryOf(model));
    // The journal holds the changes made since the configuration, and only those.
    const [{ n }] = (await sql(server, `SELECT count(*) AS n FROM journal."${bucket}"`)) as [{ n: number }];
    assert.equal(n, model.events.length - eventsBefore);
    assert.match(server.stderr(), new RegExp(`metadata: inventory of ${bucket}: backfill started`));
    assert.match(server.stderr(), new RegExp(`metadata: inventory of ${bucket}: \\d+ object versions backfilled, ACTIVE`));
  });

  it('expires journal records older than RecordExpiration days; the inventory keeps every object', async () => {
    const bucket = 'expiring';
    const model = new BucketModel();
    await versionedBucket(s3, bucket);
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket: bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'ENABLED', Days: 7 } }, InventoryTableConfiguration: { ConfigurationState: 'ENABLED' },
    } }));
    await waitForActiveInventory(s3, bucket, TIMEOUT_MS);
    await runLanes(s3, bucket, model, 25, 200);
    const oldEvents = model.events.length;
    await waitFor('the old rows to be exported', async () => {
      const files = await s3.send(new ListObjectsV2Command({ Bucket: 'cairn-metadata', Prefix: `${bucket}/journal/data/` }));
      return (files.KeyCount ?? 0) > 0 ? true : undefined;
    }, TIMEOUT_MS);
    // Seven "days" later the first rows are past their expiration; new ones are written now.
    await new Promise((resolve) => setTimeout(resolve, 7 * DAY_SECONDS * 1000 + 500));
    await runLanes(s3, bucket, model, 10, 300);
    const newEvents = model.events.length - oldEvents;
    await waitFor('the old rows to expire', async () => {
      const [{ n }] = (await sql(server, `SELECT count(*) AS n FROM journal."${bucket}"`)) as [{ n: number }];
      assert.ok(n >= newEvents, `${n} rows left, fewer than the ${newEvents} new ones`);
      return n === newEvents ? true : undefined;
    }, TIMEOUT_MS);
    assert.deepEqual(await inventoryRows(server, bucket), inventoryOf(model));
    const configuration = await s3.send(new GetBucketMetadataConfigurationCommand({ Bucket: bucket }));
    assert.equal(configuration.GetBucketMetadataConfigurationResult?.MetadataConfigurationResult?.JournalTableConfigurationResult?.TableStatus, 'ACTIVE');
  });
});
