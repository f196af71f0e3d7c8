// Bucket lifecycle against a real server whose lifecycle "day" is one second: configurations
// round-trip through the AWS SDK v3, every refused configuration answers S3's exact error and
// leaves the stored one alone, and the background worker expires, transitions and cleans up what
// the rules name (and nothing else). Waits poll with a deadline rather than sleep a fixed time.
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest, sdkClient } from './helpers/clients.js';
import { expireDays, lifecycleDocument, REFUSED_LIFECYCLE_CONFIGURATIONS, rule } from './helpers/lifecycle-cases.js';
import { startServer, type RunningServer } from './helpers/server.js';

const DAY_SECONDS = 1;
const WAIT_TIMEOUT_MS = 20_000;
const POLL_MS = 100;
/** Long enough for several passes after something became due: what must stay has had its chances. */
const SETTLE_MS = 3 * DAY_SECONDS * 1000;

async function eventually<T>(label: string, probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadlineMs = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadlineMs) assert.fail(`${label}: still ${JSON.stringify(value)} after ${WAIT_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lifecycle', () => {
  let server: RunningServer;
  let s3: S3Client;

  const exists = async (Bucket: string, Key: string) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket, Key }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFound') return false;
      throw error;
    }
  };
  const setRules = (Bucket: string, Rules: LifecycleRule[], minimum?: 'varies_by_storage_class' | 'all_storage_classes_128K') =>
    s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules }, TransitionDefaultMinimumObjectSize: minimum }));
  const bucket = async (Bucket: string, versioned = false) => {
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  };
  const versionsOf = async (Bucket: string, Prefix: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix }));
    return [
      ...(listed.Versions ?? []).map((version) => `${version.Key} ${version.VersionId} ${version.IsLatest ? 'latest' : 'noncurrent'}`),
      ...(listed.DeleteMarkers ?? []).map((marker) => `${marker.Key} marker ${marker.IsLatest ? 'latest' : 'noncurrent'}`),
    ].sort();
  };

  before(async () => {
    server = await startServer({ extraArgs: ['--lifecycle-day-seconds', String(DAY_SECONDS)] });
    s3 = sdkClient(server);
  });
  after(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  it('Put, Get and DeleteBucketLifecycleConfiguration round-trip every element', async () => {
    await bucket('lc-config');
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' })), 'NoSuchLifecycleConfiguration', 404);
    const rules: LifecycleRule[] = [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 }, Transitions: [{ Days: 1, StorageClass: 'GLACIER_IR' }, { Days: 10, StorageClass: 'DEEP_ARCHIVE' }] },
      { ID: 'tagged', Status: 'Disabled', Filter: { And: { Prefix: 'p/', Tags: [{ Key: 'k', Value: 'v' }], ObjectSizeGreaterThan: 5, ObjectSizeLessThan: 500 } }, Expiration: { Date: new Date(Date.UTC(2099, 10, 10)) } },
      { ID: 'versions', Status: 'Enabled', Filter: { Tag: { Key: 'old', Value: 'yes' } },
        NoncurrentVersionExpiration: { NoncurrentDays: 40, NewerNoncurrentVersions: 3 },
        NoncurrentVersionTransitions: [{ NoncurrentDays: 30, StorageClass: 'STANDARD_IA', NewerNoncurrentVersions: 2 }] },
      { ID: 'markers', Status: 'Enabled', Filter: { ObjectSizeLessThan: 1000 }, Expiration: { ExpiredObjectDeleteMarker: true } },
      { ID: 'uploads', Status: 'Enabled', Prefix: 'mp/', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      { ID: 'everything', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 0, StorageClass: 'GLACIER' }] },
    ];
    const put = await setRules('lc-config', rules, 'varies_by_storage_class');
    assert.equal(put.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' }));
    assert.equal(got.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
    assert.deepEqual(got.Rules, rules);

    await setRules('lc-config', [{ Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }]);
    const replaced = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' }));
    assert.equal(replaced.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
    assert.equal(replaced.Rules?.length, 1);
    assert.match(replaced.Rules![0]!.ID ?? '', /^[A-Za-z0-9+/=]{48}$/, 'S3 names a rule sent without an ID');
    assert.deepEqual(replaced.Rules![0]!.Filter, { Prefix: '' });

    assert.equal((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'lc-config' }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' })), 'NoSuchLifecycleConfiguration', 404);
    assert.equal((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'lc-config' }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-missing' })), 'NoSuchBucket', 404);
    await expectS3Error(setRules('lc-missing', [{ ID: 'a', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }]), 'NoSuchBucket', 404);
  });

  describe('refused configurations: the exact error, and the stored configuration unchanged', () => {
    const Bucket = 'lc-refusals';
    let stored: string;
    const putRaw = (body: string, headers: Record<string, string> = { 'content-md5': md5Base64(body) }) =>
      rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { lifecycle: '' }, body, headers });
    const storedNow = async () => (await rawRequest(server, { method: 'GET', path: `/${Bucket}`, query: { lifecycle: '' } })).text;

    before(async () => {
      await bucket(Bucket);
      const response = await putRaw(lifecycleDocument(rule(`<ID>keep</ID>${expireDays(7)}`, '<Filter><Prefix>never/</Prefix></Filter>')));
      assert.equal(response.status, 200, response.text);
      stored = await storedNow();
      assert.match(stored, /<ID>keep<\/ID>/);
    });

    for (const { label, rules, code, minimumSizeHeader } of REFUSED_LIFECYCLE_CONFIGURATIONS) {
      it(`${label} → ${code}`, async () => {
        const body = lifecycleDocument(rules);
        const headers: Record<string, string> = { 'content-md5': md5Base64(body) };
        if (minimumSizeHeader !== undefined) headers['x-amz-transition-default-minimum-object-size'] = minimumSizeHeader;
        expectErrorResponse(await putRaw(body, headers), 400, code);
        assert.equal(await storedNow(), stored);
      });
    }

    it('a body that is not XML → MalformedXML; no Content-MD5 or checksum → InvalidRequest; a wrong one → BadDigest', async () => {
      expectErrorResponse(await putRaw('<LifecycleConfiguration><Rule>'), 400, 'MalformedXML');
      const valid = lifecycleDocument(rule(expireDays(1)));
      expectErrorResponse(await putRaw(valid, {}), 400, 'InvalidRequest');
      expectErrorResponse(await putRaw(valid, { 'content-md5': md5Base64('something else') }), 400, 'BadDigest');
      assert.equal(await storedNow(), stored);
    });

    it('through the SDK: Days 0 → InvalidArgument', async () => {
      await expectS3Error(setRules(Bucket, [{ ID: 'zero', Status: 'Enabled', Filter: {}, Expiration: { Days: 0 } }]), 'InvalidArgument', 400);
      assert.equal(await storedNow(), stored);
    });
  });

  it('x-amz-expiration on PUT, GET and HEAD: the earliest matching Expiration, with its URL-encoded rule id', async () => {
    const Bucket = 'lc-header';
    await bucket(Bucket);
    await setRules(Bucket, [
      { ID: 'keep a while', Status: 'Enabled', Filter: { Prefix: 'h/' }, Expiration: { Days: 1000 } },
      { ID: 'tagged', Status: 'Enabled', Filter: { Tag: { Key: 'soon', Value: 'yes' } }, Expiration: { Days: 500 } },
      { ID: 'dated', Status: 'Enabled', Filter: { Prefix: 'd/' }, Expiration: { Date: new Date(Date.UTC(2099, 10, 10)) } },
    ]);
    const check = async (Key: string, days: number, ruleId: string, Tagging?: string) => {
      const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', Tagging }));
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
      const get = await s3.send(new GetObjectCommand({ Bucket, Key }));
      await get.Body!.transformToString();
      // Last-Modified has whole seconds; the creation time rounds up to the next (one-second) day.
      const modifiedMs = head.LastModified!.getTime();
      const candidates = [0, 1000].map((roundingMs) => `expiry-date="${new Date(modifiedMs + roundingMs + days * DAY_SECONDS * 1000).toUTCString()}", rule-id="${ruleId}"`);
      assert.ok(candidates.includes(put.Expiration ?? ''), `${put.Expiration} is one of ${candidates.join(' | ')}`);
      assert.equal(head.Expiration, put.Expiration);
      assert.equal(get.Expiration, put.Expiration);
    };
    await check('h/plain', 1000, 'keep%20a%20while');
    await check('h/tagged', 500, 'tagged', 'soon=yes');
    const dated = await s3.send(new PutObjectCommand({ Bucket, Key: 'd/a', Body: 'x' }));
    assert.equal(dated.Expiration, 'expiry-date="Tue, 10 Nov 2099 00:00:00 GMT", rule-id="dated"');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'd/a' }))).Expiration, dated.Expiration);
    const other = await s3.send(new PutObjectCommand({ Bucket, Key: 'other', Body: 'x' }));
    assert.equal(other.Expiration, undefined);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'other' }))).Expiration, undefined);
  });

  it('expires current objects named by prefix, tag or size filters, and nothing else', async () => {
    const Bucket = 'lc-expiry';
    await bucket(Bucket);
    await setRules(Bucket, [
      { ID: 'by-prefix', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } },
      { ID: 'by-tag', Status: 'Enabled', Filter: { Tag: { Key: 'temp', Value: 'yes' } }, Expiration: { Days: 1 } },
      { ID: 'by-size', Status: 'Enabled', Filter: { And: { Prefix: 'sized/', ObjectSizeGreaterThan: 100 } }, Expiration: { Days: 1 } },
      { ID: 'disabled', Status: 'Disabled', Filter: { Prefix: 'off/' }, Expiration: { Days: 1 } },
    ]);
    const objects: Array<[string, number, string | undefined, boolean]> = [
      ['logs/a', 10, undefined, true],
      ['keep/a', 10, undefined, false],
      ['tagged', 10, 'temp=yes', true],
      ['tagged-otherwise', 10, 'temp=no', false],
      ['sized/big', 200, undefined, true],
      ['sized/small', 50, undefined, false],
      ['off/a', 10, undefined, false],
    ];
    for (const [Key, size, Tagging] of objects) await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x'.repeat(size), Tagging }));
    const expiring = objects.filter(([, , , expires]) => expires).map(([key]) => key);
    await eventually('expired objects gone', async () => (await Promise.all(expiring.map((key) => exists(Bucket, key)))).some(Boolean), (any) => !any);
    await pause(SETTLE_MS);
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((object) => object.Key);
    assert.deepEqual(listed, ['keep/a', 'off/a', 'sized/small', 'tagged-otherwise']);
  });

  it('in a versioned bucket, expiry makes a delete marker and keeps the version', async () => {
    const Bucket = 'lc-versioned';
    await bucket(Bucket, true);
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket, Key: 'v/a', Body: 'kept' }));
    const other = await s3.send(new PutObjectCommand({ Bucket, Key: 'other', Body: 'x' }));
    await setRules(Bucket, [{ ID: 'v', Status: 'Enabled', Filter: { Prefix: 'v/' }, Expiration: { Days: 1 } }]);
    const expected = [`v/a ${VersionId} noncurrent`, 'v/a marker latest'];
    await eventually('a delete marker over v/a', () => versionsOf(Bucket, 'v/'), (versions) => versions.length === 2);
    assert.deepEqual(await versionsOf(Bucket, 'v/'), expected);
    await pause(SETTLE_MS);
    assert.deepEqual(await versionsOf(Bucket, 'v/'), expected, 'a marker over a version is not an expired delete marker');
    assert.deepEqual(await versionsOf(Bucket, 'other'), [`other ${other.VersionId} latest`]);
    const old = await s3.send(new GetObjectCommand({ Bucket, Key: 'v/a', VersionId }));
    assert.equal(await old.Body!.transformToString(), 'kept');
  });

  it('NoncurrentVersionExpiration removes noncurrent versions beyond the NewerNoncurrentVersions newest', async () => {
    const Bucket = 'lc-noncurrent';
    await bucket(Bucket, true);
    await setRules(Bucket, [{ ID: 'nc', Status: 'Enabled', Filter: { Prefix: 'nc/' }, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 } }]);
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await s3.send(new PutObjectCommand({ Bucket, Key: 'nc/k', Body: `v${index}` }))).VersionId!);
    const outside = [(await s3.send(new PutObjectCommand({ Bucket, Key: 'keep/k', Body: 'a' }))).VersionId!, (await s3.send(new PutObjectCommand({ Bucket, Key: 'keep/k', Body: 'b' }))).VersionId!];
    const expected = [`nc/k ${ids[2]} noncurrent`, `nc/k ${ids[3]} noncurrent`, `nc/k ${ids[4]} latest`].sort();
    await eventually('the two oldest versions gone', () => versionsOf(Bucket, 'nc/'), (versions) => versions.length === 3);
    assert.deepEqual(await versionsOf(Bucket, 'nc/'), expected);
    await pause(SETTLE_MS);
    assert.deepEqual(await versionsOf(Bucket, 'nc/'), expected, 'the two newest noncurrent versions are kept whatever their age');
    assert.deepEqual(await versionsOf(Bucket, 'keep/'), [`keep/k ${outside[0]} noncurrent`, `keep/k ${outside[1]} latest`].sort());
  });

  it('ExpiredObjectDeleteMarker removes a delete marker that is its key\'s only version', async () => {
    const Bucket = 'lc-markers';
    await bucket(Bucket, true);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'dm/ghost' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'keep/ghost' }));
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket, Key: 'dm/with-version', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'dm/with-version' }));
    await setRules(Bucket, [{ ID: 'markers', Status: 'Enabled', Filter: { Prefix: 'dm/' }, Expiration: { ExpiredObjectDeleteMarker: true } }]);
    const kept = [`dm/with-version ${VersionId} noncurrent`, 'dm/with-version marker latest'];
    await eventually('the lone marker gone', () => versionsOf(Bucket, 'dm/'), (versions) => versions.length === 2);
    assert.deepEqual(await versionsOf(Bucket, 'dm/'), kept);
    await pause(SETTLE_MS);
    assert.deepEqual(await versionsOf(Bucket, 'dm/'), kept);
    assert.deepEqual(await versionsOf(Bucket, 'keep/'), ['keep/ghost marker latest']);
  });

  it('AbortIncompleteMultipartUpload aborts uploads DaysAfterInitiation after they began', async () => {
    const Bucket = 'lc-uploads';
    await bucket(Bucket);
    await setRules(Bucket, [{ ID: 'abort', Status: 'Enabled', Filter: { Prefix: 'mp/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);
    const stale = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp/a' }));
    const kept = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'other/b' }));
    const uploads = async () => ((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).map((upload) => upload.UploadId);
    await eventually('mp/a aborted', uploads, (ids) => !ids.includes(stale.UploadId));
    await pause(SETTLE_MS);
    assert.deepEqual(await uploads(), [kept.UploadId]);
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket, Key: 'mp/a', UploadId: stale.UploadId, PartNumber: 1, Body: 'x' })), 'NoSuchUpload', 404);
  });

  it('Transition changes the storage class HEAD and ListObjectsV2 report; GLACIER_IR bytes stay readable, GLACIER ones wait for a restore', async () => {
    const Bucket = 'lc-transition';
    await bucket(Bucket);
    await setRules(Bucket, [
      { ID: 'cold', Status: 'Enabled', Filter: { And: { Prefix: 'cold/', ObjectSizeGreaterThan: 0 } }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] },
      { ID: 'floor', Status: 'Enabled', Filter: { Prefix: 'floor/' }, Transitions: [{ Days: 1, StorageClass: 'GLACIER_IR' }] },
    ]);
    const big = 'b'.repeat(200 * 1024);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cold/a', Body: 'frozen' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'floor/big', Body: big }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'floor/small', Body: 'under 128 KiB' }));
    const classes = async () => Object.fromEntries(((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((object) => [object.Key, object.StorageClass]));
    const expected = { 'cold/a': 'GLACIER', 'floor/big': 'GLACIER_IR', 'floor/small': 'STANDARD' };
    await eventually('transitions done', classes, (listed) => listed['cold/a'] === 'GLACIER' && listed['floor/big'] === 'GLACIER_IR');
    await pause(SETTLE_MS);
    assert.deepEqual(await classes(), expected, 'an object under 128 KiB stays without a size filter of its own');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'cold/a' }))).StorageClass, 'GLACIER');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'floor/big' }))).StorageClass, 'GLACIER_IR');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'floor/small' }))).StorageClass, undefined);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket, Key: 'cold/a' })), 'InvalidObjectState', 403);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'floor/big' }))).Body!.transformToString(), big);
  });
});

describe('lifecycle in a cluster', () => {
  it('runs in exactly one worker, and in its replacement when that worker dies', { timeout: 180_000 }, async () => {
    const server = await startServer({ extraArgs: ['--lifecycle-day-seconds', String(DAY_SECONDS), '--workers', '2'] });
    const s3 = sdkClient(server);
    const backgroundPids = () => [...server.stderr().matchAll(/background services run in process (\d+)/g)].map((match) => Number(match[1]));
    try {
      await eventually('one background process', async () => backgroundPids(), (pids) => pids.length === 1);
      const [first] = backgroundPids();
      process.kill(first!, 'SIGKILL');
      await eventually('a replacement runs them', async () => backgroundPids(), (pids) => pids.length === 2);
      assert.notEqual(backgroundPids()[1], first);
      await s3.send(new CreateBucketCommand({ Bucket: 'lc-cluster' }));
      await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'lc-cluster', LifecycleConfiguration: { Rules: [{ ID: 'all', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }] } }));
      await s3.send(new PutObjectCommand({ Bucket: 'lc-cluster', Key: 'k', Body: 'x' }));
      await eventually('expired by the replacement', async () => (await s3.send(new ListObjectsV2Command({ Bucket: 'lc-cluster' }))).KeyCount, (count) => count === 0);
      assert.equal(backgroundPids().length, 2, 'never a second one alongside');
      assert.doesNotMatch(server.stderr(), /lifecycle: .*skipped/, 'no pass raced another');
    } finally {
      s3.destroy();
      await server.dispose();
    }
  });

  it('refuses a lifecycle day that is not a whole number of seconds from 1 to 86,400', async () => {
    for (const days of ['0', '1.5', '86401', 'soon']) {
      await assert.rejects(startServer({ extraArgs: ['--lifecycle-day-seconds', days] }), /--lifecycle-day-seconds/);
    }
    await assert.rejects(startServer({ env: { CAIRN_LIFECYCLE_DAY_SECONDS: '0' } }), /--lifecycle-day-seconds 0/);
  });
});
