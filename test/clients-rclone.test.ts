// The real `rclone` (Debian's package) with its default S3 settings — provider Other, path-style
// requests, only the endpoint and keys configured — against a real Cairn server: `sync` up, `check`,
// changes and deletions mirrored, server-side copy and move, a streamed (multipart) upload, and every
// object compared byte for byte. rclone sends `x-amz-acl: private` on every write, which Cairn accepts
// as a no-op (README, "Public access"). Skipped when no `rclone` command is on the PATH.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsClientEnvironment, runCommand, type CommandResult } from './helpers/processes.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY, temporaryDirectory, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const COMMAND_TIMEOUT_MS = 120_000;
const REMOTE = 'cairn';
const Bucket = 'rclone-sync';
/** Above rclone's streaming cutoff (100 KiB), so `rcat` uploads it as a multipart upload of 5 MiB parts. */
const STREAMED_SIZE_BYTES = 11 * 1024 * 1024 + 17;

const rcloneVersion = await runCommand('rclone', ['version'], { timeoutMs: COMMAND_TIMEOUT_MS }).then(
  (result) => (result.code === 0 ? result.stdout.split('\n')[0] : undefined),
  () => undefined,
);

/** rclone configured by environment alone: its defaults but for the endpoint and the keys. */
function rcloneEnvironment(server: RunningServer): Record<string, string> {
  const prefix = `RCLONE_CONFIG_${REMOTE.toUpperCase()}_`;
  return awsClientEnvironment({
    RCLONE_CONFIG: '/dev/null',
    [`${prefix}TYPE`]: 's3',
    [`${prefix}PROVIDER`]: 'Other',
    [`${prefix}ACCESS_KEY_ID`]: TEST_ACCESS_KEY,
    [`${prefix}SECRET_ACCESS_KEY`]: TEST_SECRET_KEY,
    [`${prefix}ENDPOINT`]: server.endpoint,
  });
}

function describeResult(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Every file under `root`, as "relative/path" → bytes. */
function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return files;
}

describe('rclone against Cairn', { skip: rcloneVersion === undefined ? 'no `rclone` command on the PATH (Debian package rclone)' : false }, () => {
  let server: RunningServer;
  let s3: S3Client;
  let work: string;
  let source: string;

  async function rclone(args: string[], input?: Buffer): Promise<CommandResult> {
    const result = await runCommand('rclone', args, { env: rcloneEnvironment(server), input, timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(result.code, 0, `rclone ${args.join(' ')}: ${describeResult(result)}`);
    return result;
  }

  /** The bucket's objects as key → bytes, read with the SDK. */
  async function bucketContents(): Promise<Map<string, Buffer>> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    const contents = new Map<string, Buffer>();
    for (const { Key } of listed.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
      contents.set(Key!, Buffer.from(await object.Body!.transformToByteArray()));
    }
    return contents;
  }

  function writeSource(path: string, content: Buffer | string): void {
    mkdirSync(join(source, path, '..'), { recursive: true });
    writeFileSync(join(source, path), content);
  }

  before(async () => {
    ({ server, s3 } = await openSuite());
    work = temporaryDirectory('rclone');
    source = join(work, 'source');
    writeSource('hello.txt', 'hello rclone\n');
    writeSource('empty', '');
    writeSource('nested dir/ünïcødé name.txt', 'unicode\n');
    writeSource('nested dir/deeper/random.bin', randomBytes(3 * 1024 * 1024 + 5));
  });
  after(async () => {
    await closeSuite(server, s3);
    rmSync(work, { recursive: true, force: true });
  });

  it('mkdir, sync and check: the bucket holds the tree byte for byte', async () => {
    await rclone(['mkdir', `${REMOTE}:${Bucket}`]);
    await rclone(['sync', source, `${REMOTE}:${Bucket}`]);
    const check = await rclone(['check', source, `${REMOTE}:${Bucket}`]);
    assert.match(check.stderr, /0 differences found/);
    assert.match(check.stderr, /4 matching files/);
    assert.deepEqual(await bucketContents(), readTree(source));
  });

  it('a second sync mirrors changes and deletions, and check agrees', async () => {
    writeSource('hello.txt', 'hello again, longer now\n');
    rmSync(join(source, 'empty'));
    writeSource('added/new.txt', 'new file\n');
    await rclone(['sync', source, `${REMOTE}:${Bucket}`]);
    const check = await rclone(['check', source, `${REMOTE}:${Bucket}`]);
    assert.match(check.stderr, /0 differences found/);
    assert.deepEqual(await bucketContents(), readTree(source));
    // And back down: a sync from Cairn to an empty directory reproduces the tree.
    const copy = join(work, 'copy');
    await rclone(['sync', `${REMOTE}:${Bucket}`, copy]);
    assert.deepEqual(readTree(copy), readTree(source));
  });

  it('server-side copy and move, a streamed multipart upload, and purge', async () => {
    await rclone(['copyto', `${REMOTE}:${Bucket}/hello.txt`, `${REMOTE}:${Bucket}/copies/hello.txt`]);
    await rclone(['moveto', `${REMOTE}:${Bucket}/added/new.txt`, `${REMOTE}:${Bucket}/moved.txt`]);
    const streamed = randomBytes(STREAMED_SIZE_BYTES);
    await rclone(['rcat', `${REMOTE}:${Bucket}/streamed.bin`], streamed);
    const contents = await bucketContents();
    assert.deepEqual(contents.get('copies/hello.txt'), readFileSync(join(source, 'hello.txt')));
    assert.deepEqual(contents.get('moved.txt'), Buffer.from('new file\n'));
    assert.equal(contents.has('added/new.txt'), false);
    assert.ok(contents.get('streamed.bin')?.equals(streamed), 'the streamed upload reads back byte for byte');
    assert.match((await rclone(['lsl', `${REMOTE}:${Bucket}/streamed.bin`])).stdout, new RegExp(`^\\s*${STREAMED_SIZE_BYTES} .* streamed\\.bin\\n$`));
    await rclone(['purge', `${REMOTE}:${Bucket}`]);
    const listed = await rclone(['lsd', `${REMOTE}:`]);
    assert.doesNotMatch(listed.stdout, new RegExp(Bucket));
  });
});
