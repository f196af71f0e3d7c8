// Static website hosting: Put/Get/DeleteBucketWebsite through the JS SDK (round trips, and each bad
// configuration refused with S3's error while the stored one stays as it was), x-amz-website-redirect-
// location on PUT, copy and multipart, and the website endpoint (`--website-domain website.localhost`)
// over plain HTTP with the Host header `BUCKET.website.localhost:PORT`: index documents, the 302 to
// `key/`, error documents with the error's status, HTML error pages, redirects with their exact status
// and Location, anonymous reads only where the bucket policy allows them, GET/HEAD only.
import {
  CompleteMultipartUploadCommand, S3Client as SdkS3Client, CopyObjectCommand, CreateMultipartUploadCommand, DeleteBucketWebsiteCommand, DeletePublicAccessBlockCommand,
  GetBucketWebsiteCommand, HeadObjectCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, UploadPartCommand,
  type S3Client, type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startCairn } from '../src/cli/embed/index.js';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { md5Base64, rawRequest } from './helpers/clients.js';
import { startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const WEBSITE_DOMAIN = 'website.localhost';
const SITE = 'site';
const PRIVATE_SITE = 'private-site';
const REDIRECT_SITE = 'redirect-site';
const PLAIN = 'plain-bucket';

interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request to the website endpoint of `bucket`, as a browser sends it (no credentials). */
function web(server: Pick<RunningServer, 'port'>, bucket: string, path: string, method = 'GET'): Promise<WebResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: server.port, method, path, headers: { Host: `${bucket}.${WEBSITE_DOMAIN}:${server.port}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      { Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
    ],
  });
}

const SITE_CONFIGURATION: WebsiteConfiguration = {
  IndexDocument: { Suffix: 'index.html' },
  ErrorDocument: { Key: 'error.html' },
  RoutingRules: [
    { Condition: { KeyPrefixEquals: 'blog/' }, Redirect: { ReplaceKeyPrefixWith: 'posts/', HttpRedirectCode: '302' } },
    { Condition: { KeyPrefixEquals: 'gone/', HttpErrorCodeReturnedEquals: '404' }, Redirect: { HostName: 'example.com', Protocol: 'https', ReplaceKeyWith: 'moved.html' } },
  ],
};

/** A PutBucketWebsite body sent as is (the SDK would refuse or reshape some of these). */
async function putWebsiteXml(server: RunningServer, bucket: string, inner: string) {
  const body = `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</WebsiteConfiguration>`;
  return rawRequest(server, { method: 'PUT', path: `/${bucket}`, query: { website: '' }, body, headers: { 'Content-MD5': md5Base64(body) } });
}

describe('static website hosting', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    ({ server, s3 } = await openSuite(undefined, { extraArgs: ['--website-domain', WEBSITE_DOMAIN] }));
    for (const bucket of [SITE, PRIVATE_SITE, REDIRECT_SITE, PLAIN]) assert.equal((await rawRequest(server, { method: 'PUT', path: `/${bucket}` })).status, 200);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: SITE }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: SITE, Policy: publicReadPolicy(SITE) }));
    const files: Array<[string, string, string?]> = [
      ['index.html', '<h1>home</h1>'], ['docs/index.html', '<h1>docs</h1>'], ['error.html', '<h1>oops</h1>'], ['style.css', 'body{}'],
    ];
    for (const [key, body] of files) await s3.send(new PutObjectCommand({ Bucket: SITE, Key: key, Body: body, ContentType: key.endsWith('.css') ? 'text/css' : 'text/html' }));
    await s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'old-page', Body: '', WebsiteRedirectLocation: '/new-page.html' }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: SITE, WebsiteConfiguration: SITE_CONFIGURATION }));
    await s3.send(new PutObjectCommand({ Bucket: PRIVATE_SITE, Key: 'index.html', Body: 'secret' }));
    await s3.send(new PutObjectCommand({ Bucket: PRIVATE_SITE, Key: 'error.html', Body: 'private error page' }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: PRIVATE_SITE, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } } }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: REDIRECT_SITE, WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: 'example.org', Protocol: 'https' } } }));
  });
  after(() => closeSuite(server, s3));

  it('GetBucketWebsite returns what was put; DeleteBucketWebsite removes it', async () => {
    const got = await s3.send(new GetBucketWebsiteCommand({ Bucket: SITE }));
    assert.deepEqual(got.IndexDocument, SITE_CONFIGURATION.IndexDocument);
    assert.deepEqual(got.ErrorDocument, SITE_CONFIGURATION.ErrorDocument);
    assert.deepEqual(got.RoutingRules, SITE_CONFIGURATION.RoutingRules);
    const redirect = await s3.send(new GetBucketWebsiteCommand({ Bucket: REDIRECT_SITE }));
    assert.deepEqual(redirect.RedirectAllRequestsTo, { HostName: 'example.org', Protocol: 'https' });
    assert.equal(redirect.IndexDocument, undefined);
    await s3.send(new PutBucketWebsiteCommand({ Bucket: PLAIN, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.htm' } } }));
    assert.equal((await s3.send(new DeleteBucketWebsiteCommand({ Bucket: PLAIN }))).$metadata.httpStatusCode, 204);
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: PLAIN })), 'NoSuchWebsiteConfiguration', 404);
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: 'no-such-bucket' })), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new PutBucketWebsiteCommand({ Bucket: 'no-such-bucket', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } })), 'NoSuchBucket', 404);
  });

  it('refuses each bad configuration with S3 error and keeps the stored one', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['no index document', '<ErrorDocument><Key>e.html</Key></ErrorDocument>', 400, 'InvalidArgument'],
      ['empty suffix', '<IndexDocument><Suffix></Suffix></IndexDocument>', 400, 'InvalidArgument'],
      ['suffix with a slash', '<IndexDocument><Suffix>a/index.html</Suffix></IndexDocument>', 400, 'InvalidArgument'],
      ['redirect-all with documents', '<RedirectAllRequestsTo><HostName>a.example</HostName></RedirectAllRequestsTo><IndexDocument><Suffix>i.html</Suffix></IndexDocument>', 400, 'InvalidArgument'],
      ['redirect-all without a host', '<RedirectAllRequestsTo><Protocol>https</Protocol></RedirectAllRequestsTo>', 400, 'InvalidArgument'],
      ['unknown protocol', '<RedirectAllRequestsTo><HostName>a.example</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo>', 400, 'InvalidArgument'],
      ['redirect code 300', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Redirect><HttpRedirectCode>300</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>', 400, 'InvalidArgument'],
      ['redirect code 200', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Redirect><HttpRedirectCode>200</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>', 400, 'InvalidArgument'],
      ['both key replacements', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Redirect><ReplaceKeyWith>a</ReplaceKeyWith><ReplaceKeyPrefixWith>b</ReplaceKeyPrefixWith></Redirect></RoutingRule></RoutingRules>', 400, 'InvalidArgument'],
      ['error code 200', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition><HttpErrorCodeReturnedEquals>200</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>a.example</HostName></Redirect></RoutingRule></RoutingRules>', 400, 'InvalidArgument'],
      ['empty condition', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition></Condition><Redirect><HostName>a.example</HostName></Redirect></RoutingRule></RoutingRules>', 400, 'InvalidArgument'],
      ['empty redirect', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Redirect></Redirect></RoutingRule></RoutingRules>', 400, 'InvalidArgument'],
      ['rule without a redirect', '<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition></RoutingRule></RoutingRules>', 400, 'MalformedXML'],
      ['51 rules', `<IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules>${'<RoutingRule><Redirect><HostName>a.example</HostName></Redirect></RoutingRule>'.repeat(51)}</RoutingRules>`, 400, 'InvalidArgument'],
      ['not XML', '<IndexDocument><Suffix>i.html</Suffix>', 400, 'MalformedXML'],
    ];
    const before = await s3.send(new GetBucketWebsiteCommand({ Bucket: SITE }));
    for (const [name, inner, status, code] of cases) {
      expectErrorResponse(await putWebsiteXml(server, SITE, inner), status, code);
      const now = await s3.send(new GetBucketWebsiteCommand({ Bucket: SITE }));
      assert.deepEqual([now.IndexDocument, now.ErrorDocument, now.RoutingRules], [before.IndexDocument, before.ErrorDocument, before.RoutingRules], name);
    }
    const wrongRoot = '<RestoreRequest><Days>1</Days></RestoreRequest>';
    expectErrorResponse(await rawRequest(server, { method: 'PUT', path: `/${PLAIN}`, query: { website: '' }, body: wrongRoot }), 400, 'MalformedXML');
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: PLAIN })), 'NoSuchWebsiteConfiguration', 404);
  });

  it('stores x-amz-website-redirect-location on PUT, copy and multipart, and refuses a bad one', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: SITE, Key: 'old-page' }));
    assert.equal(head.WebsiteRedirectLocation, '/new-page.html');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: 'bad-redirect', Body: 'x', WebsiteRedirectLocation: 'ftp://elsewhere' })), 'InvalidRedirectLocation', 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: PLAIN, Key: 'bad-redirect' })), 'NotFound', 404);
    // A copy takes the request's redirect, never the source's.
    await s3.send(new CopyObjectCommand({ Bucket: PLAIN, Key: 'copied', CopySource: `${SITE}/old-page` }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: PLAIN, Key: 'copied' }))).WebsiteRedirectLocation, undefined);
    await s3.send(new CopyObjectCommand({ Bucket: PLAIN, Key: 'copied', CopySource: `${PLAIN}/copied`, WebsiteRedirectLocation: 'https://example.net/x' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: PLAIN, Key: 'copied' }))).WebsiteRedirectLocation, 'https://example.net/x');
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: PLAIN, Key: 'multi', WebsiteRedirectLocation: '/target' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: PLAIN, Key: 'multi', UploadId: upload.UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: PLAIN, Key: 'multi', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: PLAIN, Key: 'multi' }))).WebsiteRedirectLocation, '/target');
  });

  it('serves index documents, a 302 to key/, and objects', async () => {
    const home = await web(server, SITE, '/');
    assert.equal(home.status, 200);
    assert.equal(home.text, '<h1>home</h1>');
    assert.equal(home.headers['content-type'], 'text/html');
    assert.equal((await web(server, SITE, '/docs/')).text, '<h1>docs</h1>');
    const folder = await web(server, SITE, '/docs');
    assert.equal(folder.status, 302);
    assert.equal(folder.headers['location'], '/docs/');
    const css = await web(server, SITE, '/style.css?ignored=1');
    assert.equal(css.status, 200);
    assert.equal(css.text, 'body{}');
    const head = await web(server, SITE, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String('<h1>home</h1>'.length));
    assert.equal(head.text, '');
  });

  it('answers redirects with their exact status and Location', async () => {
    const objectRedirect = await web(server, SITE, '/old-page');
    assert.equal(objectRedirect.status, 301);
    assert.equal(objectRedirect.headers['location'], '/new-page.html');
    const prefixRule = await web(server, SITE, '/blog/2024/hello.html');
    assert.equal(prefixRule.status, 302);
    assert.equal(prefixRule.headers['location'], `http://${SITE}.${WEBSITE_DOMAIN}:${server.port}/posts/2024/hello.html`);
    const errorRule = await web(server, SITE, '/gone/page.html');
    assert.equal(errorRule.status, 301);
    assert.equal(errorRule.headers['location'], 'https://example.com/moved.html');
    const all = await web(server, REDIRECT_SITE, '/a/b%20c.html');
    assert.equal(all.status, 301);
    assert.equal(all.headers['location'], 'https://example.org/a/b%20c.html');
  });

  it('serves the error document with the error status, and HTML error pages without one', async () => {
    const missing = await web(server, SITE, '/missing.html');
    assert.equal(missing.status, 404);
    assert.equal(missing.text, '<h1>oops</h1>');
    assert.equal(missing.headers['content-type'], 'text/html');
    const forbidden = await web(server, PRIVATE_SITE, '/');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(forbidden.text, /<title>403 Forbidden<\/title>/);
    assert.match(forbidden.text, /<li>Code: AccessDenied<\/li>/);
    assert.match(forbidden.text, new RegExp(`<li>RequestId: ${String(forbidden.headers['x-amz-request-id'])}</li>`));
    assert.doesNotMatch(forbidden.text, /private error page|secret/);
    const unconfigured = await web(server, PLAIN, '/');
    assert.equal(unconfigured.status, 404);
    assert.match(unconfigured.text, /<li>Code: NoSuchWebsiteConfiguration<\/li>/);
    const noBucket = await web(server, 'no-such-bucket', '/');
    assert.equal(noBucket.status, 404);
    assert.match(noBucket.text, /<li>Code: NoSuchBucket<\/li>/);
  });

  it('answers only GET and HEAD, and writes nothing', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      const answer = await web(server, SITE, '/index.html', method);
      assert.equal(answer.status, 405, method);
      assert.match(answer.text, /<li>Code: MethodNotAllowed<\/li>/);
    }
    assert.equal((await web(server, SITE, '/')).text, '<h1>home</h1>');
    // The S3 endpoint itself is unchanged: path style still reaches the S3 API.
    const s3Get = await rawRequest(server, { method: 'GET', path: `/${SITE}/index.html` });
    assert.equal(s3Get.status, 200);
  });
});

describe('--website-domain', () => {
  it('refuses a name that is also a --domain', async () => {
    const dataDirectory = temporaryDirectory('website-domain');
    try {
      await assert.rejects(startServer({ dataDirectory, extraArgs: ['--website-domain', 'LocalHost'] }), /--website-domain localhost: already a --domain/);
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});

describe('startCairn({ websiteDomains })', () => {
  for (const childProcess of [false, true]) {
    it(`serves a public bucket's website${childProcess ? ' from a child process' : ''}`, async () => {
      const cairn = await startCairn({ buckets: ['pages'], publicBuckets: true, websiteDomains: [WEBSITE_DOMAIN], childProcess });
      const client = new SdkS3Client({ endpoint: cairn.endpoint, region: cairn.region, credentials: cairn.credentials, forcePathStyle: true });
      try {
        await client.send(new PutObjectCommand({ Bucket: 'pages', Key: 'index.html', Body: 'embedded site', ContentType: 'text/html' }));
        await client.send(new PutBucketWebsiteCommand({ Bucket: 'pages', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
        const home = await web({ port: Number(new URL(cairn.endpoint).port) }, 'pages', '/');
        assert.equal(home.status, 200);
        assert.equal(home.text, 'embedded site');
      } finally {
        client.destroy();
        await cairn.stop();
      }
    });
  }
});
