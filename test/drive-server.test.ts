// Drive servers (`cairn drive serve`), run as real processes and driven through RemoteDriveIo: a wrong
// cluster secret refused at open and every unsigned or mis-signed request refused with nothing written;
// concurrent durable appends (group commit) read back byte-identical from two servers; bad records and
// bad ranges refused with nothing written; a damaged record answered as corruption, never as bytes;
// acknowledged records kept across a kill -9 and restart of their server; a killed server's drive
// fails fast while the other keeps serving. Erasure sets over remote drives: cluster-drives.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeRecord } from '../src/storage/record.js';
import { RECORD_TYPE_DATA } from '../src/storage/constants.js';
import { RemoteDriveError, RemoteDriveIo } from '../src/storage/remote/remote-drive.js';
import { volumePath } from '../src/storage/drive.js';
import { StorageCorruptionError } from '../src/storage/errors.js';
import { serveDrives, TEST_CLUSTER_SECRET, type DriveServerProcess } from './helpers/drive-servers.js';
import { temporaryDirectory } from './helpers/server.js';

const SECRET = TEST_CLUSTER_SECRET;

function recordBytes(payload: Buffer, key: string): Buffer {
  return Buffer.concat(encodeRecord(RECORD_TYPE_DATA, true, { key }, payload).parts);
}

function rawPost(baseUrl: string, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('drive servers', () => {
  const root = temporaryDirectory('drive-servers');
  const directories = ['d1', 'd2', 'd3'].map((name) => join(root, name));
  let first: DriveServerProcess;
  let second: DriveServerProcess;
  let d1: RemoteDriveIo;
  let d3: RemoteDriveIo;

  before(async () => {
    first = await serveDrives(directories.slice(0, 2));
    second = await serveDrives(directories.slice(2));
    // A drive server leaves empty directories empty until a client formats them (here: standalone drives).
    for (const [baseUrl, name] of [[first.baseUrl, 'd1'], [first.baseUrl, 'd2'], [second.baseUrl, 'd3']] as const) {
      const client = RemoteDriveIo.connect(`${baseUrl}/${name}`, SECRET);
      await client.call('POST', 'format', '', Buffer.from('{}'));
      await client.close();
    }
    d1 = await RemoteDriveIo.open(`${first.baseUrl}/d1`, SECRET);
    d3 = await RemoteDriveIo.open(`${second.baseUrl}/d3`, SECRET);
  });
  after(async () => {
    await d1.close();
    await d3.close();
    for (const server of [first, second]) server?.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a wrong cluster secret at open, and unsigned or mis-signed writes, writing nothing', async () => {
    const refused = await RemoteDriveIo.open(`${first.baseUrl}/d2`, 'not-the-cluster-secret').catch((error: unknown) => error);
    assert.ok(refused instanceof RemoteDriveError);
    assert.equal(refused.status, 401);
    assert.match(refused.message, /wrong cluster secret/);
    const missing = await RemoteDriveIo.open(`${first.baseUrl}/nothing`, SECRET).catch((error: unknown) => error);
    assert.ok(missing instanceof RemoteDriveError);
    assert.equal(missing.status, 404);
    const d2 = await RemoteDriveIo.open(`${first.baseUrl}/d2`, SECRET);
    const before = await d2.listVolumes();
    const body = recordBytes(Buffer.from('payload'), 'k');
    assert.equal(await rawPost(first.baseUrl, '/d2/records', {}, body), 401);
    const forged = { 'x-cairn-drive-date': String(Date.now()), 'x-cairn-drive-content-sha256': '0'.repeat(64), 'x-cairn-drive-signature': 'ab'.repeat(32) };
    assert.equal(await rawPost(first.baseUrl, '/d2/records', forged, body), 401);
    assert.deepEqual(await d2.listVolumes(), before);
    await d2.close();
  });

  it('appends records durably from many writers at once and reads them back byte-identical on two servers', async () => {
    const records = Array.from({ length: 24 }, (_, index) => recordBytes(randomBytes(1 + index * 997), `object-${index}`));
    for (const drive of [d1, d3]) {
      const locations = await Promise.all(records.map((record) => drive.appendRecord(record)));
      const ends = locations.map((location, index) => location.offsetBytes + records[index]!.length);
      for (const [index, location] of locations.entries()) assert.ok(Buffer.from(await drive.readRecord(location, records[index]!.length)).equals(records[index]!));
      const volume = (await drive.listVolumes()).find((listed) => listed.volumeId === locations[0]!.volumeId);
      assert.ok(volume !== undefined && volume.sizeBytes >= Math.max(...ends));
    }
  });

  it('refuses a bad record and a bad range with nothing written, and answers a damaged record as corruption', async () => {
    const before = await d1.listVolumes();
    const badRecord = await d1.appendRecord(randomBytes(100)).catch((error: unknown) => error);
    assert.ok(badRecord instanceof RemoteDriveError);
    assert.equal(badRecord.status, 400);
    assert.match(badRecord.message, /not a valid record/);
    assert.deepEqual(await d1.listVolumes(), before);
    const record = recordBytes(Buffer.from('to be damaged'), 'damaged');
    const location = await d1.appendRecord(record);
    const tooLarge = await d1.readRecord(location, 1 << 30).catch((error: unknown) => error);
    assert.ok(tooLarge instanceof RemoteDriveError && tooLarge.status === 400);
    // Flip the record's last payload byte in its volume file.
    const volumeFile = volumePath(directories[0]!, location.volumeId);
    const descriptor = openSync(volumeFile, 'r+');
    const byte = Buffer.alloc(1);
    const at = location.offsetBytes + record.length - 1;
    readSync(descriptor, byte, 0, 1, at);
    writeSync(descriptor, Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
    closeSync(descriptor);
    const damaged = await d1.readRecord(location, record.length).catch((error: unknown) => error);
    assert.ok(damaged instanceof StorageCorruptionError, String(damaged));
  });

  it('keeps acknowledged records across a restart of the drive server', async () => {
    const record = recordBytes(randomBytes(4096), 'durable');
    const location = await d3.appendRecord(record);
    second.child.kill('SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));
    await d3.close();
    second = await serveDrives(directories.slice(2));
    d3 = await RemoteDriveIo.open(`${second.baseUrl}/d3`, SECRET);
    assert.ok(Buffer.from(await d3.readRecord(location, record.length)).equals(record));
    // The restarted server appends to a new volume: the old one's tail is never written again.
    assert.notEqual((await d3.appendRecord(record)).volumeId, location.volumeId);
  });

  it('fails fast on a killed server while the other keeps serving', async () => {
    const record = recordBytes(Buffer.from('still here'), 'alive');
    const location = await d3.appendRecord(record);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const gone = await d1.appendRecord(record).catch((error: unknown) => error);
    assert.ok(gone instanceof Error && /ECONNREFUSED|ECONNRESET|socket hang up/.test(gone.message), String(gone));
    assert.ok(Buffer.from(await d3.readRecord(location, record.length)).equals(record));
  });
});
