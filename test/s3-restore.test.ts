// Archive classes and RestoreObject, on a server whose restores take RESTORE_DELAY_SECONDS and whose
// "day" is DAY_SECONDS long: GLACIER and DEEP_ARCHIVE objects answer GET (and copies) with 403
// InvalidObjectState until restored, HEAD shows the class and x-amz-restore; RestoreObject answers
// 202, then 409 RestoreAlreadyInProgress, then 200 once restored; the restored copy expires after
// Days; GLACIER_IR stays readable; a lifecycle transition to GLACIER archives an object. Through the
// JS SDK and the aws CLI (`s3api restore-object`); each bad request gets S3's error and changes nothing.
import {
  CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutBucketLifecycleConfigurationCommand, PutObjectCommand, RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { rawRequest } from './helpers/clients.js';
import { awsClientEnvironment, runCommand } from './helpers/processes.js';
import { sdkClient } from './helpers/clients.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'archive';
// A restore takes 5 s and a restored copy lives 6–12 s: each window holds several requests on a loaded machine.
const RESTORE_DELAY_SECONDS = 5;
const DAY_SECONDS = 6;
const POLL_INTERVAL_MS = 200;
const WAIT_MS_MAX = 40_000;
const SERVER_ARGS = ['--restore-delay-seconds', String(RESTORE_DELAY_SECONDS), '--lifecycle-day-seconds', String(DAY_SECONDS), '--lifecycle-interval', '0.5'];

const awsAvailable = await runCommand('aws', ['--version'], { env: awsClientEnvironment(), timeoutMs: 60_000 }).then((result) => result.code === 0, () => false);

async function restoreHeader(s3: S3Client, key: string): Promise<string | undefined> {
  return (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).Restore;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

async function getText(s3: S3Client, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
}

function restoreBody(days: string, tier = 'Standard'): string {
  return `<RestoreRequest xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Days>${days}</Days><GlacierJobParameters><Tier>${tier}</Tier></GlacierJobParameters></RestoreRequest>`;
}

describe('archive classes and RestoreObject', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET, { extraArgs: SERVER_ARGS }));
  });
  after(() => closeSuite(server, s3));

  it('refuses GET of an archived object until it is restored, and lets it expire after Days', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', Body: 'frozen bytes', StorageClass: 'GLACIER' }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' })), 'InvalidObjectState', 403);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' }));
    assert.equal(head.StorageClass, 'GLACIER');
    assert.equal(head.Restore, undefined);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/cold.txt` })), 'InvalidObjectState', 403);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy.txt' })), 'NotFound', 404);

    const first = await s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Standard' } } }));
    assert.equal(first.$metadata.httpStatusCode, 202);
    assert.equal(await restoreHeader(s3, 'cold.txt'), 'ongoing-request="true"');
    await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', RestoreRequest: { Days: 1 } })), 'RestoreAlreadyInProgress', 409);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' })), 'InvalidObjectState', 403);

    await waitFor('the restore to complete', async () => (await restoreHeader(s3, 'cold.txt'))?.startsWith('ongoing-request="false"') === true);
    const done = (await restoreHeader(s3, 'cold.txt'))!;
    const match = /^ongoing-request="false", expiry-date="([^"]+)"$/.exec(done);
    assert.ok(match !== null, done);
    const expiryMs = Date.parse(match[1]!);
    // Expiry falls on a day boundary, as S3 rounds it to midnight UTC.
    assert.equal(expiryMs % (DAY_SECONDS * 1000), 0);
    assert.equal(await getText(s3, 'cold.txt'), 'frozen bytes');
    const get = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' }));
    assert.equal(get.Restore, done);
    assert.equal(get.StorageClass, 'GLACIER');
    await get.Body!.transformToString();
    // Restoring a restored copy again only moves its expiry: 200.
    const again = await s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', RestoreRequest: { Days: 1 } }));
    assert.equal(again.$metadata.httpStatusCode, 200);

    await waitFor('the restored copy to expire', async () => (await restoreHeader(s3, 'cold.txt')) === undefined);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cold.txt' })), 'InvalidObjectState', 403);
    // Expired, it can be restored anew: 202 again.
    const renewed = await s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'cold.txt', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Bulk' } } }));
    assert.equal(renewed.$metadata.httpStatusCode, 202);
  });

  it('keeps GLACIER_IR and STANDARD readable, and refuses to restore them', async () => {
    for (const storageClass of ['GLACIER_IR', 'STANDARD'] as const) {
      const key = `warm-${storageClass}`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'warm', StorageClass: storageClass }));
      assert.equal(await getText(s3, key), 'warm');
      await expectS3Error(s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: key, RestoreRequest: { Days: 1 } })), 'InvalidObjectState', 403);
      assert.equal(await restoreHeader(s3, key), undefined);
    }
  });

  it('answers each bad RestoreObject with S3 error and starts no restore', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'deep.bin', Body: 'deep', StorageClass: 'DEEP_ARCHIVE' }));
    const cases: Array<[string, number, string]> = [
      [restoreBody('0'), 400, 'InvalidArgument'],
      [restoreBody('-3'), 400, 'InvalidArgument'],
      [restoreBody('1.5'), 400, 'MalformedXML'],
      [restoreBody('1', 'Fast'), 400, 'MalformedXML'],
      ['<RestoreRequest><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>', 400, 'MalformedXML'],
      ['<RestoreRequest><Days>1</Days>', 400, 'MalformedXML'],
      ['<RestoreRequest><Type>SELECT</Type><Days>1</Days></RestoreRequest>', 501, 'NotImplemented'],
    ];
    for (const [body, status, code] of cases) {
      expectErrorResponse(await rawRequest(server, { method: 'POST', path: `/${BUCKET}/deep.bin`, query: { restore: '' }, body }), status, code);
      assert.equal(await restoreHeader(s3, 'deep.bin'), undefined, body);
    }
    expectErrorResponse(await rawRequest(server, { method: 'POST', path: `/${BUCKET}/no-such-key`, query: { restore: '' }, body: restoreBody('1') }), 404, 'NoSuchKey');
    expectErrorResponse(await rawRequest(server, { method: 'POST', path: '/no-such-bucket/key', query: { restore: '' }, body: restoreBody('1') }), 404, 'NoSuchBucket');
    expectErrorResponse(await rawRequest(server, { method: 'POST', path: `/${BUCKET}/deep.bin`, query: { restore: '' }, body: restoreBody('1'), auth: 'none' }), 403, 'AccessDenied');
    assert.equal(await restoreHeader(s3, 'deep.bin'), undefined);
  });

  it('restores through the aws CLI (s3api restore-object)', { skip: awsAvailable ? false : 'no aws CLI on the PATH' }, async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cli.bin', Body: 'cli bytes', StorageClass: 'DEEP_ARCHIVE' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cli-standard.bin', Body: 'standard' }));
    const aws = (...args: string[]) => runCommand('aws', ['--endpoint-url', server.endpoint, 's3api', ...args], { env: awsClientEnvironment(), timeoutMs: 60_000 });
    const restore = (key: string) => aws('restore-object', '--bucket', BUCKET, '--key', key, '--restore-request', '{"Days":10,"GlacierJobParameters":{"Tier":"Bulk"}}');
    const refused = await restore('cli-standard.bin');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidObjectState/);
    const first = await restore('cli.bin');
    assert.equal(first.code, 0, first.stderr);
    await waitFor('the CLI restore to complete', async () => (await restoreHeader(s3, 'cli.bin'))?.startsWith('ongoing-request="false"') === true);
    const head = await aws('head-object', '--bucket', BUCKET, '--key', 'cli.bin');
    assert.equal(head.code, 0, head.stderr);
    const output = JSON.parse(head.stdout) as { Restore?: string; StorageClass?: string };
    assert.match(output.Restore ?? '', /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"$/);
    assert.equal(output.StorageClass, 'DEEP_ARCHIVE');
    // A restored copy restored again: 200, which the CLI reports as success.
    const again = await restore('cli.bin');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await getText(s3, 'cli.bin'), 'cli bytes');
  });

  it('archives an object a lifecycle rule moves to GLACIER', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'aging/log.txt', Body: 'old log' }));
    assert.equal(await getText(s3, 'aging/log.txt'), 'old log');
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: BUCKET, TransitionDefaultMinimumObjectSize: 'varies_by_storage_class',
      LifecycleConfiguration: { Rules: [{ ID: 'archive', Status: 'Enabled', Filter: { Prefix: 'aging/' }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }] },
    }));
    await waitFor('the transition', async () => (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'aging/log.txt' }))).StorageClass === 'GLACIER');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'aging/log.txt' })), 'InvalidObjectState', 403);
  });

  it('keeps a restore in progress across a restart', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'restart.bin', Body: 'survives', StorageClass: 'GLACIER' }));
    assert.equal((await s3.send(new RestoreObjectCommand({ Bucket: BUCKET, Key: 'restart.bin', RestoreRequest: { Days: 5 } }))).$metadata.httpStatusCode, 202);
    assert.equal(await server.stop(), 0);
    s3.destroy();
    server = await startServer({ dataDirectory: server.dataDirectory, extraArgs: SERVER_ARGS });
    s3 = sdkClient(server);
    await waitFor('the restore to complete after the restart', async () => (await restoreHeader(s3, 'restart.bin'))?.startsWith('ongoing-request="false"') === true);
    assert.equal(await getText(s3, 'restart.bin'), 'survives');
  });
});
