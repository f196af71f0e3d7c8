// S3 Object Lock through the AWS SDK for JavaScript v3 (and raw signed requests for what the SDK
// will not send): lock buckets, PutObjectLockConfiguration's default retention, lock headers on
// PutObject / CopyObject / CreateMultipartUpload, Put/GetObjectRetention and Put/GetObjectLegalHold.
// Every bad input asserts the exact error and that nothing changed.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest } from './helpers/clients.js';
import { createLockBucket, DAY_MS, daysFromNow, lockConfigurationXml, putXml, retentionXml, versionIds } from './helpers/object-lock.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

describe('object lock', () => {
  let server: RunningServer;
  let s3: S3Client;
  const lockOf = (Bucket: string) => s3.send(new GetObjectLockConfigurationCommand({ Bucket })).then((answer) => answer.ObjectLockConfiguration);
  const head = (Bucket: string, Key: string, VersionId?: string) => s3.send(new HeadObjectCommand({ Bucket, Key, VersionId }));

  before(async () => {
    ({ server, s3 } = await openSuite());
  });
  after(() => closeSuite(server, s3));

  it('CreateBucket with x-amz-bucket-object-lock-enabled turns versioning on, and versioning can never be suspended', async () => {
    await createLockBucket(s3, 'ol-create');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'ol-create' }))).Status, 'Enabled');
    assert.deepEqual(await lockOf('ol-create'), { ObjectLockEnabled: 'Enabled' });
    await expectS3Error(s3.send(new PutBucketVersioningCommand({ Bucket: 'ol-create', VersioningConfiguration: { Status: 'Suspended' } })), 'InvalidBucketState', 409);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'ol-create' }))).Status, 'Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ol-create', VersioningConfiguration: { Status: 'Enabled' } }));

    await s3.send(new CreateBucketCommand({ Bucket: 'ol-plain' }));
    await expectS3Error(lockOf('ol-plain'), 'ObjectLockConfigurationNotFoundError', 404);
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: '/ol-badflag', headers: { 'x-amz-bucket-object-lock-enabled': 'yes' } }), 400, 'InvalidArgument');
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: 'ol-badflag' })), 'NotFound', 404);
  });

  it('PutObjectLockConfiguration sets a default retention by days or years, and removes it', async () => {
    await createLockBucket(s3, 'ol-config');
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'ol-config', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }));
    assert.deepEqual(await lockOf('ol-config'), { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } });
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'ol-config', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 2 } } } }));
    assert.deepEqual(await lockOf('ol-config'), { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 2 } } });
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'ol-config', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
    assert.deepEqual(await lockOf('ol-config'), { ObjectLockEnabled: 'Enabled' });
  });

  it('PutObjectLockConfiguration bad input: exact errors, configuration unchanged', async () => {
    await createLockBucket(s3, 'ol-config-bad');
    const kept = { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } } };
    assert.equal((await putXml(server, '/ol-config-bad', { 'object-lock': '' }, lockConfigurationXml({ mode: 'GOVERNANCE', days: '3' }))).status, 200);
    const cases: Array<[string, number, string, { withMd5?: boolean }?]> = [
      [lockConfigurationXml({ mode: 'GOVERNANCE', days: '1', years: '1' }), 400, 'MalformedXML'],
      [lockConfigurationXml({ mode: 'GOVERNANCE' }), 400, 'MalformedXML'],
      [lockConfigurationXml({ mode: 'governance', days: '1' }), 400, 'MalformedXML'],
      [lockConfigurationXml({ mode: 'GOVERNANCE', days: '1' }, 'Disabled'), 400, 'MalformedXML'],
      [lockConfigurationXml({ mode: 'GOVERNANCE', days: 'one' }), 400, 'MalformedXML'],
      ['<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule/></ObjectLockConfiguration>', 400, 'MalformedXML'],
      ['not xml', 400, 'MalformedXML'],
      [lockConfigurationXml({ mode: 'GOVERNANCE', days: '0' }), 400, 'InvalidArgument'],
      [lockConfigurationXml({ mode: 'COMPLIANCE', years: '-1' }), 400, 'InvalidArgument'],
      [lockConfigurationXml({ mode: 'COMPLIANCE', days: '36501' }), 400, 'InvalidArgument'],
      [lockConfigurationXml({ mode: 'COMPLIANCE', years: '101' }), 400, 'InvalidArgument'],
      [lockConfigurationXml({ mode: 'COMPLIANCE', days: '1' }), 400, 'InvalidRequest', { withMd5: false }],
    ];
    for (const [body, status, code, options] of cases) {
      expectErrorResponse(await putXml(server, '/ol-config-bad', { 'object-lock': '' }, body, options), status, code);
      assert.deepEqual(await lockOf('ol-config-bad'), kept, body);
    }
    expectErrorResponse(await putXml(server, '/ol-no-such-bucket', { 'object-lock': '' }, lockConfigurationXml()), 404, 'NoSuchBucket');
  });

  it('enables Object Lock on an existing bucket only while its versioning is Enabled (InvalidBucketState otherwise)', async () => {
    const enable = (Bucket: string) => s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
    await s3.send(new CreateBucketCommand({ Bucket: 'ol-later-plain' }));
    await expectS3Error(enable('ol-later-plain'), 'InvalidBucketState', 409);
    await expectS3Error(lockOf('ol-later-plain'), 'ObjectLockConfigurationNotFoundError', 404);
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ol-later-plain', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ol-later-plain', VersioningConfiguration: { Status: 'Suspended' } }));
    await expectS3Error(enable('ol-later-plain'), 'InvalidBucketState', 409);
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ol-later-plain', VersioningConfiguration: { Status: 'Enabled' } }));
    const before = (await s3.send(new PutObjectCommand({ Bucket: 'ol-later-plain', Key: 'k', Body: 'written before' }))).VersionId!;
    await enable('ol-later-plain');
    assert.deepEqual(await lockOf('ol-later-plain'), { ObjectLockEnabled: 'Enabled' });
    await expectS3Error(s3.send(new PutBucketVersioningCommand({ Bucket: 'ol-later-plain', VersioningConfiguration: { Status: 'Suspended' } })), 'InvalidBucketState', 409);
    // A version from before has no lock until one is put on it.
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket: 'ol-later-plain', Key: 'k', VersionId: before })), 'NoSuchObjectLockConfiguration', 404);
  });

  it('applies the default retention to new versions that name none (PutObject, CopyObject, multipart); explicit headers win', async () => {
    await createLockBucket(s3, 'ol-default');
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'ol-default', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }));
    const startMs = Date.now();
    const assertDefault = async (Key: string) => {
      const answer = await head('ol-default', Key);
      assert.equal(answer.ObjectLockMode, 'GOVERNANCE', Key);
      const untilMs = answer.ObjectLockRetainUntilDate!.getTime();
      assert.ok(untilMs >= startMs + DAY_MS && untilMs <= Date.now() + DAY_MS, `${Key}: retain until ${answer.ObjectLockRetainUntilDate!.toISOString()}`);
      assert.equal(answer.ObjectLockLegalHoldStatus, undefined);
    };
    await s3.send(new PutObjectCommand({ Bucket: 'ol-default', Key: 'put', Body: 'x' }));
    await assertDefault('put');
    await s3.send(new CopyObjectCommand({ Bucket: 'ol-default', Key: 'copy', CopySource: 'ol-default/put' }));
    await assertDefault('copy');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'ol-default', Key: 'multipart' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'ol-default', Key: 'multipart', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'ol-default', Key: 'multipart', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    await assertDefault('multipart');
    const until = daysFromNow(3);
    await s3.send(new PutObjectCommand({ Bucket: 'ol-default', Key: 'explicit', Body: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }));
    const explicit = await head('ol-default', 'explicit');
    assert.equal(explicit.ObjectLockMode, 'COMPLIANCE');
    assert.equal(explicit.ObjectLockRetainUntilDate?.getTime(), until.getTime());

    await createLockBucket(s3, 'ol-default-years');
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'ol-default-years', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } } }));
    await s3.send(new PutObjectCommand({ Bucket: 'ol-default-years', Key: 'k', Body: 'x' }));
    const answer = await head('ol-default-years', 'k');
    const expected = new Date(answer.LastModified!);
    expected.setUTCFullYear(expected.getUTCFullYear() + 1);
    assert.equal(answer.ObjectLockMode, 'COMPLIANCE');
    assert.ok(Math.abs(answer.ObjectLockRetainUntilDate!.getTime() - expected.getTime()) < 2000);
  });

  it('PutObject with lock headers: stored and returned on HEAD and GET; every bad header refused before a byte is written', async () => {
    await createLockBucket(s3, 'ol-headers');
    const until = daysFromNow(2);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'ol-headers', Key: 'k', Body: 'held', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until, ObjectLockLegalHoldStatus: 'ON' }));
    const answer = await head('ol-headers', 'k', put.VersionId);
    assert.deepEqual([answer.ObjectLockMode, answer.ObjectLockRetainUntilDate?.getTime(), answer.ObjectLockLegalHoldStatus], ['GOVERNANCE', until.getTime(), 'ON']);
    const raw = await rawRequest(server, { method: 'GET', path: '/ol-headers/k' });
    assert.equal(raw.headers['x-amz-object-lock-retain-until-date'], until.toISOString());
    assert.equal(raw.headers['x-amz-object-lock-legal-hold'], 'ON');

    const body = 'refused';
    const withMd5 = { 'content-md5': md5Base64(body) };
    const future = daysFromNow(1).toISOString();
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...withMd5, 'x-amz-object-lock-mode': 'GOVERNANCE' }, 'InvalidArgument'],
      [{ ...withMd5, 'x-amz-object-lock-retain-until-date': future }, 'InvalidArgument'],
      [{ ...withMd5, 'x-amz-object-lock-mode': 'Governance', 'x-amz-object-lock-retain-until-date': future }, 'InvalidArgument'],
      [{ ...withMd5, 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': '2001-01-01T00:00:00Z' }, 'InvalidArgument'],
      [{ ...withMd5, 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': 'next tuesday' }, 'InvalidArgument'],
      [{ ...withMd5, 'x-amz-object-lock-legal-hold': 'on' }, 'InvalidArgument'],
      [{ 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': future }, 'InvalidRequest'],
      [{ 'x-amz-object-lock-legal-hold': 'ON' }, 'InvalidRequest'],
    ];
    for (const [headers, code] of cases) {
      expectErrorResponse(await rawRequest(server, { method: 'PUT', path: '/ol-headers/refused', body, headers }), 400, code);
    }
    assert.deepEqual((await versionIds(s3, 'ol-headers')).versions, [`k@${put.VersionId}`], 'nothing was written');
    const accepted = await rawRequest(server, { method: 'PUT', path: '/ol-headers/accepted', body, headers: { ...withMd5, 'x-amz-object-lock-legal-hold': 'OFF' } });
    assert.equal(accepted.status, 200);
    assert.equal((await head('ol-headers', 'accepted')).ObjectLockLegalHoldStatus, 'OFF');

    await s3.send(new CreateBucketCommand({ Bucket: 'ol-headers-plain' }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: 'ol-headers-plain', Key: 'k', Body: 'x', ObjectLockLegalHoldStatus: 'ON' })), 'InvalidRequest', 400);
    await expectS3Error(head('ol-headers-plain', 'k'), 'NotFound', 404);
  });

  it('PutObject into a bucket with a default retention needs Content-MD5 or a checksum', async () => {
    await createLockBucket(s3, 'ol-default-md5');
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'ol-default-md5', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }));
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: '/ol-default-md5/k', body: 'x' }), 400, 'InvalidRequest');
    assert.deepEqual(await versionIds(s3, 'ol-default-md5'), { versions: [], markers: [] });
    assert.equal((await rawRequest(server, { method: 'PUT', path: '/ol-default-md5/k', body: 'x', headers: { 'x-amz-checksum-crc32': 'jNwWgw==' } })).status, 200);
  });

  it('lock headers on CopyObject and CreateMultipartUpload; a copy never inherits its source\'s lock', async () => {
    await createLockBucket(s3, 'ol-copy');
    await s3.send(new PutObjectCommand({ Bucket: 'ol-copy', Key: 'source', Body: 'src', ObjectLockLegalHoldStatus: 'ON' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'ol-copy', Key: 'plain-copy', CopySource: 'ol-copy/source' }));
    const plain = await head('ol-copy', 'plain-copy');
    assert.deepEqual([plain.ObjectLockMode, plain.ObjectLockLegalHoldStatus], [undefined, undefined]);
    const until = daysFromNow(2);
    await s3.send(new CopyObjectCommand({ Bucket: 'ol-copy', Key: 'locked-copy', CopySource: 'ol-copy/source', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }));
    assert.equal((await head('ol-copy', 'locked-copy')).ObjectLockRetainUntilDate?.getTime(), until.getTime());

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'ol-copy', Key: 'mp', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until, ObjectLockLegalHoldStatus: 'ON' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'ol-copy', Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'ol-copy', Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    const completed = await head('ol-copy', 'mp');
    assert.deepEqual([completed.ObjectLockMode, completed.ObjectLockRetainUntilDate?.getTime(), completed.ObjectLockLegalHoldStatus], ['GOVERNANCE', until.getTime(), 'ON']);

    await s3.send(new CreateBucketCommand({ Bucket: 'ol-copy-plain' }));
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: 'ol-copy-plain', Key: 'k', CopySource: 'ol-copy/source', ObjectLockLegalHoldStatus: 'ON' })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: 'ol-copy-plain', Key: 'k', ObjectLockLegalHoldStatus: 'ON' })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: 'ol-copy', Key: 'k', ObjectLockMode: 'GOVERNANCE' })), 'InvalidArgument', 400);
    assert.deepEqual(await versionIds(s3, 'ol-copy-plain'), { versions: [], markers: [] });
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'ol-copy-plain' }))).Uploads, undefined);
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'ol-copy' }))).Uploads, undefined);
  });

  it('PutObjectRetention / GetObjectRetention: extend freely; shorten, change or remove GOVERNANCE only with the bypass', async () => {
    await createLockBucket(s3, 'ol-retention');
    const older = (await s3.send(new PutObjectCommand({ Bucket: 'ol-retention', Key: 'k', Body: 'old' }))).VersionId!;
    const current = (await s3.send(new PutObjectCommand({ Bucket: 'ol-retention', Key: 'k', Body: 'new' }))).VersionId!;
    const retentionOf = async (VersionId?: string) => (await s3.send(new GetObjectRetentionCommand({ Bucket: 'ol-retention', Key: 'k', VersionId }))).Retention;
    const putRetention = (Mode: 'GOVERNANCE' | 'COMPLIANCE' | undefined, RetainUntilDate: Date | undefined, BypassGovernanceRetention?: boolean, VersionId?: string) =>
      s3.send(new PutObjectRetentionCommand({ Bucket: 'ol-retention', Key: 'k', VersionId, BypassGovernanceRetention, Retention: Mode === undefined ? {} : { Mode, RetainUntilDate } }));
    await expectS3Error(retentionOf(), 'NoSuchObjectLockConfiguration', 404);
    const [one, two, three] = [daysFromNow(1), daysFromNow(2), daysFromNow(3)];
    await putRetention('GOVERNANCE', two);
    assert.deepEqual(await retentionOf(), { Mode: 'GOVERNANCE', RetainUntilDate: two });
    await putRetention('GOVERNANCE', three);
    assert.deepEqual(await retentionOf(current), { Mode: 'GOVERNANCE', RetainUntilDate: three });
    await expectS3Error(putRetention('GOVERNANCE', one), 'AccessDenied', 403);
    await expectS3Error(putRetention('COMPLIANCE', three), 'AccessDenied', 403);
    await expectS3Error(putRetention(undefined, undefined), 'AccessDenied', 403);
    assert.deepEqual(await retentionOf(), { Mode: 'GOVERNANCE', RetainUntilDate: three }, 'refusals changed nothing');
    await putRetention('GOVERNANCE', one, true);
    assert.deepEqual(await retentionOf(), { Mode: 'GOVERNANCE', RetainUntilDate: one });
    await putRetention(undefined, undefined, true);
    await expectS3Error(retentionOf(), 'NoSuchObjectLockConfiguration', 404);
    // By version id: the older version only.
    await putRetention('COMPLIANCE', two, undefined, older);
    assert.deepEqual(await retentionOf(older), { Mode: 'COMPLIANCE', RetainUntilDate: two });
    await expectS3Error(retentionOf(current), 'NoSuchObjectLockConfiguration', 404);
    await putRetention('GOVERNANCE', one);
    await putRetention('COMPLIANCE', one, true);
    assert.deepEqual(await retentionOf(), { Mode: 'COMPLIANCE', RetainUntilDate: one }, 'GOVERNANCE becomes COMPLIANCE with the bypass');
  });

  it('PutObjectRetention / GetObjectRetention bad input: exact errors, retention unchanged', async () => {
    await createLockBucket(s3, 'ol-retention-bad');
    const id = (await s3.send(new PutObjectCommand({ Bucket: 'ol-retention-bad', Key: 'k', Body: 'x' }))).VersionId!;
    const kept = daysFromNow(2);
    await s3.send(new PutObjectRetentionCommand({ Bucket: 'ol-retention-bad', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: kept } }));
    const future = daysFromNow(5).toISOString();
    const cases: Array<[string, Record<string, string>, string, number, string, boolean?]> = [
      ['/ol-retention-bad/k', {}, retentionXml('governance', future), 400, 'MalformedXML'],
      ['/ol-retention-bad/k', {}, retentionXml('GOVERNANCE'), 400, 'MalformedXML'],
      ['/ol-retention-bad/k', {}, retentionXml(undefined, future), 400, 'MalformedXML'],
      ['/ol-retention-bad/k', {}, retentionXml('GOVERNANCE', 'soon'), 400, 'MalformedXML'],
      ['/ol-retention-bad/k', {}, '<Retention><Mode>', 400, 'MalformedXML'],
      ['/ol-retention-bad/k', {}, retentionXml('GOVERNANCE', '2001-01-01T00:00:00Z'), 400, 'InvalidArgument'],
      ['/ol-retention-bad/k', {}, retentionXml('GOVERNANCE', future), 400, 'InvalidRequest', false],
      ['/ol-retention-bad/missing', {}, retentionXml('GOVERNANCE', future), 404, 'NoSuchKey'],
      ['/ol-retention-bad/k', { versionId: '0'.repeat(32) }, retentionXml('GOVERNANCE', future), 404, 'NoSuchVersion'],
      ['/ol-retention-bad/k', { versionId: 'bogus' }, retentionXml('GOVERNANCE', future), 400, 'InvalidArgument'],
    ];
    for (const [path, query, body, status, code, withMd5] of cases) {
      expectErrorResponse(await putXml(server, path, { retention: '', ...query }, body, { withMd5 }), status, code);
      const retention = (await s3.send(new GetObjectRetentionCommand({ Bucket: 'ol-retention-bad', Key: 'k', VersionId: id }))).Retention;
      assert.deepEqual(retention, { Mode: 'GOVERNANCE', RetainUntilDate: kept }, `${code}: ${body}`);
    }
    await s3.send(new CreateBucketCommand({ Bucket: 'ol-retention-plain' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ol-retention-plain', Key: 'k', Body: 'x' }));
    await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: 'ol-retention-plain', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: kept } })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket: 'ol-retention-plain', Key: 'k' })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new GetObjectLegalHoldCommand({ Bucket: 'ol-retention-plain', Key: 'k' })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new PutObjectLegalHoldCommand({ Bucket: 'ol-retention-plain', Key: 'k', LegalHold: { Status: 'ON' } })), 'InvalidRequest', 400);
    assert.equal((await head('ol-retention-plain', 'k')).ObjectLockLegalHoldStatus, undefined);
  });

  it('PutObjectLegalHold / GetObjectLegalHold: a status once set; bad input refused', async () => {
    await createLockBucket(s3, 'ol-hold');
    const id = (await s3.send(new PutObjectCommand({ Bucket: 'ol-hold', Key: 'k', Body: 'x' }))).VersionId!;
    const holdOf = async () => (await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'ol-hold', Key: 'k', VersionId: id }))).LegalHold?.Status;
    await expectS3Error(holdOf(), 'NoSuchObjectLockConfiguration', 404);
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'ol-hold', Key: 'k', LegalHold: { Status: 'ON' } }));
    assert.equal(await holdOf(), 'ON');
    for (const [body, code, withMd5] of [
      ['<LegalHold><Status>on</Status></LegalHold>', 'MalformedXML', true],
      ['<LegalHold/>', 'MalformedXML', true],
      ['<LegalHold><Status>OFF</Status></LegalHold>', 'InvalidRequest', false],
    ] as Array<[string, string, boolean]>) {
      expectErrorResponse(await putXml(server, '/ol-hold/k', { 'legal-hold': '' }, body, { withMd5 }), 400, code);
      assert.equal(await holdOf(), 'ON', body);
    }
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'ol-hold', Key: 'k', VersionId: id, LegalHold: { Status: 'OFF' } }));
    assert.equal(await holdOf(), 'OFF');
  });
});
