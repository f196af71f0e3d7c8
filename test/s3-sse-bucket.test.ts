// Bucket default encryption (Put/Get/DeleteBucketEncryption) through the JS SDK: new objects from PUT,
// POST, copy and multipart get SSE-S3 when the bucket says so; bad configurations get S3's errors and
// change nothing; and bucket policies see s3:x-amz-server-side-encryption and its KMS key id key.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest } from './helpers/clients.js';
import { postForm, type FormFields } from './helpers/forms.js';
import { createUser, userClient } from './helpers/iam.js';
import { type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';
import { filesContaining } from './helpers/files-containing.js';

const BUCKET = 'sse-default';

const configuration = (algorithm: string, extra = '', bucketKey = '') =>
  `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${algorithm}</SSEAlgorithm>${extra}</ApplyServerSideEncryptionByDefault>${bucketKey}</Rule></ServerSideEncryptionConfiguration>`;

describe('bucket default encryption', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(async () => closeSuite(server, s3));

  it('an unconfigured bucket has no default: GetBucketEncryption answers 404 and objects are stored as sent', async () => {
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })), 'ServerSideEncryptionConfigurationNotFoundError', 404);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'before', Body: 'plain' }));
    assert.equal(put.ServerSideEncryption, undefined);
  });

  it('PutBucketEncryption AES256: PUT, POST, copy and multipart without headers are SSE-S3; Get reads it back; Delete removes it', async () => {
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
    }));
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    assert.deepEqual(got.ServerSideEncryptionConfiguration?.Rules, [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }]);

    const marker = Buffer.from(`DEFAULT-ENCRYPTION-MARKER-${randomBytes(8).toString('hex')}`);
    const body = Buffer.concat(Array.from({ length: 2000 }, () => marker));
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'defaulted', Body: body }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    const read = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'defaulted' }));
    assert.equal(read.ServerSideEncryption, 'AES256');
    assert.ok(Buffer.from(await read.Body!.transformToByteArray()).equals(body));
    assert.deepEqual(filesContaining(server.dataDirectory, marker), [], 'the default-encrypted object is not on disk in plain text');

    const copied = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/before` }));
    assert.equal(copied.ServerSideEncryption, 'AES256');
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart' }));
    assert.equal(created.ServerSideEncryption, 'AES256');
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multipart', UploadId: created.UploadId, PartNumber: 1, Body: 'part' }));
    assert.equal(part.ServerSideEncryption, 'AES256');
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart', UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multipart' }))).ServerSideEncryption, 'AES256');

    const post = await createPresignedPost(s3, { Bucket: BUCKET, Key: 'posted' });
    const posted = await postForm(post.url, Object.entries(post.fields) as FormFields, { filename: 'f.txt', content: Buffer.from('form body') });
    assert.equal(posted.status, 204);
    assert.equal(posted.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'posted' }))).ServerSideEncryption, 'AES256');

    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: BUCKET }));
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })), 'ServerSideEncryptionConfigurationNotFoundError', 404);
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after', Body: 'plain' }))).ServerSideEncryption, undefined);
    // Objects written under the default stay readable.
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'multipart' }))).Body!.transformToString(), 'part');
  });

  it('bad configurations: S3 errors, and the configuration is unchanged', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['unknown algorithm', configuration('AES128'), 400, 'MalformedXML'],
      ['KMS key id with AES256', configuration('AES256', '<KMSMasterKeyID>arn:aws:kms:us-east-1:000000000000:key/x</KMSMasterKeyID>'), 400, 'InvalidArgument'],
      ['two rules', configuration('AES256').replace('</Rule>', '</Rule><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>'), 400, 'MalformedXML'],
      ['BucketKeyEnabled not a boolean', configuration('AES256', '', '<BucketKeyEnabled>maybe</BucketKeyEnabled>'), 400, 'MalformedXML'],
      ['not XML', '<ServerSideEncryptionConfiguration', 400, 'MalformedXML'],
      ['aws:kms with an unknown key', configuration('aws:kms', '<KMSMasterKeyID>arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000</KMSMasterKeyID>'), 400, 'KMS.NotFoundException'],
    ];
    for (const [label, body, status, code] of cases) {
      const answer = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}`, query: { encryption: '' }, headers: { 'content-md5': md5Base64(body) }, body });
      expectErrorResponse(answer, status, code);
      await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })), 'ServerSideEncryptionConfigurationNotFoundError', 404).catch((error: unknown) => {
        throw new Error(`${label}: ${String(error)}`);
      });
    }
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: 'no-such-bucket-here' })), 'NoSuchBucket', 404);
  });
});

describe('bucket policies on s3:x-amz-server-side-encryption', () => {
  let server: RunningServer;
  let root: S3Client;
  let alice: S3Client;
  const Bucket = 'alice-encrypted';

  before(async () => {
    ({ server, s3: root } = await openSuite());
    alice = userClient(server, await createUser(server, 'alice'));
    await alice.send(new CreateBucketCommand({ Bucket }));
    await alice.send(new PutBucketPolicyCommand({
      Bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'RequireSseS3', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${Bucket}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } },
          { Sid: 'NoSuchKmsKey', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${Bucket}/*`, Condition: { StringEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'forbidden-key' } } },
        ],
      }),
    }));
  });
  after(async () => {
    alice?.destroy();
    await closeSuite(server, root);
  });

  it('a PUT without AES256 is denied and stores nothing; with it, allowed', async () => {
    await expectS3Error(alice.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'x' })), 'AccessDenied', 403);
    await expectS3Error(alice.send(new HeadObjectCommand({ Bucket, Key: 'plain' })), 'NotFound', 404);
    const put = await alice.send(new PutObjectCommand({ Bucket, Key: 'encrypted', Body: 'x', ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
  });

  it('the KMS key id condition key is seen by the policy', async () => {
    await expectS3Error(alice.send(new PutObjectCommand({ Bucket, Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'forbidden-key' })), 'AccessDenied', 403);
    await expectS3Error(alice.send(new HeadObjectCommand({ Bucket, Key: 'kms' })), 'NotFound', 404);
  });
});
