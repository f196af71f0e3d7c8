// The master keys that wrap objects' data keys (SSE-S3, and the built-in key service's keys). They
// live outside the index: in `<data>/keys/master.key` (mode 0600, made on first start) or in the
// environment (CAIRN_MASTER_KEY). Every wrapped key names the master key that wrapped it, so rotating
// adds a key and makes it current without rewriting any data: older wrapped keys still open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MASTER_KEY_ENVIRONMENT_VARIABLE = 'CAIRN_MASTER_KEY';
export const KEYS_DIRECTORY_NAME = 'keys';
export const MASTER_KEYRING_FILE_NAME = 'master.key';
const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** How often a process looks whether another (the CLI, a sibling worker) rotated the file. */
const KEYRING_RECHECK_INTERVAL_MS = 1000;
/** Bound on keys kept: rotation every day for decades fits; a runaway loop does not. */
const MASTER_KEYS_MAX = 10_000;

/** A data key sealed by one master key; `context` (the key's purpose) was bound as associated data. */
export interface WrappedKey {
  masterKeyId: string;
  /** base64: nonce ‖ ciphertext ‖ tag. */
  sealedBase64: string;
}

interface KeyringFile {
  current: string;
  keys: Array<{ id: string; keyBase64: string; createdMs: number }>;
}

export class MasterKeyUnavailableError extends Error {}

function keyIdOf(key: Buffer): string {
  return `mk-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

function parseKey(base64: string, where: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.byteLength !== MASTER_KEY_BYTES) throw new Error(`${where} does not hold a ${MASTER_KEY_BYTES}-byte base64 key`);
  return key;
}

function writePrivateFile(filePath: string, text: string, replace = true): void {
  const temporaryPath = replace ? `${filePath}.tmp` : filePath;
  const descriptor = openSync(temporaryPath, 'w', 0o600);
  try {
    writeSync(descriptor, text);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  chmodSync(temporaryPath, 0o600);
  if (replace) renameSync(temporaryPath, filePath);
}

/** Creates `filePath` only if no other process made it first (link fails then): one keyring, never two. */
function createExclusively(filePath: string, text: string): void {
  const temporaryPath = `${filePath}.${process.pid}.new`;
  writePrivateFile(temporaryPath, text, false);
  try {
    linkSync(temporaryPath, filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporaryPath, { force: true });
  }
}

function newKeyEntry(): KeyringFile['keys'][number] {
  const key = randomBytes(MASTER_KEY_BYTES);
  return { id: keyIdOf(key), keyBase64: key.toString('base64'), createdMs: Date.now() };
}

export class MasterKeyring {
  private keys = new Map<string, Buffer>();
  private currentId = '';
  private checkedAtMs = 0;
  private fileModifiedMs = -1;

  private constructor(private readonly filePath: string | undefined, environmentKeys: string | undefined) {
    if (environmentKeys !== undefined) {
      // A comma-separated list, the current key first; older keys stay listed to open older objects.
      for (const text of environmentKeys.split(',').filter((part) => part.trim() !== '')) {
        const key = parseKey(text, MASTER_KEY_ENVIRONMENT_VARIABLE);
        this.keys.set(keyIdOf(key), key);
        if (this.currentId === '') this.currentId = keyIdOf(key);
      }
      if (this.currentId === '') throw new Error(`${MASTER_KEY_ENVIRONMENT_VARIABLE} is set but names no key`);
    } else {
      this.reload();
    }
  }

  /** The environment's keys when CAIRN_MASTER_KEY is set, else the data directory's file (made when absent). */
  static open(dataDirectory: string, environment: NodeJS.ProcessEnv): MasterKeyring {
    const fromEnvironment = environment[MASTER_KEY_ENVIRONMENT_VARIABLE];
    if (fromEnvironment !== undefined) return new MasterKeyring(undefined, fromEnvironment);
    const directory = join(dataDirectory, KEYS_DIRECTORY_NAME);
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const filePath = join(directory, MASTER_KEYRING_FILE_NAME);
    if (!existsSync(filePath)) {
      const first = newKeyEntry();
      createExclusively(filePath, JSON.stringify({ current: first.id, keys: [first] } satisfies KeyringFile) + '\n');
    }

    return new MasterKeyring(filePath, undefined);
  }

  /** Adds a new master key to the file and makes it current; returns its id. Nothing is rewritten. */
  static rotate(dataDirectory: string): { previous: string; current: string; count: number } {
    const ring = MasterKeyring.open(dataDirectory, {});
    const file = ring.readFile();
    if (file.keys.length >= MASTER_KEYS_MAX) throw new Error(`the keyring already holds ${MASTER_KEYS_MAX} master keys`);
    const next = newKeyEntry();
    writePrivateFile(ring.filePath!, JSON.stringify({ current: next.id, keys: [...file.keys, next] } satisfies KeyringFile) + '\n');
    return { previous: file.current, current: next.id, count: file.keys.length + 1 };
  }

  get currentKeyId(): string {
    this.recheck();
    return this.currentId;
  }

  /** Seals `dataKey` under the current master key. */
  wrap(dataKey: Buffer, context: string): WrappedKey {
    this.recheck();
    const masterKey = this.keys.get(this.currentId)!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', masterKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${this.currentId}:${context}`, 'utf8'));
    const sealed = Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return { masterKeyId: this.currentId, sealedBase64: sealed.toString('base64') };
  }

  /** The data key; MasterKeyUnavailableError when its master key is not in this ring. */
  unwrap(wrapped: WrappedKey, context: string): Buffer {
    if (!this.keys.has(wrapped.masterKeyId) && this.filePath !== undefined) this.reload();
    const masterKey = this.keys.get(wrapped.masterKeyId);
    if (masterKey === undefined) throw new MasterKeyUnavailableError(`master key ${wrapped.masterKeyId} is not in the keyring`);
    const sealed = Buffer.from(wrapped.sealedBase64, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', masterKey, sealed.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${wrapped.masterKeyId}:${context}`, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.byteLength - TAG_BYTES)), decipher.final()]);
  }

  /** Ids of every master key, the current one first. */
  keyIds(): string[] {
    this.recheck();
    return [this.currentId, ...[...this.keys.keys()].filter((id) => id !== this.currentId)];
  }

  private recheck(): void {
    if (this.filePath === undefined || Date.now() - this.checkedAtMs < KEYRING_RECHECK_INTERVAL_MS) return;
    this.checkedAtMs = Date.now();
    if (statSync(this.filePath).mtimeMs !== this.fileModifiedMs) this.reload();
  }

  private readFile(): KeyringFile {
    const parsed = JSON.parse(readFileSync(this.filePath!, 'utf8')) as KeyringFile;
    if (typeof parsed.current !== 'string' || !Array.isArray(parsed.keys)) throw new Error(`${this.filePath} is not a Cairn keyring`);
    return parsed;
  }

  private reload(): void {
    this.fileModifiedMs = statSync(this.filePath!).mtimeMs;
    const file = this.readFile();
    const keys = new Map<string, Buffer>();
    for (const entry of file.keys) keys.set(entry.id, parseKey(entry.keyBase64, this.filePath!));
    if (!keys.has(file.current)) throw new Error(`${this.filePath}: the current key ${file.current} is not listed`);
    this.keys = keys;
    this.currentId = file.current;
    this.checkedAtMs = Date.now();
  }
}
