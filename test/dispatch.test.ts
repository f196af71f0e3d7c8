// Dispatch by API surface, over a real server: a request goes to the API its path (/_iceberg/, /v2/)
// or its SigV4 signing service (s3tables, backup, ecr, fis) names, and S3 gets the rest. Each JSON
// API answers in its own error format (parsed here as the AWS SDKs parse it), never S3's XML.
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadJsonRpcErrorCode, loadRestJsonErrorCode } from '@aws-sdk/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeSha256, rawRequest, sendRaw, type RawResponse } from './helpers/clients.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

/** A signer for `service` as that service's SDK signs (path URI-encoded again, no S3 quirks). */
function signerFor(service: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    region: TEST_REGION,
    service,
    sha256: NodeSha256 as never,
  });
}

function json(response: RawResponse): unknown {
  return JSON.parse(response.text);
}

async function bucketNames(s3: S3Client): Promise<string[]> {
  return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name!);
}

/** Asserts a restJson1 "not implemented yet" answer, and that the SDKs' restJson1 parser reads its code. */
describe('dispatch by API surface', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite('existing-bucket'));
  });
  after(() => closeSuite(server, s3));

  // S3 Tables is a real surface now (test/tables-api.test.ts); its answer here shows only where the request went.
  it('PUT /buckets signed for s3tables creates a table bucket and no S3 bucket', async () => {
    const before = await bucketNames(s3);
    const response = await rawRequest(server, { method: 'PUT', path: '/buckets', body: '{"name":"tables"}', signerOverride: signerFor('s3tables') });
    assert.equal(response.status, 200);
    assert.deepEqual(json(response), { arn: `arn:aws:s3tables:${TEST_REGION}:000000000000:bucket/tables` });
    assert.deepEqual(await bucketNames(s3), before);
  });

  it('PUT /buckets signed for s3 creates the bucket named "buckets"', async () => {
    const response = await rawRequest(server, { method: 'PUT', path: '/buckets' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['location'], '/buckets');
    assert.deepEqual(await bucketNames(s3), ['buckets', 'existing-bucket']);
  });

  it('a request signed for backup goes to the AWS Backup API (JSON), never S3', async () => {
    const listed = await rawRequest(server, { method: 'GET', path: '/backup-vaults/', signerOverride: signerFor('backup') });
    assert.equal(listed.status, 200);
    assert.deepEqual(json(listed), { BackupVaultList: [] });
    const unknown = await rawRequest(server, { method: 'GET', path: '/no-such-backup-path', signerOverride: signerFor('backup') });
    assert.equal(unknown.status, 404);
    assert.equal(loadRestJsonErrorCode({ statusCode: unknown.status, headers: unknown.headers as Record<string, string> }, json(unknown)), 'ResourceNotFoundException');
  });

  it('a request signed for fis goes to the FIS API (JSON), never S3', async () => {
    const listed = await rawRequest(server, { method: 'GET', path: '/experiments', signerOverride: signerFor('fis') });
    assert.equal(listed.status, 200);
    assert.deepEqual(JSON.parse(listed.body.toString('utf8')), { experiments: [] });
    const unknown = await rawRequest(server, { method: 'GET', path: '/no-such-fis-path', signerOverride: signerFor('fis') });
    assert.equal(unknown.status, 404);
    assert.equal(loadRestJsonErrorCode({ statusCode: unknown.status, headers: unknown.headers as Record<string, string> }, JSON.parse(unknown.body.toString('utf8'))), 'ResourceNotFoundException');
  });

  it('Amazon ECR answers an awsJson1_1 error', async () => {
    const response = await rawRequest(server, {
      method: 'POST', path: '/', body: '{}', signerOverride: signerFor('ecr'),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.PutRegistryPolicy' },
    });
    assert.equal(response.status, 501);
    assert.equal(response.headers['content-type'], 'application/x-amz-json-1.1');
    assert.deepEqual(json(response), { __type: 'NotImplemented', message: 'The Amazon ECR operation PutRegistryPolicy is not implemented yet.' });
    assert.equal(loadJsonRpcErrorCode({ statusCode: response.status, headers: response.headers as Record<string, string> }, json(response)), 'NotImplemented');
  });

  it('a presigned request for s3tables goes to the S3 Tables surface', async () => {
    const url = new URL(server.endpoint);
    const presigned = await signerFor('s3tables').presign(
      { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/buckets', query: {}, headers: { host: url.host } },
      { expiresIn: 300 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const response = await sendRaw(server, 'GET', `/buckets?${query}`, { host: url.host }, undefined);
    assert.equal(response.status, 200);
    assert.deepEqual((json(response) as { tableBuckets: Array<{ name: string }> }).tableBuckets.map((bucket) => bucket.name), ['tables']);
  });

  it('the Iceberg REST catalog answers an IcebergErrorResponse', async () => {
    const response = await rawRequest(server, { method: 'GET', path: '/_iceberg/v1/config', auth: 'none' });
    assert.equal(response.status, 401);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.deepEqual(json(response), {
      error: { message: 'Not authorized: sign the request (SigV4, service s3tables) or send a bearer token', type: 'NotAuthorizedException', code: 401 },
    });
  });

  it('the OCI registry answers an OCI error list', async () => {
    const response = await rawRequest(server, { method: 'GET', path: '/v2/', auth: 'none' });
    assert.equal(response.status, 401);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.deepEqual(json(response), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: {} }] });
    const unsupported = await rawRequest(server, { method: 'PUT', path: '/v2/_catalog', auth: 'none' });
    assert.equal(unsupported.status, 405);
    assert.deepEqual(json(unsupported), { errors: [{ code: 'UNSUPPORTED', message: 'the operation is unsupported: PUT /v2/_catalog', detail: {} }] });
  });

  it('a request signed for a service Cairn has no surface for stays with S3, which refuses its scope', async () => {
    const response = await rawRequest(server, { method: 'GET', path: '/', signerOverride: signerFor('sts') });
    assert.equal(response.status, 400);
    assert.equal(response.errorCode, 'AuthorizationHeaderMalformed');
    assert.match(response.text, /incorrect service &quot;sts&quot;|incorrect service "sts"/);
  });

  it('the health endpoint stays under /_cairn/', async () => {
    const response = await rawRequest(server, { method: 'GET', path: '/_cairn/health', auth: 'none' });
    assert.equal(response.status, 200);
    assert.deepEqual(json(response), { status: 'ok' });
  });
});
