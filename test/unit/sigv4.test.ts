import { strict as assert } from 'node:assert';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, QueryParameterBag, SourceData } from '@smithy/types';
import { S3Error } from '../../src/frontend/errors.js';
import {
  authenticate, deriveSigningKey, parseQueryParams, type Credentials, type IncomingRequestParts,
} from '../../src/frontend/auth/sigv4.js';

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const CREDENTIALS: Credentials = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET };
const lookup = (id: string): Credentials | undefined => (id === ACCESS_KEY_ID ? CREDENTIALS : undefined);
const NOW_MS = Date.UTC(2024, 0, 15, 12, 0, 0);
const HOST = 'localhost:9000';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
// AWS documentation examples are all dated 20130524T000000Z.
const AWS_EXAMPLE_NOW_MS = Date.UTC(2013, 4, 24, 0, 0, 0);

class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: SourceData) { this.hash = this.fresh(); }
  update(data: Uint8Array): void { this.hash.update(data); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.hash.digest()); }
  reset(): void { this.hash = this.fresh(); }
  private fresh() {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key);
  }
}

function signer(secretAccessKey = SECRET, region = 'us-east-1'): SignatureV4 {
  return new SignatureV4({ credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey }, region, service: 's3', sha256: NodeSha256, uriEscapePath: false });
}

/** The SDK's wire encoding for path segments and query components (encodeURIComponent plus !'()*). */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
function escapePath(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}
function buildQuery(query: QueryParameterBag): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) pairs.push(v === null ? escapeUri(name) : `${escapeUri(name)}=${escapeUri(v)}`);
  }
  return pairs.join('&');
}

interface RequestSpec { method?: string; path: string; query?: QueryParameterBag; headers?: Record<string, string>; body?: string }
function httpRequest(spec: RequestSpec): HttpRequest {
  return {
    method: spec.method ?? 'GET', protocol: 'http:', hostname: 'localhost', port: 9000, path: spec.path,
    query: spec.query ?? {}, headers: { host: HOST, ...spec.headers }, body: spec.body,
  };
}
function toWire(signed: HttpRequest, override: { rawUrl?: string; extraHeaders?: string[] } = {}): IncomingRequestParts {
  const rawQuery = buildQuery(signed.query ?? {});
  const rawUrl = override.rawUrl ?? signed.path + (rawQuery === '' ? '' : `?${rawQuery}`);
  const rawHeaders = Object.entries(signed.headers).flatMap(([name, value]) => [name, value]);
  return { method: signed.method, rawUrl, rawHeaders: [...rawHeaders, ...(override.extraHeaders ?? [])] };
}
async function signedWire(spec: RequestSpec, s = signer(), dateMs = NOW_MS): Promise<IncomingRequestParts> {
  return toWire(await s.sign(httpRequest(spec), { signingDate: new Date(dateMs) }));
}
/** Like @aws-sdk/s3-request-presigner: an X-Amz-Content-Sha256 header that the signer hoists into the query. */
async function presignedWire(spec: RequestSpec, expiresIn = 900, dateMs = NOW_MS, contentSha256Name = 'X-Amz-Content-Sha256'): Promise<IncomingRequestParts> {
  const request = httpRequest({ ...spec, headers: { ...spec.headers, [contentSha256Name]: 'UNSIGNED-PAYLOAD' } });
  return toWire(await signer().presign(request, { signingDate: new Date(dateMs), expiresIn }));
}
function expectS3Error(run: () => unknown, code: string, message?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof S3Error, `expected S3Error, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}
function withHeader(request: IncomingRequestParts, name: string, value: string | undefined): IncomingRequestParts {
  const rawHeaders: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() !== name) rawHeaders.push(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
  }
  if (value !== undefined) rawHeaders.push(name, value);
  return { ...request, rawHeaders };
}
function header(request: IncomingRequestParts, name: string): string {
  const index = request.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === name);
  return request.rawHeaders[index + 1]!;
}

describe('sigv4 header authentication', () => {
  it('accepts a GET with query parameters and reports the signed payload hash', async () => {
    const request = await signedWire({ path: '/bucket', query: { 'list-type': '2', prefix: 'photos/2024 été/', delimiter: '/', 'max-keys': '10', 'encoding-type': 'url' } });
    assert.deepEqual(authenticate(request, lookup, NOW_MS), { accessKeyId: ACCESS_KEY_ID, payload: { kind: 'sha256', expectedHex: EMPTY_SHA256 } });
  });

  it('accepts keys with spaces, unicode and reserved characters', async () => {
    for (const key of ['a b/c d.txt', 'ünïcødé/日本語/😀', "sp!*'()+=&;:@$,?#[]%.txt", 'trailing/', 'double//slash', '~-_.']) {
      const request = await signedWire({ path: `/bucket/${escapePath(key)}`, query: { tagging: '', 'x-id': 'GetObject' } });
      assert.equal(authenticate(request, lookup, NOW_MS)?.accessKeyId, ACCESS_KEY_ID, key);
    }
  });

  it("verifies clients that leave !*'()@+ unescaped on the wire", async () => {
    const signed = await s3Sign({ path: `/bucket/${escapePath("a!b*c'd(e)f@g+h")}` });
    const request = toWire(signed, { rawUrl: "/bucket/a!b*c'd(e)f@g+h" });
    assert.equal(authenticate(request, lookup, NOW_MS)?.accessKeyId, ACCESS_KEY_ID);
  });

  it("reads a raw '+' in the query as a space, as form encoding does", async () => {
    const signed = await s3Sign({ path: '/bucket', query: { prefix: 'a b' } });
    assert.equal(authenticate(toWire(signed, { rawUrl: '/bucket?prefix=a+b' }), lookup, NOW_MS)?.accessKeyId, ACCESS_KEY_ID);
    assert.deepEqual(parseQueryParams('prefix=a+b&x=%2B&flag'), [{ name: 'prefix', value: 'a b' }, { name: 'x', value: '+' }, { name: 'flag', value: '' }]);
  });

  it('returns the sha256 of a signed PUT body for the caller to verify', async () => {
    const request = await signedWire({ method: 'PUT', path: '/bucket/key', body: 'hello world', headers: { 'content-type': 'text/plain' } });
    const expectedHex = createHash('sha256').update('hello world').digest('hex');
    assert.deepEqual(authenticate(request, lookup, NOW_MS)?.payload, { kind: 'sha256', expectedHex });
  });

  it('accepts UNSIGNED-PAYLOAD', async () => {
    const request = await signedWire({ method: 'PUT', path: '/bucket/key', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    assert.deepEqual(authenticate(request, lookup, NOW_MS)?.payload, { kind: 'unsigned' });
  });

  it('returns the signing context for streaming payloads', async () => {
    const variants = [
      ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', true, 'none'],
      ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', true, 'signed'],
      ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', false, 'unsigned'],
    ] as const;
    for (const [contentSha256, chunkSignatures, trailer] of variants) {
      const request = await signedWire({ method: 'PUT', path: '/bucket/key', headers: { 'x-amz-content-sha256': contentSha256, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5' } });
      const payload = authenticate(request, lookup, NOW_MS)?.payload;
      assert.ok(payload?.kind === 'aws-chunked');
      assert.equal(payload.chunkSignatures, chunkSignatures);
      assert.equal(payload.trailer, trailer);
      assert.equal(payload.signing.seedSignature, /Signature=([0-9a-f]{64})/.exec(header(request, 'authorization'))?.[1]);
      assert.equal(payload.signing.scope, '20240115/us-east-1/s3/aws4_request');
      assert.equal(payload.signing.amzDate, '20240115T120000Z');
      assert.deepEqual(payload.signing.signingKey, deriveSigningKey(SECRET, '20240115', 'us-east-1', 's3'));
    }
  });

  it('accepts any region in the credential scope', async () => {
    const request = await signedWire({ path: '/bucket/key' }, signer(SECRET, 'eu-cairn-9'));
    assert.equal(authenticate(request, lookup, NOW_MS)?.accessKeyId, ACCESS_KEY_ID);
  });

  it('canonicalizes header whitespace and joins repeated headers', async () => {
    const signed = await s3Sign({ path: '/bucket/key', headers: { 'x-amz-meta-note': 'a b c', 'x-amz-meta-list': 'one,two' } });
    let request = withHeader(toWire(signed), 'x-amz-meta-note', '  a \t  b   c ');
    request = withHeader(request, 'x-amz-meta-list', undefined);
    request = { ...request, rawHeaders: [...request.rawHeaders, 'X-Amz-Meta-List', ' one', 'x-amz-meta-list', 'two '] };
    assert.equal(authenticate(request, lookup, NOW_MS)?.accessKeyId, ACCESS_KEY_ID);
  });

  it('matches the AWS documentation GET example (Range header)', () => {
    const request: IncomingRequestParts = {
      method: 'GET', rawUrl: '/test.txt',
      rawHeaders: ['Host', 'examplebucket.s3.amazonaws.com', 'Range', 'bytes=0-9', 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', '20130524T000000Z',
        'Authorization', `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`],
    };
    assert.deepEqual(authenticate(request, lookup, AWS_EXAMPLE_NOW_MS), { accessKeyId: ACCESS_KEY_ID, payload: { kind: 'sha256', expectedHex: EMPTY_SHA256 } });
  });

  it('matches the AWS documentation chunked-upload seed signature', () => {
    const request: IncomingRequestParts = {
      method: 'PUT', rawUrl: '/examplebucket/chunkObject.txt',
      rawHeaders: ['Host', 's3.amazonaws.com', 'x-amz-date', '20130524T000000Z', 'x-amz-storage-class', 'REDUCED_REDUNDANCY',
        'Authorization', `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9`,
        'x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'Content-Encoding', 'aws-chunked', 'x-amz-decoded-content-length', '66560', 'Content-Length', '66824'],
    };
    const payload = authenticate(request, lookup, AWS_EXAMPLE_NOW_MS)?.payload;
    assert.ok(payload?.kind === 'aws-chunked' && payload.chunkSignatures && payload.trailer === 'none');
    assert.equal(payload.signing.seedSignature, '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
  });

  it('falls back to the Date header when X-Amz-Date is absent', () => {
    const date = 'Mon, 15 Jan 2024 12:00:00 GMT';
    const canonicalRequest = ['GET', '/bucket/key', '', `date:${date}`, `host:${HOST}`, 'x-amz-content-sha256:UNSIGNED-PAYLOAD', '', 'date;host;x-amz-content-sha256', 'UNSIGNED-PAYLOAD'].join('\n');
    const scope = '20240115/us-east-1/s3/aws4_request';
    const stringToSign = ['AWS4-HMAC-SHA256', '20240115T120000Z', scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const signature = createHmac('sha256', referenceSigningKey(SECRET, '20240115', 'us-east-1')).update(stringToSign).digest('hex');
    const request: IncomingRequestParts = {
      method: 'GET', rawUrl: '/bucket/key',
      rawHeaders: ['Host', HOST, 'Date', date, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD',
        'Authorization', `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${scope},SignedHeaders=date;host;x-amz-content-sha256,Signature=${signature}`],
    };
    assert.equal(authenticate(request, lookup, NOW_MS)?.accessKeyId, ACCESS_KEY_ID);
  });

  it('returns null for anonymous requests', () => {
    assert.equal(authenticate({ method: 'GET', rawUrl: '/bucket/key?versionId=1', rawHeaders: ['Host', HOST] }, lookup, NOW_MS), null);
  });
});

describe('sigv4 header authentication failures', () => {
  it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    const request = await signedWire({ path: '/bucket/key' }, signer('not-the-secret'));
    expectS3Error(() => authenticate(request, lookup, NOW_MS), 'SignatureDoesNotMatch');
  });

  it('rejects a tampered path, query, header or method', async () => {
    const request = await signedWire({ path: '/bucket/key', query: { versionId: 'v1' }, headers: { range: 'bytes=0-9' } });
    expectS3Error(() => authenticate({ ...request, rawUrl: '/bucket/key2?versionId=v1' }, lookup, NOW_MS), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate({ ...request, rawUrl: '/bucket/key?versionId=v2' }, lookup, NOW_MS), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate({ ...request, method: 'DELETE' }, lookup, NOW_MS), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate(withHeader(request, 'range', 'bytes=0-99'), lookup, NOW_MS), 'SignatureDoesNotMatch');
  });

  it('rejects an unknown access key with InvalidAccessKeyId', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate(request, () => undefined, NOW_MS), 'InvalidAccessKeyId');
  });

  it('rejects a skewed clock with RequestTimeTooSkewed', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate(request, lookup, NOW_MS + 16 * 60_000), 'RequestTimeTooSkewed');
    expectS3Error(() => authenticate(request, lookup, NOW_MS - 16 * 60_000), 'RequestTimeTooSkewed');
    assert.ok(authenticate(request, lookup, NOW_MS + 14 * 60_000));
  });

  it('requires x-amz-content-sha256 and a valid value', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate(withHeader(request, 'x-amz-content-sha256', undefined), lookup, NOW_MS), 'InvalidRequest', /x-amz-content-sha256/);
    const invalid = await signedWire({ path: '/bucket/key', headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' } });
    expectS3Error(() => authenticate(invalid, lookup, NOW_MS), 'InvalidArgument');
  });

  it('requires a valid date', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate(withHeader(request, 'x-amz-date', undefined), lookup, NOW_MS), 'AccessDenied', /Date or x-amz-date/);
    expectS3Error(() => authenticate(withHeader(request, 'x-amz-date', '20241315T120000Z'), lookup, NOW_MS), 'AccessDenied');
  });

  it('rejects a signed header missing from the request with SignatureDoesNotMatch', async () => {
    const request = await signedWire({ path: '/bucket/key', headers: { range: 'bytes=0-9' } });
    expectS3Error(() => authenticate(withHeader(request, 'range', undefined), lookup, NOW_MS), 'SignatureDoesNotMatch');
  });

  it('rejects unsigned host or x-amz-* headers with AccessDenied', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate(withHeader(request, 'x-amz-meta-evil', '1'), lookup, NOW_MS), 'AccessDenied', /not signed/);
    const noHost = (await signer().sign({ ...httpRequest({ path: '/bucket/key' }), headers: {} }, { signingDate: new Date(NOW_MS) }));
    expectS3Error(() => authenticate(toWire(noHost, { extraHeaders: ['Host', HOST] }), lookup, NOW_MS), 'AccessDenied', /not signed/);
  });

  it('rejects malformed Authorization headers', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    const authorization = header(request, 'authorization');
    const cases: Array<[string, string]> = [
      [authorization.replace(/, Signature=[0-9a-f]+/, ''), 'AuthorizationHeaderMalformed'],
      [authorization.replace('/aws4_request', ''), 'AuthorizationHeaderMalformed'],
      [authorization.replace('/s3/', '/ec2/'), 'AuthorizationHeaderMalformed'],
      [authorization.replace('aws4_request', 'aws5_request'), 'AuthorizationHeaderMalformed'],
      [authorization.replace('/20240115/', '/20240114/'), 'AuthorizationHeaderMalformed'],
      ['AWS4-HMAC-SHA256', 'AuthorizationHeaderMalformed'],
      // SigV2 is verified too (test/unit/sigv2.test.ts): a wrong SigV2 signature is SignatureDoesNotMatch.
      [`AWS ${ACCESS_KEY_ID}:frJIUN8DYpKDtOLCwo//yllqDzg=`, 'SignatureDoesNotMatch'],
      ['AWS4-ECDSA-P256-SHA256 Credential=x', 'InvalidRequest'],
      ['Bearer abc.def', 'InvalidArgument'],
    ];
    for (const [value, code] of cases) expectS3Error(() => authenticate(withHeader(request, 'authorization', value), lookup, NOW_MS), code);
  });

  it('tolerates flexible whitespace between Authorization fields', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    const spaced = header(request, 'authorization').replace(/, /g, ' ,  ').replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256   ');
    assert.ok(authenticate(withHeader(request, 'authorization', spaced), lookup, NOW_MS));
    assert.ok(authenticate(withHeader(request, 'authorization', spaced.replace(/ ,  /g, ',')), lookup, NOW_MS));
  });

  it('reports malformed percent-escapes as an S3 error, not a crash', async () => {
    const request = await signedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate({ ...request, rawUrl: '/bucket/ke%zy' }, lookup, NOW_MS), 'InvalidURI');
    expectS3Error(() => authenticate({ ...request, rawUrl: '/bucket/key?a=%' }, lookup, NOW_MS), 'InvalidURI');
  });
});

describe('sigv4 presigned URLs', () => {
  it('ignores a Bearer or Basic header beside a presigned query (a registry redirect carries it along)', async () => {
    const request = await presignedWire({ path: '/bucket/key' });
    for (const value of ['Bearer abc.def', 'Basic QUtJRDpzZWNyZXQ=']) {
      assert.deepEqual(authenticate(withHeader(request, 'authorization', value), lookup, NOW_MS + 60_000), { accessKeyId: ACCESS_KEY_ID, payload: { kind: 'unsigned' } });
    }
    expectS3Error(() => authenticate(withHeader(request, 'authorization', 'AWS4-HMAC-SHA256 Credential=x'), lookup, NOW_MS + 60_000), 'InvalidArgument');
  });

  it('accepts a valid presigned GET', async () => {
    const request = await presignedWire({ path: `/bucket/${escapePath('dir/a b+c.txt')}`, query: { 'response-content-type': 'text/plain; charset=utf-8' } });
    assert.match(request.rawUrl, /X-Amz-Content-Sha256=UNSIGNED-PAYLOAD/);
    assert.deepEqual(authenticate(request, lookup, NOW_MS + 60_000), { accessKeyId: ACCESS_KEY_ID, payload: { kind: 'unsigned' } });
  });

  it('uses a hoisted payload hash whatever its case, and a signed payload hash header', async () => {
    const lower = await presignedWire({ path: '/bucket/key' }, 900, NOW_MS, 'x-amz-content-sha256');
    assert.match(lower.rawUrl, /x-amz-content-sha256=UNSIGNED-PAYLOAD/);
    assert.deepEqual(authenticate(lower, lookup, NOW_MS)?.payload, { kind: 'unsigned' });
    const bodyHash = createHash('sha256').update('data').digest('hex');
    const request = httpRequest({ method: 'PUT', path: '/bucket/key', headers: { 'x-amz-content-sha256': bodyHash } });
    const presigned = await signer().presign(request, { signingDate: new Date(NOW_MS), unhoistableHeaders: new Set(['x-amz-content-sha256']) });
    assert.deepEqual(authenticate(toWire(presigned), lookup, NOW_MS)?.payload, { kind: 'sha256', expectedHex: bodyHash });
  });

  it('matches the AWS documentation presigned example', () => {
    const rawUrl = '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request'
      + '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host'
      + '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const request = { method: 'GET', rawUrl, rawHeaders: ['Host', 'examplebucket.s3.amazonaws.com'] };
    assert.deepEqual(authenticate(request, lookup, AWS_EXAMPLE_NOW_MS + 3_600_000), { accessKeyId: ACCESS_KEY_ID, payload: { kind: 'unsigned' } });
    expectS3Error(() => authenticate(request, lookup, AWS_EXAMPLE_NOW_MS + 86_401_000), 'AccessDenied', /Request has expired/);
  });

  it('rejects an expired URL with AccessDenied "Request has expired"', async () => {
    const request = await presignedWire({ path: '/bucket/key' }, 60);
    assert.ok(authenticate(request, lookup, NOW_MS + 60_000));
    expectS3Error(() => authenticate(request, lookup, NOW_MS + 61_000), 'AccessDenied', /^Request has expired$/);
  });

  it('rejects a URL dated in the future beyond the allowed skew', async () => {
    const request = await presignedWire({ path: '/bucket/key' }, 3600, NOW_MS + 20 * 60_000);
    expectS3Error(() => authenticate(request, lookup, NOW_MS), 'AccessDenied', /not yet valid/);
    assert.ok(authenticate(request, lookup, NOW_MS + 6 * 60_000));
  });

  it('rejects a tampered URL with SignatureDoesNotMatch', async () => {
    const request = await presignedWire({ path: '/bucket/key', query: { versionId: 'v1' } });
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace('/bucket/key', '/bucket/other') }, lookup, NOW_MS), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace('versionId=v1', 'versionId=v2') }, lookup, NOW_MS), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=3600') }, lookup, NOW_MS), 'SignatureDoesNotMatch');
    expectS3Error(() => authenticate({ ...request, rawUrl: `${request.rawUrl}&extra=1` }, lookup, NOW_MS), 'SignatureDoesNotMatch');
  });

  it('validates X-Amz-Expires and the other query parameters', async () => {
    const request = await presignedWire({ path: '/bucket/key' });
    const replaceExpires = (value: string) => ({ ...request, rawUrl: request.rawUrl.replace(/X-Amz-Expires=\d+/, `X-Amz-Expires=${value}`) });
    for (const value of ['604801', '0', '-5', 'soon']) expectS3Error(() => authenticate(replaceExpires(value), lookup, NOW_MS), 'AuthorizationQueryParametersError');
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace(/&X-Amz-SignedHeaders=[^&]+/, '') }, lookup, NOW_MS), 'AuthorizationQueryParametersError');
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256') }, lookup, NOW_MS), 'AuthorizationQueryParametersError');
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace(/X-Amz-Date=\w+/, 'X-Amz-Date=yesterday') }, lookup, NOW_MS), 'AuthorizationQueryParametersError');
    expectS3Error(() => authenticate({ ...request, rawUrl: request.rawUrl.replace(/X-Amz-Algorithm=[^&]+&?/, '') }, lookup, NOW_MS), 'AuthorizationQueryParametersError');
  });

  it('rejects an unknown key, a wrong secret, and mixing query and header auth', async () => {
    const request = await presignedWire({ path: '/bucket/key' });
    expectS3Error(() => authenticate(request, () => undefined, NOW_MS), 'InvalidAccessKeyId');
    expectS3Error(() => authenticate(request, () => ({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'other' }), NOW_MS), 'SignatureDoesNotMatch');
    const both = { ...request, rawHeaders: [...request.rawHeaders, 'Authorization', 'AWS4-HMAC-SHA256 Credential=x'] };
    expectS3Error(() => authenticate(both, lookup, NOW_MS), 'InvalidArgument');
  });

  it('checks SigV2 query authentication instead of treating it as anonymous', () => {
    const request = { method: 'GET', rawUrl: `/bucket/key?AWSAccessKeyId=${ACCESS_KEY_ID}&Expires=1700000000&Signature=abc%3D`, rawHeaders: ['Host', HOST] };
    expectS3Error(() => authenticate(request, lookup, NOW_MS), 'AccessDenied', /expired/);
  });
});

describe('deriveSigningKey', () => {
  it('matches the reference derivation and is cached', () => {
    const key = deriveSigningKey(SECRET, '20130524', 'us-east-1', 's3');
    assert.deepEqual(key, referenceSigningKey(SECRET, '20130524', 'us-east-1'));
    assert.equal(deriveSigningKey(SECRET, '20130524', 'us-east-1', 's3'), key);
  });
});

function referenceSigningKey(secret: string, date: string, region: string): Buffer {
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
}

function s3Sign(spec: RequestSpec): Promise<HttpRequest> {
  return signer().sign(httpRequest(spec), { signingDate: new Date(NOW_MS) });
}
