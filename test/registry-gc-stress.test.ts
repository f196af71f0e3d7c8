// The registry's garbage collector under churn: 1,000 rounds (four lanes of 250, concurrently) of
// push a blob, PUT a manifest naming it, read it back, delete the previous manifest — and every
// tenth round push an old round's blob and manifest again (the blob unreferenced since, perhaps
// collected already) and delete it again — while collection passes run every 50 ms with a 200 ms
// grace. A referenced blob is never missing (each is read back, streamed, byte for byte), and once
// the churn stops the system bucket holds exactly the referenced blobs, then none at all.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { digestOf, OCI_MANIFEST } from './helpers/oci-images.js';
import { ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, type RunningServer } from './helpers/server.js';

const LANES = 4;
const ROUNDS_PER_LANE = 250;
/** Every this many rounds, a lane pushes again the image of this many rounds ago. */
const PUSH_AGAIN_EVERY = 10;
const PUSH_AGAIN_DISTANCE = 5;
const GC_GRACE_SECONDS = 0.2;
const GC_INTERVAL_SECONDS = 0.05;
// A blob pushed moments before a loaded machine's GC pass runs past its 0.2 s grace can be collected again: retries, not a bound on speed.
const PUSH_ATTEMPTS_MAX = 20;
const SETTLE_TIMEOUT_MS = 15_000;
const SYSTEM_BUCKET = 'sthree-cairn-registry';

interface Image { config: Buffer; manifest: Buffer }

function imageOf(config: Buffer, shared: Buffer): Image {
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(shared), size: shared.byteLength }],
  }));
  return { config, manifest };
}

const keyOf = (blob: Buffer) => `blobs/sha256/${digestOf(blob).slice('sha256:'.length)}`;

describe('registry garbage collection under churn', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({
      extraArgs: ['--workers', '1', '--registry-redirect', 'off', '--registry-rate', '100000,100000',
        '--registry-gc-grace', String(GC_GRACE_SECONDS), '--registry-gc-interval', String(GC_INTERVAL_SECONDS)],
    });
    s3 = sdkClient(server);
  });
  after(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  async function storedBlobKeys(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: SYSTEM_BUCKET, Prefix: 'blobs/', ContinuationToken: token }));
      keys.push(...(listed.Contents ?? []).map((object) => object.Key!));
      token = listed.NextContinuationToken;
    } while (token !== undefined);
    return keys.sort();
  }

  /** Pushes the image's config blob and PUTs its manifest; a blob collected in between (MANIFEST_BLOB_UNKNOWN) is pushed again. */
  async function push(repository: string, image: Image, shared: Buffer, reference: string): Promise<number> {
    for (let attempt = 0; attempt < PUSH_ATTEMPTS_MAX; attempt++) {
      for (const blob of [image.config, shared]) {
        if (blob === shared && attempt === 0) continue;
        assert.equal((await pushBlob(server, repository, digestOf(blob), blob)).status, 201);
      }
      const put = await pushManifest(server, repository, reference, image.manifest, OCI_MANIFEST);
      if (put.status === 201) return attempt;
      assert.equal(ociError(put).code, 'MANIFEST_BLOB_UNKNOWN');
    }
    return assert.fail(`the manifest was refused ${PUSH_ATTEMPTS_MAX} times`);
  }

  async function assertStored(repository: string, blobs: Buffer[]): Promise<void> {
    for (const blob of blobs) {
      const got = await registryFetch(server, 'GET', `/v2/${repository}/blobs/${digestOf(blob)}`);
      assert.equal(got.status, 200, `referenced blob ${digestOf(blob)} of ${repository} is readable`);
      assert.ok(got.body.equals(blob), `referenced blob ${digestOf(blob)} reads back byte for byte`);
    }
  }

  async function lane(index: number): Promise<{ retries: number; last: Image; shared: Buffer }> {
    const repository = `stress/lane-${index}`;
    const shared = randomBytes(1024);
    assert.equal((await pushBlob(server, repository, digestOf(shared), shared)).status, 201);
    const history: Image[] = [];
    let retries = 0;
    for (let round = 0; round < ROUNDS_PER_LANE; round++) {
      const image = imageOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', lane: index, round })), shared);
      retries += await push(repository, image, shared, 'current');
      await assertStored(repository, [image.config, shared]);
      const previous = history[history.length - 1];
      if (previous !== undefined) assert.equal((await registryFetch(server, 'DELETE', `/v2/${repository}/manifests/${digestOf(previous.manifest)}`)).status, 202);
      if (round % PUSH_AGAIN_EVERY === PUSH_AGAIN_EVERY - 1 && history.length >= PUSH_AGAIN_DISTANCE) {
        const old = history[history.length - PUSH_AGAIN_DISTANCE]!;
        retries += await push(repository, old, shared, digestOf(old.manifest));
        await assertStored(repository, [old.config]);
        assert.equal((await registryFetch(server, 'DELETE', `/v2/${repository}/manifests/${digestOf(old.manifest)}`)).status, 202);
      }
      history.push(image);
    }
    return { retries, last: history[history.length - 1]!, shared };
  }

  it(`${LANES * ROUNDS_PER_LANE} rounds of push, delete, push again while collection runs: nothing referenced is lost, nothing unreferenced stays`, async (t) => {
    const lanes = await Promise.all(Array.from({ length: LANES }, (_, index) => lane(index)));
    const referenced = lanes.flatMap(({ last, shared }) => [keyOf(last.config), keyOf(shared)]).sort();
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (JSON.stringify(await storedBlobKeys()) !== JSON.stringify(referenced) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 100));
    assert.deepEqual(await storedBlobKeys(), referenced);
    for (const [index, { last, shared }] of lanes.entries()) {
      await assertStored(`stress/lane-${index}`, [last.config, shared]);
      assert.equal((await registryFetch(server, 'DELETE', `/v2/stress/lane-${index}/manifests/${digestOf(last.manifest)}`)).status, 202);
    }
    while ((await storedBlobKeys()).length > 0 && Date.now() < deadline + SETTLE_TIMEOUT_MS) await new Promise((wake) => setTimeout(wake, 100));
    assert.deepEqual(await storedBlobKeys(), []);
    t.diagnostic(`registry gc churn: ${LANES * ROUNDS_PER_LANE} rounds, ${lanes.reduce((sum, { retries }) => sum + retries, 0)} manifest PUT retries`);
  });
});
