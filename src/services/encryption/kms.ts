// The built-in key service behind SSE-KMS: customer keys with ids (UUIDs) that can be created,
// listed, disabled, enabled and rotated, kept in `<data>/keys/kms.json` with their key material
// sealed by the master keyring. A data key is wrapped by a key's current material version with the
// encryption context bound as associated data. `KeyService` is the seam for an external backend
// (KMIP, Vault transit): the front end only ever calls its three methods.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS_DIRECTORY_NAME, MasterKeyring } from './master-keys.js';

export const KMS_KEYS_FILE_NAME = 'kms.json';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bound on keys in the built-in service (AWS's default quota per account and region is 100,000). */
export const KMS_KEYS_MAX = 10_000;
const KMS_FILE_RECHECK_INTERVAL_MS = 1000;

/** A data key as the key service wrapped it: which key, which version of its material. */
export interface KmsWrappedKey {
  keyId: string;
  keyVersion: number;
  sealedBase64: string;
}

export interface KmsKeyInfo {
  keyId: string;
  enabled: boolean;
  description: string;
  createdMs: number;
  versions: number;
}

/** Why the key service refused: AWS's KMS error names, which S3 passes on as `KMS.<name>`. */
export class KmsError extends Error {
  constructor(readonly kmsCode: 'NotFoundException' | 'DisabledException', message: string) {
    super(message);
    this.name = 'KmsError';
  }
}

/** What SSE-KMS needs of a key service; the built-in one is below, an external one would plug in here. */
export interface KeyService {
  /** A fresh data key, and the same wrapped by `keyId` (which must exist and be enabled). */
  generateDataKey(keyId: string, context: string): { dataKey: Buffer; wrapped: KmsWrappedKey };
  /** The data key; KmsError when the key is gone or disabled. */
  decrypt(wrapped: KmsWrappedKey, context: string): Buffer;
  describe(keyId: string): KmsKeyInfo | undefined;
}

interface StoredKmsKey {
  keyId: string;
  enabled: boolean;
  description: string;
  createdMs: number;
  /** Key material per version, each sealed by the master keyring. */
  material: Array<{ masterKeyId: string; sealedBase64: string }>;
}

function seal(key: Buffer, plaintext: Buffer, associated: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

function open(key: Buffer, sealedBase64: string, associated: string): Buffer {
  const sealed = Buffer.from(sealedBase64, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(associated, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.byteLength - TAG_BYTES)), decipher.final()]);
}

const materialContext = (keyId: string, version: number) => `cairn/kms/material/${keyId}/${version}`;

/** The description of the key `aws:kms` without a key id uses (AWS's managed key aws/s3). */
export const DEFAULT_KMS_KEY_DESCRIPTION = 'aws/s3';

function writeFileDurably(path: string, text: string): void {
  const descriptor = openSync(path, 'w', 0o600);
  try {
    writeSync(descriptor, text);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

export class BuiltInKeyService implements KeyService {
  private keys = new Map<string, StoredKmsKey>();
  private checkedAtMs = 0;
  private fileModifiedMs = -1;
  private readonly filePath: string;

  constructor(dataDirectory: string, private readonly masterKeys: MasterKeyring) {
    this.filePath = join(dataDirectory, KEYS_DIRECTORY_NAME, KMS_KEYS_FILE_NAME);
    if (!existsSync(this.filePath)) this.createWithDefaultKey();
    this.reload();
  }

  /** The id of the default key (made with the file, so every process agrees on it). */
  get defaultKeyId(): string {
    this.recheck();
    const found = [...this.keys.values()].find((key) => key.description === DEFAULT_KMS_KEY_DESCRIPTION);
    if (found === undefined) throw new Error(`${this.filePath} has no default key`);
    return found.keyId;
  }

  /** The file with its default key, created exclusively (link fails if another process made it first). */
  private createWithDefaultKey(): void {
    mkdirSync(join(this.filePath, '..'), { recursive: true, mode: 0o700 });
    const keyId = randomUUID();
    const key: StoredKmsKey = { keyId, enabled: true, description: DEFAULT_KMS_KEY_DESCRIPTION, createdMs: Date.now(), material: [this.sealMaterial(keyId, 1)] };
    const temporaryPath = `${this.filePath}.${process.pid}.new`;
    writeFileDurably(temporaryPath, JSON.stringify({ keys: [key] }) + '\n');
    try {
      linkSync(temporaryPath, this.filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporaryPath, { force: true });
    }
  }

  generateDataKey(keyId: string, context: string): { dataKey: Buffer; wrapped: KmsWrappedKey } {
    const key = this.usableKey(keyId);
    const keyVersion = key.material.length;
    const dataKey = randomBytes(KEY_BYTES);
    return { dataKey, wrapped: { keyId, keyVersion, sealedBase64: seal(this.material(key, keyVersion), dataKey, context) } };
  }

  decrypt(wrapped: KmsWrappedKey, context: string): Buffer {
    const key = this.usableKey(wrapped.keyId);
    return open(this.material(key, wrapped.keyVersion), wrapped.sealedBase64, context);
  }

  describe(keyId: string): KmsKeyInfo | undefined {
    this.recheck();
    const key = this.keys.get(keyId);
    return key === undefined ? undefined : { keyId, enabled: key.enabled, description: key.description, createdMs: key.createdMs, versions: key.material.length };
  }

  list(): KmsKeyInfo[] {
    this.recheck();
    return [...this.keys.keys()].map((keyId) => this.describe(keyId)!);
  }

  /** Administration (the CLI): each change is written to the file at once (tmp, fsync, rename). */
  create(description: string): KmsKeyInfo {
    if (this.keys.size >= KMS_KEYS_MAX) throw new Error(`the key service already holds ${KMS_KEYS_MAX} keys`);
    const keyId = randomUUID();
    const key: StoredKmsKey = { keyId, enabled: true, description, createdMs: Date.now(), material: [] };
    key.material.push(this.sealMaterial(keyId, 1));
    this.keys.set(keyId, key);
    this.save();
    return this.describe(keyId)!;
  }

  setEnabled(keyId: string, enabled: boolean): KmsKeyInfo {
    const key = this.keys.get(keyId);
    if (key === undefined) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    key.enabled = enabled;
    this.save();
    return this.describe(keyId)!;
  }

  /** New material for new data keys; data keys wrapped by older versions still open. */
  rotate(keyId: string): KmsKeyInfo {
    const key = this.keys.get(keyId);
    if (key === undefined) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    key.material.push(this.sealMaterial(keyId, key.material.length + 1));
    this.save();
    return this.describe(keyId)!;
  }

  private sealMaterial(keyId: string, version: number): StoredKmsKey['material'][number] {
    const wrapped = this.masterKeys.wrap(randomBytes(KEY_BYTES), materialContext(keyId, version));
    return { masterKeyId: wrapped.masterKeyId, sealedBase64: wrapped.sealedBase64 };
  }

  private material(key: StoredKmsKey, version: number): Buffer {
    const sealed = key.material[version - 1];
    if (sealed === undefined) throw new KmsError('NotFoundException', `Key '${key.keyId}' has no version ${version}`);
    return this.masterKeys.unwrap(sealed, materialContext(key.keyId, version));
  }

  private usableKey(keyId: string): StoredKmsKey {
    this.recheck();
    if (!this.keys.has(keyId)) this.reload();
    const key = this.keys.get(keyId);
    if (key === undefined) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    if (!key.enabled) throw new KmsError('DisabledException', `Key '${keyId}' is disabled.`);
    return key;
  }

  private recheck(): void {
    if (Date.now() - this.checkedAtMs < KMS_FILE_RECHECK_INTERVAL_MS) return;
    this.checkedAtMs = Date.now();
    const modifiedMs = existsSync(this.filePath) ? statSync(this.filePath).mtimeMs : -1;
    if (modifiedMs !== this.fileModifiedMs) this.reload();
  }

  private reload(): void {
    this.checkedAtMs = Date.now();
    if (!existsSync(this.filePath)) return;
    this.fileModifiedMs = statSync(this.filePath).mtimeMs;
    const parsed = JSON.parse(readFileSync(this.filePath, 'utf8')) as { keys?: StoredKmsKey[] };
    if (!Array.isArray(parsed.keys)) throw new Error(`${this.filePath} is not a Cairn key service file`);
    this.keys = new Map(parsed.keys.map((key) => [key.keyId, key]));
  }

  private save(): void {
    const temporaryPath = `${this.filePath}.tmp`;
    writeFileDurably(temporaryPath, JSON.stringify({ keys: [...this.keys.values()] }) + '\n');
    renameSync(temporaryPath, this.filePath);
    this.fileModifiedMs = statSync(this.filePath).mtimeMs;
  }
}

/** The master keyring and the key service of a data directory (created on first use). */
export function openKeyServices(dataDirectory: string, environment: NodeJS.ProcessEnv): { keys: MasterKeyring; kms: BuiltInKeyService } {
  const keys = MasterKeyring.open(dataDirectory, environment);
  return { keys, kms: new BuiltInKeyService(dataDirectory, keys) };
}
