// Two users made through `cairn admin user add`: the second can neither list, read, write nor delete
// the first's bucket until a bucket policy grants exactly one of those, and then only that one. Each
// operation is checked both ways, and every refused write or delete is checked to have changed nothing.
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectS3Error } from './helpers/assertions.js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { sdkClient } from './helpers/clients.js';
import { createUser, userClient, type UserKeys } from './helpers/iam.js';
import { startServer, type RunningServer } from './helpers/server.js';

const Bucket = 'alice-data';
const ACCOUNT = '000000000000';

/** A HEAD answer has no body, so the SDK knows only its status. */
async function expectHeadStatus(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode === status);
}

type Operation = 'list' | 'read' | 'write' | 'delete';
const ACTIONS: Record<Operation, { action: string; resource: string }> = {
  list: { action: 's3:ListBucket', resource: `arn:aws:s3:::${Bucket}` },
  read: { action: 's3:GetObject', resource: `arn:aws:s3:::${Bucket}/*` },
  write: { action: 's3:PutObject', resource: `arn:aws:s3:::${Bucket}/*` },
  delete: { action: 's3:DeleteObject', resource: `arn:aws:s3:::${Bucket}/*` },
};

describe('two users: a bucket is its owner\'s until a policy grants exactly one operation', () => {
  let server: RunningServer;
  let root: S3Client;
  let alice: S3Client;
  let bob: S3Client;
  let bobKeys: UserKeys;
  let writes = 0;

  const keysOf = async () => ((await alice.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((entry) => entry.Key).sort();
  const bodyOf = async (client: S3Client, Key: string) => (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();

  /** Bob tries each operation; returns which succeeded, checking that each refused one changed nothing. */
  async function bobCan(): Promise<Record<Operation, boolean>> {
    const before = await keysOf();
    const outcome = {} as Record<Operation, boolean>;
    try {
      await bob.send(new ListObjectsV2Command({ Bucket }));
      outcome.list = true;
    } catch (error) {
      await expectS3Error(Promise.reject(error), 'AccessDenied', 403);
      outcome.list = false;
    }
    try {
      assert.equal(await bodyOf(bob, 'doc.txt'), 'alice wrote this');
      outcome.read = true;
    } catch (error) {
      await expectS3Error(Promise.reject(error), 'AccessDenied', 403);
      await expectHeadStatus(bob.send(new HeadObjectCommand({ Bucket, Key: 'doc.txt' })), 403);
      outcome.read = false;
    }
    const written = `bob-${writes += 1}.txt`;
    try {
      await bob.send(new PutObjectCommand({ Bucket, Key: written, Body: 'bob wrote this' }));
      assert.equal(await bodyOf(alice, written), 'bob wrote this');
      await alice.send(new DeleteObjectCommand({ Bucket, Key: written }));
      outcome.write = true;
    } catch (error) {
      await expectS3Error(Promise.reject(error), 'AccessDenied', 403);
      assert.deepEqual(await keysOf(), before, 'a refused PUT wrote nothing');
      outcome.write = false;
    }
    await alice.send(new PutObjectCommand({ Bucket, Key: 'victim.txt', Body: 'v' }));
    try {
      await bob.send(new DeleteObjectCommand({ Bucket, Key: 'victim.txt' }));
      await expectS3Error(alice.send(new HeadObjectCommand({ Bucket, Key: 'victim.txt' })), 'NotFound', 404);
      outcome.delete = true;
    } catch (error) {
      await expectS3Error(Promise.reject(error), 'AccessDenied', 403);
      assert.equal(await bodyOf(alice, 'victim.txt'), 'v', 'a refused DELETE deleted nothing');
      const batch = await bob.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'victim.txt' }] } }));
      assert.deepEqual(batch.Errors?.map((entry) => [entry.Key, entry.Code]), [['victim.txt', 'AccessDenied']]);
      assert.equal(batch.Deleted, undefined);
      assert.equal(await bodyOf(alice, 'victim.txt'), 'v', 'a refused DeleteObjects deleted nothing');
      outcome.delete = false;
    }
    return outcome;
  }

  async function grantBob(operations: Operation[]): Promise<void> {
    const statements = operations.map((operation) => ({
      Sid: `Bob${operation}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
      Action: ACTIONS[operation].action, Resource: ACTIONS[operation].resource,
    }));
    await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  }

  before(async () => {
    server = await startServer();
    root = sdkClient(server);
    const aliceKeys = await createUser(server, 'alice');
    bobKeys = await createUser(server, 'bob');
    alice = userClient(server, aliceKeys);
    bob = userClient(server, bobKeys);
    await alice.send(new CreateBucketCommand({ Bucket }));
    await alice.send(new PutObjectCommand({ Bucket, Key: 'doc.txt', Body: 'alice wrote this' }));
  });
  after(async () => {
    for (const client of [root, alice, bob]) client?.destroy();
    await server?.dispose();
  });

  it('the creator owns the bucket: others see it neither in ListBuckets nor can take its name', async () => {
    const aliceList = await alice.send(new ListBucketsCommand({}));
    assert.deepEqual(aliceList.Buckets?.map((bucket) => bucket.Name), [Bucket]);
    const acl = await alice.send(new GetBucketAclCommand({ Bucket }));
    assert.equal(acl.Owner?.DisplayName, 'alice');
    assert.equal(aliceList.Owner?.ID, acl.Owner?.ID);
    assert.deepEqual((await bob.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    await expectS3Error(bob.send(new CreateBucketCommand({ Bucket })), 'BucketAlreadyExists', 409);
    // The owner's repeated create is 200 in us-east-1, as on AWS (409 elsewhere: s3-buckets.test.ts).
    assert.equal((await alice.send(new CreateBucketCommand({ Bucket }))).$metadata.httpStatusCode, 200);
    await expectHeadStatus(bob.send(new HeadBucketCommand({ Bucket })), 403);
    await expectS3Error(bob.send(new GetBucketAclCommand({ Bucket })), 'AccessDenied', 403);
    await expectS3Error(bob.send(new GetObjectCommand({ Bucket: 'no-such-bucket-anywhere', Key: 'k' })), 'NoSuchBucket', 404);
    // The root identity sees and may do everything.
    assert.deepEqual((await root.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name), [Bucket]);
    assert.equal(await bodyOf(root, 'doc.txt'), 'alice wrote this');
  });

  it('without a policy bob can do none of list, read, write, delete', async () => {
    assert.deepEqual(await bobCan(), { list: false, read: false, write: false, delete: false });
  });

  for (const operation of ['list', 'read', 'write', 'delete'] as Operation[]) {
    it(`a policy granting only ${operation} lets bob ${operation} and nothing else`, async () => {
      await grantBob([operation]);
      const expected = { list: false, read: false, write: false, delete: false, [operation]: true };
      assert.deepEqual(await bobCan(), expected);
    });
  }

  it('deleting the policy takes every grant back; the owner keeps every right throughout', async () => {
    await grantBob(['list', 'read', 'write', 'delete']);
    assert.deepEqual(await bobCan(), { list: true, read: true, write: true, delete: true });
    await alice.send(new DeleteBucketPolicyCommand({ Bucket }));
    await expectS3Error(alice.send(new GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy', 404);
    assert.deepEqual(await bobCan(), { list: false, read: false, write: false, delete: false });
    assert.equal(await bodyOf(alice, 'doc.txt'), 'alice wrote this');
  });

  it('presigned URLs carry their signer\'s rights: the owner\'s work, bob\'s only once granted', async () => {
    const fetchStatus = async (client: S3Client) => (await fetch(await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: 'doc.txt' }), { expiresIn: 60 }))).status;
    assert.equal(await fetchStatus(alice), 200);
    assert.equal(await fetchStatus(bob), 403);
    await grantBob(['read']);
    assert.equal(await fetchStatus(bob), 200);
    await alice.send(new DeleteBucketPolicyCommand({ Bucket }));
    assert.equal(await fetchStatus(bob), 403);
  });

  it('only the owner (or root) may read or change the bucket policy unless granted', async () => {
    await expectS3Error(bob.send(new PutBucketPolicyCommand({
      Bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:*', Resource: `arn:aws:s3:::${Bucket}/*` }] }),
    })), 'AccessDenied', 403);
    await expectS3Error(alice.send(new GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy', 404);
    await expectS3Error(bob.send(new GetBucketPolicyCommand({ Bucket })), 'AccessDenied', 403);
    await expectS3Error(bob.send(new DeleteBucketPolicyCommand({ Bucket })), 'AccessDenied', 403);
    await root.send(new PutBucketPolicyCommand({
      Bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: 'alice' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }] }),
    }));
    // An explicit Deny binds the bucket's owner too; root is never evaluated.
    await expectS3Error(alice.send(new GetObjectCommand({ Bucket, Key: 'doc.txt' })), 'AccessDenied', 403);
    assert.equal(await bodyOf(root, 'doc.txt'), 'alice wrote this');
    await alice.send(new DeleteBucketPolicyCommand({ Bucket }));
    assert.equal(await bodyOf(alice, 'doc.txt'), 'alice wrote this');
  });
});
