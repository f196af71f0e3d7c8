// Large bodies' MD5 on the storage's hasher thread (storage/md5-hasher.ts): bodies declared at least
// MD5_OFF_LOOP_BODY_BYTES_MIN long are hashed there from the writer's units, smaller ones inline. These
// pin, through the AWS SDK v3 on real servers (a drive, an erasure set, a hasher that crashes), that
// the ETag is the body's MD5 on both sides of the threshold, that parts get their own MD5, that a
// Content-MD5 is still checked, and that an aborted body or a dead hasher leaves nothing behind
// (a 500, never a wrong ETag) while the next PUT gets a working hasher.
// THRESHOLD is 8 MiB, and the hasher-death test counts on it (its pieces per body).
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { MD5_OFF_LOOP_BODY_BYTES_MIN } from '../src/frontend/payload.js';
import { md5Base64, sdkClient, signer } from './helpers/clients.js';
import { closeDriveSet, openDriveSet, type DriveSetServer } from './helpers/drive-set.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'md5-off-loop';
const MIB = 1024 * 1024;
const THRESHOLD = MD5_OFF_LOOP_BODY_BYTES_MIN;
const md5Hex = (body: Buffer) => createHash('md5').update(body).digest('hex');

async function putAndCheck(s3: S3Client, key: string, body: Buffer): Promise<void> {
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  assert.equal(put.ETag, `"${md5Hex(body)}"`, `${key}: ETag`);
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  assert.equal(got.ETag, put.ETag);
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), `${key}: GET bytes`);
}

async function absent(s3: S3Client, key: string): Promise<void> {
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })), (error: { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.$metadata?.httpStatusCode, 404);
    return true;
  });
}

/** A signed PUT that declares `declaredBytes`, sends `sentBytes` of them and then walks away. */
async function putAndWalkAway(server: RunningServer, key: string, declaredBytes: number, sentBytes: number): Promise<void> {
  const url = new URL(`${server.endpoint}/${BUCKET}/${key}`);
  const signed = await signer.sign({
    method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(declaredBytes) },
  });
  await new Promise<void>((resolve) => {
    const outgoing = request({ method: 'PUT', host: url.hostname, port: url.port, path: url.pathname, headers: signed.headers });
    outgoing.on('error', () => undefined);
    outgoing.on('response', () => undefined);
    const piece = randomBytes(MIB);
    let written = 0;
    const more = () => {
      while (written < sentBytes) {
        written += piece.byteLength;
        if (!outgoing.write(piece)) return void outgoing.once('drain', more);
      }
      // Let the server take the bytes, then leave mid-body.
      setTimeout(() => {
        outgoing.destroy();
        resolve();
      }, 300);
    };
    more();
  });
}

describe('MD5 off the event loop, on a drive', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => ({ server, s3 } = await openSuite(BUCKET)));
  after(() => closeSuite(server, s3));

  it('the ETag is the MD5 on both sides of the threshold, and GET returns every byte', async () => {
    for (const sizeBytes of [THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 64 * MIB]) await putAndCheck(s3, `object-${sizeBytes}`, randomBytes(sizeBytes));
  });

  it('several large PUTs at once each get their own MD5', async () => {
    const bodies = [0, 1, 2].map((index) => randomBytes(THRESHOLD + index * MIB + 7));
    await Promise.all(bodies.map((body, index) => putAndCheck(s3, `parallel-${index}`, body)));
  });

  it('a wrong Content-MD5 on a large body is BadDigest and stores nothing', async () => {
    const body = randomBytes(THRESHOLD + 5);
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-digest', Body: body, ContentMD5: md5Base64(body.subarray(1)) })), (error: Error) => {
      assert.equal(error.name, 'BadDigest');
      return true;
    });
    await absent(s3, 'bad-digest');
    await putAndCheck(s3, 'good-digest', body);
  });

  it('multipart parts above and below the threshold get their MD5 as ETag', async () => {
    const parts = [randomBytes(THRESHOLD + 1), randomBytes(THRESHOLD - 1)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart' }));
    const etags: string[] = [];
    for (const [index, body] of parts.entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multipart', UploadId, PartNumber: index + 1, Body: body }));
      assert.equal(part.ETag, `"${md5Hex(body)}"`, `part ${index + 1}`);
      etags.push(part.ETag!);
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'multipart', UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
    }));
    const partMd5s = Buffer.concat(parts.map((body) => createHash('md5').update(body).digest()));
    assert.equal(done.ETag, `"${md5Hex(partMd5s)}-2"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'multipart' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts)));
  });

  it('a large SSE-S3 body (sealed before storage, so hashed inline) still has its plaintext MD5 as ETag', async () => {
    const body = randomBytes(THRESHOLD + 2 * MIB + 9);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sealed', Body: body, ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ETag, `"${md5Hex(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'sealed' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
  });

  it('a large upload aborted mid-body leaves nothing, and the next large PUT is hashed', async () => {
    await putAndWalkAway(server, 'walked-away', 32 * MIB, 12 * MIB);
    await absent(s3, 'walked-away');
    await putAndCheck(s3, 'after-walk-away', randomBytes(THRESHOLD + 3 * MIB + 1));
    await absent(s3, 'walked-away');
  });
});

describe('MD5 off the event loop, on an erasure set', () => {
  let set: DriveSetServer;
  before(async () => (set = await openDriveSet('md5-off-loop', 4, 1, BUCKET)));
  after(() => closeDriveSet(set));

  it('stripes are hashed too: the ETag is the MD5 and GET returns every byte', async () => {
    for (const sizeBytes of [THRESHOLD - 1, THRESHOLD + 1, 20 * MIB + 3]) await putAndCheck(set.s3, `object-${sizeBytes}`, randomBytes(sizeBytes));
  });

  it('with reduced redundancy (copies, no parity coding) too', async () => {
    const body = randomBytes(THRESHOLD + 11);
    const put = await set.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reduced', Body: body, StorageClass: 'REDUCED_REDUNDANCY' }));
    assert.equal(put.ETag, `"${md5Hex(body)}"`);
    const got = await set.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reduced' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
  });
});

describe('MD5 off the event loop, when the hasher thread dies', () => {
  /**
   * Each hasher thread exits when asked for its 41st piece. The writer hands a unit over in pieces of
   * 256 KiB or more, at least one per 1 MiB unit: a 64 MiB body is at least 64 pieces, THRESHOLD + 1
   * (8 MiB and a byte) at most 8 × 4 + 1 = 33.
   */
  const EXIT_AFTER_PIECES = 40;
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET, { env: { CAIRN_FAULT_MD5_HASHER_EXIT_AFTER_PIECES: String(EXIT_AFTER_PIECES) } }));
    s3.destroy();
    // One attempt: a retry would meet a fresh hasher that dies again.
    s3 = sdkClient(server, { maxAttempts: 1 });
  });
  after(() => closeSuite(server, s3));

  it('the PUT fails with 500 InternalError, stores nothing, and the next PUT gets a fresh hasher', async () => {
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dies', Body: randomBytes(64 * MIB) })), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.$metadata?.httpStatusCode, 500);
      assert.equal(error.name, 'InternalError');
      return true;
    });
    await absent(s3, 'dies');
    // Within a fresh thread's 40 pieces.
    await putAndCheck(s3, 'after-death', randomBytes(THRESHOLD + 1));
    await putAndCheck(s3, 'small-after-death', randomBytes(MIB));
    await absent(s3, 'dies');
  });
});
