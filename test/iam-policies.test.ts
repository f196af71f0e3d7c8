// Anonymous access through a bucket policy and S3 Block Public Access; conditions on the source
// address and on s3:prefix; an explicit Deny over an Allow; user policies set with `cairn admin`.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { postForm, type FormFields } from './helpers/forms.js';
import { anonymousClient, cairnAdmin, createUser, userClient } from './helpers/iam.js';
import { createLockBucket, daysFromNow, readVersion } from './helpers/object-lock.js';
import { startServer, type RunningServer } from './helpers/server.js';

const ACCOUNT = '000000000000';

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

describe('bucket policies, public access and conditions', () => {
  let server: RunningServer;
  let alice: S3Client;
  let bob: S3Client;
  let anonymous: S3Client;
  const read = (client: S3Client, Bucket: string, Key: string) =>
    client.send(new GetObjectCommand({ Bucket, Key })).then((got) => got.Body!.transformToString());

  before(async () => {
    server = await startServer();
    alice = userClient(server, await createUser(server, 'alice'));
    bob = userClient(server, await createUser(server, 'bob'));
    anonymous = anonymousClient(server);
  });
  after(async () => {
    for (const client of [alice, bob, anonymous]) client?.destroy();
    await server?.dispose();
  });

  describe('anonymous read through a policy, blocked again by PublicAccessBlock', () => {
    const Bucket = 'alice-public';
    const publicRead = policy({ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` });

    before(async () => {
      await alice.send(new CreateBucketCommand({ Bucket }));
      await alice.send(new PutObjectCommand({ Bucket, Key: 'index.html', Body: '<h1>hello</h1>' }));
    });

    it('a new bucket blocks public access (AWS default); a public policy is refused with AccessDenied and not stored', async () => {
      const block = await alice.send(new GetPublicAccessBlockCommand({ Bucket }));
      assert.deepEqual(block.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'index.html' })), 'AccessDenied', 403);
      await expectS3Error(alice.send(new PutBucketPolicyCommand({ Bucket, Policy: publicRead })), 'AccessDenied', 403);
      await expectS3Error(alice.send(new GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy', 404);
    });

    it('with the block removed, the policy lets anyone read, and only read', async () => {
      await alice.send(new DeletePublicAccessBlockCommand({ Bucket }));
      await expectS3Error(alice.send(new GetPublicAccessBlockCommand({ Bucket })), 'NoSuchPublicAccessBlockConfiguration', 404);
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: publicRead }));
      assert.equal((await alice.send(new GetBucketPolicyCommand({ Bucket }))).Policy, publicRead, 'the policy reads back as set');
      assert.equal((await alice.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic, true);
      assert.equal(await read(anonymous, Bucket, 'index.html'), '<h1>hello</h1>');
      const plain = await rawRequest(server, { method: 'GET', path: `/${Bucket}/index.html`, auth: 'none' });
      assert.equal(plain.status, 200);
      assert.equal(plain.text, '<h1>hello</h1>');
      // Principal "*" covers authenticated users too.
      assert.equal(await read(bob, Bucket, 'index.html'), '<h1>hello</h1>');
      await expectS3Error(anonymous.send(new PutObjectCommand({ Bucket, Key: 'defaced.html', Body: 'x' })), 'AccessDenied', 403);
      await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket })), 'AccessDenied', 403);
      await expectS3Error(alice.send(new GetObjectCommand({ Bucket, Key: 'defaced.html' })), 'NoSuchKey', 404);
      // Without s3:ListBucket a missing key is indistinguishable from a forbidden one (AWS's rule).
      await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'missing.html' })), 'AccessDenied', 403);
    });

    it('RestrictPublicBuckets blocks the public policy again for everyone but the owner; removing it restores access', async () => {
      await alice.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
      const block = await alice.send(new GetPublicAccessBlockCommand({ Bucket }));
      assert.deepEqual(block.PublicAccessBlockConfiguration, { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: true });
      await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'index.html' })), 'AccessDenied', 403);
      await expectS3Error(bob.send(new GetObjectCommand({ Bucket, Key: 'index.html' })), 'AccessDenied', 403);
      assert.equal(await read(alice, Bucket, 'index.html'), '<h1>hello</h1>');
      await alice.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { RestrictPublicBuckets: false } }));
      assert.equal(await read(anonymous, Bucket, 'index.html'), '<h1>hello</h1>');
    });

    it('BlockPublicPolicy leaves the stored policy working but refuses a new public one', async () => {
      await alice.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
      assert.equal(await read(anonymous, Bucket, 'index.html'), '<h1>hello</h1>');
      const wider = policy({ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${Bucket}/*` });
      await expectS3Error(alice.send(new PutBucketPolicyCommand({ Bucket, Policy: wider })), 'AccessDenied', 403);
      assert.equal((await alice.send(new GetBucketPolicyCommand({ Bucket }))).Policy, publicRead, 'the refused policy changed nothing');
      // A policy naming a user is not public, so it is accepted.
      const named = policy({ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` });
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: named }));
      assert.equal((await alice.send(new GetBucketPolicyStatusCommand({ Bucket }))).PolicyStatus?.IsPublic, false);
      await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'index.html' })), 'AccessDenied', 403);
      assert.equal(await read(bob, Bucket, 'index.html'), '<h1>hello</h1>');
    });
  });

  describe('conditions and explicit Deny', () => {
    const Bucket = 'alice-conditions';
    before(async () => {
      await alice.send(new CreateBucketCommand({ Bucket }));
      for (const Key of ['public/a.txt', 'public/b.txt', 'private/c.txt', 'secret/d.txt']) await alice.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    });

    const bobGetWithSourceIp = (operator: string, range: string) => policy({
      Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*`,
      Condition: { [operator]: { 'aws:SourceIp': range } },
    });

    it('aws:SourceIp: IpAddress 127.0.0.1/32 allows this client, 10.0.0.0/8 does not; NotIpAddress the other way round', async () => {
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: bobGetWithSourceIp('IpAddress', '127.0.0.1/32') }));
      assert.equal(await read(bob, Bucket, 'public/a.txt'), 'public/a.txt');
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: bobGetWithSourceIp('IpAddress', '10.0.0.0/8') }));
      await expectS3Error(bob.send(new GetObjectCommand({ Bucket, Key: 'public/a.txt' })), 'AccessDenied', 403);
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: bobGetWithSourceIp('NotIpAddress', '10.0.0.0/8') }));
      assert.equal(await read(bob, Bucket, 'public/a.txt'), 'public/a.txt');
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: bobGetWithSourceIp('NotIpAddress', '127.0.0.0/8') }));
      await expectS3Error(bob.send(new GetObjectCommand({ Bucket, Key: 'public/a.txt' })), 'AccessDenied', 403);
    });

    it('s3:prefix: bob may list under public/ only', async () => {
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({
        Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${Bucket}`,
        Condition: { StringLike: { 's3:prefix': 'public/*' } },
      }) }));
      const listed = await bob.send(new ListObjectsV2Command({ Bucket, Prefix: 'public/' }));
      assert.deepEqual(listed.Contents?.map((entry) => entry.Key), ['public/a.txt', 'public/b.txt']);
      await expectS3Error(bob.send(new ListObjectsV2Command({ Bucket })), 'AccessDenied', 403);
      await expectS3Error(bob.send(new ListObjectsV2Command({ Bucket, Prefix: 'private/' })), 'AccessDenied', 403);
    });

    it('an explicit Deny overrides an Allow, from the bucket policy or from the user policy', async () => {
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: policy(
        { Sid: 'ReadAll', Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` },
        { Sid: 'NoSecrets', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/secret/*` },
      ) }));
      assert.equal(await read(bob, Bucket, 'private/c.txt'), 'private/c.txt');
      await expectS3Error(bob.send(new GetObjectCommand({ Bucket, Key: 'secret/d.txt' })), 'AccessDenied', 403);
      await expectS3Error(alice.send(new GetObjectCommand({ Bucket, Key: 'secret/d.txt' })), 'AccessDenied', 403);
      const denyPrivate = policy({ Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/private/*` });
      const set = await cairnAdmin(server, ['user', 'set-policy', 'bob', '-'], denyPrivate);
      assert.equal(set.code, 0, set.stderr);
      await expectS3Error(bob.send(new GetObjectCommand({ Bucket, Key: 'private/c.txt' })), 'AccessDenied', 403);
      assert.equal(await read(bob, Bucket, 'public/a.txt'), 'public/a.txt');
      assert.equal((await cairnAdmin(server, ['user', 'delete-policy', 'bob'])).code, 0);
      assert.equal(await read(bob, Bucket, 'private/c.txt'), 'private/c.txt');
    });

    it('a user policy alone grants access to another user\'s bucket, with policy variables', async () => {
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Effect: 'Deny', Principal: { AWS: 'bob' }, Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${Bucket}/*` }) }));
      await expectS3Error(bob.send(new PutObjectCommand({ Bucket, Key: 'home/bob/notes.txt', Body: 'n' })), 'AccessDenied', 403);
      const home = policy({ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::alice-conditions/home/${aws:username}/*' });
      assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'bob', '-'], home)).code, 0);
      const shown = await cairnAdmin(server, ['user', 'get-policy', 'bob']);
      assert.equal(shown.stdout.trim(), home);
      await bob.send(new PutObjectCommand({ Bucket, Key: 'home/bob/notes.txt', Body: 'n' }));
      assert.equal(await read(alice, Bucket, 'home/bob/notes.txt'), 'n');
      await expectS3Error(bob.send(new PutObjectCommand({ Bucket, Key: 'home/alice/notes.txt', Body: 'n' })), 'AccessDenied', 403);
      await expectS3Error(alice.send(new GetObjectCommand({ Bucket, Key: 'home/alice/notes.txt' })), 'NoSuchKey', 404);
      assert.equal((await cairnAdmin(server, ['user', 'delete-policy', 'bob'])).code, 0);
    });
  });

  describe('Object Lock: bypassing GOVERNANCE retention needs s3:BypassGovernanceRetention', () => {
    const Bucket = 'alice-locked';
    const grant = (actions: string[]) => policy({ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: actions, Resource: `arn:aws:s3:::${Bucket}/*` });

    it('bob may delete the version only once the policy also grants the bypass', async () => {
      await createLockBucket(alice, Bucket);
      const put = await alice.send(new PutObjectCommand({
        Bucket, Key: 'held.txt', Body: 'held', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: daysFromNow(1), ChecksumAlgorithm: 'CRC32',
      }));
      const VersionId = put.VersionId!;
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: grant(['s3:DeleteObjectVersion']) }));
      await expectS3Error(bob.send(new DeleteObjectCommand({ Bucket, Key: 'held.txt', VersionId, BypassGovernanceRetention: true })), 'AccessDenied', 403);
      assert.equal(await readVersion(alice, Bucket, 'held.txt', VersionId), 'held', 'the refused delete removed nothing');
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: grant(['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention']) }));
      await bob.send(new DeleteObjectCommand({ Bucket, Key: 'held.txt', VersionId, BypassGovernanceRetention: true }));
      await expectS3Error(alice.send(new GetObjectCommand({ Bucket, Key: 'held.txt', VersionId })), 'NoSuchVersion', 404);
    });
  });

  describe('browser uploads (POST Object) are authorized like PutObject', () => {
    const Bucket = 'alice-forms';
    const formOf = async (client: S3Client, Key: string) => {
      const { url, fields } = await createPresignedPost(client, { Bucket, Key });
      return { url, fields: Object.entries(fields) as FormFields };
    };
    const exists = async (Key: string) => alice.send(new GetObjectCommand({ Bucket, Key })).then(() => true, () => false);

    it('the owner\'s form uploads; another user\'s only once a policy grants s3:PutObject; anonymous only through a public policy', async () => {
      await alice.send(new CreateBucketCommand({ Bucket }));
      const own = await formOf(alice, 'by-alice.txt');
      assert.equal((await postForm(own.url, own.fields, { content: 'a' })).status, 204);
      assert.equal(await read(alice, Bucket, 'by-alice.txt'), 'a');
      const bobs = await formOf(bob, 'by-bob.txt');
      const refused = await postForm(bobs.url, bobs.fields, { content: 'b' });
      assert.equal(refused.status, 403);
      assert.equal(refused.errorCode, 'AccessDenied');
      assert.equal(await exists('by-bob.txt'), false, 'the refused form stored nothing');
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${Bucket}/*` }) }));
      assert.equal((await postForm(bobs.url, bobs.fields, { content: 'b' })).status, 204);
      assert.equal(await read(alice, Bucket, 'by-bob.txt'), 'b');

      const url = `${server.endpoint}/${Bucket}`;
      const anonymousForm = await postForm(url, [['key', 'drop/anonymous.txt']], { content: 'x' });
      assert.equal(anonymousForm.errorCode, 'AccessDenied');
      await alice.send(new DeletePublicAccessBlockCommand({ Bucket }));
      await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: policy({ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${Bucket}/drop/*` }) }));
      assert.equal((await postForm(url, [['key', 'drop/anonymous.txt']], { content: 'x' })).status, 204);
      assert.equal(await read(alice, Bucket, 'drop/anonymous.txt'), 'x');
      assert.equal((await postForm(url, [['key', 'elsewhere.txt']], { content: 'x' })).errorCode, 'AccessDenied');
      const withAcl = await postForm(url, [['key', 'drop/public.txt'], ['acl', 'public-read']], { content: 'x' });
      assert.equal(withAcl.status, 400);
      assert.equal(withAcl.errorCode, 'AccessControlListNotSupported');
      assert.equal(await exists('drop/public.txt'), false);
      assert.equal(await exists('elsewhere.txt'), false);
    });
  });
});
