// Changes the lifecycle worker makes reach the S3 Metadata journal in the same transaction, with the
// system as requester (AWS records S3 Lifecycle as s3.amazonaws.com): an expiry in a versioned
// bucket is a DELETE row for the new delete marker, a noncurrent expiry a permanent DELETE (then the
// lone marker's), and a transition an UPDATE_METADATA with the new storage class. The user's own
// PUTs carry the user as requester.
import {
  CreateBucketCommand,
  CreateBucketMetadataConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, waitFor } from './helpers/metadata.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const LIFECYCLE_DAY_SECONDS = 1;
const WAIT_TIMEOUT_MS = 40_000;
const SYSTEM_REQUESTER = 's3.amazonaws.com';

describe('S3 Metadata records lifecycle changes', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(undefined, { extraArgs: ['--lifecycle-day-seconds', String(LIFECYCLE_DAY_SECONDS)] }));
  });
  after(() => closeSuite(server, s3));

  it('expiry, noncurrent expiry and transition appear in the journal with the system as requester', async () => {
    const Bucket = 'md-lifecycle';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
    } }));
    const expiringVersion = (await s3.send(new PutObjectCommand({ Bucket, Key: 'expire/a', Body: 'a' }))).VersionId!;
    const movingVersion = (await s3.send(new PutObjectCommand({ Bucket, Key: 'move/b', Body: 'b'.repeat(200 * 1024) }))).VersionId!;
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [
      { ID: 'expire', Status: 'Enabled', Filter: { Prefix: 'expire/' }, Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { ID: 'move', Status: 'Enabled', Filter: { Prefix: 'move/' }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] },
    ] } }));

    const journalRows = () => sql(server, `SELECT key, record_type, version_id, is_delete_marker, storage_class, requester
      FROM journal."${Bucket}" ORDER BY sequence_number`);
    const rows = await waitFor('the lifecycle changes in the journal', async () => {
      const found = await journalRows();
      const systemRows = found.filter((row) => row.requester === SYSTEM_REQUESTER);
      return systemRows.length >= 4 ? found : undefined;
    }, WAIT_TIMEOUT_MS);

    const userRows = rows.filter((row) => row.requester !== SYSTEM_REQUESTER);
    assert.deepEqual(userRows.map((row) => [row.key, row.record_type, row.version_id]), [
      ['expire/a', 'CREATE', expiringVersion],
      ['move/b', 'CREATE', movingVersion],
    ]);
    const systemRows = rows.filter((row) => row.requester === SYSTEM_REQUESTER).map((row) => ({
      key: row.key, type: row.record_type, marker: row.is_delete_marker, storageClass: row.storage_class, version: row.version_id,
    }));
    const transition = systemRows.find((row) => row.key === 'move/b');
    assert.deepEqual(transition, { key: 'move/b', type: 'UPDATE_METADATA', marker: false, storageClass: 'GLACIER', version: movingVersion });
    const expiry = systemRows.filter((row) => row.key === 'expire/a');
    // Expiration Days in a versioned bucket also cleans up the delete marker once it is alone and old
    // enough (AWS documents this for Days rules), so the key's history ends with the marker removed.
    const markerVersion = expiry[0]?.version;
    assert.deepEqual(expiry, [
      { key: 'expire/a', type: 'DELETE', marker: true, storageClass: null, version: markerVersion },
      { key: 'expire/a', type: 'DELETE', marker: null, storageClass: null, version: expiringVersion },
      { key: 'expire/a', type: 'DELETE', marker: null, storageClass: null, version: markerVersion },
    ], 'a delete marker, the noncurrent version removed for good, then the lone marker removed');
    assert.notEqual(markerVersion, expiringVersion);
  });
});
