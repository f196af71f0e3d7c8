// The registry's online garbage collection, its throttling and its streaming mode, on real
// servers. GC: round after round an image is pushed the way clients push (HEAD each blob, upload
// the missing ones, PUT the manifest), read back, and the previous round's manifest deleted, while
// collection passes run every 50 ms with a 200 ms grace: no blob a manifest references ever goes
// missing, and once nothing references them every blob object is gone. Rounds: 200, or
// CAIRN_REGISTRY_GC_ROUNDS (up to 1,000).
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { digestOf, OCI_MANIFEST } from './helpers/oci-images.js';
import { ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, type RunningServer } from './helpers/server.js';

const ROUNDS = Math.min(1000, Math.max(1, Number(process.env['CAIRN_REGISTRY_GC_ROUNDS'] ?? 200)));
const GC_GRACE_SECONDS = 0.2;
const GC_INTERVAL_SECONDS = 0.05;
const SYSTEM_BUCKET = 'sthree-cairn-registry';
const REPO = 'gc/app';
/** A manifest PUT may find a blob collected since its HEAD (MANIFEST_BLOB_UNKNOWN): the client pushes again. */
// A blob pushed moments before a loaded machine's GC pass runs past its 0.2 s grace can be collected again: retries, not a bound on speed.
const PUSH_ATTEMPTS_MAX = 20;
const SETTLE_TIMEOUT_MS = 10_000;

function manifestOf(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength },
    layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.byteLength })),
  }));
}

async function storedBlobKeys(s3: S3Client): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: SYSTEM_BUCKET, Prefix: 'blobs/' }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

const keyOf = (blob: Buffer) => `blobs/sha256/${digestOf(blob).slice('sha256:'.length)}`;

describe('registry garbage collection', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({ extraArgs: ['--workers', '1', '--registry-gc-grace', String(GC_GRACE_SECONDS), '--registry-gc-interval', String(GC_INTERVAL_SECONDS)] });
    s3 = sdkClient(server);
  });
  after(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  /** Pushes as a client does; returns how many times the manifest PUT had to be retried. */
  async function pushImage(config: Buffer, layers: Buffer[], manifest: Buffer): Promise<number> {
    for (let attempt = 0; attempt < PUSH_ATTEMPTS_MAX; attempt++) {
      for (const blob of [config, ...layers]) {
        if ((await registryFetch(server, 'HEAD', `/v2/${REPO}/blobs/${digestOf(blob)}`)).status === 200) continue;
        assert.equal((await pushBlob(server, REPO, digestOf(blob), blob)).status, 201);
      }
      const put = await pushManifest(server, REPO, 'current', manifest, OCI_MANIFEST);
      if (put.status === 201) return attempt;
      assert.equal(ociError(put).code, 'MANIFEST_BLOB_UNKNOWN');
    }
    assert.fail(`the manifest was refused ${PUSH_ATTEMPTS_MAX} times`);
  }

  async function assertReadable(blobs: Buffer[]): Promise<void> {
    for (const blob of blobs) {
      const got = await registryFetch(server, 'GET', `/v2/${REPO}/blobs/${digestOf(blob)}`, { follow: true });
      assert.equal(got.status, 200, `referenced blob ${digestOf(blob)} readable`);
      assert.deepEqual(got.body, blob);
    }
  }

  it(`${ROUNDS} rounds of push, read, untag while collection runs: nothing referenced is lost, nothing unreferenced stays`, async (t) => {
    const shared = randomBytes(2048);
    let previous: { manifest: Buffer } | undefined;
    let retries = 0;
    let last: Buffer[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', round }));
      const own = randomBytes(512);
      const manifest = manifestOf(config, [shared, own]);
      retries += await pushImage(config, [shared, own], manifest);
      await assertReadable([config, shared, own]);
      if (previous !== undefined) assert.equal((await registryFetch(server, 'DELETE', `/v2/${REPO}/manifests/${digestOf(previous.manifest)}`)).status, 202);
      previous = { manifest };
      last = [config, shared, own];
    }
    // Well past the grace period, the referenced blobs are all there and nothing else is.
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    const expected = last.map(keyOf).sort();
    while (JSON.stringify(await storedBlobKeys(s3)) !== JSON.stringify(expected) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 100));
    assert.deepEqual(await storedBlobKeys(s3), expected);
    await assertReadable(last);
    assert.equal((await registryFetch(server, 'DELETE', `/v2/${REPO}/manifests/${digestOf(previous!.manifest)}`)).status, 202);
    while ((await storedBlobKeys(s3)).length > 0 && Date.now() < deadline + SETTLE_TIMEOUT_MS) await new Promise((wake) => setTimeout(wake, 100));
    assert.deepEqual(await storedBlobKeys(s3), []);
    for (const blob of last) assert.equal((await registryFetch(server, 'HEAD', `/v2/${REPO}/blobs/${digestOf(blob)}`)).status, 404);
    // Retries happen only when a blob outlived its grace between HEAD and PUT; say how many.
    t.diagnostic(`registry gc: ${ROUNDS} rounds, ${retries} manifest PUT retries`);
  });

  it('an open upload session keeps the blobs of its repository', async () => {
    const blob = randomBytes(256);
    assert.equal((await pushBlob(server, 'gc/held', digestOf(blob), blob)).status, 201);
    const session = await registryFetch(server, 'POST', '/v2/gc/held/blobs/uploads/');
    await new Promise((wake) => setTimeout(wake, GC_GRACE_SECONDS * 1000 * 5));
    assert.equal((await registryFetch(server, 'HEAD', `/v2/gc/held/blobs/${digestOf(blob)}`)).status, 200);
    assert.equal((await registryFetch(server, 'DELETE', session.headers.get('location')!)).status, 204);
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while ((await registryFetch(server, 'HEAD', `/v2/gc/held/blobs/${digestOf(blob)}`)).status === 200 && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 50));
    assert.equal((await registryFetch(server, 'HEAD', `/v2/gc/held/blobs/${digestOf(blob)}`)).status, 404);
  });
});

describe('registry throttling and streaming (--registry-redirect off)', () => {
  const ACCOUNT_RATE = 10;
  let server: RunningServer;
  before(async () => {
    server = await startServer({ extraArgs: ['--workers', '1', '--registry-redirect', 'off', '--registry-rate', `${ACCOUNT_RATE},1000`] });
  });
  after(async () => server?.dispose());

  it('a blob GET streams the blob itself', async () => {
    const blob = randomBytes(100_000);
    assert.equal((await pushBlob(server, 'stream/app', digestOf(blob), blob)).status, 201);
    const got = await registryFetch(server, 'GET', `/v2/stream/app/blobs/${digestOf(blob)}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('docker-content-digest'), digestOf(blob));
    assert.equal(got.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(got.body, blob);
  });

  it('a blob GET with a Range header streams that range (206), a range past the end is 416', async () => {
    const blob = randomBytes(100_000);
    assert.equal((await pushBlob(server, 'stream/ranged', digestOf(blob), blob)).status, 201);
    const path = `/v2/stream/ranged/blobs/${digestOf(blob)}`;
    const cases: Array<[string, number, number]> = [['bytes=10-19', 10, 19], ['bytes=99990-', 99_990, 99_999], ['bytes=-5', 99_995, 99_999], ['bytes=0-999999', 0, 99_999]];
    for (const [range, first, last] of cases) {
      const got = await registryFetch(server, 'GET', path, { headers: { range } });
      assert.equal(got.status, 206, range);
      assert.equal(got.headers.get('content-range'), `bytes ${first}-${last}/100000`);
      assert.equal(got.headers.get('content-length'), String(last - first + 1));
      assert.deepEqual(got.body, blob.subarray(first, last + 1));
    }
    const past = await registryFetch(server, 'GET', path, { headers: { range: 'bytes=100000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), 'bytes */100000');
    assert.equal(ociError(past).code, 'RANGE_INVALID');
  });

  it('a burst over the caller\'s rate gets 429 TOOMANYREQUESTS with Retry-After, and nothing else', async () => {
    await new Promise((wake) => setTimeout(wake, 2000));
    const answers = await Promise.all(Array.from({ length: ACCOUNT_RATE * 6 }, () => registryFetch(server, 'GET', '/v2/')));
    const statuses = new Set(answers.map((answer) => answer.status));
    assert.deepEqual([...statuses].sort(), [200, 429]);
    for (const answer of answers.filter((candidate) => candidate.status === 429)) {
      assert.equal(ociError(answer).code, 'TOOMANYREQUESTS');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
    }
    await new Promise((wake) => setTimeout(wake, 1000));
    assert.equal((await registryFetch(server, 'GET', '/v2/')).status, 200);
  });
});
