// Users for tests, made the way an operator makes them: through the real `cairn admin` command
// against the running server; and clients that sign as a user, or send no credentials at all.
import { S3Client } from '@aws-sdk/client-s3';
import { NoAuthSigner } from '@smithy/core';
import { SignatureV4 } from '@smithy/signature-v4';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NodeSha256 } from './clients.js';
import { CAIRN_BIN, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './server.js';

const execFileAsync = promisify(execFile);

export interface UserKeys {
  user: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cairn admin <args> --endpoint <server>` with the root credentials in the environment. */
export async function cairnAdmin(server: RunningServer, args: string[], input?: string): Promise<CommandResult> {
  const env = { ...process.env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY };
  const child = execFileAsync(process.execPath, [CAIRN_BIN, 'admin', ...args, '--endpoint', server.endpoint], { env });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** `cairn admin user add NAME --json`: the new user's keys. */
export async function createUser(server: RunningServer, name: string): Promise<UserKeys> {
  const result = await cairnAdmin(server, ['user', 'add', name, '--json']);
  if (result.code !== 0) throw new Error(`cairn admin user add ${name} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as UserKeys;
}

/** An SDK client (default settings) signing with a user's keys. */
export function userClient(server: RunningServer, keys: UserKeys): S3Client {
  return new S3Client({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } });
}

/** An SDK client that sends no credentials at all (anonymous requests): the SDK's own no-auth scheme. */
export function anonymousClient(server: RunningServer): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: TEST_REGION,
    httpAuthSchemes: [{ schemeId: 'smithy.api#noAuth', identityProvider: () => async () => ({}), signer: new NoAuthSigner() }],
    httpAuthSchemeProvider: () => [{ schemeId: 'smithy.api#noAuth' }],
  });
}

/** A raw-request signer (for rawRequest's signerOverride) with a user's keys. */
export function userSigner(keys: UserKeys): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    region: TEST_REGION, service: 's3', sha256: NodeSha256 as never, uriEscapePath: false, applyChecksum: false,
  });
}
