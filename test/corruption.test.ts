// Every byte read is verified (DESIGN.md §2.3): bytes damaged on disk are never returned. A GET of a
// damaged record answers 500 InternalError and the server logs it with the request id.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openSync, readdirSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from './helpers/clients.js';
import { startServer, type RunningServer } from './helpers/server.js';

const BUCKET = 'damaged';

/** Flips one byte of `needle`'s first occurrence in the drive's volume files. */
function flipByteOnDisk(dataDirectory: string, needle: Buffer, offsetInNeedle: number): void {
  const volumesDirectory = join(dataDirectory, 'drive', 'volumes');
  for (const name of readdirSync(volumesDirectory)) {
    const path = join(volumesDirectory, name);
    const position = readFileSync(path).indexOf(needle);
    if (position < 0) continue;
    const descriptor = openSync(path, 'r+');
    try {
      writeSync(descriptor, Buffer.from([needle[offsetInNeedle]! ^ 0xff]), 0, 1, position + offsetInNeedle);
    } finally {
      closeSync(descriptor);
    }
    return;
  }
  throw new Error('the object bytes were not found in any volume');
}

describe('damaged records', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
  });
  after(() => server.dispose());

  it('a small object with one flipped byte: 500 InternalError, logged with the request id, no bytes', async () => {
    const body = randomBytes(4096);
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/small`, body })).status, 200);
    flipByteOnDisk(server.dataDirectory, body, 1000);
    const response = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/small` });
    assert.equal(response.status, 500);
    assert.equal(response.errorCode, 'InternalError');
    assert.ok(!response.body.includes(body.subarray(0, 64)), 'no object bytes in the error response');
    const requestId = String(response.headers['x-amz-request-id']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(server.stderr(), new RegExp(`request ${requestId}.*`));
    assert.match(server.stderr(), /corrupt|checksum|CRC/i);
  });

  it('a large object damaged in a later record: the connection is cut, never a full body of wrong bytes', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/large`, body })).status, 200);
    // Damage the third 1 MiB record: the first two stream out before the damage is found.
    flipByteOnDisk(server.dataDirectory, body.subarray(2 * 1024 * 1024 + 500, 2 * 1024 * 1024 + 564), 10);
    const outcome = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/large` }).then(
      (response) => ({ status: response.status, length: response.body.byteLength, intact: response.body.equals(body) }),
      (error: Error) => ({ error: error.message }),
    );
    if ('error' in outcome) {
      assert.match(outcome.error, /aborted|socket hang up|ECONNRESET|premature/i);
    } else {
      assert.ok(outcome.status === 500 || outcome.length < body.byteLength, `must not deliver a complete body: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.intact, false);
    }
  });

  it('a ranged read of the undamaged part of an object still succeeds', async () => {
    const response = await rawRequest(server, { method: 'GET', path: `/${BUCKET}/large`, headers: { range: 'bytes=0-1023' } });
    assert.equal(response.status, 206);
    assert.equal(response.body.byteLength, 1024);
  });
});
