// The Amazon ECR API of the registry, with @aws-sdk/client-ecr (default settings) and the aws CLI:
// repositories, repository policies (anonymous pulls), tag mutability (an immutable tag cannot be
// pushed over: TAG_INVALID), and `aws ecr get-login-password` fed to skopeo as `AWS:<token>`.
import {
  BatchDeleteImageCommand, BatchGetImageCommand, CreateRepositoryCommand, DeleteRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand,
  ECRClient, GetAuthorizationTokenCommand, GetRepositoryPolicyCommand, ListImagesCommand, PutImageCommand, PutImageTagMutabilityCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestOf, OCI_MANIFEST, OciImages } from './helpers/oci-images.js';
import { awsClientEnvironment, runCommand } from './helpers/processes.js';
import { basicOf, ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, temporaryDirectory, type RunningServer } from './helpers/server.js';

const COMMAND_TIMEOUT_MS = 120_000;
const skopeoSkip = await runCommand('skopeo', ['--version'], { timeoutMs: COMMAND_TIMEOUT_MS }).then(
  (result) => (result.code === 0 ? false : 'skopeo does not run'), () => 'no `skopeo` command on the PATH (Debian package skopeo)',
);

let server: RunningServer;
let ecr: ECRClient;
let work: string;
before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1'] });
  ecr = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
  work = temporaryDirectory('registry-ecr');
});
after(async () => {
  ecr?.destroy();
  await server?.dispose();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the ECR API', () => {
  it('creates, describes and deletes repositories with ECR\'s errors', async () => {
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr/one' }));
    assert.equal(created.repository?.repositoryArn, 'arn:aws:ecr:us-east-1:000000000000:repository/ecr/one');
    assert.equal(created.repository?.repositoryUri, `127.0.0.1:${server.port}/ecr/one`);
    assert.equal(created.repository?.imageTagMutability, 'MUTABLE');
    await assert.rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr/one' })), { name: 'RepositoryAlreadyExistsException' });
    await assert.rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: 'Bad Name' })), { name: 'InvalidParameterException' });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr/two' }));
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 1 }));
    assert.deepEqual(page.repositories?.map((repository) => repository.repositoryName), ['ecr/one']);
    const rest = await ecr.send(new DescribeRepositoriesCommand({ nextToken: page.nextToken }));
    assert.deepEqual(rest.repositories?.map((repository) => repository.repositoryName), ['ecr/two']);
    await assert.rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['ecr/none'] })), { name: 'RepositoryNotFoundException' });
    // A repository with an image cannot be deleted; an empty one can.
    const config = Buffer.from('{}');
    assert.equal((await pushBlob(server, 'ecr/two', digestOf(config), config)).status, 201);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: 2 }, layers: [] }));
    assert.equal((await pushManifest(server, 'ecr/two', 'v1', manifest, OCI_MANIFEST)).status, 201);
    await assert.rejects(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'ecr/two' })), { name: 'RepositoryNotEmptyException' });
    assert.equal((await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'ecr/one' }))).repository?.repositoryName, 'ecr/one');
    await assert.rejects(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'ecr/one' })), { name: 'RepositoryNotFoundException' });
  });

  it('a repository policy lets anonymous callers pull; a bad one is refused and changes nothing', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr/public' }));
    const config = Buffer.from('{"public":true}');
    assert.equal((await pushBlob(server, 'ecr/public', digestOf(config), config)).status, 201);
    await assert.rejects(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'ecr/public' })), { name: 'RepositoryPolicyNotFoundException' });
    await assert.rejects(ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'ecr/public', policyText: '{"Statement":[{"Effect":"Allow","Action":"ecr:Nope","Principal":"*"}]}' })), { name: 'InvalidParameterException' });
    await assert.rejects(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'ecr/public' })), { name: 'RepositoryPolicyNotFoundException' });
    assert.equal((await registryFetch(server, 'HEAD', `/v2/ecr/public/blobs/${digestOf(config)}`, { authorization: null })).status, 401);
    const policyText = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer'] }] });
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'ecr/public', policyText }));
    assert.equal((await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'ecr/public' }))).policyText, policyText);
    assert.equal((await registryFetch(server, 'HEAD', `/v2/ecr/public/blobs/${digestOf(config)}`, { authorization: null })).status, 200);
  });

  it('an IMMUTABLE repository refuses to move a tag: TAG_INVALID, the tag unchanged', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr/fixed' }));
    assert.equal((await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'ecr/fixed', imageTagMutability: 'IMMUTABLE' }))).imageTagMutability, 'IMMUTABLE');
    const manifests = ['a', 'b'].map((text) => {
      const config = Buffer.from(`{"v":"${text}"}`);
      return { config, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength }, layers: [] })) };
    });
    for (const { config } of manifests) assert.equal((await pushBlob(server, 'ecr/fixed', digestOf(config), config)).status, 201);
    assert.equal((await pushManifest(server, 'ecr/fixed', 'release', manifests[0]!.bytes, OCI_MANIFEST)).status, 201);
    assert.equal((await pushManifest(server, 'ecr/fixed', 'release', manifests[0]!.bytes, OCI_MANIFEST)).status, 201);
    const moved = await pushManifest(server, 'ecr/fixed', 'release', manifests[1]!.bytes, OCI_MANIFEST);
    assert.equal(moved.status, 400);
    assert.equal(ociError(moved).code, 'TAG_INVALID');
    await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'ecr/fixed', imageManifest: manifests[1]!.bytes.toString('utf8'), imageTag: 'release' })), { name: 'ImageTagAlreadyExistsException' });
    assert.equal((await registryFetch(server, 'GET', '/v2/ecr/fixed/manifests/release')).headers.get('docker-content-digest'), digestOf(manifests[0]!.bytes));
  });

  it('images: PutImage, ListImages, DescribeImages, BatchGetImage, BatchDeleteImage, with ECR\'s errors', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'ecr/images' }));
    const config = Buffer.from('{"images":1}');
    const imageManifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength }, layers: [] });
    await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'ecr/images', imageManifest, imageTag: 'v1' })), { name: 'LayersNotFoundException' });
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName: 'ecr/images' }))).imageIds, []);
    assert.equal((await pushBlob(server, 'ecr/images', digestOf(config), config)).status, 201);
    const put = await ecr.send(new PutImageCommand({ repositoryName: 'ecr/images', imageManifest, imageTag: 'v1' }));
    const digest = digestOf(Buffer.from(imageManifest));
    assert.deepEqual(put.image?.imageId, { imageDigest: digest, imageTag: 'v1' });
    await assert.rejects(ecr.send(new PutImageCommand({ repositoryName: 'ecr/images', imageManifest, imageTag: 'v1' })), { name: 'ImageAlreadyExistsException' });
    await ecr.send(new PutImageCommand({ repositoryName: 'ecr/images', imageManifest, imageTag: 'v2' }));
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName: 'ecr/images' }))).imageIds, [{ imageDigest: digest, imageTag: 'v1' }, { imageDigest: digest, imageTag: 'v2' }]);
    const details = (await ecr.send(new DescribeImagesCommand({ repositoryName: 'ecr/images' }))).imageDetails!;
    assert.deepEqual(details.map((detail) => [detail.imageDigest, detail.imageTags, detail.imageSizeInBytes]), [[digest, ['v1', 'v2'], imageManifest.length]]);
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: 'ecr/images', imageIds: [{ imageTag: 'v2' }, { imageTag: 'none' }] }));
    assert.equal(got.images?.[0]?.imageManifest, imageManifest);
    assert.equal(got.failures?.[0]?.failureCode, 'ImageNotFound');
    const deleted = await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'ecr/images', imageIds: [{ imageDigest: digest }] }));
    assert.deepEqual(deleted.imageIds, [{ imageDigest: digest }]);
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName: 'ecr/images' }))).imageIds, []);
    await assert.rejects(ecr.send(new ListImagesCommand({ repositoryName: 'ecr/absent' })), { name: 'RepositoryNotFoundException' });
  });

  it('GetAuthorizationToken: user AWS and the token are accepted at /v2/', async () => {
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const [user, password] = Buffer.from(answer.authorizationData![0]!.authorizationToken!, 'base64').toString('utf8').split(':') as [string, string];
    assert.equal(user, 'AWS');
    assert.equal((await registryFetch(server, 'GET', '/v2/', { authorization: basicOf('AWS', password) })).status, 200);
    assert.equal((await registryFetch(server, 'GET', '/v2/', { authorization: basicOf('AWS', `${password}x`) })).status, 401);
  });

  it('aws ecr get-login-password, fed to skopeo as AWS:<token>, pushes and pulls', { skip: skopeoSkip }, async () => {
    const login = await runCommand('aws', ['ecr', 'get-login-password', '--endpoint-url', server.endpoint, '--region', TEST_REGION], { env: awsClientEnvironment(), timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(login.code, 0, login.stderr);
    const token = login.stdout.trim();
    const images = new OciImages();
    const manifest = images.image([images.layer('ecr.txt', Buffer.from('via ecr login\n'))]);
    images.tag('v1', manifest);
    images.write(join(work, 'login'));
    const pushed = await runCommand('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', `AWS:${token}`, `oci:${join(work, 'login')}:v1`, `docker://127.0.0.1:${server.port}/ecr/login:v1`], { timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pulled = await runCommand('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `AWS:${token}`, `docker://127.0.0.1:${server.port}/ecr/login:v1`], { timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout, images.blobs.get(manifest.digest)!.toString('utf8'));
  });
});
