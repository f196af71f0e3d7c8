// A real browser against Cairn: headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core. A page served from another origin (a small node:http server on its own port)
// (a) submits a real HTML form with a file chosen in a file input, signed with a POST policy made by
// createPresignedPost: accepted within the policy, refused outside it; and (b) calls fetch() on
// the Cairn endpoint with a request that needs a CORS preflight, allowed or denied by the bucket's
// CORS rules. Each case is asserted on both sides: what Cairn answered and what the page got.
import { GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';
import { expectS3Error } from './helpers/assertions.js';
import { rawRequest, sendRaw } from './helpers/clients.js';
import { md5Hex, xmlElement } from './helpers/forms.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const Bucket = 'browser-uploads';
/** A bucket whose CORS rules name another origin than the page's. */
const FOREIGN_BUCKET = 'browser-foreign';
const UPLOAD_PREFIX = 'uploads/';
const SIZE_MAX_BYTES = 1024;
const BROWSER_STEP_TIMEOUT_MS = 15_000;

const unavailable = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The page's server: /form renders an upload form with the fields it is given, /done is the redirect target, / is a blank page. */
class PageServer {
  readonly server: Server;
  forms = new Map<string, { action: string; fields: Array<[string, string]> }>();
  doneQueries: URLSearchParams[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://page');
      const form = this.forms.get(url.pathname);
      let html = '<!doctype html><meta charset="utf-8"><title>page</title><p id="blank">blank</p>';
      if (form !== undefined) {
        const hidden = form.fields.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
        html = `<!doctype html><meta charset="utf-8"><title>upload</title>
<form id="upload" action="${escapeHtml(form.action)}" method="post" enctype="multipart/form-data">
${hidden}
<input type="file" name="file" id="file">
<input type="submit" id="submit" value="Upload">
</form>`;
      } else if (url.pathname === '/done') {
        this.doneQueries.push(url.searchParams);
        html = `<!doctype html><meta charset="utf-8"><title>done</title><p id="done">${escapeHtml(url.searchParams.get('key') ?? '')}</p>`;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

describe('a browser page on another origin', { skip: unavailable }, () => {
  let server: RunningServer;
  let s3: S3Client;
  let pages: PageServer;
  let pageOrigin: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDirectory: string;

  async function expectAbsent(key: string, bucket = Bucket): Promise<void> {
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), 'NotFound', 404);
  }

  /** Serves a form at `path` with a fresh policy: keys under uploads/, 1..1024 bytes, redirect to /done. */
  async function serveForm(path: string, change: (fields: Array<[string, string]>) => Array<[string, string]> = (fields) => fields): Promise<string> {
    const redirect = `${pageOrigin}/done`;
    const { url, fields } = await createPresignedPost(s3, {
      Bucket,
      Key: `${UPLOAD_PREFIX}\${filename}`,
      Conditions: [['content-length-range', 1, SIZE_MAX_BYTES]],
      Fields: { success_action_redirect: redirect, 'Content-Type': 'text/plain' },
      Expires: 300,
    });
    pages.forms.set(path, { action: url, fields: change(Object.entries(fields)) });
    return url;
  }

  /** Chooses `content` as the file named `name` in the page's file input and clicks Upload; returns Cairn's answer to the POST. */
  async function submitForm(path: string, action: string, name: string, content: Buffer): Promise<Response> {
    await page.goto(`${pageOrigin}${path}`);
    await page.setInputFiles('#file', { name, mimeType: 'text/plain', buffer: content });
    const answered = page.waitForResponse((response) => response.url() === action && response.request().method() === 'POST', { timeout: BROWSER_STEP_TIMEOUT_MS });
    await page.click('#submit');
    return answered;
  }

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${FOREIGN_BUCKET}` })).status, 200);
    pages = new PageServer();
    pageOrigin = await pages.listen();
    assert.notEqual(new URL(pageOrigin).origin, new URL(server.endpoint).origin);
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [
      { AllowedOrigins: [pageOrigin], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 },
    ] } }));
    await s3.send(new PutBucketCorsCommand({ Bucket: FOREIGN_BUCKET, CORSConfiguration: { CORSRules: [
      { AllowedOrigins: ['https://somewhere-else.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'] },
    ] } }));
    userDataDirectory = mkdtempSync(join(tmpdir(), 'cairn-chromium-'));
    context = await chromium.launchPersistentContext(userDataDirectory, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    context.setDefaultTimeout(BROWSER_STEP_TIMEOUT_MS);
    page = context.pages()[0] ?? await context.newPage();
  });

  after(async () => {
    await context?.close();
    if (userDataDirectory !== undefined) rmSync(userDataDirectory, { recursive: true, force: true });
    await new Promise((resolve) => pages?.server.close(resolve));
    await closeSuite(server, s3);
  });

  it('uploads a file chosen in an HTML form within the policy, and follows the redirect', async () => {
    const action = await serveForm('/form-ok');
    const content = Buffer.from('hello from a real browser\n');
    const answer = await submitForm('/form-ok', action, 'greeting.txt', content);
    // Cairn's side: 303 to the page's /done with bucket, key and etag.
    assert.equal(answer.status(), 303);
    const location = new URL(answer.headers()['location']!);
    assert.equal(`${location.origin}${location.pathname}`, `${pageOrigin}/done`);
    // The page's side: the browser followed it.
    await page.waitForURL(`${pageOrigin}/done?**`);
    assert.equal(await page.textContent('#done'), `${UPLOAD_PREFIX}greeting.txt`);
    const query = pages.doneQueries.at(-1)!;
    assert.equal(query.get('bucket'), Bucket);
    assert.equal(query.get('key'), `${UPLOAD_PREFIX}greeting.txt`);
    assert.equal(query.get('etag'), `"${md5Hex(content)}"`);
    const stored = await s3.send(new GetObjectCommand({ Bucket, Key: `${UPLOAD_PREFIX}greeting.txt` }));
    assert.deepEqual(Buffer.from(await stored.Body!.transformToByteArray()), content);
    assert.equal(stored.ContentType, 'text/plain');
  });

  it('refuses a form whose key leaves the policy\'s prefix, and stores nothing', async () => {
    const action = await serveForm('/form-wrong-prefix', (fields) => fields.map(([name, value]) => [name, name === 'key' ? 'private/${filename}' : value]));
    const answer = await submitForm('/form-wrong-prefix', action, 'secret.txt', Buffer.from('not allowed here'));
    assert.equal(answer.status(), 403);
    const body = await answer.text();
    assert.equal(xmlElement(body, 'Code'), 'AccessDenied');
    assert.equal(xmlElement(body, 'Message'), `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "${UPLOAD_PREFIX}"]`);
    // The browser shows Cairn's error document instead of reaching /done.
    await page.waitForLoadState();
    assert.equal(new URL(page.url()).origin, new URL(server.endpoint).origin);
    assert.match(await page.content(), /AccessDenied/);
    await expectAbsent('private/secret.txt');
    await expectAbsent(`${UPLOAD_PREFIX}secret.txt`);
  });

  it('refuses a file larger than the policy allows, and stores nothing', async () => {
    const action = await serveForm('/form-too-large');
    const answer = await submitForm('/form-too-large', action, 'large.txt', Buffer.alloc(SIZE_MAX_BYTES * 4, 'a'));
    assert.equal(answer.status(), 400);
    const body = await answer.text();
    assert.equal(xmlElement(body, 'Code'), 'EntityTooLarge');
    assert.equal(xmlElement(body, 'ProposedSize'), String(SIZE_MAX_BYTES * 4));
    assert.equal(xmlElement(body, 'MaxSizeAllowed'), String(SIZE_MAX_BYTES));
    await page.waitForLoadState();
    assert.match(await page.content(), /EntityTooLarge/);
    await expectAbsent(`${UPLOAD_PREFIX}large.txt`);
  });

  /** Runs fetch() in the page; returns what the page saw: the status and ETag it could read, or the rejection. */
  function fetchFromPage(url: string, body: string): Promise<{ ok: true; status: number; etag: string | null } | { ok: false; error: string }> {
    return page.evaluate(async ({ url, body }) => {
      try {
        // A JSON Content-Type is not one a simple request may carry: the browser asks first (OPTIONS).
        const response = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } });
        return { ok: true as const, status: response.status, etag: response.headers.get('etag') };
      } catch (error) {
        return { ok: false as const, error: String(error) };
      }
    }, { url, body });
  }

  /** Records the browser's CORS preflights to Cairn and Cairn's answers (status, Access-Control-Allow-Origin). */
  async function watchPreflights(): Promise<Array<{ url: string; status?: number; allowOrigin?: string }>> {
    const seen: Array<{ url: string; status?: number; allowOrigin?: string }> = [];
    const session = await context.newCDPSession(page);
    await session.send('Network.enable');
    const byId = new Map<string, { url: string; status?: number; allowOrigin?: string }>();
    session.on('Network.requestWillBeSent', (event) => {
      if (event.request.method !== 'OPTIONS') return;
      const entry = { url: event.request.url };
      byId.set(event.requestId, entry);
      seen.push(entry);
    });
    session.on('Network.responseReceived', (event) => {
      const entry = byId.get(event.requestId);
      if (entry === undefined) return;
      entry.status = event.response.status;
      const headers = Object.fromEntries(Object.entries(event.response.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
      entry.allowOrigin = headers['access-control-allow-origin'];
    });
    return seen;
  }

  it('lets the page fetch() with a preflight when the bucket\'s CORS rule names its origin', async () => {
    await page.goto(`${pageOrigin}/`);
    const preflights = await watchPreflights();
    const key = 'cors/allowed.json';
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: key }), { expiresIn: 300 });
    const result = await fetchFromPage(url, '{"from":"page"}');
    // The page's side: the response was readable, exposed ETag included.
    assert.deepEqual(result, { ok: true, status: 200, etag: `"${md5Hex('{"from":"page"}')}"` });
    // Cairn's side: it answered the browser's own preflight with the page's origin.
    await waitFor(() => preflights.some((entry) => entry.status !== undefined));
    assert.equal(preflights.length, 1, JSON.stringify(preflights));
    assert.equal(preflights[0]!.status, 200);
    assert.equal(preflights[0]!.allowOrigin, pageOrigin);
    const stored = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
    assert.equal(await stored.Body!.transformToString(), '{"from":"page"}');
  });

  it('denies the page\'s fetch() when no CORS rule names its origin: the preflight is refused and nothing is written', async () => {
    await page.goto(`${pageOrigin}/`);
    const preflights = await watchPreflights();
    const key = 'cors/denied.json';
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: FOREIGN_BUCKET, Key: key }), { expiresIn: 300 });
    const result = await fetchFromPage(url, '{"from":"page"}');
    // The page's side: fetch rejected, as browsers do when a preflight fails.
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /TypeError: Failed to fetch/);
    // Cairn's side: 403 to the browser's preflight, without any Access-Control-Allow-Origin.
    await waitFor(() => preflights.some((entry) => entry.status !== undefined));
    assert.equal(preflights[0]!.status, 403);
    assert.equal(preflights[0]!.allowOrigin, undefined);
    // The same preflight sent here shows why: AccessForbidden.
    const path = new URL(url).pathname;
    const direct = await sendRaw(server, 'OPTIONS', path, {
      host: `127.0.0.1:${server.port}`, origin: pageOrigin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type',
    }, undefined);
    assert.equal(direct.status, 403);
    assert.equal(direct.errorCode, 'AccessForbidden');
    await expectAbsent(key, FOREIGN_BUCKET);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = BROWSER_STEP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the browser');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
