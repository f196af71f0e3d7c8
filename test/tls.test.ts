// Serving TLS (issue #13): a CA made here with openssl; the JavaScript SDK with a custom https agent,
// the aws CLI with --ca-bundle and boto3 with verify=; plain HTTP on a second port beside it;
// aws:SecureTransport; TLS 1.2 and 1.3 only; a certificate swapped while serving; --workers mode.
// Skipped when openssl is not installed.
import { CreateBucketCommand, DeletePublicAccessBlockCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { Agent, get as httpsGet } from 'node:https';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { awsClientEnvironment, runCommand } from './helpers/processes.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';
import { createTestCa, opensslAvailable, type TestCa } from './helpers/tls-ca.js';

const BUCKET = 'secure';
const COMMAND_TIMEOUT_MS = 120_000;
const SWAP_WAIT_MS_MAX = 10_000;

function endpoints(server: RunningServer): { https: string; http: string } {
  const found = [...server.stdout().matchAll(/endpoint\s+(https?:\/\/\S+)/g)].map((match) => match[1]!);
  return { https: found.find((url) => url.startsWith('https:'))!, http: found.find((url) => url.startsWith('http:'))! };
}

function tlsClient(endpoint: string, ca: Buffer): S3Client {
  return new S3Client({
    endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }),
  });
}

/** The certificate a fresh TLS connection is shown, and the protocol and ALPN it negotiated. */
function handshake(port: number, ca: Buffer, options: { minVersion?: 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<{ certificate: PeerCertificate; protocol: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2', 'http/1.1'], ...options }, () => {
      resolve({ certificate: socket.getPeerCertificate(), protocol: socket.getProtocol() ?? '', alpn: socket.alpnProtocol ?? false });
      socket.end();
    });
    socket.once('error', reject);
  });
}

function statusOf(url: string, ca?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsGet(url, { ca }, onResponse) : httpGet(url, onResponse);
    function onResponse(res: IncomingMessage) {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }
    request.on('error', reject);
  });
}

describe('TLS', { skip: opensslAvailable ? false : 'openssl is not installed' }, () => {
  let ca: TestCa;
  let caPem: Buffer;
  let certificatePath: string;
  let keyPath: string;
  let firstSerial: string;
  let server: RunningServer;
  let urls: { https: string; http: string };
  let s3: S3Client;

  before(async () => {
    ca = createTestCa(temporaryDirectory('tls'));
    caPem = readFileSync(ca.caPath);
    const first = ca.issue('first');
    firstSerial = first.serialHex;
    // The server reads these paths; the swap test replaces their contents.
    certificatePath = join(ca.directory, 'served.pem');
    keyPath = join(ca.directory, 'served.key');
    copyFileSync(first.certificatePath, certificatePath);
    copyFileSync(first.keyPath, keyPath);
    server = await startServer({
      extraArgs: ['--tls-cert', certificatePath, '--tls-key', keyPath, '--address', '127.0.0.1:0', '--address', 'http://127.0.0.1:0', '--workers', '1'],
    });
    urls = endpoints(server);
    s3 = tlsClient(urls.https, caPem);
  });
  after(async () => {
    s3?.destroy();
    await server?.dispose();
    if (ca !== undefined) rmSync(ca.directory, { recursive: true, force: true });
  });

  it('serves the JavaScript SDK over TLS (custom agent) and plain HTTP on the second port', async () => {
    assert.match(urls.https, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(urls.http, /^http:\/\/127\.0\.0\.1:\d+$/);
    const { status } = await fetch(`${urls.http}/_cairn/health`);
    assert.equal(status, 200);
    const plain = new S3Client({ endpoint: urls.http, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'over-tls', Body: 'sealed bytes' }));
    const readPlain = await plain.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'over-tls' }));
    assert.equal(await readPlain.Body!.transformToString(), 'sealed bytes');
    const readTls = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'over-tls' }));
    assert.equal(await readTls.Body!.transformToString(), 'sealed bytes');
    plain.destroy();
  });

  it('offers TLS 1.2 and 1.3 with HTTP/1.1 by ALPN, sends the chain, and refuses TLS 1.1', async () => {
    const v13 = await handshake(server.port, caPem);
    assert.equal(v13.protocol, 'TLSv1.3');
    assert.equal(v13.alpn, 'http/1.1');
    assert.equal(parseInt(v13.certificate.serialNumber, 16), parseInt(firstSerial, 16));
    const v12 = await handshake(server.port, caPem, { maxVersion: 'TLSv1.2' });
    assert.equal(v12.protocol, 'TLSv1.2');
    // The client side allows TLS 1.0/1.1 (security level 0), so the refusal is the server's.
    const old = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: caPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
        socket.end();
        resolve('connected');
      });
      socket.once('error', (error) => resolve(error.message));
    });
    assert.match(old, /protocol version|unsupported protocol/i);
  });

  it('the aws CLI with --ca-bundle and boto3 with verify= work over TLS', async () => {
    const env = awsClientEnvironment();
    const put = await runCommand('aws', ['--endpoint-url', urls.https, '--ca-bundle', ca.caPath, 's3api', 'put-object', '--bucket', BUCKET, '--key', 'from-cli', '--body', ca.caPath],
      { env, timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(put.code, 0, put.stderr);
    const untrusted = await runCommand('aws', ['--endpoint-url', urls.https, 's3api', 'head-object', '--bucket', BUCKET, '--key', 'from-cli'], { env, timeoutMs: COMMAND_TIMEOUT_MS });
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /SSL|certificate/i);
    const script = [
      'import boto3, sys',
      `s3 = boto3.client("s3", endpoint_url=${JSON.stringify(urls.https)}, verify=${JSON.stringify(ca.caPath)})`,
      `s3.put_object(Bucket="${BUCKET}", Key="from-boto3", Body=b"boto3 over tls")`,
      `print(s3.get_object(Bucket="${BUCKET}", Key="from-cli")["Body"].read() == open(${JSON.stringify(ca.caPath)}, "rb").read())`,
      `print(s3.get_object(Bucket="${BUCKET}", Key="from-boto3")["Body"].read().decode())`,
    ].join('\n');
    const boto = await runCommand('python3', ['-c', script], { env, timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(boto.code, 0, boto.stderr);
    assert.equal(boto.stdout, 'True\nboto3 over tls\n');
  });

  it('aws:SecureTransport is true over TLS and false over plain HTTP', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'public', Body: 'only over tls' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }],
      }),
    }));
    assert.equal(await statusOf(`${urls.https}/${BUCKET}/public`, caPem), 200);
    assert.equal(await statusOf(`${urls.http}/${BUCKET}/public`), 403);
  });

  it('serves a renewed certificate to new connections without a restart', async () => {
    const second = ca.issue('second');
    const pid = server.process.pid;
    // Installed as ACME clients do: each file replaced by a rename.
    copyFileSync(second.keyPath, `${keyPath}.new`);
    copyFileSync(second.certificatePath, `${certificatePath}.new`);
    renameSync(`${keyPath}.new`, keyPath);
    renameSync(`${certificatePath}.new`, certificatePath);
    const deadline = Date.now() + SWAP_WAIT_MS_MAX;
    let seen = firstSerial;
    while (Date.now() < deadline) {
      seen = (await handshake(server.port, caPem)).certificate.serialNumber;
      if (parseInt(seen, 16) === parseInt(second.serialHex, 16)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(parseInt(seen, 16), parseInt(second.serialHex, 16));
    assert.equal(server.process.pid, pid);
    assert.equal(server.process.exitCode, null);
    const read = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'over-tls' }));
    assert.equal(await read.Body!.transformToString(), 'sealed bytes');
    assert.match(server.stderr(), /TLS certificate reloaded/);
  });

  it('serves TLS and plain HTTP from every worker in --workers mode', async () => {
    const both = await startServer({
      extraArgs: ['--tls-cert', certificatePath, '--tls-key', keyPath, '--address', '127.0.0.1:0', '--address', 'http://127.0.0.1:0', '--workers', '2'],
    });
    try {
      const addresses = endpoints(both);
      const client = tlsClient(addresses.https, caPem);
      await client.send(new CreateBucketCommand({ Bucket: 'workers' }));
      for (let index = 0; index < 6; index += 1) {
        await client.send(new PutObjectCommand({ Bucket: 'workers', Key: `k${index}`, Body: `v${index}` }));
        assert.equal(await statusOf(`${addresses.http}/_cairn/health`), 200);
      }
      const read = await client.send(new GetObjectCommand({ Bucket: 'workers', Key: 'k5' }));
      assert.equal(await read.Body!.transformToString(), 'v5');
      client.destroy();
    } finally {
      await both.dispose();
    }
  });
});
