// What Object Lock protects, attempted by the root identity through the AWS SDK for JavaScript v3:
// a COMPLIANCE-locked version survives every delete, overwrite, retention change and bucket delete;
// GOVERNANCE gives way only to x-amz-bypass-governance-retention; a legal hold blocks deletion on
// its own; an expired retention frees the version. Every refusal leaves the version byte-identical.
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { createLockBucket, daysFromNow, readVersion, versionIds } from './helpers/object-lock.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const DENIED_MESSAGE = 'Access Denied because object protected by object lock.';

describe('object lock deletes', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite());
  });
  after(() => closeSuite(server, s3));

  it('a COMPLIANCE-locked version survives delete, overwrite, retention changes, bypass, DeleteObjects and DeleteBucket, all by root', async () => {
    const Bucket = 'ol-compliance';
    await createLockBucket(s3, Bucket);
    const until = daysFromNow(1);
    const bytes = 'compliance-locked bytes';
    const locked = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: bytes, ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }))).VersionId!;
    const assertIntact = async (step: string) => {
      assert.equal(await readVersion(s3, Bucket, 'k', locked), bytes, step);
      const retention = (await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k', VersionId: locked }))).Retention;
      assert.deepEqual(retention, { Mode: 'COMPLIANCE', RetainUntilDate: until }, step);
    };

    for (const BypassGovernanceRetention of [undefined, true]) {
      await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: locked, BypassGovernanceRetention })), 'AccessDenied', 403);
    }
    const refused = await rawRequest(server, { method: 'DELETE', path: `/${Bucket}/k`, query: { versionId: locked } });
    expectErrorResponse(refused, 403, 'AccessDenied');
    assert.match(refused.text, new RegExp(`<Message>${DENIED_MESSAGE.replace(/\./g, '\\.')}</Message>`));
    await assertIntact('delete by version id');

    // An overwrite makes a new version; the locked one stays as it was.
    const overwrite = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'overwrite' }))).VersionId!;
    assert.notEqual(overwrite, locked);
    assert.equal(await readVersion(s3, Bucket, 'k'), 'overwrite');
    await assertIntact('overwrite');

    const changes: Array<{ Mode?: 'GOVERNANCE' | 'COMPLIANCE'; RetainUntilDate?: Date }> = [
      { Mode: 'COMPLIANCE', RetainUntilDate: new Date(until.getTime() - 1000) },
      { Mode: 'GOVERNANCE', RetainUntilDate: until },
      { Mode: 'GOVERNANCE', RetainUntilDate: daysFromNow(30) },
      {},
    ];
    for (const Retention of changes) {
      for (const BypassGovernanceRetention of [undefined, true]) {
        await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: locked, Retention, BypassGovernanceRetention })), 'AccessDenied', 403);
      }
    }
    await assertIntact('retention changes');

    for (const BypassGovernanceRetention of [undefined, true]) {
      const result = await s3.send(new DeleteObjectsCommand({ Bucket, BypassGovernanceRetention, Delete: { Objects: [{ Key: 'k', VersionId: locked }] } }));
      assert.equal(result.Deleted, undefined);
      assert.deepEqual(result.Errors?.map((error) => [error.Key, error.VersionId, error.Code, error.Message]), [['k', locked, 'AccessDenied', DENIED_MESSAGE]]);
    }
    await assertIntact('DeleteObjects');

    // A delete without a version id only adds a delete marker, which is allowed.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(marker.DeleteMarker, true);
    await expectS3Error(s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })), 'InvalidBucketState', 409);
    // Everything else removed: the locked version alone still holds the bucket.
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: marker.VersionId }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: overwrite }));
    assert.deepEqual(await versionIds(s3, Bucket), { versions: [`k@${locked}`], markers: [] });
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket })), 'BucketNotEmpty', 409);
    await assertIntact('DeleteBucket');
    const latest = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(latest.VersionId, locked, 'the locked version is the latest again');
  });

  it('GOVERNANCE: refused without the bypass, removed with it (DeleteObject and DeleteObjects)', async () => {
    const Bucket = 'ol-governance';
    await createLockBucket(s3, Bucket);
    const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body: Key, ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: daysFromNow(1) })).then((answer) => answer.VersionId!);
    const first = await put('a');
    const second = await put('b');
    const free = (await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'c' }))).VersionId!;
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'a', VersionId: first })), 'AccessDenied', 403);
    assert.equal(await readVersion(s3, Bucket, 'a', first), 'a');
    const mixed = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'b', VersionId: second }, { Key: 'c', VersionId: free }] } }));
    assert.deepEqual(mixed.Deleted?.map((entry) => [entry.Key, entry.VersionId]), [['c', free]]);
    assert.deepEqual(mixed.Errors?.map((error) => [error.Key, error.VersionId, error.Code]), [['b', second, 'AccessDenied']]);
    assert.equal(await readVersion(s3, Bucket, 'b', second), 'b');

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a', VersionId: first, BypassGovernanceRetention: true }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    const bypassed = await s3.send(new DeleteObjectsCommand({ Bucket, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'b', VersionId: second }] } }));
    assert.deepEqual(bypassed.Deleted?.map((entry) => [entry.Key, entry.VersionId]), [['b', second]]);
    assert.deepEqual(await versionIds(s3, Bucket), { versions: [], markers: [] });
    await s3.send(new DeleteBucketCommand({ Bucket }));
  });

  it('a legal hold blocks deletion on its own, bypass or not, until it is turned OFF', async () => {
    const Bucket = 'ol-legal-hold';
    await createLockBucket(s3, Bucket);
    const held = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'held', ObjectLockLegalHoldStatus: 'ON' }))).VersionId!;
    for (const BypassGovernanceRetention of [undefined, true]) {
      await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: held, BypassGovernanceRetention })), 'AccessDenied', 403);
    }
    // Governance retention under a hold: the bypass lifts the retention, never the hold.
    await s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: daysFromNow(1) } }));
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: held, BypassGovernanceRetention: true })), 'AccessDenied', 403);
    assert.equal(await readVersion(s3, Bucket, 'k', held), 'held');
    await s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'k', LegalHold: { Status: 'OFF' } }));
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: held })), 'AccessDenied', 403);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: held, BypassGovernanceRetention: true }));
    assert.deepEqual(await versionIds(s3, Bucket), { versions: [], markers: [] });
  });

  it('a version is free once its retention has passed', async () => {
    const Bucket = 'ol-expiry';
    await createLockBucket(s3, Bucket);
    const untilMs = Date.now() + 1500;
    const id = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'brief', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(untilMs) }))).VersionId!;
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: id })), 'AccessDenied', 403);
    await new Promise((resolve) => setTimeout(resolve, untilMs - Date.now() + 100));
    // The expired retention is still reported, and may now be changed in any way.
    const retention = (await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k' }))).Retention;
    assert.equal(retention?.Mode, 'COMPLIANCE');
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: id }));
    assert.deepEqual(await versionIds(s3, Bucket), { versions: [], markers: [] });
  });
});
