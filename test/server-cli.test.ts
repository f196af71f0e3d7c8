// The `cairn` command: generated root credentials, addresses (IPv6 too), health, graceful shutdown,
// virtual-hosted-style requests.
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { rawRequest, sdkClient, sendRaw, signer } from './helpers/clients.js';
import { eventually } from './helpers/eventually.js';
import { CAIRN_BIN, REPO_ROOT, startServer, temporaryDirectory, TEST_REGION } from './helpers/server.js';

const execFileAsync = promisify(execFile);
const STDERR_DRAIN_DEADLINE_MS = 10_000;

describe('cairn server', () => {
  it('generates root credentials on first start, stores them 0600, prints the secret only once', async () => {
    const dataDirectory = temporaryDirectory('credentials');
    const noCredentials = { CAIRN_ACCESS_KEY: undefined, CAIRN_SECRET_KEY: undefined };
    try {
      const first = await startServer({ dataDirectory, env: noCredentials });
      const stored = JSON.parse(readFileSync(join(dataDirectory, 'credentials.json'), 'utf8'));
      assert.equal(statSync(join(dataDirectory, 'credentials.json')).mode & 0o777, 0o600);
      assert.match(stored.accessKeyId, /^[A-Z2-7]{20}$/);
      assert.ok(stored.secretAccessKey.length >= 40);
      assert.match(first.stdout(), new RegExp(`access key\\s+${stored.accessKeyId}`));
      assert.ok(first.stdout().includes(stored.secretAccessKey), 'the generated secret is printed on first start');
      assert.match(first.stdout(), /region\s+us-east-1/);
      const s3 = new S3Client({ endpoint: first.endpoint, region: TEST_REGION, credentials: { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey } });
      await s3.send(new CreateBucketCommand({ Bucket: 'generated-creds' }));
      s3.destroy();
      assert.equal(await first.stop(), 0);

      const second = await startServer({ dataDirectory, env: noCredentials });
      assert.ok(!second.stdout().includes(stored.secretAccessKey), 'the secret is not printed again');
      assert.match(second.stdout(), new RegExp(`access key\\s+${stored.accessKeyId}`));
      const again = new S3Client({ endpoint: second.endpoint, region: TEST_REGION, credentials: { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey } });
      const listed = await again.send(new ListBucketsCommand({}));
      assert.deepEqual(listed.Buckets?.map((bucket) => bucket.Name), ['generated-creds']);
      again.destroy();
      await second.stop();
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });

  it('serves on an IPv6 address', async () => {
    const server = await startServer({ address: '[::1]:0' });
    try {
      assert.match(server.endpoint, /^http:\/\/\[::1\]:\d+$/);
      const s3 = sdkClient(server);
      await s3.send(new CreateBucketCommand({ Bucket: 'over-ipv6' }));
      await s3.send(new PutObjectCommand({ Bucket: 'over-ipv6', Key: 'k', Body: 'v6' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'over-ipv6', Key: 'k' }));
      assert.equal(await got.Body!.transformToString(), 'v6');
      s3.destroy();
    } finally {
      await server.dispose();
    }
  });

  it('answers GET /_cairn/health with 200 and no credentials', async () => {
    const server = await startServer();
    try {
      const response = await sendRaw(server, 'GET', '/_cairn/health', {}, undefined);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.text), { status: 'ok' });
    } finally {
      await server.dispose();
    }
  });

  it('on SIGTERM finishes an in-flight upload, exits 0, and the object survives', async () => {
    const server = await startServer();
    const dataDirectory = server.dataDirectory;
    try {
      assert.equal((await rawRequest(server, { method: 'PUT', path: '/graceful' })).status, 200);
      const body = Buffer.alloc(256 * 1024, 7);
      const signed = await signer.sign({
        method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: '/graceful/slow', query: {},
        headers: { host: `127.0.0.1:${server.port}`, 'content-length': String(body.byteLength), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      const status = new Promise<number>((resolve, reject) => {
        // Expect: 100-continue (not signed): the server answers 100 only once it counts the request
        // in flight, so the SIGTERM below always meets an upload in progress, however slow the machine.
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'PUT', path: '/graceful/slow', headers: { ...signed.headers, expect: '100-continue' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        // Half the body, SIGTERM, the other half later: the upload is in flight at the signal.
        req.once('continue', () => {
          req.write(body.subarray(0, body.byteLength / 2));
          setTimeout(() => {
            server.process.kill('SIGTERM');
            setTimeout(() => req.end(body.subarray(body.byteLength / 2)), 300);
          }, 200);
        });
        req.flushHeaders();
      });
      assert.equal(await status, 200);
      assert.equal(await server.exited, 0);
      // 'exit' can come before the last of the server's stderr has been read from its pipe.
      await eventually('the stopped-cleanly line', async () => (/stopped cleanly/.test(server.stderr()) ? true : undefined), STDERR_DRAIN_DEADLINE_MS);
      const restarted = await startServer({ dataDirectory });
      const got = await rawRequest(restarted, { method: 'GET', path: '/graceful/slow' });
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(body));
      await restarted.dispose();
    } finally {
      await server.kill();
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });

  it('accepts virtual-hosted-style requests (<bucket>.localhost)', async () => {
    const server = await startServer();
    try {
      const s3 = sdkClient(server);
      await s3.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
      s3.destroy();
      const host = `vhost-bucket.localhost:${server.port}`;
      const vhostSigner = new SignatureV4({ credentials: (signer as any).credentialProvider, region: TEST_REGION, service: 's3', sha256: (signer as any).sha256, uriEscapePath: false, applyChecksum: false });
      const sign = (method: string, path: string, query: Record<string, string>, body: string) => vhostSigner.sign({
        method, protocol: 'http:', hostname: 'vhost-bucket.localhost', port: server.port, path, query,
        headers: { host, 'content-length': String(Buffer.byteLength(body)), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      const put = await sign('PUT', '/dir/file.txt', {}, 'virtual');
      assert.equal((await sendRaw(server, 'PUT', '/dir/file.txt', put.headers as Record<string, string>, Buffer.from('virtual'))).status, 200);
      const get = await sign('GET', '/dir/file.txt', {}, '');
      const fetched = await sendRaw(server, 'GET', '/dir/file.txt', get.headers as Record<string, string>, undefined);
      assert.equal(fetched.status, 200);
      assert.equal(fetched.text, 'virtual');
      // In virtual-hosted style /_cairn/… is an ordinary key of the bucket, not the server's own space.
      const reserved = await sign('PUT', '/_cairn/health', {}, 'a key');
      assert.equal((await sendRaw(server, 'PUT', '/_cairn/health', reserved.headers as Record<string, string>, Buffer.from('a key'))).status, 200);
      const reservedGet = await sign('GET', '/_cairn/health', {}, '');
      assert.equal((await sendRaw(server, 'GET', '/_cairn/health', reservedGet.headers as Record<string, string>, undefined)).text, 'a key');
      const list = await sign('GET', '/', { 'list-type': '2' }, '');
      const listed = await sendRaw(server, 'GET', '/?list-type=2', list.headers as Record<string, string>, undefined);
      assert.match(listed.text, /<Name>vhost-bucket<\/Name>/);
      assert.match(listed.text, /<Key>dir\/file.txt<\/Key>/);
    } finally {
      await server.dispose();
    }
  });

  it('--workers 2 serves from two processes sharing the index and drive, and replaces a killed worker', { timeout: 180_000 }, async () => {
    const server = await startServer({ extraArgs: ['--workers', '2'] });
    const workerPids = async () => {
      const { stdout } = await execFileAsync('ps', ['-o', 'pid=', '--ppid', String(server.process.pid)]);
      return stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '').map(Number);
    };
    try {
      assert.match(server.stdout(), /workers\s+2/);
      assert.equal((await workerPids()).length, 2);
      // Each request on a fresh connection (none pooled: a pooled one to the killed worker would
      // fail the way any client's does when a server process dies): the kernel spreads them over both workers, and every
      // write made through one must be read back, whole, through either.
      const agentless = (method: string, key: string, body?: string) =>
        rawRequest(server, { method, path: `/shared/${key}`, body, headers: { connection: 'close' } });
      assert.equal((await rawRequest(server, { method: 'PUT', path: '/shared', headers: { connection: 'close' } })).status, 200);
      for (let round = 0; round < 40; round += 1) {
        assert.equal((await agentless('PUT', `k${round}`, `value ${round}`)).status, 200);
        const fetched = await agentless('GET', `k${round}`);
        assert.equal(fetched.text, `value ${round}`);
      }
      const [victim] = await workerPids();
      process.kill(victim!, 'SIGKILL');
      const deadlineMs = Date.now() + 10_000;
      while (Date.now() < deadlineMs) {
        const pids = await workerPids();
        if (pids.length === 2 && !pids.includes(victim!)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const replaced = await workerPids();
      assert.equal(replaced.length, 2);
      assert.ok(!replaced.includes(victim!));
      assert.match(server.stderr(), /starting a replacement/);
      for (let round = 0; round < 40; round += 1) assert.equal((await agentless('GET', `k${round}`)).text, `value ${round}`);
      server.process.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    } finally {
      await server.dispose();
    }
  });

  it('refuses a bad --address and an unknown command with a clear message', async () => {
    await assert.rejects(execFileAsync(process.execPath, [CAIRN_BIN, 'server', '--address', 'nonsense'], { cwd: REPO_ROOT }), (error: any) => {
      assert.match(error.stderr, /--address nonsense: expected HOST:PORT/);
      return true;
    });
    await assert.rejects(execFileAsync(process.execPath, [CAIRN_BIN, 'frobnicate'], { cwd: REPO_ROOT }), (error: any) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /unknown command 'frobnicate'/);
      return true;
    });
    const help = await execFileAsync(process.execPath, [CAIRN_BIN, 'help'], { cwd: REPO_ROOT });
    assert.match(help.stdout, /server \[--address HOST:PORT\]/);
    assert.ok(existsSync(CAIRN_BIN));
  });
});
