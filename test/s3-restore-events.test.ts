// Restores in event notifications and in the S3 Metadata journal: RestoreObject of a GLACIER object
// queues ObjectRestore:Post, the restore becoming ready ObjectRestore:Completed (once, with AWS's
// glacierEventData.restoreEventData) and the restored copy's expiry ObjectRestore:Delete, each an
// UPDATE_METADATA journal row; a refused restore (not an archived class) records nothing.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand, CreateBucketMetadataConfigurationCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand,
  RestoreObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { startServer, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { sdkClient } from './helpers/clients.js';
import { expectS3Error } from './helpers/assertions.js';
import { sql, waitFor } from './helpers/metadata.js';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { recordsOf, startWebhook, waitForCount, type WebhookReceiver } from './helpers/event-receivers.js';

const SECRET = 'restore-secret';
const TOKEN = 'restore-token';
const BUCKET = 'restore-events';
/** Configured for s3:ObjectRestore:Post only. */
const POST_ONLY_BUCKET = 'restore-post-only';
const HOOK_ARN = 'arn:aws:sqs:us-east-1:000000000000:hook';
// A restored copy lives 5–10 s: the Completed event's delivery and the HEAD after it fit inside on a loaded machine.
const DAY_SECONDS = 5;
const SERVER_ARGS = ['--restore-delay-seconds', '1', '--lifecycle-day-seconds', String(DAY_SECONDS)];
const WAIT_MS = 20_000;
/** Longer than the restore recorder's poll and a delivery pass: time for a duplicate to show. */
const QUIET_MS = 2_500;
const SYSTEM_REQUESTER = 's3.amazonaws.com';

interface RestoreRecord {
  eventName: string;
  userIdentity: { principalId: string };
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  glacierEventData?: { restoreEventData: { lifecycleRestorationExpiryTime: string; lifecycleRestoreStorageClass: string } };
}

describe('restores in events and the S3 Metadata journal', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let s3: S3Client;
  let hook: WebhookReceiver;

  before(async () => {
    server = await startServer({ extraArgs: SERVER_ARGS, env: { CAIRN_EVENTS_BACKOFF_BASE_MS: '20' } });
    s3 = sdkClient(server);
    hook = await startWebhook(SECRET, TOKEN);
    const admin = new IamClient(server.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    await admin.json('POST', '/targets', { name: 'hook', type: 'webhook', settings: { url: hook.url, secret: SECRET, bearerToken: TOKEN } });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketMetadataConfigurationCommand({ Bucket: BUCKET, MetadataConfiguration: {
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'DISABLED' } },
    } }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: BUCKET, NotificationConfiguration: { QueueConfigurations: [
      { Id: 'restores', QueueArn: HOOK_ARN, Events: ['s3:ObjectRestore:*'] },
    ] } }));
    await s3.send(new CreateBucketCommand({ Bucket: POST_ONLY_BUCKET }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: POST_ONLY_BUCKET, NotificationConfiguration: { QueueConfigurations: [
      { Id: 'posts', QueueArn: HOOK_ARN, Events: ['s3:ObjectRestore:Post'] },
    ] } }));
  });

  after(async () => {
    s3?.destroy();
    await hook?.close();
    await server?.dispose();
  });

  it('sends ObjectRestore:Post, Completed (once, with restoreEventData) and Delete, and journals each as UPDATE_METADATA', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', Body: 'frozen bytes', StorageClass: 'GLACIER' }));
    // Not an archived class: S3's error, and no event or journal row.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'warm.txt', Body: 'warm' }));
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'warm.txt', RestoreRequest: { Days: 1 } })), 'InvalidObjectState', 403);

    await s3.send(new PutObjectCommand({ Bucket: POST_ONLY_BUCKET, Key: 'cold.txt', Body: 'frozen', StorageClass: 'DEEP_ARCHIVE' }));
    const postOnly = await s3.send(new RestoreObjectCommand({ Bucket: POST_ONLY_BUCKET, Key: 'cold.txt', RestoreRequest: { Days: 1 } }));
    assert.equal(postOnly.$metadata.httpStatusCode, 202);
    const restore = await s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Standard' } } }));
    assert.equal(restore.$metadata.httpStatusCode, 202);
    const allRecords = () => recordsOf(hook.messages) as unknown as RestoreRecord[];
    const restoreRecords = () => allRecords().filter((record) => record.s3.bucket.name === BUCKET);
    assert.equal(await waitForCount(() => restoreRecords().length, 2, WAIT_MS), 2);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' }));
    const expiry = /expiry-date="([^"]+)"/.exec(head.Restore ?? '')?.[1];
    assert.ok(expiry !== undefined, `restored: ${head.Restore}`);
    assert.equal(await waitForCount(() => restoreRecords().length, 3, WAIT_MS), 3);
    await sleep(QUIET_MS);

    const records = restoreRecords();
    assert.deepEqual(records.map((record) => [record.eventName, record.s3.object.key]), [
      ['ObjectRestore:Post', 'cold.txt'], ['ObjectRestore:Completed', 'cold.txt'], ['ObjectRestore:Delete', 'cold.txt'],
    ]);
    const [post, completed, deleted] = records as [RestoreRecord, RestoreRecord, RestoreRecord];
    assert.equal(post.userIdentity.principalId, '000000000000');
    assert.equal(post.glacierEventData, undefined);
    assert.equal(completed.userIdentity.principalId, SYSTEM_REQUESTER);
    assert.equal(completed.s3.object.eTag, put.ETag!.replace(/"/g, ''));
    assert.equal(completed.s3.object.size, 'frozen bytes'.length);
    assert.deepEqual(completed.glacierEventData, { restoreEventData: {
      lifecycleRestorationExpiryTime: new Date(expiry).toISOString(), lifecycleRestoreStorageClass: 'GLACIER',
    } });
    assert.equal(deleted.glacierEventData, undefined);
    assert.equal(hook.badSignatures, 0);
    // s3:ObjectRestore:Post matches the request only: its restore's completion and expiry are not sent.
    const postOnlyRecords = allRecords().filter((record) => record.s3.bucket.name === POST_ONLY_BUCKET);
    assert.deepEqual(postOnlyRecords.map((record) => record.eventName), ['ObjectRestore:Post']);
    // The copy expired: the object is archived again.
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' }))).Restore, undefined);

    const rows = await waitFor('the restore rows in the journal', async () => {
      const found = await sql(server, `SELECT key, record_type, storage_class, requester FROM journal."${BUCKET}" ORDER BY sequence_number`);
      return found.length >= 5 ? found : undefined;
    }, WAIT_MS);
    assert.deepEqual(rows.map((row) => [row.key, row.record_type, row.storage_class, row.requester]), [
      ['cold.txt', 'CREATE', 'GLACIER', '000000000000'],
      ['warm.txt', 'CREATE', 'STANDARD', '000000000000'],
      ['cold.txt', 'UPDATE_METADATA', 'GLACIER', '000000000000'],
      ['cold.txt', 'UPDATE_METADATA', 'GLACIER', SYSTEM_REQUESTER],
      ['cold.txt', 'UPDATE_METADATA', 'GLACIER', SYSTEM_REQUESTER],
    ]);
  });
});
