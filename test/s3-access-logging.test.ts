// Server access logging over a real server: Put/GetBucketLogging through the JS SDK, its bad input
// (exact errors, nothing stored), a workload whose delivered log lines are parsed field by field,
// no secret in any log object, and lines queued before a kill -9 delivered after the restart.
import {
  CreateBucketCommand, GetBucketLoggingCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketLoggingCommand, PutObjectCommand, S3Client,
  type BucketLoggingStatus,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, sdkClient } from './helpers/clients.js';
import { eventually } from './helpers/eventually.js';
import { cairnAdmin, createUser, userClient } from './helpers/iam.js';
import { startServer, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const INTERVAL_ARGS = ['--access-log-interval-seconds', '0.3'];
const WAIT_MS_MAX = 15_000;
const POLL_MS = 100;
/** The recorder batches lines for 50 ms before its commit; this leaves room for a loaded machine. */
const QUEUED_AFTER_MS = 2_000;

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** The fields of one log line: quoted and bracketed fields are one each. */
function fieldsOf(line: string): string[] {
  return [...line.matchAll(/"[^"]*"|\[[^\]]*\]|\S+/g)].map((match) => match[0]);
}

async function logObjects(s3: S3Client, bucket: string, prefix: string): Promise<Array<{ key: string; text: string }>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const objects: Array<{ key: string; text: string }> = [];
  for (const entry of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: entry.Key! }));
    objects.push({ key: entry.Key!, text: await got.Body!.transformToString() });
  }
  return objects;
}

/** Waits until the log objects under `prefix` hold a line for each of `requestIds`; returns every line by request id. */
async function waitForLines(s3: S3Client, bucket: string, prefix: string, requestIds: string[]): Promise<{ lines: Map<string, string[][]>; objects: Array<{ key: string; text: string }> }> {
  const deadline = Date.now() + WAIT_MS_MAX;
  for (;;) {
    const objects = await logObjects(s3, bucket, prefix);
    const lines = new Map<string, string[][]>();
    for (const object of objects) {
      for (const line of object.text.split('\n').filter((text) => text !== '')) {
        const fields = fieldsOf(line);
        lines.set(fields[5]!, [...(lines.get(fields[5]!) ?? []), fields]);
      }
    }
    if (requestIds.every((id) => lines.has(id))) return { lines, objects };
    if (Date.now() > deadline) assert.fail(`log lines not delivered in time; have ${[...lines.keys()].join(',')}, want ${requestIds.join(',')}`);
    await sleep(POLL_MS);
  }
}

function requestIdOf(response: { $metadata: { requestId?: string } }): string {
  return response.$metadata.requestId!;
}

describe('server access logging', () => {
  let server: RunningServer;
  let s3: S3Client;
  /** Another owner's client (made by the bad-input test). */
  let other: S3Client | undefined;
  before(async () => {
    server = await startServer({ extraArgs: INTERVAL_ARGS });
    s3 = sdkClient(server);
    for (const Bucket of ['source', 'logs', 'partitioned']) await s3.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    other?.destroy();
    s3?.destroy();
    await server?.dispose();
  });

  it('round-trips a BucketLoggingStatus through the JS SDK, and an empty one disables logging', async () => {
    const status: BucketLoggingStatus = {
      LoggingEnabled: {
        TargetBucket: 'logs', TargetPrefix: 'round/',
        TargetGrants: [{ Grantee: { Type: 'CanonicalUser', ID: 'a'.repeat(64) }, Permission: 'READ' }, { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }],
        TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
      },
    };
    assert.equal((await s3.send(new PutBucketLoggingCommand({ Bucket: 'source', BucketLoggingStatus: status }))).$metadata.httpStatusCode, 200);
    const got = await s3.send(new GetBucketLoggingCommand({ Bucket: 'source' }));
    assert.equal(got.LoggingEnabled?.TargetBucket, 'logs');
    assert.equal(got.LoggingEnabled?.TargetPrefix, 'round/');
    assert.deepEqual(got.LoggingEnabled?.TargetGrants?.map((grant) => [grant.Grantee?.Type, grant.Grantee?.ID ?? grant.Grantee?.URI, grant.Permission]), [
      ['CanonicalUser', 'a'.repeat(64), 'READ'], ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ'],
    ]);
    assert.deepEqual(got.LoggingEnabled?.TargetObjectKeyFormat, { PartitionedPrefix: { PartitionDateSource: 'EventTime' } });
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'source', BucketLoggingStatus: {} }));
    assert.equal((await s3.send(new GetBucketLoggingCommand({ Bucket: 'source' }))).LoggingEnabled, undefined);
  });

  it('refuses a missing target, another owner\'s target and malformed XML with S3\'s errors, storing nothing', async () => {
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'source', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logs', TargetPrefix: 'kept/' } } }));
    const before = (await rawRequest(server, { method: 'GET', path: '/source', query: { logging: '' } })).text;
    const missing = await rawRequest(server, {
      method: 'PUT', path: '/source', query: { logging: '' },
      body: '<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>no-such-target</TargetBucket><TargetPrefix>x/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>',
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.errorCode, 'InvalidTargetBucketForLogging');
    const keys = await createUser(server, 'other-owner');
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'other-owner', '-'], JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    }))).code, 0);
    other = userClient(server, keys);
    await other.send(new CreateBucketCommand({ Bucket: 'others-logs' }));
    const foreign = await rawRequest(server, {
      method: 'PUT', path: '/source', query: { logging: '' },
      body: '<BucketLoggingStatus><LoggingEnabled><TargetBucket>others-logs</TargetBucket><TargetPrefix>x/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>',
    });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.errorCode, 'InvalidTargetBucketForLogging');
    for (const body of ['<BucketLoggingStatus><LoggingEnabled>', '<Other/>', '<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket></LoggingEnabled></BucketLoggingStatus>',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>']) {
      const malformed = await rawRequest(server, { method: 'PUT', path: '/source', query: { logging: '' }, body });
      assert.equal(malformed.status, 400, body);
      assert.equal(malformed.errorCode, 'MalformedXML', body);
    }
    assert.equal((await rawRequest(server, { method: 'GET', path: '/source', query: { logging: '' } })).text, before);
  });

  it('delivers one line per request, failed and anonymous ones included, in S3\'s format and without secrets', async () => {
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'source', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logs', TargetPrefix: 'access/' } } }));
    await s3.send(new PutBucketLoggingCommand({
      Bucket: 'partitioned', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logs', TargetPrefix: 'p/', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'DeliveryTime' } } } },
    }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'source', Key: 'dir/a b.txt', Body: 'hello world' }));
    const get = await s3.send(new GetObjectCommand({ Bucket: 'source', Key: 'dir/a b.txt' }));
    await get.Body!.transformToString();
    const missing = await s3.send(new GetObjectCommand({ Bucket: 'source', Key: 'nothing' })).catch((error: { $metadata: { requestId?: string }; name: string }) => error);
    assert.equal((missing as { name: string }).name, 'NoSuchKey');
    const anonymous = await rawRequest(server, { method: 'GET', path: '/source/dir/a%20b.txt', auth: 'none' });
    assert.equal(anonymous.status, 403);
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'source', Key: 'dir/a b.txt' }), { expiresIn: 300 });
    const presigned = await fetch(url);
    assert.equal(await presigned.text(), 'hello world');
    const partitioned = await s3.send(new PutObjectCommand({ Bucket: 'partitioned', Key: 'k', Body: 'x' }));
    const post = await createPresignedPost(s3, { Bucket: 'source', Key: 'posted.txt' });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['posted']), 'posted.txt');
    const posted = await fetch(post.url, { method: 'POST', body: form });
    assert.equal(posted.status, 204);
    const ids = {
      put: requestIdOf(put), get: requestIdOf(get), missing: (missing as { $metadata: { requestId?: string } }).$metadata.requestId!,
      anonymous: String(anonymous.headers['x-amz-request-id']), presigned: presigned.headers.get('x-amz-request-id')!,
    };
    const postId = posted.headers.get('x-amz-request-id')!;
    const { lines, objects } = await waitForLines(s3, 'logs', 'access/', [...Object.values(ids), postId]);
    for (const object of objects) {
      assert.match(object.key, /^access\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);
      assert.ok(!object.text.includes(TEST_SECRET_KEY), 'the secret key is never logged');
      assert.ok(!/X-Amz-Signature|Signature=|AWS4-HMAC-SHA256 Credential/i.test(object.text), 'no signature is logged');
    }
    for (const [id, fieldLists] of lines) assert.equal(fieldLists.length, 1, `one line for request ${id}`);
    const line = (id: string) => lines.get(id)![0]!;
    for (const id of Object.values(ids)) {
      const fields = line(id);
      assert.equal(fields.length, 27, fields.join(' '));
      assert.match(fields[0]!, /^[0-9a-f]{64}$/);
      assert.equal(fields[1], 'source');
      assert.match(fields[2]!, /^\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\]$/);
      assert.equal(fields[3], '127.0.0.1');
      if (id !== ids.missing) assert.equal(fields[7], 'dir/a%20b.txt');
      assert.equal(fields[22], new URL(server.endpoint).host);
    }
    const [putFields, getFields, missingFields, anonymousFields, presignedFields] = Object.values(ids).map(line);
    assert.deepEqual([putFields![6], putFields![9], putFields![10], putFields![11], putFields![12], putFields![19], putFields![21]], ['REST.PUT.OBJECT', '200', '-', '-', '11', 'SigV4', 'AuthHeader']);
    assert.match(putFields![4]!, /^[0-9a-f]{64}$/);
    assert.match(putFields![8]!, /^"PUT \/source\/dir\/a%20b\.txt(\?x-id=PutObject)? HTTP\/1\.1"$/);
    assert.deepEqual([getFields![6], getFields![9], getFields![10], getFields![11], getFields![12]], ['REST.GET.OBJECT', '200', '-', '11', '11']);
    assert.deepEqual([missingFields![6], missingFields![9], missingFields![10], missingFields![7]], ['REST.GET.OBJECT', '404', 'NoSuchKey', 'nothing']);
    assert.deepEqual([anonymousFields![4], anonymousFields![6], anonymousFields![9], anonymousFields![10], anonymousFields![19], anonymousFields![21]], ['-', 'REST.GET.OBJECT', '403', 'AccessDenied', '-', '-']);
    assert.deepEqual([presignedFields![6], presignedFields![9], presignedFields![11], presignedFields![19], presignedFields![21]], ['REST.GET.OBJECT', '200', '11', 'SigV4', 'QueryString']);
    assert.match(presignedFields![8]!, /X-Amz-Credential=/);
    assert.doesNotMatch(presignedFields![8]!, /X-Amz-Signature/);
    const postFields = lines.get(postId)![0]!;
    assert.deepEqual([postFields[4], postFields[6], postFields[7], postFields[8], postFields[9]], [putFields![4], 'REST.POST.OBJECT', 'posted.txt', '"POST /source HTTP/1.1"', '204']);
    const partitionedLogs = await waitForLines(s3, 'logs', 'p/', [requestIdOf(partitioned)]);
    assert.match(partitionedLogs.objects[0]!.key, /^p\/000000000000\/us-east-1\/partitioned\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);
  });

  it('never delivers into a target bucket that was deleted and now belongs to another owner', async () => {
    for (const Bucket of ['gone-source', 'gone-target']) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'gone-source', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'gone-target', TargetPrefix: 'x/' } } }));
    assert.equal((await rawRequest(server, { method: 'DELETE', path: '/gone-target' })).status, 204);
    await other!.send(new CreateBucketCommand({ Bucket: 'gone-target' }));
    await s3.send(new PutObjectCommand({ Bucket: 'gone-source', Key: 'k', Body: 'x' }));
    // The delivery pass that drops the lines says so: waited for, then nothing may have reached the new owner's bucket.
    await eventually('the lines to be dropped', async () => (/lines dropped: their target bucket no longer exists or has another owner/.test(server.stdout() + server.stderr()) ? true : undefined), WAIT_MS_MAX);
    assert.equal((await other!.send(new ListObjectsV2Command({ Bucket: 'gone-target' }))).KeyCount, 0);
  });
});

describe('server access logging of a bucket into itself', () => {
  it('does not log its own deliveries', async () => {
    const server = await startServer({ extraArgs: INTERVAL_ARGS });
    const s3 = sdkClient(server);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'self' }));
      await s3.send(new PutBucketLoggingCommand({ Bucket: 'self', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'self', TargetPrefix: 'own/' } } }));
      const first = requestIdOf(await s3.send(new PutObjectCommand({ Bucket: 'self', Key: 'data', Body: 'x' })));
      await waitForLines(s3, 'self', 'own/', [first]);
      // Several more delivery intervals: the deliveries' own writes never become lines.
      await sleep(QUEUED_AFTER_MS);
      const second = requestIdOf(await s3.send(new PutObjectCommand({ Bucket: 'self', Key: 'data', Body: 'y' })));
      const { lines } = await waitForLines(s3, 'self', 'own/', [second]);
      const logWrites = [...lines.values()].flat().filter((fields) => fields[6] === 'REST.PUT.OBJECT' && fields[7]!.startsWith('own/'));
      assert.deepEqual(logWrites, []);
      assert.deepEqual([...lines.values()].flat().filter((fields) => fields[6] === 'REST.PUT.OBJECT').map((fields) => fields[5]).sort(), [first, second].sort());
    } finally {
      s3.destroy();
      await server.dispose();
    }
  });
});

describe('server access logging from the request\'s own bucket read', () => {
  it('logs a HEAD and a bucket GET with the read their request made, and neither the disabling request nor any after it', async () => {
    const server = await startServer({ extraArgs: INTERVAL_ARGS });
    const s3 = sdkClient(server);
    try {
      for (const Bucket of ['watched', 'sink']) await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketLoggingCommand({ Bucket: 'watched', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'sink', TargetPrefix: 'w/' } } }));
      await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'k', Body: 'abc' }));
      const head = requestIdOf(await s3.send(new HeadObjectCommand({ Bucket: 'watched', Key: 'k' })));
      const list = requestIdOf(await s3.send(new ListObjectsV2Command({ Bucket: 'watched' })));
      // A bucket-level write may change the setting: its line is decided by a read after its response, as it stands then.
      const disable = requestIdOf(await s3.send(new PutBucketLoggingCommand({ Bucket: 'watched', BucketLoggingStatus: {} })));
      const after = requestIdOf(await s3.send(new HeadObjectCommand({ Bucket: 'watched', Key: 'k' })));
      const { lines } = await waitForLines(s3, 'sink', 'w/', [head, list]);
      assert.deepEqual([lines.get(head)![0]![6], lines.get(head)![0]![9], lines.get(head)![0]![7]], ['REST.HEAD.OBJECT', '200', 'k']);
      assert.deepEqual([lines.get(list)![0]![6], lines.get(list)![0]![9]], ['REST.GET.BUCKET', '200']);
      await sleep(QUEUED_AFTER_MS * 2);
      const settled = (await waitForLines(s3, 'sink', 'w/', [head, list])).lines;
      assert.equal(settled.has(after), false, 'a request made after logging was disabled is not logged');
      assert.equal(settled.has(disable), false, 'PutBucketLogging reads the setting after its response: disabled by then');
    } finally {
      s3.destroy();
      await server.dispose();
    }
  });
});

describe('server access logging across a kill -9', () => {
  it('delivers after the restart the lines queued before the crash', async () => {
    // A delivery interval far beyond the test: nothing is delivered before the kill.
    let server = await startServer({ extraArgs: ['--access-log-interval-seconds', '3600'] });
    const dataDirectory = server.dataDirectory;
    let s3 = sdkClient(server);
    try {
      for (const Bucket of ['crashing', 'crash-logs']) await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketLoggingCommand({ Bucket: 'crashing', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'crash-logs', TargetPrefix: 'c/' } } }));
      const ids: string[] = [];
      for (let index = 0; index < 3; index++) ids.push(requestIdOf(await s3.send(new PutObjectCommand({ Bucket: 'crashing', Key: `k${index}`, Body: 'x' }))));
      await sleep(QUEUED_AFTER_MS);
      assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'crash-logs' }))).KeyCount, 0);
      s3.destroy();
      await server.kill();
      server = await startServer({ dataDirectory, extraArgs: INTERVAL_ARGS });
      s3 = sdkClient(server);
      const { lines } = await waitForLines(s3, 'crash-logs', 'c/', ids);
      for (const id of ids) assert.equal(lines.get(id)?.length, 1);
    } finally {
      s3.destroy();
      await server.dispose();
    }
  });
});
