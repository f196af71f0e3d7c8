// Root credentials: from CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY, or generated on first start and kept
// mode 0600 in the data directory. There is no built-in default password (DESIGN.md §5).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Credentials } from '../frontend/auth/sigv4.js';
import { generateAccessKeyId } from '../services/iam/secrets.js';

export const CREDENTIALS_FILE_NAME = 'credentials.json';
const SECRET_KEY_RANDOM_BYTES = 30;

export interface RootCredentials extends Credentials {
  source: 'environment' | 'generated' | 'stored';
  /** Where generated credentials are kept (undefined when they come from the environment). */
  filePath?: string;
}

export function loadRootCredentials(dataDirectory: string, environment: NodeJS.ProcessEnv): RootCredentials {
  const accessKeyId = environment['CAIRN_ACCESS_KEY'];
  const secretAccessKey = environment['CAIRN_SECRET_KEY'];
  if (accessKeyId !== undefined && secretAccessKey !== undefined && accessKeyId !== '' && secretAccessKey !== '') {
    return { accessKeyId, secretAccessKey, source: 'environment' };
  }
  if ((accessKeyId ?? '') !== '' || (secretAccessKey ?? '') !== '') {
    throw new Error('set both CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY, or neither (to use generated credentials)');
  }
  const filePath = join(dataDirectory, CREDENTIALS_FILE_NAME);
  if (existsSync(filePath)) {
    const stored = JSON.parse(readFileSync(filePath, 'utf8')) as Credentials;
    if (typeof stored.accessKeyId !== 'string' || typeof stored.secretAccessKey !== 'string') {
      throw new Error(`${filePath} does not hold accessKeyId and secretAccessKey`);
    }
    return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey, source: 'stored', filePath };
  }
  const generated = { accessKeyId: generateAccessKeyId(), secretAccessKey: randomBytes(SECRET_KEY_RANDOM_BYTES).toString('base64') };
  const temporaryPath = `${filePath}.tmp`;
  writeFileSync(temporaryPath, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temporaryPath, 0o600);
  renameSync(temporaryPath, filePath);
  return { ...generated, source: 'generated', filePath };
}

/** The environment variable pairs a client command reads credentials from, first pair first. */
const CLIENT_CREDENTIAL_VARIABLES = [['CAIRN_ACCESS_KEY', 'CAIRN_SECRET_KEY'], ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']] as const;

/**
 * Credentials for commands that talk to a running server (admin, sql…): the first complete pair,
 * so a CAIRN_ access key is never signed with an AWS_ secret.
 */
export function clientCredentials(environment: NodeJS.ProcessEnv): Credentials | undefined {
  for (const [accessKeyName, secretKeyName] of CLIENT_CREDENTIAL_VARIABLES) {
    const accessKeyId = environment[accessKeyName];
    const secretAccessKey = environment[secretKeyName];
    if (accessKeyId !== undefined && accessKeyId !== '' && secretAccessKey !== undefined && secretAccessKey !== '') return { accessKeyId, secretAccessKey };
  }
  return undefined;
}
