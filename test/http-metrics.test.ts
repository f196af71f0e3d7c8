// Request metrics in /_cairn/metrics: after a known set of requests the counters by surface and status
// class, the duration histogram and the byte counters moved by exactly that much; and the admin
// layout route the console's Operations view shows.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rawRequest } from './helpers/clients.js';
import type { RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const Bucket = 'http-metrics';
const HEADER_END = '\r\n\r\n';

type Figures = Map<string, number>;

async function scrape(server: RunningServer): Promise<Figures> {
  const response = await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' });
  assert.equal(response.status, 200);
  const figures: Figures = new Map();
  for (const line of response.text.split('\n')) {
    const match = /^(cairn_http_\S+) (\S+)$/.exec(line);
    if (match !== null) figures.set(match[1]!, Number(match[2]));
  }
  return figures;
}

function moved(before: Figures, after: Figures, name: string): number {
  assert.ok(after.has(name), `${name} is exported`);
  return after.get(name)! - (before.get(name) ?? 0);
}

/** Sends one request's exact bytes on the socket; resolves with the response's exact bytes. */
function exchange(socket: Socket, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (piece: Buffer) => {
      received = Buffer.concat([received, piece]);
      const headerEnd = received.indexOf(HEADER_END);
      if (headerEnd === -1) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.subarray(0, headerEnd).toString('latin1'))?.[1] ?? 0);
      if (received.byteLength < headerEnd + HEADER_END.length + length) return;
      socket.off('data', onData);
      resolve(received);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

describe('request metrics', () => {
  let server: RunningServer;
  let s3: S3Client;

  before(async () => {
    // One worker: in a cluster each worker counts its own requests, and a scrape shows one worker's.
    ({ server, s3 } = await openSuite(Bucket, { extraArgs: ['--workers', '1'] }));
  });
  after(() => closeSuite(server, s3));

  it('counts requests by surface and status class, with their durations', async () => {
    const first = await scrape(server);
    for (const key of ['a', 'b', 'c']) await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: key }));
    await s3.send(new HeadObjectCommand({ Bucket, Key: 'a' }));
    for (const key of ['missing-1', 'missing-2']) {
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket, Key: key })), { name: 'NoSuchKey' });
    }
    const second = await scrape(server);
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="s3",status_class="2xx"}'), 4);
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="s3",status_class="4xx"}'), 2);
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="s3",status_class="5xx"}'), 0);
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="s3",status_class="3xx"}'), 0);
    // The first scrape is counted once its own response ended: it shows in the second.
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="cairn",status_class="2xx"}'), 1);
    assert.equal(moved(first, second, 'cairn_http_request_duration_seconds_count{surface="s3"}'), 6);
    assert.equal(moved(first, second, 'cairn_http_request_duration_seconds_bucket{surface="s3",le="+Inf"}'), 6);
    assert.ok(moved(first, second, 'cairn_http_request_duration_seconds_sum{surface="s3"}') > 0);
    // Buckets are cumulative: each bound holds at least the one below it.
    const bounds = [...second.keys()].filter((name) => name.startsWith('cairn_http_request_duration_seconds_bucket{surface="s3"'));
    assert.equal(bounds.length, 12);
    for (let index = 1; index < bounds.length; index += 1) assert.ok(second.get(bounds[index]!)! >= second.get(bounds[index - 1]!)!);
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="console",status_class="2xx"}'), 0);
  });

  it('counts the exact bytes on the wire each way, over a kept-alive connection', async () => {
    const url = new URL(server.endpoint);
    const first = await scrape(server);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const requests = [
      `GET /${Bucket}/a HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`,
      `GET /${Bucket}?list-type=2 HTTP/1.1\r\nHost: ${url.host}\r\nX-Padding: ${'p'.repeat(500)}\r\n\r\n`,
      `GET /no-such-bucket-here/key HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`,
    ];
    let responseBytes = 0;
    for (const request of requests) {
      const response = await exchange(socket, request);
      assert.match(response.toString('latin1'), /^HTTP\/1\.1 (403 Forbidden|404 Not Found)\r\n/);
      responseBytes += response.byteLength;
    }
    socket.destroy();
    const second = await scrape(server);
    assert.equal(moved(first, second, 'cairn_http_response_bytes_total{surface="s3"}'), responseBytes);
    assert.equal(moved(first, second, 'cairn_http_request_bytes_total{surface="s3"}'), requests.reduce((sum, request) => sum + Buffer.byteLength(request), 0));
    assert.equal(moved(first, second, 'cairn_http_requests_total{surface="s3",status_class="4xx"}'), 3);
  });

  it('GET /_cairn/admin/layout: a standalone drive has no erasure set; other methods are refused', async () => {
    const layout = await rawRequest(server, { method: 'GET', path: '/_cairn/admin/layout' });
    assert.equal(layout.status, 200);
    assert.deepEqual(JSON.parse(layout.text), { erasureSet: false, drives: [1], storageClasses: [] });
    const posted = await rawRequest(server, { method: 'POST', path: '/_cairn/admin/layout', body: '{}' });
    assert.equal(posted.status, 405);
    assert.deepEqual(JSON.parse(posted.text), { error: { code: 'MethodNotAllowed', message: 'The method is not allowed on this resource.' } });
  });

  it('GET /_cairn/requests: the live request log, each entry once by sequence, paths without their query', async () => {
    interface Entry { sequence: number; surface: string; method: string; path: string; status: number; durationMs: number; requestId?: string }
    const read = async (after: number): Promise<Entry[]> => {
      const response = await rawRequest(server, { method: 'GET', path: '/_cairn/requests', query: { after: String(after) } });
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'application/json');
      return (JSON.parse(response.text) as { requests: Entry[] }).requests;
    };
    const before = await read(0);
    const last = before.length === 0 ? 0 : before[before.length - 1]!.sequence;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'logged.txt', Body: 'x' }));
    const missing = await rawRequest(server, { method: 'GET', path: `/${Bucket}/not-there`, query: { 'x-id': 'GetObject' } });
    assert.equal(missing.status, 404);
    const fresh = (await read(last)).filter((entry) => entry.surface === 's3');
    assert.deepEqual(fresh.map((entry) => [entry.method, entry.path, entry.status]), [['PUT', `/${Bucket}/logged.txt`, 200], ['GET', `/${Bucket}/not-there`, 404]]);
    assert.equal(fresh[1]!.requestId, missing.headers['x-amz-request-id']);
    assert.ok(fresh.every((entry) => entry.sequence > last && entry.durationMs >= 0));
    const bad = await rawRequest(server, { method: 'GET', path: '/_cairn/requests', query: { after: 'yesterday' } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<Code>InvalidArgument<\/Code>/);
  });
});
