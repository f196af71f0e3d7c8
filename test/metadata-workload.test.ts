// The journal and inventory after a scripted workload of 10,000 mutations (puts, metadata-changing
// copies, tag changes, delete markers, version deletes, multipart uploads) from several source
// addresses: AWS's published example queries, run through `cairn sql`, return exactly the rows a
// model of the workload predicts. (Lifecycle expiry rows join when the lifecycle worker lands.)
import { CreateBucketCommand, CreateBucketMetadataConfigurationCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { sql, waitForActiveInventory } from './helpers/metadata.js';
import { BucketModel, clientFrom, runLane } from './helpers/metadata-model.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { closeSuite } from './helpers/suite.js';

const Bucket = 'workload';
const MUTATIONS = Number(process.env['CAIRN_METADATA_WORKLOAD_MUTATIONS'] ?? 10_000);
const LANES = 8;
const KEYS_PER_LANE = 40;
const SOURCE_IPS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const ACCOUNT_ID = '000000000000';
const INVENTORY_ACTIVE_TIMEOUT_MS = 30_000;

function byKeyAndVersion(left: Record<string, unknown>, right: Record<string, unknown>): number {
  return Buffer.compare(Buffer.from(`${left['key']}\u0000${left['version_id'] ?? ''}`), Buffer.from(`${right['key']}\u0000${right['version_id'] ?? ''}`));
}

describe('S3 Metadata after a 10,000-mutation workload', () => {
  let server: RunningServer;
  let s3: S3Client;
  const model = new BucketModel();

  before(async () => {
    server = await startServer();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'ENABLED', Days: 7 } },
      InventoryTableConfiguration: { ConfigurationState: 'ENABLED' },
    } }));
    const clients = SOURCE_IPS.map((sourceIp) => clientFrom(server, sourceIp));
    const perLane = Math.floor(MUTATIONS / LANES);
    await Promise.all(Array.from({ length: LANES }, (_, lane) => runLane({
      s3: clients[lane % SOURCE_IPS.length]!, bucket: Bucket, model, lane, keys: KEYS_PER_LANE, sourceIp: SOURCE_IPS[lane % SOURCE_IPS.length]!,
      mutations: lane === 0 ? MUTATIONS - perLane * (LANES - 1) : perLane, seed: 1000 + lane,
    })));
    for (const client of clients) client.destroy();
    assert.equal(model.events.length, MUTATIONS);
  });
  after(() => closeSuite(server, s3));

  it('records every mutation once, per key in the order it happened', async () => {
    const rows = await sql(server, `SELECT key, string_agg(record_type || ':' || coalesce(version_id, '') || ':' || coalesce(CAST(is_delete_marker AS VARCHAR), '-'), ' '
      ORDER BY sequence_number) AS history FROM journal."${Bucket}" GROUP BY key ORDER BY key`);
    const expected = new Map<string, string[]>();
    for (const event of model.events) {
      const marker = event.isDeleteMarker === null ? '-' : String(event.isDeleteMarker);
      expected.set(event.key, [...(expected.get(event.key) ?? []), `${event.recordType}:${event.versionId}:${marker}`]);
    }
    assert.deepEqual(Object.fromEntries(rows.map((row) => [row['key'], row['history']])),
      Object.fromEntries([...expected].map(([key, history]) => [key, history.join(' ')])));
    const [totals] = await sql(server, `SELECT count(*) AS n, count(DISTINCT sequence_number) AS sequences FROM journal."${Bucket}"`);
    assert.deepEqual(totals, { n: MUTATIONS, sequences: MUTATIONS });
  });

  it('lists the objects deleted in the last 24 hours (AWS\'s deletion query)', async () => {
    const rows = await sql(server, `SELECT DISTINCT bucket, key, sequence_number, record_type, record_timestamp, requester, source_ip_address, version_id
      FROM "s3tablescatalog/aws-s3"."b_${Bucket}"."journal"
      WHERE record_type = 'DELETE' AND record_timestamp > (CURRENT_TIMESTAMP - interval '1' day)`);
    const actual = rows.map((row) => `${row['key']} ${row['version_id']} ${row['requester']} ${row['source_ip_address']} ${row['bucket']}`).sort();
    const expected = model.events.filter((event) => event.recordType === 'DELETE')
      .map((event) => `${event.key} ${event.versionId} ${ACCOUNT_ID} ${event.sourceIp} ${Bucket}`).sort();
    assert.equal(actual.length, expected.length);
    assert.deepEqual(actual, expected);
  });

  it('counts PUTs by source IP address', async () => {
    const rows = await sql(server, `SELECT source_ip_address, count(*) AS puts FROM journal."${Bucket}"
      WHERE record_type = 'CREATE' GROUP BY source_ip_address ORDER BY source_ip_address`);
    const expected = new Map<string, number>();
    for (const event of model.events) if (event.recordType === 'CREATE') expected.set(event.sourceIp, (expected.get(event.sourceIp) ?? 0) + 1);
    assert.deepEqual(rows, [...expected].sort(([a], [b]) => a.localeCompare(b)).map(([ip, puts]) => ({ source_ip_address: ip, puts })));
  });

  it('computes the current state of the bucket from the journal with a LEAD window (AWS\'s query)', async () => {
    const rows = await sql(server, `WITH records_of_interest AS (
        SELECT * FROM "s3tablescatalog/aws-s3"."b_${Bucket}"."journal"
      ), version_stacks AS (
        SELECT *, LEAD(sequence_number, 1) OVER (PARTITION BY (bucket, key, coalesce(version_id, '')) ORDER BY sequence_number ASC) AS next_sequence_number
        FROM records_of_interest
      ), current_versions AS (
        SELECT * FROM version_stacks WHERE next_sequence_number IS NULL
      ), existing_current_versions AS (
        SELECT * FROM current_versions WHERE NOT (record_type = 'DELETE' AND is_delete_marker = FALSE)
      ), with_is_latest AS (
        SELECT *, sequence_number = (MAX(sequence_number) OVER (PARTITION BY (bucket, key))) AS is_latest_version FROM existing_current_versions
      )
      SELECT key, version_id, is_delete_marker, size, e_tag, storage_class, is_multipart, object_tags, user_metadata, is_latest_version FROM with_is_latest`);
    const expected = model.existing().map((version) => ({
      key: version.key, version_id: version.versionId, is_delete_marker: version.isDeleteMarker, size: version.size, e_tag: version.etag,
      storage_class: version.storageClass, is_multipart: version.isMultipart, object_tags: version.tags, user_metadata: version.metadata,
      is_latest_version: version.isLatest,
    }));
    assert.equal(rows.length, expected.length);
    assert.deepEqual(rows.sort(byKeyAndVersion), expected.sort(byKeyAndVersion));
  });

  it('keeps the inventory equal to the model, and counts objects by storage class', async () => {
    await waitForActiveInventory(s3, Bucket, INVENTORY_ACTIVE_TIMEOUT_MS);
    const inventory = await sql(server, `SELECT key, version_id, is_delete_marker, size, e_tag, storage_class, is_multipart, object_tags, user_metadata
      FROM inventory."${Bucket}"`);
    const expected = model.existing().map((version) => ({
      key: version.key, version_id: version.versionId, is_delete_marker: version.isDeleteMarker, size: version.size, e_tag: version.etag,
      storage_class: version.storageClass, is_multipart: version.isMultipart, object_tags: version.tags, user_metadata: version.metadata,
    }));
    assert.deepEqual(inventory.sort(byKeyAndVersion), expected.sort(byKeyAndVersion));

    const byClass = await sql(server, `SELECT storage_class, count(*) AS objects, sum(size) AS bytes FROM "b_${Bucket}".inventory
      WHERE NOT is_delete_marker GROUP BY storage_class ORDER BY storage_class`);
    const classes = new Map<string, { objects: number; bytes: number }>();
    for (const version of model.existing()) {
      if (version.isDeleteMarker) continue;
      const entry = classes.get(version.storageClass!) ?? { objects: 0, bytes: 0 };
      classes.set(version.storageClass!, { objects: entry.objects + 1, bytes: entry.bytes + version.size });
    }
    assert.deepEqual(byClass, [...classes].sort(([a], [b]) => a.localeCompare(b)).map(([storageClass, totals]) => ({ storage_class: storageClass, ...totals })));
  });
});
