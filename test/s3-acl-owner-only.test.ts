// ACLs under BucketOwnerEnforced: the canned ACLs `private` and `bucket-owner-full-control` (and an
// ACL body granting only the owner's FULL_CONTROL) are accepted as no-ops on every operation that
// takes an ACL, as rclone and the CNCF registry need; an ACL granting anyone else is refused with
// AccessControlListNotSupported and nothing is stored.
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type BucketCannedACL,
  type Grant,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { expiresIn, postForm, sigV4Conditions, sigV4Fields } from './helpers/forms.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'acl-no-ops';
// The SDK types bucket ACLs as BucketCannedACL, which omits the object-only names; S3 takes any canned name in the header.
const OWNER_ONLY = ['private', 'bucket-owner-full-control'] as const;
const GRANTING = ['public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read'] as const;

describe('owner-only ACLs under BucketOwnerEnforced', () => {
  let server: RunningServer;
  let s3: S3Client;
  let ownerId: string;

  async function text(key: string): Promise<string> {
    return (await s3.send(new GetObjectCommand({ Bucket, Key: key }))).Body!.transformToString();
  }
  async function expectAbsent(key: string): Promise<void> {
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket, Key: key })), 'NotFound', 404);
  }
  async function ownerFullControlOnly(grants: { Grants?: Grant[] }): Promise<void> {
    assert.deepEqual(grants.Grants?.map((grant) => [grant.Grantee?.ID, grant.Permission]), [[ownerId, 'FULL_CONTROL']]);
  }

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
    ownerId = (await s3.send(new GetBucketAclCommand({ Bucket }))).Owner!.ID!;
  });
  after(() => closeSuite(server, s3));

  it('PutObject, CopyObject and CreateMultipartUpload accept private and bucket-owner-full-control', async () => {
    for (const ACL of OWNER_ONLY) {
      const put = await s3.send(new PutObjectCommand({ Bucket, Key: `put-${ACL}`, Body: `body ${ACL}`, ACL }));
      assert.equal(put.$metadata.httpStatusCode, 200);
      assert.equal(await text(`put-${ACL}`), `body ${ACL}`);
      await ownerFullControlOnly(await s3.send(new GetObjectAclCommand({ Bucket, Key: `put-${ACL}` })));
      const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: `copy-${ACL}`, CopySource: `${Bucket}/put-${ACL}`, ACL }));
      assert.equal(copy.$metadata.httpStatusCode, 200);
      assert.equal(await text(`copy-${ACL}`), `body ${ACL}`);
      const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: `mpu-${ACL}`, ACL }));
      assert.match(upload.UploadId ?? '', /./);
    }
  });

  it('refuses every ACL that grants someone else on object writes, storing nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'source', Body: 'source' }));
    const uploadsBefore = (await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads?.length ?? 0;
    for (const ACL of GRANTING) {
      await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: `refused-${ACL}`, Body: 'x', ACL })), 'AccessControlListNotSupported', 400);
      await expectS3Error(s3.send(new CopyObjectCommand({ Bucket, Key: `refused-${ACL}`, CopySource: `${Bucket}/source`, ACL })), 'AccessControlListNotSupported', 400);
      await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: `refused-${ACL}`, ACL })), 'AccessControlListNotSupported', 400);
      await expectAbsent(`refused-${ACL}`);
    }
    // A grant header, even one naming the owner, is refused as before: only canned no-ops are accepted.
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket, Key: 'refused-grant', Body: 'x', GrantRead: `id=${ownerId}` })), 'AccessControlListNotSupported', 400);
    await expectAbsent('refused-grant');
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads?.length ?? 0, uploadsBefore);
  });

  it('POST uploads accept an owner-only acl field and refuse a granting one', async () => {
    const url = `${server.endpoint}/${Bucket}`;
    const signed = (key: string, acl: string) => {
      const date = new Date();
      const fields = sigV4Fields({ expiration: expiresIn(600), conditions: [{ bucket: Bucket }, { key }, { acl }, ...sigV4Conditions(date)] }, { date });
      return [['key', key], ['acl', acl], ...fields] as Array<[string, string]>;
    };
    for (const acl of OWNER_ONLY) {
      const response = await postForm(url, signed(`post-${acl}`, acl), { content: `posted ${acl}` });
      assert.equal(response.status, 204, response.text);
      assert.equal(await text(`post-${acl}`), `posted ${acl}`);
    }
    const refused = await postForm(url, signed('post-public', 'public-read'), { content: 'x' });
    assert.equal(refused.status, 400);
    assert.equal(refused.errorCode, 'AccessControlListNotSupported');
    await expectAbsent('post-public');
  });

  it('CreateBucket accepts owner-only canned ACLs and refuses granting ones', async () => {
    for (const ACL of OWNER_ONLY) {
      const created = await s3.send(new CreateBucketCommand({ Bucket: `acl-bucket-${ACL}`, ACL: ACL as BucketCannedACL }));
      assert.equal(created.$metadata.httpStatusCode, 200);
    }
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: 'acl-bucket-public', ACL: 'public-read' })), 'InvalidBucketAclWithObjectOwnership', 400);
  });

  it('PutBucketAcl and PutObjectAcl accept owner-only canned ACLs and an owner-only body', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'acl-target', Body: 'x' }));
    for (const ACL of OWNER_ONLY) {
      assert.equal((await s3.send(new PutBucketAclCommand({ Bucket, ACL: ACL as BucketCannedACL }))).$metadata.httpStatusCode, 200);
      assert.equal((await s3.send(new PutObjectAclCommand({ Bucket, Key: 'acl-target', ACL }))).$metadata.httpStatusCode, 200);
    }
    // What a tool sends back after reading the ACL: the owner's own FULL_CONTROL, as an XML body.
    const read = await s3.send(new GetBucketAclCommand({ Bucket }));
    const AccessControlPolicy = { Owner: read.Owner, Grants: [{ Grantee: { Type: 'CanonicalUser' as const, ID: ownerId }, Permission: 'FULL_CONTROL' as const }] };
    assert.equal((await s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy }))).$metadata.httpStatusCode, 200);
    assert.equal((await s3.send(new PutObjectAclCommand({ Bucket, Key: 'acl-target', AccessControlPolicy }))).$metadata.httpStatusCode, 200);
    await ownerFullControlOnly(await s3.send(new GetBucketAclCommand({ Bucket })));
    await ownerFullControlOnly(await s3.send(new GetObjectAclCommand({ Bucket, Key: 'acl-target' })));
  });

  it('PutBucketAcl and PutObjectAcl refuse anything granting someone else, and the ACL stays the owner\'s', async () => {
    const read = await s3.send(new GetBucketAclCommand({ Bucket }));
    const owner = { Type: 'CanonicalUser' as const, ID: ownerId };
    const bodies = [
      [{ Grantee: owner, Permission: 'FULL_CONTROL' as const }, { Grantee: { Type: 'Group' as const, URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' as const }],
      [{ Grantee: owner, Permission: 'READ' as const }],
      [{ Grantee: { Type: 'CanonicalUser' as const, ID: 'f'.repeat(64) }, Permission: 'FULL_CONTROL' as const }],
      [{ Grantee: { Type: 'AmazonCustomerByEmail' as const, EmailAddress: 'someone@example.com' }, Permission: 'FULL_CONTROL' as const }],
    ];
    for (const Grants of bodies) {
      const AccessControlPolicy = { Owner: read.Owner, Grants };
      await expectS3Error(s3.send(new PutBucketAclCommand({ Bucket, AccessControlPolicy })), 'AccessControlListNotSupported', 400);
      await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'acl-target', AccessControlPolicy })), 'AccessControlListNotSupported', 400);
    }
    for (const ACL of GRANTING) {
      await expectS3Error(s3.send(new PutBucketAclCommand({ Bucket, ACL: ACL as BucketCannedACL })), 'AccessControlListNotSupported', 400);
      await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'acl-target', ACL })), 'AccessControlListNotSupported', 400);
    }
    await expectS3Error(s3.send(new PutBucketAclCommand({ Bucket, GrantFullControl: `id=${ownerId}` })), 'AccessControlListNotSupported', 400);
    await expectS3Error(s3.send(new PutObjectAclCommand({ Bucket, Key: 'missing', ACL: 'private' })), 'NoSuchKey', 404);
    // Both a canned ACL and a body, or neither: S3's errors for a malformed Put*Acl.
    const ownerBody = `<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>${ownerId}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`;
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { acl: '' }, headers: { 'x-amz-acl': 'private' }, body: ownerBody }), 400, 'UnexpectedContent');
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { acl: '' } }), 400, 'MissingSecurityHeader');
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { acl: '' }, body: '<AccessControlPolicy>' }), 400, 'MalformedXML');
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { acl: '' }, body: ownerBody })).status, 200);
    await ownerFullControlOnly(await s3.send(new GetBucketAclCommand({ Bucket })));
    await ownerFullControlOnly(await s3.send(new GetObjectAclCommand({ Bucket, Key: 'acl-target' })));
  });
});
