// Reads of configuration that cannot be set yet answer as S3 does for a bucket that never had it,
// so tools that read a bucket's whole configuration work; writes of it still answer 501.
import {
  CreateBucketCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetObjectAclCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  PutBucketAccelerateConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectS3Error } from './helpers/assertions.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'configured-nothing';

describe('configuration that cannot be set yet', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite());
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'object', Body: 'x' }));
  });
  after(() => closeSuite(server, s3));

  it('answers the empty or default documents S3 gives a bucket that never had them', async () => {
    // Versioning is built; a bucket that never had it answers an empty configuration.
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket }));
    assert.equal(versioning.$metadata.httpStatusCode, 200);
    assert.equal(versioning.Status, undefined);
    const acl = await s3.send(new GetBucketAclCommand({ Bucket }));
    assert.match(acl.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(acl.Grants?.map((grant) => [grant.Grantee?.ID, grant.Permission]), [[acl.Owner?.ID, 'FULL_CONTROL']]);
    const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    assert.equal(ownership.OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerEnforced');
    assert.equal((await s3.send(new GetBucketLoggingCommand({ Bucket }))).LoggingEnabled, undefined);
    const notifications = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    assert.equal(notifications.TopicConfigurations, undefined);
    assert.equal((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer, 'BucketOwner');
    assert.equal((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket }))).Status, undefined);
    const objectAcl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'object' }));
    assert.equal(objectAcl.Grants?.[0]?.Permission, 'FULL_CONTROL');
  });

  it('answers the "not configured" error S3 gives for each configuration a bucket never had', async () => {
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy', 404);
    await expectS3Error(s3.send(new GetBucketPolicyStatusCommand({ Bucket })), 'NoSuchBucketPolicy', 404);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket })), 'NoSuchCORSConfiguration', 404);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), 'NoSuchLifecycleConfiguration', 404);
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket })), 'ServerSideEncryptionConfigurationNotFoundError', 404);
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket })), 'NoSuchWebsiteConfiguration', 404);
    await expectS3Error(s3.send(new GetBucketReplicationCommand({ Bucket })), 'ReplicationConfigurationNotFoundError', 404);
    await expectS3Error(s3.send(new GetObjectLockConfigurationCommand({ Bucket })), 'ObjectLockConfigurationNotFoundError', 404);
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'object' })), 'InvalidRequest', 400);
  });

  it('answers NoSuchBucket / NoSuchKey first, and still refuses to set what it cannot keep (501)', async () => {
    await expectS3Error(s3.send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket-here' })), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: 'no-such-bucket-here' })), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new GetObjectAclCommand({ Bucket, Key: 'missing' })), 'NoSuchKey', 404);
    await expectS3Error(s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket, AccelerateConfiguration: { Status: 'Enabled' } })), 'NotImplemented', 501);
    assert.equal((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket }))).Status, undefined);
  });
});
