// Issue #13, defects 3–7, against a live server: absurd declared lengths, the SigV4 region, node's own
// refusals in S3's format, connection limits per client address and idle timeouts, and the body
// budget under many concurrent uploads.
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { NodeSha256, rawRequest, sdkClient } from './helpers/clients.js';
import { expectErrorResponse, expectS3Error } from './helpers/assertions.js';
import { closeSuite, openSuite } from './helpers/suite.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY, startServer, type RunningServer } from './helpers/server.js';
import { collect, exchange, openSocket } from './helpers/sockets.js';
import { eventually } from './helpers/eventually.js';

const BUCKET = 'hardening';
const EXPECTED_REGION = 'us-east-1';
const MIB = 1024 * 1024;
const CLOSES_SEEN_DEADLINE_MS = 20_000;

function signerFor(region: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY }, region, service: 's3',
    sha256: NodeSha256 as never, uriEscapePath: false, applyChecksum: false,
  });
}

async function expectAbsent(s3: S3Client, key: string): Promise<void> {
  await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })), 'NotFound', 404);
}

describe('front-end hardening (issue #13)', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    ({ server, s3 } = await openSuite(BUCKET));
  });
  after(async () => closeSuite(server, s3));

  it('refuses huge declared lengths with EntityTooLarge before arming any timer, and logs no TimeoutOverflowWarning', async () => {
    const huge = await exchange(server.port, `PUT /${BUCKET}/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200000000000\r\n\r\n`);
    assert.equal(huge.status, 400, huge.text);
    assert.equal(huge.errorCode, 'EntityTooLarge');
    assert.match(huge.text, /<ProposedSize>200000000000<\/ProposedSize><MaxSizeAllowed>5368709120<\/MaxSizeAllowed>/);
    assert.match(huge.headers.get('x-amz-request-id') ?? '', /^[0-9A-F]{16}$/);
    const decoded = await exchange(server.port, `PUT /${BUCKET}/decoded HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n`
      + 'Content-Encoding: aws-chunked\r\nx-amz-decoded-content-length: 99999999999999999999\r\n\r\n');
    assert.equal(decoded.status, 400, decoded.text);
    assert.equal(decoded.errorCode, 'EntityTooLarge');
    const notNumber = await exchange(server.port, `PUT /${BUCKET}/nan HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nx-amz-decoded-content-length: 1e9\r\n\r\nabc`);
    assert.equal(notNumber.status, 400, notNumber.text);
    assert.equal(notNumber.errorCode, 'InvalidArgument');
    // Signed through the SDK's signer too: refused before authentication is even looked at.
    const signed = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/signed`, headers: { 'content-length': '6000000000' }, auth: 'unsigned' });
    expectErrorResponse(signed, 400, 'EntityTooLarge');
    for (const key of ['huge', 'decoded', 'nan', 'signed']) await expectAbsent(s3, key);
    assert.doesNotMatch(server.stderr(), /TimeoutOverflowWarning/);
  });

  for (const region of ['eu-west-1', 'xx-fake-9', '%00', 'r'.repeat(300)]) {
    it(`refuses a request signed for region ${region.slice(0, 12)}${region.length > 12 ? '…' : ''} (header and presigned), writing nothing`, async () => {
      const key = `region-${region.length}-${region.slice(0, 4)}`;
      const shown = region.slice(0, 128);
      const header = await rawRequest(server, { method: 'PUT', path: `/${BUCKET}/${encodeURIComponent(key)}`, body: 'data', signerOverride: signerFor(region) });
      expectErrorResponse(header, 400, 'AuthorizationHeaderMalformed');
      assert.ok(header.text.replaceAll('&apos;', "'").includes(`<Message>The authorization header is malformed; the region '${shown}' is wrong; expecting '${EXPECTED_REGION}'</Message>`), header.text);
      assert.ok(header.text.includes(`<Region>${EXPECTED_REGION}</Region>`), header.text);
      const url = new URL(server.endpoint);
      const presigned = await signerFor(region).presign({
        method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: `/${BUCKET}/${encodeURIComponent(key)}`,
        headers: { host: url.host }, query: {},
      }, { expiresIn: 300 });
      const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, method: 'PUT', path: `${presigned.path}?${query}`, headers: { host: url.host, 'content-length': '4' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (piece: string) => { text += piece; }).on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.end('data');
      });
      assert.equal(answer.status, 400, answer.text);
      assert.ok(answer.text.includes('<Code>AuthorizationQueryParametersError</Code>'), answer.text);
      assert.ok(answer.text.replaceAll('&apos;', "'").includes(`the region '${shown}' is wrong; expecting '${EXPECTED_REGION}'`), answer.text);
      assert.ok(answer.text.includes(`<Region>${EXPECTED_REGION}</Region>`), answer.text);
      await expectAbsent(s3, key);
    });
  }

  it("answers node's own refusals in S3's XML format with a request id", async () => {
    const cases: Array<[string, string, number, string]> = [
      ['conflicting Content-Length and Transfer-Encoding', `PUT /${BUCKET}/k HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'BadRequest'],
      ['a control character in a header', `GET /${BUCKET} HTTP/1.1\r\nHost: a\r\nX-Bad: a\u0001b\r\n\r\n`, 400, 'BadRequest'],
      ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'BadRequest'],
      ['headers over the limit', `GET /${BUCKET} HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 400, 'RequestHeaderSectionTooLarge'],
      ['an unknown Expect', `PUT /${BUCKET}/k HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\n`, 417, 'ExpectationFailed'],
    ];
    for (const [what, request, status, code] of cases) {
      const answer = await exchange(server.port, request);
      assert.equal(answer.status, status, `${what}: ${answer.text}`);
      assert.equal(answer.errorCode, code, `${what}: ${answer.text}`);
      assert.match(answer.headers.get('x-amz-request-id') ?? '', /^[0-9A-F]{16}$/, what);
      assert.equal(answer.headers.get('content-type'), 'application/xml', what);
      assert.match(answer.text, /<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>/, what);
      assert.ok(answer.closedByServer, what);
    }
    await expectAbsent(s3, 'k');
  });
});

describe('connection limits (issue #13, defect 5)', () => {
  let server: RunningServer;
  const PER_CLIENT = 20;
  before(async () => {
    server = await startServer({ extraArgs: ['--connections-per-client', String(PER_CLIENT), '--keep-alive-timeout', '1', '--header-timeout', '2', '--workers', '1'] });
  });
  after(async () => server.dispose());

  it('refuses new connections from an address past its share while another address is still served', async () => {
    // A server of its own whose idle and header timeouts outlast the test: only the client's closes
    // can free the share here, however slowly a loaded machine opens the sockets.
    const patient = await startServer({ extraArgs: ['--connections-per-client', String(PER_CLIENT), '--keep-alive-timeout', '120', '--header-timeout', '120', '--workers', '1'] });
    try {
      const idle = [];
      for (let index = 0; index < PER_CLIENT; index += 1) idle.push(await openSocket(patient.port));
      // Past the share: closed at once, nothing answered.
      const refused = await exchange(patient.port, 'GET /_cairn/health HTTP/1.1\r\nHost: a\r\n\r\n', { timeoutMs: 3000 });
      assert.ok(refused.closedByServer);
      assert.equal(refused.status, undefined, refused.text);
      // Another client address on loopback is served as usual.
      const other = await exchange(patient.port, 'GET /_cairn/health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.2' });
      assert.equal(other.status, 200, other.text);
      for (const socket of idle) socket.destroy();
      // Served again once the server has seen the closes (polled: a loaded machine may take longer than a moment).
      const served = await eventually('a connection to be served after the idle ones closed', async () => {
        const answer = await exchange(patient.port, 'GET /_cairn/health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        return answer.status === undefined ? undefined : answer;
      }, CLOSES_SEEN_DEADLINE_MS);
      assert.equal(served.status, 200, served.text);
      const figures = (await rawRequest(patient, { method: 'GET', path: '/_cairn/metrics' })).text;
      assert.match(figures, /^cairn_connections_refused_total\{limit="per_client_address"\} [1-9]\d*$/m);
      assert.match(figures, /^cairn_connections_limit\{limit="per_client_address"\} 20$/m);
      assert.match(figures, /^cairn_connections_open \d+$/m);
    } finally {
      await patient.dispose();
    }
  });

  it('closes a kept-alive connection after the idle time, and one that sends no headers after the header time', async () => {
    const socket = await openSocket(server.port);
    const keptAlive = await collect(socket, 'GET /_cairn/health HTTP/1.1\r\nHost: a\r\n\r\n', Date.now(), 10_000);
    assert.equal(keptAlive.status, 200);
    assert.ok(keptAlive.closedByServer);
    assert.ok(keptAlive.elapsedMs >= 900 && keptAlive.elapsedMs < 5000, `closed after ${keptAlive.elapsedMs} ms`);
    const silent = await exchange(server.port, '', { timeoutMs: 10_000 });
    assert.ok(silent.closedByServer);
    assert.ok(silent.elapsedMs >= 1900 && silent.elapsedMs < 6000, `closed after ${silent.elapsedMs} ms`);
    const partial = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: a\r\n', { timeoutMs: 10_000 });
    assert.equal(partial.status, 400, partial.text);
    assert.equal(partial.errorCode, 'RequestTimeout');
  });
});

describe('request body budget (issue #13, defect 7)', () => {
  let server: RunningServer;
  let s3: S3Client;
  before(async () => {
    server = await startServer({ extraArgs: ['--body-budget', '8', '--workers', '1'] });
    s3 = sdkClient(server);
    assert.equal((await rawRequest(server, { method: 'PUT', path: `/${BUCKET}` })).status, 200);
  });
  after(async () => closeSuite(server, s3));

  it('300 concurrent 1 MiB PUTs all succeed within the budget, and every byte reads back', async () => {
    const body = Buffer.alloc(MIB, 7);
    const puts = [];
    for (let index = 0; index < 300; index += 1) {
      puts.push(rawRequest(server, { method: 'PUT', path: `/${BUCKET}/many-${index}`, body, auth: 'unsigned' }));
    }
    const answers = await Promise.all(puts);
    assert.deepEqual(answers.filter((answer) => answer.status !== 200).map((answer) => answer.text), []);
    const figures = (await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' })).text;
    assert.match(figures, /^cairn_request_body_budget_bytes 8388608$/m);
    assert.match(figures, /^cairn_request_body_waited_total [1-9]\d*$/m);
    assert.match(figures, /^cairn_request_body_reserved_bytes 0$/m);
    const peakKib = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.process.pid}/status`, 'utf8'))?.[1]);
    process.stdout.write(`# server peak RSS with 300 concurrent 1 MiB PUTs, 8 MiB budget: ${Math.round(peakKib / 1024)} MiB\n`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'many-299' }));
    assert.equal(head.ContentLength, MIB);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after', Body: 'ok' }));
  });
});
