// Server-side encryption through the other real clients: boto3 (test/python/boto3_sse.py: SSE-S3,
// SSE-C, copies, multipart through its transfer manager, bucket default) and the aws CLI's
// `--sse AES256`, `--sse aws:kms` and `--sse-c AES256 --sse-c-key`. Each part is skipped when its client is missing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsClientEnvironment, runCommand, type CommandResult } from './helpers/processes.js';
import { REPO_ROOT, startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const COMMAND_TIMEOUT_MS = 120_000;
const SCRIPT = join(REPO_ROOT, 'test', 'python', 'boto3_sse.py');

function run(command: string, args: string[], env: Record<string, string> = awsClientEnvironment()): Promise<CommandResult> {
  return runCommand(command, args, { env, timeoutMs: COMMAND_TIMEOUT_MS });
}

function describeResult(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

const boto3Probe = await run('python3', ['-c', 'import boto3']).catch(() => undefined);
const awsProbe = await run('aws', ['--version']).catch(() => undefined);

describe('encryption through boto3 and the aws CLI', () => {
  let server: RunningServer;
  const workDirectory = temporaryDirectory('sse-clients');

  before(async () => {
    server = await startServer({ extraArgs: ['--insecure-sse-c'] });
  });
  after(async () => server?.dispose());

  it('boto3: SSE-S3, SSE-C, copies, multipart and the bucket default', { skip: boto3Probe?.code === 0 ? false : 'python3 with boto3 is not available' }, async () => {
    const result = await runCommand('python3', [SCRIPT], { env: awsClientEnvironment({ CAIRN_ENDPOINT: server.endpoint }), cwd: REPO_ROOT, timeoutMs: COMMAND_TIMEOUT_MS });
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(result.stdout, 'ok sse_s3\nok sse_c\nok copies\nok multipart\nok bucket_default\n');
  });

  it('aws CLI: cp --sse AES256, --sse aws:kms and --sse-c with --sse-c-key, round trips with the same bytes', { skip: awsProbe?.code === 0 ? false : 'no aws command' }, async () => {
    const aws = (...args: string[]) => run('aws', ['--endpoint-url', server.endpoint, ...args]);
    const source = join(workDirectory, 'source.bin');
    const body = randomBytes(300 * 1024);
    writeFileSync(source, body);
    const made = await aws('s3', 'mb', 's3://cli-sse');
    assert.equal(made.code, 0, describeResult(made));

    const up = await aws('s3', 'cp', source, 's3://cli-sse/sse-s3.bin', '--sse', 'AES256');
    assert.equal(up.code, 0, describeResult(up));
    const head = await aws('s3api', 'head-object', '--bucket', 'cli-sse', '--key', 'sse-s3.bin');
    assert.equal(head.code, 0, describeResult(head));
    assert.equal(JSON.parse(head.stdout).ServerSideEncryption, 'AES256');
    const down = await aws('s3', 'cp', 's3://cli-sse/sse-s3.bin', join(workDirectory, 'sse-s3.out'));
    assert.equal(down.code, 0, describeResult(down));
    assert.ok(readFileSync(join(workDirectory, 'sse-s3.out')).equals(body));

    const upKms = await aws('s3', 'cp', source, 's3://cli-sse/kms.bin', '--sse', 'aws:kms');
    assert.equal(upKms.code, 0, describeResult(upKms));
    const headKms = await aws('s3api', 'head-object', '--bucket', 'cli-sse', '--key', 'kms.bin');
    assert.equal(JSON.parse(headKms.stdout).ServerSideEncryption, 'aws:kms', describeResult(headKms));
    assert.match(JSON.parse(headKms.stdout).SSEKMSKeyId, /^arn:aws:kms:us-east-1:000000000000:key\//);
    const downKms = await aws('s3', 'cp', 's3://cli-sse/kms.bin', join(workDirectory, 'kms.out'));
    assert.equal(downKms.code, 0, describeResult(downKms));
    assert.ok(readFileSync(join(workDirectory, 'kms.out')).equals(body));

    const key = 'k'.repeat(16) + randomBytes(8).toString('hex');
    const upC = await aws('s3', 'cp', source, 's3://cli-sse/sse-c.bin', '--sse-c', 'AES256', '--sse-c-key', key);
    assert.equal(upC.code, 0, describeResult(upC));
    const refused = await aws('s3', 'cp', 's3://cli-sse/sse-c.bin', join(workDirectory, 'refused.out'));
    assert.notEqual(refused.code, 0, 'a download without the key fails');
    assert.match(refused.stderr, /400|Bad Request|InvalidRequest/);
    const downC = await aws('s3', 'cp', 's3://cli-sse/sse-c.bin', join(workDirectory, 'sse-c.out'), '--sse-c', 'AES256', '--sse-c-key', key);
    assert.equal(downC.code, 0, describeResult(downC));
    assert.ok(readFileSync(join(workDirectory, 'sse-c.out')).equals(body));
  });
});
