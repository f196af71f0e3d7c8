// Stored settings that become headers (issue 13, defect 2): a CORS rule whose header names or
// origins no header can carry is refused when stored, with S3's error and nothing stored, and no
// request with an Origin header — anonymous or signed — answers 500.
import { GetBucketCorsCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest, sendRaw } from './helpers/clients.js';
import { expiresIn, postForm, sigV4Conditions, sigV4Fields } from './helpers/forms.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'stored-headers';
const ORIGIN = 'https://app.example.com';

function corsBody(rule: string): string {
  return `<CORSConfiguration><CORSRule>${rule}</CORSRule></CORSConfiguration>`;
}

describe('stored settings that become headers', () => {
  let server: RunningServer;
  let s3: S3Client;
  const putCors = (body: string) =>
    rawRequest(server, { method: 'PUT', path: `/${Bucket}`, query: { cors: '' }, body, headers: { 'content-md5': md5Base64(body) } });
  const BAD_RULES: Array<[rule: string, message: string]> = [
    ['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>E€T</ExposeHeader>', 'ExposeHeader E€T contains invalid character.'],
    ['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-a&#10;b</ExposeHeader>', 'ExposeHeader x-a\nb contains invalid character.'],
    ['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>a b</ExposeHeader>', 'ExposeHeader a b contains invalid character.'],
    ['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-é-*</AllowedHeader>', 'AllowedHeader x-é-* contains invalid character.'],
    ['<AllowedOrigin>https://exämple.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>', 'AllowedOrigin https://exämple.com contains invalid character.'],
    ['<AllowedOrigin>https://a b</AllowedOrigin><AllowedMethod>GET</AllowedMethod>', 'AllowedOrigin https://a b contains invalid character.'],
  ];

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${Bucket}/object`, body: 'bytes' })).status, 200);
  });
  after(() => closeSuite(server, s3));

  it('PutBucketCors with a header name or origin no header can carry → 400 InvalidRequest, nothing stored', async () => {
    for (const [rule, message] of BAD_RULES) {
      const answer = await putCors(corsBody(rule));
      expectErrorResponse(answer, 400, 'InvalidRequest');
      assert.equal(/<Message>([^<]*)<\/Message>/.exec(answer.text)?.[1], message.replace(/\n/g, '&#x0A;'));
      await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket })), 'NoSuchCORSConfiguration', 404);
    }
  });

  it('a refused configuration leaves the previous one in place', async () => {
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [
      { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['x-amz-*'], ExposeHeaders: ['ETag', 'x-amz-meta-owner'] },
    ] } }));
    for (const [rule] of BAD_RULES) expectErrorResponse(await putCors(corsBody(rule)), 400, 'InvalidRequest');
    const stored = await s3.send(new GetBucketCorsCommand({ Bucket }));
    assert.deepEqual(stored.CORSRules?.[0]?.ExposeHeaders, ['ETag', 'x-amz-meta-owner']);
  });

  it('a POST form metadata field whose name no header can carry → 400 InvalidArgument, nothing stored', async () => {
    const date = new Date();
    for (const name of ['x-amz-meta-a b', 'x-amz-meta-caf\u00e9', 'x-amz-meta-a(b)']) {
      const conditions = [{ bucket: Bucket }, ['starts-with', '$key', 'form/'], ['starts-with', `$${name}`, ''], ...sigV4Conditions(date)];
      const fields = sigV4Fields({ expiration: expiresIn(600), conditions }, { date });
      const answer = await postForm(`${server.endpoint}/${Bucket}`, [['key', 'form/meta'], ...fields, [name, 'value']], { content: 'x' });
      expectErrorResponse(answer, 400, 'InvalidArgument');
      assert.equal((await rawRequest(server, { method: 'HEAD', path: `/${Bucket}/form/meta` })).status, 404);
    }
  });

  it('requests with an Origin header, anonymous or signed, never answer 500', async () => {
    const host = `127.0.0.1:${server.port}`;
    const origins = [ORIGIN, 'https://evil.example.net', 'null', 'https://ex\u00e4mple.com'];
    for (const origin of origins) {
      // Node sends header text as latin1: the last origin arrives as bytes no origin may hold.
      for (const path of [`/${Bucket}/object`, `/${Bucket}`, `/${Bucket}/missing`, '/no-such-bucket/key']) {
        const anonymous = await sendRaw(server, 'GET', path, { host, origin }, undefined);
        assert.ok(anonymous.status < 500, `anonymous GET ${path} from ${origin}: ${anonymous.status} ${anonymous.text}`);
        const signed = await rawRequest(server, { method: 'GET', path, headers: { origin } });
        assert.ok(signed.status < 500, `signed GET ${path} from ${origin}: ${signed.status} ${signed.text}`);
        const preflight = await sendRaw(server, 'OPTIONS', path, { host, origin, 'access-control-request-method': 'GET' }, undefined);
        assert.ok(preflight.status < 500, `preflight ${path} from ${origin}: ${preflight.status} ${preflight.text}`);
      }
    }
    const fetched = await rawRequest(server, { method: 'GET', path: `/${Bucket}/object`, headers: { origin: ORIGIN } });
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers['access-control-expose-headers'], 'ETag, x-amz-meta-owner');
  });
});
