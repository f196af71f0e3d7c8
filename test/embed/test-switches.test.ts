// The test switches of startCairn beyond publicBuckets: acceptAnySignature (S3 requests accepted
// whatever their signature's value; a known key still acts as its owner, any other as root) and log
// (where the server's lines go; dropped by default). Each off by default: start-cairn.test.ts checks
// that a wrong secret is refused without the switch.
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../../src/cli/embed/index.js';
import { sendChunked } from '../helpers/chunked.js';
import { createUser } from '../helpers/iam.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from '../helpers/server.js';

const MADE_UP = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

function clientWith(cairn: RunningCairn, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({ endpoint: cairn.endpoint, region: cairn.region, forcePathStyle: true, credentials });
}

/** The helpers that drive `cairn admin` and raw aws-chunked requests need only the endpoint and port of a server. */
function asTestServer(cairn: RunningCairn): RunningServer {
  return { endpoint: cairn.endpoint, port: Number(new URL(cairn.endpoint).port) } as RunningServer;
}

describe('startCairn({ acceptAnySignature: true })', () => {
  let cairn: RunningCairn;
  before(async () => {
    // The test key pair is root's here, so that `cairn admin` (which signs with it) can make a user.
    cairn = await startCairn({ acceptAnySignature: true, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  });
  after(async () => {
    await cairn.stop();
  });

  it('accepts made-up credentials as root, as an emulator would', async () => {
    const s3 = clientWith(cairn, MADE_UP);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'made-up' }));
      await s3.send(new PutObjectCommand({ Bucket: 'made-up', Key: 'k.txt', Body: 'any signature' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'made-up', Key: 'k.txt' }));
      assert.equal(await got.Body?.transformToString(), 'any signature');
      const listed = await s3.send(new ListBucketsCommand({}));
      assert.deepEqual(listed.Buckets?.map((bucket) => bucket.Name), ['made-up']);
    } finally {
      s3.destroy();
    }
  });

  it('accepts root\'s key with a wrong secret, in headers and in presigned URLs', async () => {
    const wrong = clientWith(cairn, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: 'not-the-secret-not-the-secret-not-the-sec' });
    try {
      await wrong.send(new CreateBucketCommand({ Bucket: 'wrong-secret' }));
      await wrong.send(new PutObjectCommand({ Bucket: 'wrong-secret', Key: 'p.txt', Body: 'presigned' }));
      const url = await getSignedUrl(wrong, new GetObjectCommand({ Bucket: 'wrong-secret', Key: 'p.txt' }), { expiresIn: 60 });
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'presigned');
    } finally {
      wrong.destroy();
    }
  });

  it('accepts an aws-chunked body whose chunk signature is wrong, storing exactly its bytes', async () => {
    const s3 = clientWith(cairn, MADE_UP);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'chunked' }));
      const chunks = [Buffer.alloc(70_000, 'a'), Buffer.from('tail')];
      const response = await sendChunked(asTestServer(cairn), { path: '/chunked/c.bin', chunks, mode: 'signed', corruptChunkSignature: 1 });
      assert.equal(response.status, 200, response.body.toString());
      const got = await s3.send(new GetObjectCommand({ Bucket: 'chunked', Key: 'c.bin' }));
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), Buffer.concat(chunks));
    } finally {
      s3.destroy();
    }
  });

  it('lets a user\'s key act as that user whatever the secret: its policies still apply', async () => {
    const keys = await createUser(asTestServer(cairn), 'no-rights');
    for (const secretAccessKey of [keys.secretAccessKey, 'a-wrong-secret-a-wrong-secret-a-wrong-sec']) {
      const user = clientWith(cairn, { accessKeyId: keys.accessKeyId, secretAccessKey });
      const put = user.send(new PutObjectCommand({ Bucket: 'made-up', Key: 'by-user.txt', Body: 'refused' }));
      const error = await put.then(() => undefined, (caught: unknown) => caught);
      user.destroy();
      assert.ok(error instanceof S3ServiceException, `expected AccessDenied, got ${String(error)}`);
      assert.equal(error.$metadata.httpStatusCode, 403);
      assert.equal(error.name, 'AccessDenied');
    }
    const rootClient = clientWith(cairn, MADE_UP);
    const listed = await rootClient.send(new ListObjectsV2Command({ Bucket: 'made-up' }));
    rootClient.destroy();
    assert.deepEqual(listed.Contents?.map((object) => object.Key), ['k.txt']);
  });

  it('still refuses a malformed signature and a skewed clock', async () => {
    const malformed = await fetch(`${cairn.endpoint}/`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=S3RVER' } });
    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /<Code>AuthorizationHeaderMalformed<\/Code>/);
    const yesterdayOffsetMs = -24 * 60 * 60 * 1000;
    // The SDK corrects its clock from a skew error and retries: one attempt keeps the refusal visible.
    const skewed = new S3Client({
      endpoint: cairn.endpoint, region: cairn.region, forcePathStyle: true, credentials: MADE_UP, systemClockOffset: yesterdayOffsetMs, maxAttempts: 1,
    });
    const error = await skewed.send(new ListBucketsCommand({})).then(() => undefined, (caught: unknown) => caught);
    skewed.destroy();
    assert.ok(error instanceof S3ServiceException, `expected RequestTimeTooSkewed, got ${String(error)}`);
    assert.equal(error.name, 'RequestTimeTooSkewed');
  });
});

describe('startCairn({ log })', () => {
  it('sends the server\'s lines to log, and drops them when log is not given', async () => {
    const written: string[] = [];
    const writeToStderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return writeToStderr(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      const quiet = await startCairn();
      await quiet.stop();
    } finally {
      process.stderr.write = writeToStderr;
    }
    assert.deepEqual(written.filter((line) => line.includes('background services')), []);
    const lines: string[] = [];
    const logged = await startCairn({ log: (line) => lines.push(line) });
    await logged.stop();
    assert.ok(lines.some((line) => line.startsWith('background services run in process')), lines.join('\n'));
  });

  it('forwards a child process server\'s lines to log', async () => {
    const lines: string[] = [];
    const child = await startCairn({ childProcess: true, log: (line) => lines.push(line) });
    await child.stop();
    assert.ok(lines.some((line) => line.includes('background services run in process')), lines.join('\n'));
  });
});
