// Bad input to identities and policies, each with its exact error and proof that nothing changed:
// malformed and unknown-action policies, disabled and deleted keys (also across cluster workers),
// ACLs that BucketOwnerEnforced refuses, the admin API for anyone but root, and secrets at rest.
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { cairnAdmin, createUser, userClient, userSigner, type UserKeys } from './helpers/iam.js';
import { startServer, TEST_ACCESS_KEY, type RunningServer } from './helpers/server.js';

const Bucket = 'carol-bucket';

describe('identities and policies: bad input', () => {
  let server: RunningServer;
  let carolKeys: UserKeys;
  let carol: S3Client;
  const keysIn = async (client: S3Client) => ((await client.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((entry) => entry.Key);

  before(async () => {
    server = await startServer();
    carolKeys = await createUser(server, 'carol');
    carol = userClient(server, carolKeys);
    await carol.send(new CreateBucketCommand({ Bucket }));
    await carol.send(new PutObjectCommand({ Bucket, Key: 'kept.txt', Body: 'kept' }));
  });
  after(async () => {
    carol?.destroy();
    await server?.dispose();
  });

  it('cairn admin user add prints the keys as JSON or for a person; names are unique regardless of case', async () => {
    const human = await cairnAdmin(server, ['user', 'add', 'dave']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^user +dave\naccess key id +[A-Z2-7]{20}\nsecret access key +\S{40}\n/);
    const json = JSON.parse((await cairnAdmin(server, ['user', 'add', 'erin', '--json'])).stdout);
    assert.deepEqual(Object.keys(json), ['user', 'accessKeyId', 'secretAccessKey']);
    assert.equal(json.user, 'erin');
    const again = await cairnAdmin(server, ['user', 'add', 'ERIN']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /EntityAlreadyExists/);
    const invalid = await cairnAdmin(server, ['user', 'add', 'no spaces']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /InvalidInput/);
    const listed = JSON.parse((await cairnAdmin(server, ['user', 'list', '--json'])).stdout);
    assert.deepEqual(listed.users.map((user: { name: string }) => user.name), ['carol', 'dave', 'erin']);
    assert.equal(listed.users[0].arn, 'arn:aws:iam::000000000000:user/carol');
    assert.ok(!JSON.stringify(listed).includes(carolKeys.secretAccessKey), 'a listing never shows a secret');
  });

  it('a malformed policy, an unknown action, an unknown principal: MalformedPolicy, nothing stored', async () => {
    const valid = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'dave' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` }] });
    await carol.send(new PutBucketPolicyCommand({ Bucket, Policy: valid }));
    const cases: Array<[string, string]> = [
      ['{"Version": "2012-10-17", "Statement": [', 'This policy contains invalid Json'],
      [valid.replace('s3:GetObject', 's3:GetObjekt'), 'Policy has invalid action'],
      [valid.replace('"dave"', '"nobody-by-this-name"'), 'Invalid principal in policy'],
      [valid.replace(`arn:aws:s3:::${Bucket}/*`, 'arn:aws:s3:::someone-elses/*'), 'Policy has invalid resource'],
      [JSON.stringify({ Version: '2012-10-17', Statement: [] }), 'Could not parse the policy: Statement is empty!'],
      [`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::${Bucket}/${'x'.repeat(21 * 1024)}"}]}`,
        'Policy exceeds the maximum allowed document size.'],
    ];
    for (const [policy, message] of cases) {
      const response = await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { policy: '' }, body: policy, signerOverride: userSigner(carolKeys) });
      expectErrorResponse(response, 400, 'MalformedPolicy');
      assert.match(response.text, new RegExp(`<Message>${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, '&apos;')}</Message>`));
      assert.equal((await carol.send(new GetBucketPolicyCommand({ Bucket }))).Policy, valid, `${message}: the stored policy is unchanged`);
    }
  });

  it('a bad user policy is refused by the admin API (MalformedPolicy) and leaves the user without one', async () => {
    const bad = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Teleport', Resource: '*' }] });
    const set = await cairnAdmin(server, ['user', 'set-policy', 'dave', '-'], bad);
    assert.equal(set.code, 1);
    assert.match(set.stderr, /MalformedPolicy: Policy has invalid action/);
    const withPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] });
    assert.match((await cairnAdmin(server, ['user', 'set-policy', 'dave', '-'], withPrincipal)).stderr, /MalformedPolicy: Policy document should not specify a principal/);
    const shown = await cairnAdmin(server, ['user', 'get-policy', 'dave']);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, /NoSuchEntity/);
  });

  it('a disabled key is InvalidAccessKeyId and writes nothing; enabled again it works', async () => {
    const result = await cairnAdmin(server, ['key', 'disable', carolKeys.accessKeyId]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Inactive/);
    const put = await rawRequest(server, { method: 'PUT', path: `/${Bucket}/while-disabled.txt`, body: 'x', signerOverride: userSigner(carolKeys) });
    expectErrorResponse(put, 403, 'InvalidAccessKeyId');
    assert.match(put.text, new RegExp(`<AWSAccessKeyId>${carolKeys.accessKeyId}</AWSAccessKeyId>`));
    await expectS3Error(carol.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403);
    assert.equal((await cairnAdmin(server, ['key', 'enable', carolKeys.accessKeyId])).code, 0);
    assert.deepEqual(await keysIn(carol), ['kept.txt'], 'the refused PUT wrote nothing');
  });

  it('a deleted key is InvalidAccessKeyId and deletes nothing; the user\'s other key still works', async () => {
    const second = JSON.parse((await cairnAdmin(server, ['key', 'add', 'carol', '--json'])).stdout) as UserKeys;
    assert.equal(second.user, 'carol');
    const third = await cairnAdmin(server, ['key', 'add', 'carol']);
    assert.equal(third.code, 1);
    assert.match(third.stderr, /LimitExceeded/);
    assert.equal((await cairnAdmin(server, ['key', 'remove', carolKeys.accessKeyId])).code, 0);
    const removedAgain = await cairnAdmin(server, ['key', 'remove', carolKeys.accessKeyId]);
    assert.match(removedAgain.stderr, /NoSuchEntity/);
    const del = await rawRequest(server, { method: 'DELETE', path: `/${Bucket}/kept.txt`, signerOverride: userSigner(carolKeys) });
    expectErrorResponse(del, 403, 'InvalidAccessKeyId');
    const secondClient = userClient(server, second);
    assert.deepEqual(await keysIn(secondClient), ['kept.txt'], 'the refused DELETE deleted nothing');
    const keys = JSON.parse((await cairnAdmin(server, ['key', 'list', 'carol', '--json'])).stdout);
    assert.deepEqual(keys.accessKeys.map((key: { accessKeyId: string }) => key.accessKeyId), [second.accessKeyId]);
    carolKeys = second;
    carol.destroy();
    carol = secondClient;
  });

  it('a user that owns a bucket cannot be deleted; a deleted user\'s keys stop working', async () => {
    const refused = await cairnAdmin(server, ['user', 'remove', 'carol']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /DeleteConflict/);
    const dave = await createUser(server, 'frank');
    assert.equal((await cairnAdmin(server, ['user', 'remove', 'frank'])).code, 0);
    const response = await rawRequest(server, { method: 'GET', path: '/', signerOverride: userSigner(dave) });
    expectErrorResponse(response, 403, 'InvalidAccessKeyId');
  });

  it('ACLs other than the owner\'s full control are refused under BucketOwnerEnforced, and change nothing', async () => {
    await expectS3Error(carol.send(new PutObjectCommand({ Bucket, Key: 'public.txt', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    assert.deepEqual(await keysIn(carol), ['kept.txt']);
    await carol.send(new PutObjectCommand({ Bucket, Key: 'owned.txt', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await expectS3Error(carol.send(new PutBucketAclCommand({ Bucket, ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    await expectS3Error(carol.send(new PutObjectAclCommand({ Bucket, Key: 'owned.txt', ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    await expectS3Error(carol.send(new CreateBucketCommand({ Bucket: 'carol-public', ACL: 'public-read' })), 'InvalidBucketAclWithObjectOwnership', 400);
    await assert.rejects(carol.send(new HeadBucketCommand({ Bucket: 'carol-public' })), (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode === 404);
    // An Object Ownership value S3 does not know is MalformedXML.
    await expectS3Error(carol.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'Nobody' as 'ObjectWriter' }] } })), 'MalformedXML', 400);
  });

  it('the admin API answers only the root identity', async () => {
    const asUser = await rawRequest(server, { method: 'GET', path: '/_cairn/admin/users', signerOverride: userSigner(carolKeys) });
    assert.equal(asUser.status, 403);
    assert.equal(JSON.parse(asUser.text).error.code, 'AccessDenied');
    const anonymous = await rawRequest(server, { method: 'POST', path: '/_cairn/admin/users', body: '{"name":"mallory"}', auth: 'none' });
    assert.equal(anonymous.status, 403);
    const forgedSigner = userSigner({ user: 'root', accessKeyId: TEST_ACCESS_KEY, secretAccessKey: 'not-the-root-secret' });
    const forged = await rawRequest(server, { method: 'POST', path: '/_cairn/admin/users', body: '{"name":"mallory"}', signerOverride: forgedSigner });
    assert.equal(forged.status, 403);
    assert.equal(JSON.parse(forged.text).error.code, 'SignatureDoesNotMatch');
    const listed = JSON.parse((await cairnAdmin(server, ['user', 'list', '--json'])).stdout);
    assert.ok(!listed.users.some((user: { name: string }) => user.name === 'mallory'));
  });

  it('secrets are sealed at rest (master.key, mode 0600) and never logged', () => {
    const dataDirectory = server.dataDirectory;
    assert.equal(statSync(join(dataDirectory, 'master.key')).mode & 0o777, 0o600);
    const indexFiles = readdirSync(dataDirectory).filter((name) => name.startsWith('index.db'));
    for (const name of indexFiles) {
      assert.ok(!readFileSync(join(dataDirectory, name)).includes(carolKeys.secretAccessKey), `${name} holds no secret in plain text`);
    }
    assert.ok(!server.stderr().includes(carolKeys.secretAccessKey) && !server.stdout().includes(carolKeys.secretAccessKey));
  });
});

describe('a key disabled through one worker stops working on every worker', () => {
  it('with --workers 2, every request after the disable is refused', async () => {
    const server = await startServer({ extraArgs: ['--workers', '2'] });
    try {
      const keys = await createUser(server, 'grace');
      const signer = userSigner(keys);
      const list = () => rawRequest(server, { method: 'GET', path: '/', headers: { connection: 'close' }, signerOverride: signer });
      for (let attempt = 0; attempt < 6; attempt += 1) assert.equal((await list()).status, 200);
      assert.equal((await cairnAdmin(server, ['key', 'disable', keys.accessKeyId])).code, 0);
      // Fresh connections land on either worker; each reads the key from the index per request.
      for (let attempt = 0; attempt < 12; attempt += 1) expectErrorResponse(await list(), 403, 'InvalidAccessKeyId');
    } finally {
      await server.dispose();
    }
  });
});
