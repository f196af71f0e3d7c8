// The rest of the Amazon ECR API, with @aws-sdk/client-ecr (default settings): a whole image pushed
// through the layer API (BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart,
// CompleteLayerUpload) then PutImage, pulled back byte-identical (BatchGetImage, the presigned
// GetDownloadUrlForLayer URL, skopeo); each bad input with its exact exception and nothing stored;
// DeleteRepositoryPolicy; ListImageReferrers.
import {
  BatchCheckLayerAvailabilityCommand, BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand, DeleteRepositoryPolicyCommand, ECRClient,
  GetDownloadUrlForLayerCommand, GetRepositoryPolicyCommand, InitiateLayerUploadCommand, ListImageReferrersCommand, PutImageCommand, SetRepositoryPolicyCommand, UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { digestOf, OCI_MANIFEST, OciImages } from './helpers/oci-images.js';
import { runCommand } from './helpers/processes.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, temporaryDirectory, type RunningServer } from './helpers/server.js';

const COMMAND_TIMEOUT_MS = 120_000;
const MIB = 1024 * 1024;
/** ECR's smallest part but the last. */
const PART_SIZE_BYTES_MIN = 5 * MIB;
const REGISTRY_BUCKET = 'sthree-cairn-registry';
const skopeoSkip = await runCommand('skopeo', ['--version'], { timeoutMs: COMMAND_TIMEOUT_MS }).then(
  (result) => (result.code === 0 ? false : 'skopeo does not run'), () => 'no `skopeo` command on the PATH (Debian package skopeo)',
);

let server: RunningServer;
let ecr: ECRClient;
let s3: S3Client;
let work: string;
before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1'] });
  ecr = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  s3 = sdkClient(server);
  work = temporaryDirectory('registry-ecr2');
});
after(async () => {
  ecr?.destroy();
  s3?.destroy();
  await server?.dispose();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Uploads `bytes` as one layer in parts of `partSizeBytes`; the CompleteLayerUpload answer. */
async function uploadLayer(repositoryName: string, bytes: Buffer, partSizeBytes: number, digest = digestOf(bytes)) {
  const { uploadId, partSize } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  assert.equal(partSize, 10 * MIB);
  for (let start = 0; start < bytes.byteLength; start += partSizeBytes) {
    const part = bytes.subarray(start, start + partSizeBytes);
    const answer = await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: start, partLastByte: start + part.byteLength - 1, layerPartBlob: part }));
    assert.equal(answer.lastByteReceived, start + part.byteLength - 1);
  }
  return ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
}

async function availability(repositoryName: string, digests: string[]) {
  const answer = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: digests }));
  return [...(answer.layers ?? []).map((layer) => [layer.layerDigest, layer.layerAvailability, layer.layerSize]), ...(answer.failures ?? []).map((failure) => [failure.layerDigest, failure.failureCode])];
}

async function systemKeys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: REGISTRY_BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

describe('the ECR layer API', () => {
  const images = new OciImages();
  const layer = images.layer('big.bin', randomBytes(PART_SIZE_BYTES_MIN + 70_000));
  const manifest = images.image([layer]);
  const manifestBytes = images.blobs.get(manifest.digest)!;
  const config = JSON.parse(manifestBytes.toString('utf8')).config as { digest: string };

  it('pushes a whole image through the layer API and PutImage; it comes back byte-identical', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr2/app' }));
    assert.deepEqual(await availability('ecr2/app', [layer.digest]), [[layer.digest, 'MissingLayerDigest']]);
    const layerBytes = images.blobs.get(layer.digest)!;
    assert.ok(layerBytes.byteLength > PART_SIZE_BYTES_MIN);
    const completed = await uploadLayer('ecr2/app', layerBytes, PART_SIZE_BYTES_MIN);
    assert.equal(completed.layerDigest, layer.digest);
    assert.equal((await uploadLayer('ecr2/app', images.blobs.get(config.digest)!, PART_SIZE_BYTES_MIN)).layerDigest, config.digest);
    assert.deepEqual(await availability('ecr2/app', [layer.digest, config.digest, 'sha256:nothex']), [
      [layer.digest, 'AVAILABLE', layerBytes.byteLength], [config.digest, 'AVAILABLE', images.blobs.get(config.digest)!.byteLength], ['sha256:nothex', 'InvalidLayerDigest'],
    ]);
    assert.deepEqual(await systemKeys('uploads/'), []);
    const put = await ecr.send(new PutImageCommand({ repositoryName: 'ecr2/app', imageManifest: manifestBytes.toString('utf8'), imageTag: 'v1' }));
    assert.deepEqual(put.image?.imageId, { imageDigest: manifest.digest, imageTag: 'v1' });
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: 'ecr2/app', imageIds: [{ imageTag: 'v1' }] }));
    assert.equal(got.images?.[0]?.imageManifest, manifestBytes.toString('utf8'));
    const { downloadUrl, layerDigest } = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'ecr2/app', layerDigest: layer.digest }));
    assert.equal(layerDigest, layer.digest);
    const downloaded = await fetch(downloadUrl!);
    assert.equal(downloaded.status, 200);
    assert.ok(Buffer.from(await downloaded.arrayBuffer()).equals(layerBytes));
  });

  it('skopeo pulls the image pushed through the ECR API byte-identical', { skip: skopeoSkip }, async () => {
    const target = join(work, 'pulled');
    const pulled = await runCommand('skopeo', ['copy', '--src-tls-verify=false', '--src-creds', `${TEST_ACCESS_KEY}:${TEST_SECRET_KEY}`, `docker://127.0.0.1:${server.port}/ecr2/app:v1`, `oci:${target}:v1`], { timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(pulled.code, 0, pulled.stderr);
    for (const digest of [manifest.digest, layer.digest, config.digest]) {
      assert.ok(readFileSync(join(target, 'blobs', 'sha256', digest.slice('sha256:'.length))).equals(images.blobs.get(digest)!), digest);
    }
  });

  it('refuses each bad input with ECR\'s exception and stores nothing', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr2/bad' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr2/other' }));
    const bytes = randomBytes(1000);
    const digest = digestOf(bytes);
    await assert.rejects(ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'ecr2/none' })), { name: 'RepositoryNotFoundException' });
    const unknownId = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(ecr.send(new UploadLayerPartCommand({ repositoryName: 'ecr2/bad', uploadId: unknownId, partFirstByte: 0, partLastByte: 999, layerPartBlob: bytes })), { name: 'UploadNotFoundException' });
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'ecr2/bad' }));
    await assert.rejects(ecr.send(new UploadLayerPartCommand({ repositoryName: 'ecr2/other', uploadId, partFirstByte: 0, partLastByte: 999, layerPartBlob: bytes })), { name: 'UploadNotFoundException' });
    await assert.rejects(ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'ecr2/bad', uploadId, layerDigests: [digest] })), { name: 'EmptyUploadException' });
    await assert.rejects(ecr.send(new UploadLayerPartCommand({ repositoryName: 'ecr2/bad', uploadId, partFirstByte: 10, partLastByte: 1009, layerPartBlob: bytes })), { name: 'InvalidLayerPartException' });
    await assert.rejects(ecr.send(new UploadLayerPartCommand({ repositoryName: 'ecr2/bad', uploadId, partFirstByte: 0, partLastByte: 10, layerPartBlob: bytes })), { name: 'InvalidLayerPartException' });
    assert.deepEqual(await systemKeys(`uploads/${uploadId}/`), []);
    // The session is unchanged: the part at byte 0 is still the one it takes.
    await ecr.send(new UploadLayerPartCommand({ repositoryName: 'ecr2/bad', uploadId, partFirstByte: 0, partLastByte: 999, layerPartBlob: bytes }));
    await assert.rejects(ecr.send(new UploadLayerPartCommand({ repositoryName: 'ecr2/bad', uploadId, partFirstByte: 0, partLastByte: 999, layerPartBlob: bytes })), { name: 'InvalidLayerPartException' });
    const wrongDigest = digestOf(Buffer.from('something else'));
    await assert.rejects(ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'ecr2/bad', uploadId, layerDigests: [wrongDigest] })), { name: 'InvalidLayerException' });
    await assert.rejects(ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'ecr2/bad', uploadId, layerDigests: [digest] })), { name: 'UploadNotFoundException' });
    assert.deepEqual(await availability('ecr2/bad', [digest, wrongDigest]), [[digest, 'MissingLayerDigest'], [wrongDigest, 'MissingLayerDigest']]);
    assert.deepEqual(await systemKeys(`blobs/sha256/${wrongDigest.slice(7)}`), []);
    // A part but the last under 5 MiB.
    await assert.rejects(uploadLayer('ecr2/bad', bytes, 400), { name: 'LayerPartTooSmallException' });
    assert.deepEqual(await availability('ecr2/bad', [digest]), [[digest, 'MissingLayerDigest']]);
    await assert.rejects(ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'ecr2/bad', layerDigest: digest })), { name: 'LayersNotFoundException' });
    await assert.rejects(ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'ecr2/bad', layerDigest: 'sha256:xyz' })), { name: 'InvalidParameterException' });
    // A layer the repository holds already.
    assert.equal((await uploadLayer('ecr2/bad', bytes, 1000)).layerDigest, digest);
    await assert.rejects(uploadLayer('ecr2/bad', bytes, 1000), { name: 'LayerAlreadyExistsException' });
    const config = Buffer.from('{}');
    const imageManifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: 2 }, layers: [] });
    await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'ecr2/bad', imageManifest, imageTag: 'v1' })), { name: 'LayersNotFoundException' });
  });
});

describe('DeleteRepositoryPolicy', () => {
  it('deletes the policy and answers its text; without one, RepositoryPolicyNotFoundException', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr2/policy' }));
    await assert.rejects(ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'ecr2/policy' })), { name: 'RepositoryPolicyNotFoundException' });
    await assert.rejects(ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'ecr2/absent' })), { name: 'RepositoryNotFoundException' });
    const policyText = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }] });
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'ecr2/policy', policyText }));
    assert.equal((await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'ecr2/policy' }))).policyText, policyText);
    await assert.rejects(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'ecr2/policy' })), { name: 'RepositoryPolicyNotFoundException' });
  });
});

describe('ListImageReferrers', () => {
  it('lists the artifacts whose subject is an image, paged and filtered by artifact type', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr2/refs' }));
    const images = new OciImages();
    const subject = images.image([]);
    const signatures = ['one', 'two', 'three'].map((text) => images.artifact('application/vnd.example.signature', Buffer.from(text), subject, { note: text }));
    const sbom = images.artifact('application/vnd.example.sbom', Buffer.from('sbom'), subject, { note: 'sbom' });
    for (const [digest, bytes] of images.blobs) {
      if (![subject.digest, sbom.digest, ...signatures.map((signature) => signature.digest)].includes(digest)) await uploadLayer('ecr2/refs', bytes, PART_SIZE_BYTES_MIN);
    }
    for (const manifest of [subject, ...signatures, sbom]) {
      await ecr.send(new PutImageCommand({ repositoryName: 'ecr2/refs', imageManifest: images.blobs.get(manifest.digest)!.toString('utf8'), imageManifestMediaType: OCI_MANIFEST }));
    }
    const signatureDigests = signatures.map((signature) => signature.digest).sort();
    const first = await ecr.send(new ListImageReferrersCommand({ repositoryName: 'ecr2/refs', subjectId: { imageDigest: subject.digest }, filter: { artifactTypes: ['application/vnd.example.signature'] }, maxResults: 2 }));
    assert.deepEqual(first.referrers?.map((referrer) => referrer.digest), signatureDigests.slice(0, 2));
    assert.equal(first.referrers?.[0]?.artifactType, 'application/vnd.example.signature');
    const rest = await ecr.send(new ListImageReferrersCommand({ repositoryName: 'ecr2/refs', subjectId: { imageDigest: subject.digest }, filter: { artifactTypes: ['application/vnd.example.signature'] }, nextToken: first.nextToken }));
    assert.deepEqual(rest.referrers?.map((referrer) => referrer.digest), signatureDigests.slice(2));
    assert.equal(rest.nextToken, undefined);
    const all = await ecr.send(new ListImageReferrersCommand({ repositoryName: 'ecr2/refs', subjectId: { imageDigest: subject.digest } }));
    assert.equal(all.referrers?.length, 4);
    assert.deepEqual(all.referrers?.find((referrer) => referrer.digest === sbom.digest)?.annotations, { note: 'sbom' });
    await assert.rejects(ecr.send(new ListImageReferrersCommand({ repositoryName: 'ecr2/refs', subjectId: { imageDigest: 'sha256:xyz' } })), { name: 'InvalidParameterException' });
    await assert.rejects(ecr.send(new ListImageReferrersCommand({ repositoryName: 'ecr2/none', subjectId: { imageDigest: subject.digest } })), { name: 'RepositoryNotFoundException' });
  });
});
