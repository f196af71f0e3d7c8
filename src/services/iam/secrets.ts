// Access key secrets at rest. SigV4 verification needs the secret itself (it keys the HMACs), so it
// cannot be hashed: it is sealed with AES-256-GCM under a master key that is generated on first start
// and kept mode 0600 in the data directory, apart from the index. A copy of index.db alone discloses
// no secret. The master key and the secrets never appear in a log line.
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MASTER_KEY_FILE_NAME = 'master.key';
const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed secrets name their format, so a later one (a rotated master key) can be told apart. */
const SEALED_FORMAT = 'v1';
const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 20 characters in all, AWS's access key id length. */
const ACCESS_KEY_RANDOM_CHARS = 18;
const SECRET_KEY_RANDOM_BYTES = 30;

/** The data directory's master key: read, or generated (mode 0600) when there is none. */
export function loadOrCreateMasterKey(dataDirectory: string): Buffer {
  const filePath = join(dataDirectory, MASTER_KEY_FILE_NAME);
  if (existsSync(filePath)) {
    const key = Buffer.from(readFileSync(filePath, 'utf8').trim(), 'base64');
    if (key.byteLength !== MASTER_KEY_BYTES) throw new Error(`${filePath} does not hold a ${MASTER_KEY_BYTES}-byte key`);
    return key;
  }
  const key = randomBytes(MASTER_KEY_BYTES);
  const temporaryPath = `${filePath}.tmp`;
  writeFileSync(temporaryPath, key.toString('base64') + '\n', { mode: 0o600 });
  chmodSync(temporaryPath, 0o600);
  renameSync(temporaryPath, filePath);
  return key;
}

/** "v1.<nonce>.<ciphertext>.<tag>" (base64url); `context` (the access key id) is bound as associated data. */
export function sealSecret(masterKey: Buffer, secret: string, context: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [SEALED_FORMAT, nonce, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The secret, or an error when the sealed text was not made by this master key for this context. */
export function unsealSecret(masterKey: Buffer, sealed: string, context: string): string {
  const [format, nonce, ciphertext, tag] = sealed.split('.');
  if (format !== SEALED_FORMAT || nonce === undefined || ciphertext === undefined || tag === undefined) {
    throw new Error('sealed secret in an unknown format');
  }
  const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(nonce, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

/** An access key id in AWS's shape: 20 upper-case letters and digits, "CA" first. */
export function generateAccessKeyId(): string {
  let id = 'CA';
  for (let index = 0; index < ACCESS_KEY_RANDOM_CHARS; index += 1) id += ACCESS_KEY_ALPHABET[randomInt(ACCESS_KEY_ALPHABET.length)];
  return id;
}

/** 40 characters of base64 (240 random bits), AWS's secret length. */
export function generateSecretAccessKey(): string {
  return randomBytes(SECRET_KEY_RANDOM_BYTES).toString('base64');
}
