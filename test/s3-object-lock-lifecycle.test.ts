// Lifecycle expiry against Object Lock, by the server's own background worker: in a lock bucket
// whose rules expire everything after one (shortened) day, an unlocked control object goes all the
// way (delete marker, then its noncurrent version removed for good) while a COMPLIANCE-locked
// version and a legal-held one survive every pass byte-identical.
import {
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLockBucket, daysFromNow, readVersion } from './helpers/object-lock.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const LIFECYCLE_DAY_SECONDS = 1;
const WAIT_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

describe('object lock against lifecycle expiry', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(undefined, { extraArgs: ['--lifecycle-day-seconds', String(LIFECYCLE_DAY_SECONDS)] }));
  });
  after(() => closeSuite(server, s3));

  it('the worker expires the unlocked control for good but never removes the locked versions', async () => {
    const Bucket = 'ol-lifecycle';
    await createLockBucket(s3, Bucket);
    const until = daysFromNow(1);
    const lockedVersion = (await s3.send(new PutObjectCommand({
      Bucket, Key: 'locked', Body: 'locked bytes', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until,
    }))).VersionId!;
    const heldVersion = (await s3.send(new PutObjectCommand({ Bucket, Key: 'held', Body: 'held bytes', ObjectLockLegalHoldStatus: 'ON' }))).VersionId!;
    const controlVersion = (await s3.send(new PutObjectCommand({ Bucket, Key: 'control', Body: 'control bytes' }))).VersionId!;
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket,
      LifecycleConfiguration: {
        Rules: [{ ID: 'expire-all', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }],
      },
    }));

    // The control's version is removed for good only after it became noncurrent under a delete
    // marker and a further day passed: by then the worker has had several passes at the locked ones.
    const deadlineMs = Date.now() + WAIT_TIMEOUT_MS;
    let versions: string[] = [];
    for (;;) {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
      versions = (listed.Versions ?? []).map((version) => `${version.Key}@${version.VersionId}`);
      if (!versions.includes(`control@${controlVersion}`)) break;
      if (Date.now() > deadlineMs) assert.fail(`the control version was never expired: ${JSON.stringify(versions)}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    const markers = (listed.DeleteMarkers ?? []).map((marker) => marker.Key).sort();
    assert.deepEqual(markers, ['control', 'held', 'locked'], 'expiry of the current versions made a delete marker for each key');
    assert.deepEqual(versions.sort(), [`held@${heldVersion}`, `locked@${lockedVersion}`]);
    assert.equal(await readVersion(s3, Bucket, 'locked', lockedVersion), 'locked bytes');
    assert.equal(await readVersion(s3, Bucket, 'held', heldVersion), 'held bytes');
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'locked', VersionId: lockedVersion }));
    assert.deepEqual(retention.Retention, { Mode: 'COMPLIANCE', RetainUntilDate: until });
  });
});
