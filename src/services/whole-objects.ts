// Small objects the server reads and writes whole for itself (an Iceberg table's metadata files,
// manifests and the data files table maintenance rewrites): read with their server-held data key
// when they are encrypted at rest, and written under their bucket's default encryption, so files
// Cairn writes into an encrypted bucket (a table bucket's, always) are as encrypted as a client's.
import { createHash } from 'node:crypto';
import type { ObjectRecord } from '../index/types.js';
import { newSseS3Key, serverHeldDataKey } from './encryption/server-held-keys.js';
import { readObject, writeObject, type Layers } from './objects.js';

/** Every byte of `object`, decrypted if the server holds its key. */
export async function readWholeObject(layers: Layers, object: ObjectRecord): Promise<Buffer> {
  const dataKey = serverHeldDataKey(layers, object.headers.encryption, object);
  const chunks: Buffer[] = [];
  for await (const chunk of readObject(layers, object, undefined, dataKey)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Writes `bytes` durably as `bucket/key`. A bucket with default encryption gets SSE-S3 (a bucket whose
 * default is SSE-KMS too: the server's own files are sealed with a key of its master keyring).
 */
export async function writeWholeObject(
  layers: Layers, target: { bucket: string; key: string; contentType: string }, bytes: Buffer,
): Promise<{ stored: true } | { stored: false; reason: string }> {
  const md5Hex = createHash('md5').update(bytes).digest('hex');
  const defaultEncryption = await layers.index.readBucketSetting(target.bucket, 'encryption');
  const encryption = defaultEncryption === undefined ? undefined : newSseS3Key(layers);
  const outcome = await writeObject(layers, {
    bucket: target.bucket, key: target.key, userMetadata: {}, storageClass: 'STANDARD',
    headers: { contentType: target.contentType, ...(encryption === undefined ? {} : { encryption: encryption.stored }) },
    ...(encryption === undefined ? {} : { dataKey: encryption.dataKey }),
    body: (async function* () { yield bytes; })(),
    verify: () => ({ md5Hex, sizeBytes: bytes.byteLength }),
  });
  return outcome.stored ? { stored: true } : { stored: false, reason: String(outcome.reason) };
}
