// CORS: bucket configuration through the SDK, the unauthenticated OPTIONS preflight (allowed and
// denied), CORS headers on actual requests, and bad configurations refused with nothing changed.
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest, sendRaw } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'cors-bucket';
const ALLOWED_ORIGIN = 'https://app.example.com';

describe('CORS', () => {
  let server: RunningServer;
  let s3: S3Client;
  const preflight = (headers: Record<string, string>, path = `/${Bucket}/photo.jpg`) =>
    sendRaw(server, 'OPTIONS', path, { host: `127.0.0.1:${server.port}`, ...headers }, undefined);

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${Bucket}/photo.jpg`, body: 'jpeg' })).status, 200);
  });
  after(() => closeSuite(server, s3));

  it('a bucket without CORS refuses preflights with 403 AccessForbidden', async () => {
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket })), 'NoSuchCORSConfiguration', 404);
    const response = await preflight({ origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET' });
    expectErrorResponse(response, 403, 'AccessForbidden');
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  });

  it('stores rules, answers matching preflights, and refuses the rest', async () => {
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [
      { ID: 'app', AllowedOrigins: [ALLOWED_ORIGIN, 'https://*.example.org'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 },
      { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] },
    ] } }));
    const stored = await s3.send(new GetBucketCorsCommand({ Bucket }));
    assert.equal(stored.CORSRules?.length, 2);
    assert.deepEqual(stored.CORSRules?.[0]?.AllowedMethods, ['GET', 'PUT']);
    assert.equal(stored.CORSRules?.[0]?.MaxAgeSeconds, 600);

    const allowed = await preflight({ origin: ALLOWED_ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'Content-Type, x-amz-meta-owner' });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
    assert.equal(allowed.headers['access-control-allow-methods'], 'GET, PUT');
    assert.equal(allowed.headers['access-control-allow-headers'], 'Content-Type, x-amz-meta-owner');
    assert.equal(allowed.headers['access-control-max-age'], '600');
    assert.equal(allowed.headers['access-control-expose-headers'], 'ETag');
    assert.equal(allowed.headers['access-control-allow-credentials'], 'true');
    const wildcardOrigin = await preflight({ origin: 'https://shop.example.org', 'access-control-request-method': 'GET' });
    assert.equal(wildcardOrigin.status, 200);
    const anyOrigin = await preflight({ origin: 'https://elsewhere.test', 'access-control-request-method': 'HEAD' });
    assert.equal(anyOrigin.headers['access-control-allow-origin'], '*');

    for (const denied of <Array<Record<string, string>>>[
      { origin: 'https://evil.example.net', 'access-control-request-method': 'GET' },
      { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'DELETE' },
      { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization-override' },
    ]) {
      expectErrorResponse(await preflight(denied), 403, 'AccessForbidden');
    }
    expectErrorResponse(await preflight({ 'access-control-request-method': 'GET' }), 400, 'BadRequest');
    expectErrorResponse(await preflight({ origin: ALLOWED_ORIGIN }), 400, 'BadRequest');
  });

  it('a preflight needs no credentials and can do nothing else: no object bytes, no writes', async () => {
    const response = await preflight({ origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET' });
    assert.equal(response.status, 200);
    assert.equal(response.body.byteLength, 0);
    const stillThere = await rawRequest(server, { method: 'GET', path: `/${Bucket}/photo.jpg` });
    assert.equal(stillThere.text, 'jpeg');
  });

  it('actual requests from a matching origin get CORS headers, on success and on errors', async () => {
    const fetched = await rawRequest(server, { method: 'GET', path: `/${Bucket}/photo.jpg`, headers: { origin: ALLOWED_ORIGIN } });
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
    assert.equal(fetched.headers['access-control-expose-headers'], 'ETag');
    const missing = await rawRequest(server, { method: 'GET', path: `/${Bucket}/missing`, headers: { origin: ALLOWED_ORIGIN } });
    expectErrorResponse(missing, 404, 'NoSuchKey');
    assert.equal(missing.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
    const otherOrigin = await rawRequest(server, { method: 'GET', path: `/${Bucket}/photo.jpg`, headers: { origin: 'https://evil.example.net' } });
    assert.equal(otherOrigin.headers['access-control-allow-origin'], undefined);
  });

  it('bad configurations → InvalidRequest or MalformedXML, and the rules stay', async () => {
    const put = (body: string) => rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { cors: '' }, body, headers: { 'content-md5': md5Base64(body) } });
    expectErrorResponse(await put('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>'), 400, 'InvalidRequest');
    expectErrorResponse(await put('<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'), 400, 'MalformedXML');
    expectErrorResponse(await put('<CORSConfiguration><CORSRule><AllowedOrigin>https://*.*.x</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'), 400, 'InvalidRequest');
    expectErrorResponse(await put('<CORSConfiguration>'), 400, 'MalformedXML');
    assert.equal((await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules?.length, 2);
    await s3.send(new DeleteBucketCorsCommand({ Bucket }));
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket })), 'NoSuchCORSConfiguration', 404);
  });
});
