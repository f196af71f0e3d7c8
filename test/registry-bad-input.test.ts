// Every bad input the OCI distribution spec names, sent raw to a real server: each gets the spec's
// status and error code, and nothing is stored (no blob, manifest, tag or repository appears).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { digestOf, OCI_MANIFEST } from './helpers/oci-images.js';
import { ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, type RunningServer } from './helpers/server.js';

const MANIFEST_SIZE_BYTES_MAX = 4 * 1024 * 1024;
const REPO = 'bad/input';

let server: RunningServer;
before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1'] });
});
after(async () => server?.dispose());

function imageManifest(config: { digest: string; size: number }, layers: Array<{ digest: string; size: number }>, padding = ''): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer })),
    ...(padding === '' ? {} : { annotations: { padding } }),
  }));
}

async function catalog(): Promise<string[]> {
  return ((await registryFetch(server, 'GET', '/v2/_catalog')).json as { repositories: string[] }).repositories;
}

describe('registry bad input', () => {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const configDigest = digestOf(config);

  before(async () => {
    assert.equal((await pushBlob(server, REPO, configDigest, config)).status, 201);
  });

  it('a blob whose bytes do not match its digest: 400 DIGEST_INVALID, nothing stored', async () => {
    const bytes = randomBytes(1000);
    const claimed = digestOf(Buffer.from('something else'));
    const answer = await pushBlob(server, REPO, claimed, bytes);
    assert.equal(answer.status, 400);
    assert.equal(ociError(answer).code, 'DIGEST_INVALID');
    for (const digest of [claimed, digestOf(bytes)]) assert.equal((await registryFetch(server, 'HEAD', `/v2/${REPO}/blobs/${digest}`)).status, 404);
    // The same through a session: the closing PUT names the wrong digest.
    const session = await registryFetch(server, 'POST', `/v2/${REPO}/blobs/uploads/`);
    assert.equal(session.status, 202);
    const location = session.headers.get('location')!;
    assert.equal((await registryFetch(server, 'PATCH', location, { body: bytes })).status, 202);
    const closed = await registryFetch(server, 'PUT', `${location}?digest=${claimed}`);
    assert.equal(closed.status, 400);
    assert.equal(ociError(closed).code, 'DIGEST_INVALID');
    assert.equal((await registryFetch(server, 'HEAD', `/v2/${REPO}/blobs/${digestOf(bytes)}`)).status, 404);
    const malformed = await pushBlob(server, REPO, 'sha256:abc', bytes);
    assert.equal(malformed.status, 400);
    assert.equal(ociError(malformed).code, 'DIGEST_INVALID');
  });

  it('a bad repository name: 400 NAME_INVALID, no repository made', async () => {
    for (const name of ['Upper/case', 'a//b', 'trailing-', '-lead', `${'a'.repeat(256)}`]) {
      const answer = await pushBlob(server, name, configDigest, config);
      assert.equal(answer.status, 400, name);
      assert.equal(ociError(answer).code, 'NAME_INVALID');
    }
    assert.deepEqual(await catalog(), [REPO]);
  });

  it('a manifest naming a blob the repository lacks: 400 MANIFEST_BLOB_UNKNOWN, no manifest or tag', async () => {
    const missing = digestOf(Buffer.from('never pushed'));
    const manifest = imageManifest({ digest: configDigest, size: config.byteLength }, [{ digest: missing, size: 12 }]);
    const answer = await pushManifest(server, REPO, 'v1', manifest, OCI_MANIFEST);
    assert.equal(answer.status, 400);
    assert.deepEqual(ociError(answer), { code: 'MANIFEST_BLOB_UNKNOWN', message: 'manifest references a manifest or blob unknown to registry', detail: { digest: missing } });
    assert.equal(ociError(await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`)).code, 'MANIFEST_UNKNOWN');
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/${digestOf(manifest)}`)).status, 404);
    assert.deepEqual((await registryFetch(server, 'GET', `/v2/${REPO}/tags/list`)).json, { name: REPO, tags: [] });
    // A blob in another repository is unknown to this one too.
    const elsewhere = Buffer.from('in another repository');
    assert.equal((await pushBlob(server, 'bad/other', digestOf(elsewhere), elsewhere)).status, 201);
    const crossing = imageManifest({ digest: configDigest, size: config.byteLength }, [{ digest: digestOf(elsewhere), size: elsewhere.byteLength }]);
    assert.equal(ociError(await pushManifest(server, REPO, 'v1', crossing, OCI_MANIFEST)).code, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('a manifest over 4 MiB: 413 SIZE_INVALID, nothing stored', async () => {
    const manifest = imageManifest({ digest: configDigest, size: config.byteLength }, [], 'x'.repeat(MANIFEST_SIZE_BYTES_MAX));
    const answer = await pushManifest(server, REPO, 'big', manifest, OCI_MANIFEST);
    assert.equal(answer.status, 413);
    assert.equal(ociError(answer).code, 'SIZE_INVALID');
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/${digestOf(manifest)}`)).status, 404);
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/big`)).status, 404);
    // Just under the limit is taken.
    const fits = imageManifest({ digest: configDigest, size: config.byteLength }, [], 'y'.repeat(MANIFEST_SIZE_BYTES_MAX - 400));
    assert.equal((await pushManifest(server, REPO, 'fits', fits, OCI_MANIFEST)).status, 201);
    assert.equal((await registryFetch(server, 'DELETE', `/v2/${REPO}/manifests/${digestOf(fits)}`)).status, 202);
  });

  it('a manifest whose digest is not the one named, or that is not a manifest: 400, nothing stored', async () => {
    const manifest = imageManifest({ digest: configDigest, size: config.byteLength }, []);
    const wrong = await pushManifest(server, REPO, digestOf(Buffer.from('other')), manifest, OCI_MANIFEST);
    assert.equal(wrong.status, 400);
    assert.equal(ociError(wrong).code, 'DIGEST_INVALID');
    const notJson = await pushManifest(server, REPO, 'v2', Buffer.from('{not json'), OCI_MANIFEST);
    assert.equal(notJson.status, 400);
    assert.equal(ociError(notJson).code, 'MANIFEST_INVALID');
    const mismatched = await pushManifest(server, REPO, 'v2', manifest, 'application/vnd.oci.image.index.v1+json');
    assert.equal(ociError(mismatched).code, 'MANIFEST_INVALID');
    const badTag = await pushManifest(server, REPO, '.dot', manifest, OCI_MANIFEST);
    assert.equal(badTag.status, 400);
    assert.equal(ociError(badTag).code, 'TAG_INVALID');
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/${digestOf(manifest)}`)).status, 404);
  });

  it('a chunk out of order: 416 with the Range received so far; the session goes on', async () => {
    const bytes = randomBytes(30);
    const session = await registryFetch(server, 'POST', `/v2/${REPO}/blobs/uploads/`, { headers: { 'content-length': '0' } });
    const location = session.headers.get('location')!;
    assert.match(location, new RegExp(`^/v2/${REPO}/blobs/uploads/[0-9a-f-]{36}$`));
    const first = await registryFetch(server, 'PATCH', location, { body: bytes.subarray(0, 10), headers: { 'content-range': '0-9' } });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-9');
    const skipped = await registryFetch(server, 'PATCH', location, { body: bytes.subarray(20, 30), headers: { 'content-range': '20-29' } });
    assert.equal(skipped.status, 416);
    assert.equal(skipped.headers.get('range'), '0-9');
    assert.equal(ociError(skipped).code, 'BLOB_UPLOAD_INVALID');
    const again = await registryFetch(server, 'PATCH', location, { body: bytes.subarray(0, 10), headers: { 'content-range': '0-9' } });
    assert.equal(again.status, 416);
    const status = await registryFetch(server, 'GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-9');
    assert.equal(status.headers.get('location'), location);
    assert.equal((await registryFetch(server, 'PATCH', location, { body: bytes.subarray(10, 20), headers: { 'content-range': '10-19' } })).headers.get('range'), '0-19');
    // The last chunk in the closing PUT, without a Content-Range.
    const closed = await registryFetch(server, 'PUT', `${location}?digest=${digestOf(bytes)}`, { body: bytes.subarray(20, 30) });
    assert.equal(closed.status, 201);
    assert.equal(closed.headers.get('location'), `/v2/${REPO}/blobs/${digestOf(bytes)}`);
    const blob = await registryFetch(server, 'GET', `/v2/${REPO}/blobs/${digestOf(bytes)}`, { follow: true });
    assert.deepEqual(blob.body, bytes);
    assert.equal(ociError(await registryFetch(server, 'GET', location)).code, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('a cancelled upload is gone; unknown references are 404 with their codes', async () => {
    const session = await registryFetch(server, 'POST', `/v2/${REPO}/blobs/uploads/`);
    const location = session.headers.get('location')!;
    assert.equal((await registryFetch(server, 'PATCH', location, { body: Buffer.from('abc') })).status, 202);
    assert.equal((await registryFetch(server, 'DELETE', location)).status, 204);
    assert.equal((await registryFetch(server, 'GET', location)).status, 404);
    assert.equal(ociError(await registryFetch(server, 'DELETE', location)).code, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal(ociError(await registryFetch(server, 'GET', `/v2/${REPO}/blobs/${digestOf(Buffer.from('no'))}`)).code, 'BLOB_UNKNOWN');
    assert.equal(ociError(await registryFetch(server, 'GET', '/v2/no/such/manifests/latest')).code, 'NAME_UNKNOWN');
    assert.equal(ociError(await registryFetch(server, 'GET', '/v2/no/such/tags/list')).code, 'NAME_UNKNOWN');
    assert.equal(ociError(await registryFetch(server, 'GET', `/v2/${REPO}/referrers/sha256:nothex`)).code, 'DIGEST_INVALID');
    const unsupported = await registryFetch(server, 'POST', `/v2/${REPO}/tags/list`);
    assert.equal(unsupported.status, 405);
    assert.equal(ociError(unsupported).code, 'UNSUPPORTED');
  });
});
