// Pulling from the registry and who may: blob GETs answer 307 to a presigned S3 URL that serves
// that blob only and expires; manifests by tag and digest with Accept negotiation; tags and the
// catalog paged with n, last and Link; cross-repository mounts; deletes; Basic and the Bearer
// token flow; users judged by their policies' ECR actions; anonymous pulls only where a
// repository policy allows them.
import { ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { cairnAdmin, createUser, type UserKeys } from './helpers/iam.js';
import { digestOf, OCI_MANIFEST } from './helpers/oci-images.js';
import { basicOf, ociError, pushBlob, pushManifest, registryFetch } from './helpers/registry-client.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

// Presigned URLs are dated to the whole second: 5 s leaves at least 4 for the requests that must land inside.
const REDIRECT_EXPIRY_SECONDS = 5;
const REPO = 'pull/app';
const SYSTEM_BUCKET = 'sthree-cairn-registry';

let server: RunningServer;
const layer = randomBytes(5000);
const other = randomBytes(3000);
const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.byteLength },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.byteLength }],
}));

before(async () => {
  server = await startServer({ extraArgs: ['--workers', '1', '--registry-redirect-expiry', String(REDIRECT_EXPIRY_SECONDS)] });
  for (const blob of [layer, other, config]) assert.equal((await pushBlob(server, REPO, digestOf(blob), blob)).status, 201);
  assert.equal((await pushManifest(server, REPO, 'v1', manifest, OCI_MANIFEST)).status, 201);
});
after(async () => server?.dispose());

describe('registry pulls', () => {
  it('a blob GET is a 307 to a presigned URL of that blob only, which expires', async () => {
    const answer = await registryFetch(server, 'GET', `/v2/${REPO}/blobs/${digestOf(layer)}`);
    assert.equal(answer.status, 307);
    assert.equal(answer.headers.get('docker-content-digest'), digestOf(layer));
    const location = new URL(answer.headers.get('location')!);
    assert.equal(location.origin, server.endpoint);
    assert.equal(location.pathname, `/${SYSTEM_BUCKET}/blobs/sha256/${digestOf(layer).slice(7)}`);
    assert.equal(location.searchParams.get('X-Amz-Expires'), String(REDIRECT_EXPIRY_SECONDS));
    const fetched = await fetch(location);
    assert.equal(fetched.status, 200);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), layer);
    // The signature covers the path: it opens no other blob.
    const otherPath = new URL(location);
    otherPath.pathname = `/${SYSTEM_BUCKET}/blobs/sha256/${digestOf(other).slice(7)}`;
    const refused = await fetch(otherPath);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    await new Promise((resolveWait) => setTimeout(resolveWait, (REDIRECT_EXPIRY_SECONDS + 1) * 1000));
    const expired = await fetch(location);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code>/);
  });

  it('the system bucket is read-only over S3', async () => {
    const put = await fetch(`${server.endpoint}/${SYSTEM_BUCKET}/blobs/x`, { method: 'PUT', body: 'x' });
    assert.equal(put.status, 403);
  });

  it('a manifest by tag and by digest: exact bytes, its media type, Accept negotiation, HEAD', async () => {
    for (const reference of ['v1', digestOf(manifest)]) {
      const got = await registryFetch(server, 'GET', `/v2/${REPO}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, manifest);
      assert.equal(got.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(got.headers.get('docker-content-digest'), digestOf(manifest));
    }
    const head = await registryFetch(server, 'HEAD', `/v2/${REPO}/manifests/v1`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(manifest.byteLength));
    assert.equal(head.body.byteLength, 0);
    const refused = await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(refused.status, 404);
    assert.equal(ociError(refused).code, 'MANIFEST_UNKNOWN');
  });

  it('tags and the catalog are paged with n, last and Link', async () => {
    for (const tag of ['a', 'b', 'c', 'd']) assert.equal((await pushManifest(server, REPO, tag, manifest, OCI_MANIFEST)).status, 201);
    const first = await registryFetch(server, 'GET', `/v2/${REPO}/tags/list?n=2`);
    assert.deepEqual(first.json, { name: REPO, tags: ['a', 'b'] });
    assert.equal(first.headers.get('link'), `</v2/${REPO}/tags/list?n=2&last=b>; rel="next"`);
    const second = await registryFetch(server, 'GET', `/v2/${REPO}/tags/list?n=2&last=b`);
    assert.deepEqual(second.json, { name: REPO, tags: ['c', 'd'] });
    const last = await registryFetch(server, 'GET', `/v2/${REPO}/tags/list?n=2&last=d`);
    assert.deepEqual(last.json, { name: REPO, tags: ['v1'] });
    assert.equal(last.headers.get('link'), null);
    const none = await registryFetch(server, 'GET', `/v2/${REPO}/tags/list?n=0`);
    assert.deepEqual(none.json, { name: REPO, tags: [] });
    assert.equal(none.headers.get('link'), null);
    assert.equal(ociError(await registryFetch(server, 'GET', `/v2/${REPO}/tags/list?n=-1`)).code, 'PAGINATION_NUMBER_INVALID');
    assert.equal((await pushBlob(server, 'pull/zeta', digestOf(config), config)).status, 201);
    const catalog = await registryFetch(server, 'GET', '/v2/_catalog?n=1');
    assert.deepEqual(catalog.json, { repositories: [REPO] });
    assert.equal(catalog.headers.get('link'), `</v2/_catalog?n=1&last=${encodeURIComponent(REPO)}>; rel="next"`);
    assert.deepEqual((await registryFetch(server, 'GET', `/v2/_catalog?last=${encodeURIComponent(REPO)}`)).json, { repositories: ['pull/zeta'] });
  });

  it('a cross-repository mount is 201; one that cannot be made opens a session (202)', async () => {
    const mounted = await registryFetch(server, 'POST', `/v2/pull/mounted/blobs/uploads/?mount=${digestOf(layer)}&from=${REPO}`);
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('location'), `/v2/pull/mounted/blobs/${digestOf(layer)}`);
    assert.equal((await registryFetch(server, 'HEAD', `/v2/pull/mounted/blobs/${digestOf(layer)}`)).status, 200);
    const missing = await registryFetch(server, 'POST', `/v2/pull/mounted/blobs/uploads/?mount=${digestOf(Buffer.from('absent'))}&from=${REPO}`);
    assert.equal(missing.status, 202);
    assert.match(missing.headers.get('location')!, /^\/v2\/pull\/mounted\/blobs\/uploads\/[0-9a-f-]{36}$/);
    assert.equal((await registryFetch(server, 'DELETE', missing.headers.get('location')!)).status, 204);
  });

  it('deletes: a tag, a manifest by digest, a blob', async () => {
    assert.equal((await registryFetch(server, 'DELETE', `/v2/${REPO}/manifests/a`)).status, 202);
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/a`)).status, 404);
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/b`)).status, 200);
    assert.equal((await registryFetch(server, 'DELETE', `/v2/pull/mounted/blobs/${digestOf(layer)}`)).status, 202);
    assert.equal((await registryFetch(server, 'HEAD', `/v2/pull/mounted/blobs/${digestOf(layer)}`)).status, 404);
    assert.equal((await registryFetch(server, 'HEAD', `/v2/${REPO}/blobs/${digestOf(layer)}`)).status, 200);
  });
});

describe('registry authentication and authorization', () => {
  let reader: UserKeys;
  let nobody: UserKeys;

  before(async () => {
    reader = await createUser(server, 'reader');
    nobody = await createUser(server, 'nobody');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/pull/*' }],
    });
    assert.equal((await cairnAdmin(server, ['user', 'set-policy', 'reader', '-'], policy)).code, 0);
  });

  it('GET /v2/ without credentials: 401 with the token challenge; with them: 200', async () => {
    const anonymous = await registryFetch(server, 'GET', '/v2/', { authorization: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), `Bearer realm="${server.endpoint}/v2/token",service="cairn"`);
    assert.equal(ociError(anonymous).code, 'UNAUTHORIZED');
    assert.equal((await registryFetch(server, 'GET', '/v2/')).status, 200);
    const pull = await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { authorization: null });
    assert.equal(pull.headers.get('www-authenticate'), `Bearer realm="${server.endpoint}/v2/token",service="cairn",scope="repository:${REPO}:pull"`);
  });

  it('the token flow: GET /v2/token with Basic, then Bearer; wrong secrets are 401', async () => {
    const answer = await registryFetch(server, 'GET', `/v2/token?service=cairn&scope=repository:${REPO}:pull`);
    assert.equal(answer.status, 200);
    const body = answer.json as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'issued_at', 'token']);
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 900);
    assert.ok(Math.abs(Date.parse(body.issued_at) - Date.now()) < 60_000);
    assert.deepEqual((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { authorization: `Bearer ${body.token}` })).body, manifest);
    const forged = `${body.token.split('.')[0]}.${Buffer.from('x').toString('base64url')}`;
    assert.equal((await registryFetch(server, 'GET', '/v2/', { authorization: `Bearer ${forged}` })).status, 401);
    const wrong = basicOf(TEST_ACCESS_KEY, `${TEST_SECRET_KEY}x`);
    assert.equal(ociError(await registryFetch(server, 'GET', '/v2/token', { authorization: wrong })).code, 'UNAUTHORIZED');
    assert.equal((await registryFetch(server, 'GET', '/v2/', { authorization: wrong })).status, 401);
  });

  it('users: their policy decides, by ECR action on the repository ARN; nothing is made when denied', async () => {
    const readerAuth = basicOf(reader.accessKeyId, reader.secretAccessKey);
    assert.deepEqual((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { authorization: readerAuth })).body, manifest);
    const push = await pushBlob(server, 'pull/readers-own', digestOf(config), config, readerAuth);
    assert.equal(push.status, 403);
    assert.equal(ociError(push).code, 'DENIED');
    const stranger = await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { authorization: basicOf(nobody.accessKeyId, nobody.secretAccessKey) });
    assert.equal(stranger.status, 403);
    assert.ok(!((await registryFetch(server, 'GET', '/v2/_catalog')).json as { repositories: string[] }).repositories.includes('pull/readers-own'));
  });

  it('anonymous pulls only where the repository policy allows them', async () => {
    assert.equal((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { authorization: null })).status, 401);
    // Set through the ECR API (SetRepositoryPolicy), as an operator would, on either index engine.
    const ecr = new ECRClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    try {
      const policyText = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }] });
      assert.equal((await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: REPO, policyText }))).policyText, policyText);
    } finally {
      ecr.destroy();
    }
    assert.deepEqual((await registryFetch(server, 'GET', `/v2/${REPO}/manifests/v1`, { authorization: null })).body, manifest);
    const blob = await registryFetch(server, 'GET', `/v2/${REPO}/blobs/${digestOf(layer)}`, { authorization: null, follow: true });
    assert.deepEqual(blob.body, layer);
    assert.equal((await pushBlob(server, REPO, digestOf(other), other, null as unknown as string)).status, 401);
    assert.equal((await registryFetch(server, 'GET', '/v2/pull/zeta/tags/list', { authorization: null })).status, 401);
  });
});
