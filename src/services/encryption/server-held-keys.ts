// Data keys the server holds itself (SSE-S3 wrapped by the master keyring; SSE-KMS and DSSE-KMS
// wrapped by the key service), for the server's own readers and writers of objects — the Iceberg
// catalog's metadata files and table maintenance's files in an encrypted table bucket. The front
// end adds SSE-C (a key only the client has) and S3's error answers on top of these.
import { randomBytes } from 'node:crypto';
import type { StoredEncryption } from '../../index/types.js';
import type { Layers } from '../objects.js';

/** Binds a wrapped SSE-S3 data key to its use (the master keyring adds the master key's id). */
export const SSE_S3_WRAP_CONTEXT = 'cairn/sse-s3/data-key';
const DATA_KEY_BYTES = 32;

/** The key service's binding of a data key: the encryption context given, with the object's ARN. */
export function kmsBinding(owner: { bucket: string; key: string }, encryptionContextBase64: string | undefined): string {
  const given = encryptionContextBase64 === undefined ? {} : JSON.parse(Buffer.from(encryptionContextBase64, 'base64').toString('utf8')) as Record<string, string>;
  const entries = Object.entries({ ...given, 'aws:s3:arn': `arn:aws:s3:::${owner.bucket}/${owner.key}` }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** The data key of an object kept with a server-held key; undefined for one stored as sent. SSE-C cannot be read here. */
export function serverHeldDataKey(layers: Layers, encryption: StoredEncryption | undefined, owner: { bucket: string; key: string }): Buffer | undefined {
  if (encryption === undefined) return undefined;
  if (encryption.kind === 'SSE-C') throw new Error(`object ${owner.bucket}/${owner.key} is SSE-C encrypted: only its client has the key`);
  if (encryption.kind === 'SSE-KMS' || encryption.kind === 'DSSE-KMS') {
    if (layers.kms === undefined) throw new Error('SSE-KMS needs the key service, which this process did not open');
    return layers.kms.decrypt(encryption.kmsWrappedKey!, kmsBinding(owner, encryption.encryptionContextBase64));
  }
  if (layers.keys === undefined) throw new Error('server-side encryption needs the master keyring, which this process did not open');
  return layers.keys.unwrap(encryption.wrappedKey!, SSE_S3_WRAP_CONTEXT);
}

/** A new SSE-S3 data key and what the index keeps of it. */
export function newSseS3Key(layers: Layers): { dataKey: Buffer; stored: StoredEncryption } {
  if (layers.keys === undefined) throw new Error('server-side encryption needs the master keyring, which this process did not open');
  const dataKey = randomBytes(DATA_KEY_BYTES);
  return { dataKey, stored: { kind: 'SSE-S3', wrappedKey: layers.keys.wrap(dataKey, SSE_S3_WRAP_CONTEXT) } };
}

/**
 * The encryption of a copy of an object kept with a server-held key, written as `owner`: the same
 * method under a fresh data key (an SSE-KMS key is bound to its object's ARN, so a copy elsewhere
 * needs its own). Undefined for an object stored as sent.
 */
export function resealedCopyKey(
  layers: Layers, encryption: StoredEncryption | undefined, owner: { bucket: string; key: string },
): { dataKey: Buffer; stored: StoredEncryption } | undefined {
  if (encryption === undefined) return undefined;
  if (encryption.kind === 'SSE-S3') return newSseS3Key(layers);
  if (encryption.kind === 'SSE-KMS' || encryption.kind === 'DSSE-KMS') {
    if (layers.kms === undefined) throw new Error('SSE-KMS needs the key service, which this process did not open');
    const keyId = encryption.kmsKeyArn!.slice(encryption.kmsKeyArn!.lastIndexOf('/') + 1);
    const { dataKey, wrapped } = layers.kms.generateDataKey(keyId, kmsBinding(owner, encryption.encryptionContextBase64));
    return { dataKey, stored: { ...encryption, kmsWrappedKey: wrapped } };
  }
  throw new Error(`object ${owner.bucket}/${owner.key} is SSE-C encrypted: only its client has the key`);
}
