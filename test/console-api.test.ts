// The console's own API without a browser: every bad login and presign input gets its exact JSON
// error and creates no session; a presigned share link works and expires; the proxy (s3, admin, s3tables, ecr routes) reaches neither
// the console itself nor anything without a session; logout needs the CSRF token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { consoleFetch } from './helpers/console.js';
import { cairnAdmin, createUser, type UserKeys } from './helpers/iam.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const Bucket = 'console-api';

describe('the console API', () => {
  let server: RunningServer;
  let s3: S3Client;
  let origin: string;
  let user: UserKeys;

  before(async () => {
    // One worker: the login rate limit is kept per process, and the last test exhausts it.
    ({ server, s3 } = await openSuite(Bucket, { extraArgs: ['--workers', '1'] }));
    origin = new URL(server.endpoint).origin;
    user = await createUser(server, 'console-user');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a b/shared (1).txt', Body: 'shared bytes' }));
  });
  after(() => closeSuite(server, s3));

  async function loginWith(body: string, headers: Record<string, string> = { origin }) {
    return consoleFetch(server, 'login', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  }

  async function session(): Promise<{ cookie: string; csrf: string }> {
    const answer = await loginWith(JSON.stringify({ accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }));
    assert.equal(answer.status, 200);
    return { cookie: answer.headers.get('set-cookie')!.split(';')[0]!, csrf: (answer.json as { csrfToken: string }).csrfToken };
  }

  it('refuses every bad login with its JSON error and no cookie', async () => {
    const invalid = { error: { code: 'InvalidCredentials', message: 'The access key id or the secret is not valid (or the key is disabled).' } };
    const cases: Array<[string, Record<string, string> | undefined, number, unknown]> = [
      ['not json', undefined, 400, { error: { code: 'InvalidInput', message: 'The request body must be a JSON object.' } }],
      ['[]', undefined, 400, { error: { code: 'InvalidInput', message: 'The request body must be a JSON object.' } }],
      [JSON.stringify({ accessKeyId: TEST_ACCESS_KEY }), undefined, 400, { error: { code: 'InvalidInput', message: 'Give "accessKeyId" and "secretAccessKey".' } }],
      [JSON.stringify({ accessKeyId: TEST_ACCESS_KEY, secretAccessKey: 'nope' }), undefined, 403, invalid],
      [JSON.stringify({ accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: TEST_SECRET_KEY }), undefined, 403, invalid],
      [JSON.stringify({ accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }), { origin: 'http://evil.example' }, 403,
        { error: { code: 'CrossOriginRequest', message: 'This request must come from the console page itself (Origin does not match).' } }],
      [JSON.stringify({ accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }), {}, 403,
        { error: { code: 'CrossOriginRequest', message: 'This request must come from the console page itself (Origin does not match).' } }],
      [JSON.stringify({ pad: 'x'.repeat(17 * 1024) }), undefined, 413, { error: { code: 'EntityTooLarge', message: 'Console request bodies are at most 16384 bytes.' } }],
    ];
    for (const [body, headers, status, json] of cases) {
      const answer = await loginWith(body, headers);
      assert.deepEqual([answer.status, answer.json], [status, json], body.slice(0, 60));
      assert.equal(answer.headers.get('set-cookie'), null);
    }
  });

  it('a disabled user key cannot log in; an active one can, as that user', async () => {
    assert.equal((await cairnAdmin(server, ['key', 'disable', user.accessKeyId])).code, 0);
    const refused = await loginWith(JSON.stringify(user));
    assert.equal(refused.status, 403);
    assert.equal((await cairnAdmin(server, ['key', 'enable', user.accessKeyId])).code, 0);
    const accepted = await loginWith(JSON.stringify(user));
    assert.equal(accepted.status, 200);
    assert.deepEqual((accepted.json as { identity: unknown }).identity, { kind: 'user', name: 'console-user' });
    assert.match(accepted.headers.get('set-cookie')!, /^cairn_console=[A-Za-z0-9_-]{43}; Max-Age=43200; HttpOnly; SameSite=Strict; Path=\/_cairn\/console$/);
  });

  it('presigns a working share link; refuses bad expiries', async () => {
    const { cookie, csrf } = await session();
    const headers = { 'x-cairn-csrf': csrf, origin, 'content-type': 'application/json' };
    for (const expiresSeconds of [0, 1.5, 604801, '60']) {
      const answer = await consoleFetch(server, 'presign', { method: 'POST', cookie, headers, body: JSON.stringify({ bucket: Bucket, key: 'x', expiresSeconds }) });
      assert.deepEqual([answer.status, answer.json], [400, { error: { code: 'InvalidInput', message: '"expiresSeconds" must be a whole number from 1 to 604800.' } }]);
    }
    const answer = await consoleFetch(server, 'presign', { method: 'POST', cookie, headers, body: JSON.stringify({ bucket: Bucket, key: 'a b/shared (1).txt', expiresSeconds: 60 }) });
    assert.equal(answer.status, 200);
    const url = (answer.json as { url: string }).url;
    assert.match(url, /X-Amz-Expires=60/);
    const shared = await fetch(url);
    assert.equal(shared.status, 200, await shared.clone().text());
    assert.equal(await shared.text(), 'shared bytes');
    const noCsrf = await consoleFetch(server, 'presign', { method: 'POST', cookie, headers: { origin }, body: '{}' });
    assert.equal(noCsrf.status, 403);
  });

  it('the proxy needs a session, relays S3 errors verbatim, and never reaches the console itself', async () => {
    assert.deepEqual(await consoleFetch(server, `s3/${Bucket}`).then((answer) => [answer.status, answer.json]),
      [401, { error: { code: 'NotLoggedIn', message: 'Log in to use the console.' } }]);
    const { cookie } = await session();
    const missing = await consoleFetch(server, 's3/no-such-bucket-here', { cookie });
    assert.equal(missing.status, 404);
    assert.match(String(missing.json), /<Code>NoSuchBucket<\/Code>/);
    assert.equal(missing.headers.get('content-security-policy'), "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'");
    const object = await consoleFetch(server, `s3/${Bucket}/a%20b/shared%20(1).txt`, { cookie });
    assert.deepEqual([object.status, object.json], [200, 'shared bytes']);
    assert.equal((await consoleFetch(server, 'cairn/console/api/session', { cookie })).status, 404);
    assert.equal((await consoleFetch(server, 'elsewhere', { cookie })).status, 404);
  });

  it('the s3tables and ecr routes are signed for their services, need a session, and an ECR call needs the CSRF token', async () => {
    assert.equal((await consoleFetch(server, 'ecr', { method: 'POST', body: '{}' })).status, 401);
    const { cookie, csrf } = await session();
    const ecrHeaders = { origin, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.CreateRepository' };
    const body = JSON.stringify({ repositoryName: 'console-api/refused' });
    const noToken = await consoleFetch(server, 'ecr', { method: 'POST', cookie, body, headers: ecrHeaders });
    assert.deepEqual([noToken.status, noToken.json], [403, { error: { code: 'InvalidCsrfToken', message: 'The x-cairn-csrf header is missing or does not match this session.' } }]);
    const listed = await consoleFetch(server, 'ecr', { method: 'POST', cookie, body: '{}', headers: { ...ecrHeaders, 'x-cairn-csrf': csrf, 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories' } });
    assert.deepEqual([listed.status, listed.json], [200, { repositories: [] }], 'the refused CreateRepository made nothing');
    const buckets = await consoleFetch(server, 's3tables/buckets', { cookie });
    assert.deepEqual([buckets.status, buckets.json], [200, { tableBuckets: [] }]);
    assert.equal((await consoleFetch(server, 'ecr/more', { cookie })).status, 404);
  });

  it('logout needs the CSRF token; after it the session is gone', async () => {
    const { cookie, csrf } = await session();
    assert.equal((await consoleFetch(server, 'logout', { method: 'POST', cookie, headers: { origin } })).status, 403);
    assert.equal((await consoleFetch(server, 'session', { cookie })).status, 200);
    const out = await consoleFetch(server, 'logout', { method: 'POST', cookie, headers: { origin, 'x-cairn-csrf': csrf } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie')!, /^cairn_console=; Max-Age=0;/);
    assert.equal((await consoleFetch(server, 'session', { cookie })).status, 401);
  });

  // Last: it leaves this address without login tokens for a while.
  it('limits failed logins per client address: past the limit even a right secret gets 429 and no session', async () => {
    const sessionsDirectory = join(server.dataDirectory, 'console-sessions');
    const wrong = JSON.stringify({ accessKeyId: TEST_ACCESS_KEY, secretAccessKey: 'wrong secret' });
    let refused: Awaited<ReturnType<typeof loginWith>> | undefined;
    // The limit is 10 a minute; earlier tests spent a few, so a 429 comes within 11 attempts.
    for (let attempt = 0; attempt < 11 && refused === undefined; attempt += 1) {
      const answer = await loginWith(wrong);
      if (answer.status === 429) refused = answer;
      else assert.equal(answer.status, 403);
    }
    assert.ok(refused !== undefined, 'no 429 within 11 failed logins');
    const sessionsBefore = (await readdir(sessionsDirectory)).sort();
    const right = await loginWith(JSON.stringify({ accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }));
    assert.equal(right.status, 429);
    const json = right.json as { error: { code: string; message: string } };
    assert.equal(json.error.code, 'TooManyLoginAttempts');
    assert.match(json.error.message, /^Too many failed logins from this address: at most 10 a minute\. Try again in \d+ s\.$/);
    assert.match(right.headers.get('retry-after')!, /^[1-6]$/);
    assert.equal(right.headers.get('set-cookie'), null);
    assert.deepEqual((await readdir(sessionsDirectory)).sort(), sessionsBefore);
  });
});
