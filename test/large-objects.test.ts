// Large objects (many 1 MiB records) through the AWS SDK v3: the GET path reads each stream's
// records into two buffers in turn and the PUT path fills two unit buffers in turn
// (docs/performance.md, "Large objects (session 8)"), so these pin that every byte still comes
// back exactly — whole, in ranges across records, for several streams at once, and after a client
// walked away mid-body.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { signer } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'large-objects';
const MIB = 1024 * 1024;
/** Not a whole number of records, so the last record is short and its buffer smaller. */
const OBJECT_BYTES = 9 * MIB + 12_345;

describe('large objects', () => {
  let server: RunningServer;
  let s3: S3Client;
  const bodies = new Map<string, Buffer>();
  const getBytes = async (key: string, range?: string) => {
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
    return { response, bytes: Buffer.from(await response.Body!.transformToByteArray()) };
  };

  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
    for (const key of ['a', 'b', 'c']) {
      const body = randomBytes(OBJECT_BYTES);
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      assert.equal(put.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
      bodies.set(key, body);
    }
  });
  after(() => closeSuite(server, s3));

  it('a whole GET returns every byte, with the MD5 ETag', async () => {
    const { response, bytes } = await getBytes('a');
    assert.equal(response.ContentLength, OBJECT_BYTES);
    assert.ok(bytes.equals(bodies.get('a')!));
  });

  it('ranges across record boundaries return exactly their bytes', async () => {
    const body = bodies.get('b')!;
    for (const [first, last] of [[MIB - 10, 4 * MIB + 9], [3, 9 * MIB + 100], [2 * MIB, 3 * MIB - 1], [8 * MIB + 1, OBJECT_BYTES - 1]] as const) {
      const { response, bytes } = await getBytes('b', `bytes=${first}-${last}`);
      assert.equal(response.$metadata.httpStatusCode, 206);
      assert.equal(response.ContentRange, `bytes ${first}-${last}/${OBJECT_BYTES}`);
      assert.ok(bytes.equals(body.subarray(first, last + 1)), `range ${first}-${last}`);
    }
  });

  it('several GETs at once each get their own object', async () => {
    const keys = ['a', 'b', 'c', 'a', 'c', 'b'];
    const results = await Promise.all(keys.map((key) => getBytes(key)));
    results.forEach(({ bytes }, at) => assert.ok(bytes.equals(bodies.get(keys[at]!)!), `GET ${at} of ${keys[at]}`));
  });

  it('a client that leaves mid-body does not disturb the next GET', async () => {
    const url = new URL(`${server.endpoint}/${BUCKET}/c`);
    const signed = await signer.sign({
      method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname,
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const receivedBytes = await new Promise<number>((resolve, reject) => {
      const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname, headers: signed.headers }, (response) => {
        assert.equal(response.statusCode, 200);
        let count = 0;
        response.on('data', (piece: Buffer) => {
          count += piece.length;
          // After about 2 MiB, walk away.
          if (count > 2 * MIB) {
            outgoing.destroy();
            resolve(count);
          }
        });
      });
      outgoing.on('error', (error) => { if (!outgoing.destroyed) reject(error); });
      outgoing.end();
    });
    assert.ok(receivedBytes < OBJECT_BYTES);
    const { bytes } = await getBytes('c');
    assert.ok(bytes.equals(bodies.get('c')!));
  });
});
