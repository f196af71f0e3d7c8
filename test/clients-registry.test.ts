// The CNCF container registry (Debian's docker-registry, distribution 2.x) with its S3 storage driver
// and default settings — only keys, region, endpoint and bucket configured — storing images in a
// real Cairn server, pushed to and pulled from with skopeo. The image is an OCI layout written here
// (test/helpers/oci-layout.ts); the pull follows the registry's redirects to presigned Cairn URLs.
// Skipped, with the reason, when docker-registry or skopeo is missing.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { choosePort } from '../src/cli/listen-address.js';
import { readBlobs, writeOciLayout } from './helpers/oci-layout.js';
import { awsClientEnvironment, runCommand, type CommandResult } from './helpers/processes.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, temporaryDirectory, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const COMMAND_TIMEOUT_MS = 180_000;
const REGISTRY_READY_TIMEOUT_MS = 30_000;
const READY_POLL_INTERVAL_MS = 100;
const Bucket = 'registry-storage';
/** Above the S3 driver's default 10 MiB chunk size, so the layer goes up as a multipart upload. */
const LAYER_FILE_SIZE_BYTES = 12 * 1024 * 1024 + 3;

const skopeoVersion = await runCommand('skopeo', ['--version'], { timeoutMs: COMMAND_TIMEOUT_MS }).then(
  (result) => (result.code === 0 ? result.stdout.trim() : undefined),
  () => undefined,
);
const skipReason = !existsSync(REGISTRY_BIN) ? 'no /usr/bin/docker-registry (Debian package docker-registry)'
  : skopeoVersion === undefined ? 'no `skopeo` command on the PATH (Debian package skopeo)' : false;

/** The registry's configuration: the S3 driver with nothing set but what it requires. */
function registryConfig(server: RunningServer, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  s3:',
    `    accesskey: ${TEST_ACCESS_KEY}`,
    `    secretkey: ${TEST_SECRET_KEY}`,
    `    region: ${TEST_REGION}`,
    `    regionendpoint: ${server.endpoint}`,
    `    bucket: ${Bucket}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

async function waitForRegistry(port: number, registry: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + REGISTRY_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    assert.equal(registry.exitCode, null, `docker-registry exited:\n${log()}`);
    const answer = await fetch(`http://127.0.0.1:${port}/v2/`).then((response) => response.status, () => undefined);
    if (answer === 200) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, READY_POLL_INTERVAL_MS));
  }
  assert.fail(`docker-registry did not answer within ${REGISTRY_READY_TIMEOUT_MS} ms:\n${log()}`);
}

function describeResult(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

describe('the CNCF registry on Cairn, pushed to with skopeo', { skip: skipReason }, () => {
  let server: RunningServer;
  let s3: S3Client;
  let registry: ChildProcess;
  let registryLog = '';
  let registryPort: number;
  let work: string;

  async function skopeo(args: string[]): Promise<void> {
    const result = await runCommand('skopeo', args, { env: awsClientEnvironment(), cwd: work, timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(result.code, 0, `skopeo ${args.join(' ')}: ${describeResult(result)}\n--- registry log\n${registryLog}`);
  }

  before(async () => {
    ({ server, s3 } = await openSuite(Bucket));
    work = temporaryDirectory('registry');
    registryPort = await choosePort('127.0.0.1');
    const configPath = join(work, 'config.yml');
    writeFileSync(configPath, registryConfig(server, registryPort));
    registry = spawn(REGISTRY_BIN, ['serve', configPath], { env: awsClientEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    registry.stdout!.on('data', (chunk) => { registryLog += chunk; });
    registry.stderr!.on('data', (chunk) => { registryLog += chunk; });
    await waitForRegistry(registryPort, registry, () => registryLog);
  });
  after(async () => {
    if (registry !== undefined && registry.exitCode === null) {
      const exited = new Promise((resolveExit) => registry.once('exit', resolveExit));
      registry.kill('SIGTERM');
      await exited;
    }
    await closeSuite(server, s3);
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('push an OCI image, pull it back: every blob and the manifest byte for byte', async () => {
    const pushed = join(work, 'pushed');
    const pulled = join(work, 'pulled');
    const { manifestDigest } = writeOciLayout(pushed, 'v1', [
      { name: 'hello.txt', content: Buffer.from('hello from a registry on Cairn\n') },
      { name: 'random.bin', content: randomBytes(LAYER_FILE_SIZE_BYTES) },
    ]);
    const reference = `127.0.0.1:${registryPort}/cairn/demo:v1`;
    await skopeo(['copy', `oci:${pushed}:v1`, `docker://${reference}`, '--dest-tls-verify=false']);
    // The registry keeps its blobs and tag links under docker/registry/v2/ in the bucket.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'docker/registry/v2/' }));
    const keys = (listed.Contents ?? []).map((object) => object.Key!);
    for (const digestHex of readBlobs(pushed).keys()) {
      assert.ok(keys.includes(`docker/registry/v2/blobs/sha256/${digestHex.slice(0, 2)}/${digestHex}/data`), `blob ${digestHex} stored`);
    }
    assert.ok(keys.includes('docker/registry/v2/repositories/cairn/demo/_manifests/tags/v1/current/link'));
    await skopeo(['copy', `docker://${reference}`, `oci:${pulled}:v1`, '--src-tls-verify=false']);
    assert.deepEqual(readBlobs(pulled), readBlobs(pushed));
    const index = JSON.parse(readFileSync(join(pulled, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]?.digest, manifestDigest);
  });
});
