// ACLs and Object Ownership with ACLs enabled (ObjectWriter, BucketOwnerPreferred): canned ACLs,
// grant headers and AccessControlPolicy bodies round-trip through Get*Acl; ACL grants are evaluated
// with policies (an explicit deny wins) and Block Public Access overrides public grants; bad input
// gets S3's error and changes nothing. Then `--new-bucket-defaults legacy`, and boto3's ACL calls.
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketOwnershipControlsCommand,
  DeletePublicAccessBlockCommand, GetBucketAclCommand, GetBucketOwnershipControlsCommand, GetObjectAclCommand, GetObjectCommand,
  GetPublicAccessBlockCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketAclCommand, PutBucketOwnershipControlsCommand, PutBucketPolicyCommand,
  PutObjectAclCommand, PutObjectCommand, PutPublicAccessBlockCommand, UploadPartCommand, type Grant, type ObjectCannedACL, type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { adminCall } from './helpers/faults.js';
import { expiresIn, postForm, sigV4Conditions, sigV4Fields } from './helpers/forms.js';
import { anonymousClient, cairnAdmin, createUser, userClient, type UserKeys } from './helpers/iam.js';
import { awsClientEnvironment, runCommand } from './helpers/processes.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const EC2 = '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c';
const OPEN_BLOCK = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

/** Each grant as [xsi:type, ID or URI, permission], in the order S3 lists them. */
function summary(grants: Grant[] | undefined): string[][] {
  return (grants ?? []).map((grant) => [grant.Grantee?.Type ?? '', grant.Grantee?.ID ?? grant.Grantee?.URI ?? '', grant.Permission ?? '']);
}

describe('ACLs with Object Ownership ObjectWriter and BucketOwnerPreferred', () => {
  let server: RunningServer;
  let s3: S3Client;
  let anonymous: S3Client;
  let bob: S3Client;
  let bobKeys: UserKeys;
  let rootId: string;
  let bobId: string;
  const Bucket = 'acl-writer';

  async function objectGrants(Key: string): Promise<string[][]> {
    return summary((await s3.send(new GetObjectAclCommand({ Bucket, Key }))).Grants);
  }
  async function expectAbsent(Key: string, bucket = Bucket): Promise<void> {
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key })), 'NotFound', 404);
  }

  before(async () => {
    ({ server, s3 } = await openSuite());
    anonymous = anonymousClient(server);
    bobKeys = await createUser(server, 'bob');
    bob = userClient(server, bobKeys);
    // The operator's command; the admin API is PUT /_cairn/admin/users/bob/email.
    const setEmail = await cairnAdmin(server, ['user', 'set-email', 'bob', 'Bob@Example.com']);
    assert.equal(setEmail.code, 0, setEmail.stderr);
    bobId = (await adminCall(server, 'GET', '/users/bob')).json.canonicalId;
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'ObjectWriter' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    rootId = (await s3.send(new GetBucketAclCommand({ Bucket }))).Owner!.ID!;
  });
  after(async () => {
    anonymous?.destroy();
    bob?.destroy();
    await closeSuite(server, s3);
  });

  it('sets, reads and deletes each ownership mode; x-amz-object-ownership on CreateBucket', async () => {
    const mode = async (bucket: string) => (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership;
    assert.equal(await mode(Bucket), 'ObjectWriter');
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-preferred', ObjectOwnership: 'BucketOwnerPreferred' }));
    assert.equal(await mode('acl-preferred'), 'BucketOwnerPreferred');
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-enforced' }));
    assert.equal(await mode('acl-enforced'), 'BucketOwnerEnforced');
    for (const ObjectOwnership of ['ObjectWriter', 'BucketOwnerPreferred', 'BucketOwnerEnforced'] as const) {
      await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'acl-enforced', OwnershipControls: { Rules: [{ ObjectOwnership }] } }));
      assert.equal(await mode('acl-enforced'), ObjectOwnership);
    }
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-deleted-controls' }));
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'acl-deleted-controls' }));
    await expectS3Error(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acl-deleted-controls' })), 'OwnershipControlsNotFoundError', 404);
    // Bad values: S3's errors, nothing created or changed.
    const created = await rawRequest(server, { method: 'PUT', path: '/acl-bad-ownership', headers: { 'x-amz-object-ownership': 'Nobody' } });
    expectErrorResponse(created, 400, 'InvalidArgument');
    await expectS3Error(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acl-bad-ownership' })), 'NoSuchBucket', 404);
    const body = '<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule></OwnershipControls>';
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: '/acl-enforced', query: { ownershipControls: '' }, body }), 400, 'MalformedXML');
    assert.equal(await mode('acl-enforced'), 'BucketOwnerEnforced');
  });

  it('canned ACLs on PutObject round-trip through GetObjectAcl', async () => {
    const owner = ['CanonicalUser', rootId, 'FULL_CONTROL'];
    const expected: Record<string, string[][]> = {
      private: [owner],
      'public-read': [owner, ['Group', ALL_USERS, 'READ']],
      'public-read-write': [owner, ['Group', ALL_USERS, 'READ'], ['Group', ALL_USERS, 'WRITE']],
      'authenticated-read': [owner, ['Group', AUTHENTICATED_USERS, 'READ']],
      'aws-exec-read': [owner, ['CanonicalUser', EC2, 'READ']],
      'bucket-owner-read': [owner],
      'bucket-owner-full-control': [owner],
    };
    for (const [ACL, grants] of Object.entries(expected)) {
      await s3.send(new PutObjectCommand({ Bucket, Key: `canned-${ACL}`, Body: 'x', ACL: ACL as ObjectCannedACL }));
      assert.deepEqual(await objectGrants(`canned-${ACL}`), grants, ACL);
    }
    const read = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'canned-private' }));
    assert.deepEqual([read.Owner?.ID, read.Owner?.DisplayName], [rootId, 'root']);
    // No ACL at all: private.
    await s3.send(new PutObjectCommand({ Bucket, Key: 'no-acl', Body: 'x' }));
    assert.deepEqual(await objectGrants('no-acl'), [owner]);
  });

  it('grant headers (id, emailAddress, uri) and an XML body round-trip, on buckets and objects', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'granted', Body: 'x' }));
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'granted', GrantFullControl: `id="${rootId}"`, GrantRead: `emailAddress="bob@example.com", uri="${ALL_USERS}"`, GrantWriteACP: `id=${bobId}` }));
    assert.deepEqual(await objectGrants('granted'), [
      ['CanonicalUser', rootId, 'FULL_CONTROL'], ['CanonicalUser', bobId, 'READ'], ['Group', ALL_USERS, 'READ'], ['CanonicalUser', bobId, 'WRITE_ACP'],
    ]);
    const read = await s3.send(new GetBucketAclCommand({ Bucket }));
    const Grants: Grant[] = [
      { Grantee: { Type: 'CanonicalUser', ID: rootId }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'BOB@example.com' }, Permission: 'READ' },
      { Grantee: { Type: 'Group', URI: LOG_DELIVERY }, Permission: 'WRITE' },
    ];
    await s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy: { Owner: read.Owner, Grants } }));
    assert.deepEqual(summary((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants), [
      ['CanonicalUser', rootId, 'FULL_CONTROL'], ['CanonicalUser', bobId, 'READ'], ['Group', LOG_DELIVERY, 'WRITE'],
    ]);
    const raw = await rawRequest(server, { method: 'GET', path: `/${Bucket}`, query: { acl: '' } });
    assert.match(raw.text, /<Grantee xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance" xsi:type="Group"><URI>http:\/\/acs.amazonaws.com\/groups\/s3\/LogDelivery<\/URI><\/Grantee>/);
  });

  it('an ACL grant permits what no policy allows: anonymous reads of public-read, a user writing with WRITE', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'public.txt', Body: 'for everyone', ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'private.txt', Body: 'secret' }));
    assert.equal(await (await anonymous.send(new GetObjectCommand({ Bucket, Key: 'public.txt' }))).Body!.transformToString(), 'for everyone');
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'private.txt' })), 'AccessDenied', 403);
    await expectS3Error(bob.send(new PutObjectCommand({ Bucket, Key: 'by-bob', Body: 'x' })), 'AccessDenied', 403);
    await s3.send(new PutBucketAclCommand({ Bucket, GrantFullControl: `id="${rootId}"`, GrantWrite: `id="${bobId}"` }));
    await bob.send(new PutObjectCommand({ Bucket, Key: 'by-bob', Body: 'bob wrote this' }));
    // ObjectWriter: the writer owns the object, and its private ACL grants only the writer.
    const acl = await bob.send(new GetObjectAclCommand({ Bucket, Key: 'by-bob' }));
    assert.equal(acl.Owner?.ID, bobId);
    assert.deepEqual(summary(acl.Grants), [['CanonicalUser', bobId, 'FULL_CONTROL']]);
    assert.equal(await (await bob.send(new GetObjectCommand({ Bucket, Key: 'by-bob' }))).Body!.transformToString(), 'bob wrote this');
    await expectS3Error(bob.send(new GetObjectCommand({ Bucket, Key: 'private.txt' })), 'AccessDenied', 403);
  });

  it('BucketOwnerPreferred: bucket-owner-full-control makes the bucket owner the owner', async () => {
    const preferred = 'acl-preferred';
    await s3.send(new PutBucketAclCommand({ Bucket: preferred, GrantFullControl: `id="${rootId}"`, GrantWrite: `id="${bobId}"` }));
    await bob.send(new PutObjectCommand({ Bucket: preferred, Key: 'handed-over', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await bob.send(new PutObjectCommand({ Bucket: preferred, Key: 'kept', Body: 'x', ACL: 'bucket-owner-read' }));
    const handed = await s3.send(new GetObjectAclCommand({ Bucket: preferred, Key: 'handed-over' }));
    assert.equal(handed.Owner?.ID, rootId);
    assert.deepEqual(summary(handed.Grants), [['CanonicalUser', rootId, 'FULL_CONTROL']]);
    const kept = await s3.send(new GetObjectAclCommand({ Bucket: preferred, Key: 'kept' }));
    assert.equal(kept.Owner?.ID, bobId);
    assert.deepEqual(summary(kept.Grants), [['CanonicalUser', bobId, 'FULL_CONTROL'], ['CanonicalUser', rootId, 'READ']]);
  });

  it('CopyObject and CreateMultipartUpload (applied at Complete) take the request\'s ACL', async () => {
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copied', CopySource: `${Bucket}/private.txt`, ACL: 'public-read' }));
    assert.deepEqual(await objectGrants('copied'), [['CanonicalUser', rootId, 'FULL_CONTROL'], ['Group', ALL_USERS, 'READ']]);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'assembled', ACL: 'authenticated-read' }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'assembled', UploadId, PartNumber: 1, Body: 'one part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'assembled', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.deepEqual(await objectGrants('assembled'), [['CanonicalUser', rootId, 'FULL_CONTROL'], ['Group', AUTHENTICATED_USERS, 'READ']]);
    assert.equal(await (await bob.send(new GetObjectCommand({ Bucket, Key: 'assembled' }))).Body!.transformToString(), 'one part');
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'assembled' })), 'AccessDenied', 403);
  });

  it('POST uploads: the acl field sets the object\'s ACL; an unknown one is InvalidArgument, nothing stored', async () => {
    const signed = (key: string, acl: string) => {
      const date = new Date();
      const fields = sigV4Fields({ expiration: expiresIn(600), conditions: [{ bucket: Bucket }, { key }, { acl }, ...sigV4Conditions(date)] }, { date });
      return [['key', key], ['acl', acl], ...fields] as Array<[string, string]>;
    };
    const posted = await postForm(`${server.endpoint}/${Bucket}`, signed('posted', 'public-read'), { content: 'posted' });
    assert.equal(posted.status, 204, posted.text);
    assert.deepEqual(await objectGrants('posted'), [['CanonicalUser', rootId, 'FULL_CONTROL'], ['Group', ALL_USERS, 'READ']]);
    assert.equal(await (await anonymous.send(new GetObjectCommand({ Bucket, Key: 'posted' }))).Body!.transformToString(), 'posted');
    const refused = await postForm(`${server.endpoint}/${Bucket}`, signed('posted-badly', 'everyone-please'), { content: 'x' });
    assert.equal(refused.status, 400);
    assert.equal(refused.errorCode, 'InvalidArgument');
    await expectAbsent('posted-badly');
  });

  it('an explicit deny in the bucket policy wins over a public-read grant', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'denied/public.txt', Body: 'x', ACL: 'public-read' }));
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/denied/*` }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'denied/public.txt' })), 'AccessDenied', 403);
    assert.equal((await anonymous.send(new GetObjectCommand({ Bucket, Key: 'public.txt' }))).$metadata.httpStatusCode, 200);
  });

  it('Block Public Access: IgnorePublicAcls makes public grants count for nothing, BlockPublicAcls refuses them', async () => {
    await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { ...OPEN_BLOCK, IgnorePublicAcls: true } }));
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket, Key: 'public.txt' })), 'AccessDenied', 403);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { ...OPEN_BLOCK, BlockPublicAcls: true } }));
    assert.equal((await anonymous.send(new GetObjectCommand({ Bucket, Key: 'public.txt' }))).$metadata.httpStatusCode, 200);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'blocked', Body: 'x', ACL: 'public-read' })), 'AccessDenied', 403);
    await expectAbsent('blocked');
    await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'private.txt', ACL: 'public-read-write' })), 'AccessDenied', 403);
    await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'private.txt', GrantRead: `uri="${AUTHENTICATED_USERS}"` })), 'AccessDenied', 403);
    assert.deepEqual(await objectGrants('private.txt'), [['CanonicalUser', rootId, 'FULL_CONTROL']]);
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'private.txt', ACL: 'private' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
  });

  it('bad input: S3\'s error, and nothing written or changed', async () => {
    const before = await objectGrants('granted');
    const malformed = await rawRequest(server, { method: 'PUT', path: `/${Bucket}/granted`, query: { acl: '' }, body: '<AccessControlPolicy><AccessControlList><Grant>' });
    expectErrorResponse(malformed, 400, 'MalformedACLError');
    const badPermission = `<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>${rootId}</ID></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>`;
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: `/${Bucket}/granted`, query: { acl: '' }, body: badPermission }), 400, 'MalformedACLError');
    await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'granted', GrantRead: 'emailAddress="nobody@example.com"' })), 'UnresolvableGrantByEmailAddress', 400);
    await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'granted', GrantRead: `id="${'e'.repeat(64)}"` })), 'InvalidArgument', 400);
    await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'granted', ACL: 'public-read', GrantRead: `id="${rootId}"` })), 'InvalidRequest', 400);
    const unknownCanned = await rawRequest(server, { method: 'PUT', path: `/${Bucket}/granted`, query: { acl: '' }, headers: { 'x-amz-acl': 'everyone-please' } });
    expectErrorResponse(unknownCanned, 400, 'InvalidArgument');
    assert.deepEqual(await objectGrants('granted'), before);
    const put = await rawRequest(server, { method: 'PUT', path: `/${Bucket}/unknown-canned`, headers: { 'x-amz-acl': 'everyone-please' }, body: 'x' });
    expectErrorResponse(put, 400, 'InvalidArgument');
    await expectAbsent('unknown-canned');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'by-email', Body: 'x', GrantRead: 'emailAddress="nobody@example.com"' })), 'UnresolvableGrantByEmailAddress', 400);
    await expectAbsent('by-email');
    // ACLs granting others on a BucketOwnerEnforced bucket.
    const enforced = 'acl-enforced';
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: enforced, Key: 'public', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    await expectAbsent('public', enforced);
    await expectS3Error(s3.send(new PutBucketAclCommand({ Bucket: enforced, GrantRead: `uri="${ALL_USERS}"` })), 'AccessControlListNotSupported', 400);
    assert.deepEqual(summary((await s3.send(new GetBucketAclCommand({ Bucket: enforced }))).Grants), [['CanonicalUser', rootId, 'FULL_CONTROL']]);
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: 'acl-enforced-public', ACL: 'public-read' })), 'InvalidBucketAclWithObjectOwnership', 400);
    // A user email that another user has already is refused.
    await createUser(server, 'carol');
    assert.equal((await adminCall(server, 'PUT', '/users/carol/email', { email: 'bob@example.COM' })).status, 409);
    assert.equal((await adminCall(server, 'PUT', '/users/carol/email', { email: 'not an email' })).status, 400);
    assert.equal((await adminCall(server, 'GET', '/users/carol')).json.email, undefined);
    assert.equal((await adminCall(server, 'GET', '/users/bob')).json.email, 'Bob@Example.com');
  });

  it('boto3: put_bucket_acl, put_object_acl with grants, get_object_acl and get_bucket_acl', async () => {
    const script = `
import boto3, json, sys
s3 = boto3.client('s3', endpoint_url=sys.argv[1])
s3.put_object(Bucket='${Bucket}', Key='boto3', Body=b'x', ACL='public-read')
s3.put_object_acl(Bucket='${Bucket}', Key='boto3', GrantRead='emailAddress="bob@example.com"', GrantFullControl='id="${rootId}"')
s3.put_bucket_acl(Bucket='${Bucket}', ACL='authenticated-read')
out = {'object': s3.get_object_acl(Bucket='${Bucket}', Key='boto3'), 'bucket': s3.get_bucket_acl(Bucket='${Bucket}')}
print(json.dumps({k: [[g['Grantee']['Type'], g['Grantee'].get('ID') or g['Grantee'].get('URI'), g['Permission']] for g in v['Grants']] for k, v in out.items()}))
`;
    const result = await runCommand('python3', ['-c', script, server.endpoint], { env: awsClientEnvironment(), timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      object: [['CanonicalUser', rootId, 'FULL_CONTROL'], ['CanonicalUser', bobId, 'READ']],
      bucket: [['CanonicalUser', rootId, 'FULL_CONTROL'], ['Group', AUTHENTICATED_USERS, 'READ']],
    });
  });
});

describe('--new-bucket-defaults legacy', () => {
  let server: RunningServer;
  let s3: S3Client;
  let anonymous: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite('legacy-bucket', { extraArgs: ['--new-bucket-defaults', 'legacy'] }));
    anonymous = anonymousClient(server);
  });
  after(async () => {
    anonymous?.destroy();
    await closeSuite(server, s3);
  });

  it('new buckets are ObjectWriter with no public access block, so a public-read object is readable by anyone', async () => {
    const Bucket = 'legacy-bucket';
    assert.equal((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'ObjectWriter');
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket })), 'NoSuchPublicAccessBlockConfiguration', 404);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'open.txt', Body: 'open', ACL: 'public-read' }));
    assert.equal(await (await anonymous.send(new GetObjectCommand({ Bucket, Key: 'open.txt' }))).Body!.transformToString(), 'open');
    await s3.send(new CreateBucketCommand({ Bucket: 'legacy-public', ACL: 'public-read' }));
    // READ on a bucket lists it (ListBucket), but does not read its ACL (READ_ACP).
    assert.equal((await anonymous.send(new ListObjectsV2Command({ Bucket: 'legacy-public' }))).KeyCount, 0);
    await expectS3Error(anonymous.send(new GetBucketAclCommand({ Bucket: 'legacy-public' })), 'AccessDenied', 403);
    // x-amz-object-ownership still chooses.
    await s3.send(new CreateBucketCommand({ Bucket: 'legacy-enforced', ObjectOwnership: 'BucketOwnerEnforced' }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: 'legacy-enforced', Key: 'x', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
  });
});
