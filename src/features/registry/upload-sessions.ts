// Blob upload sessions, shared by the OCI routes (POST/PATCH/PUT) and the ECR layer API
// (InitiateLayerUpload/UploadLayerPart/CompleteLayerUpload): a session is an index row listing its
// chunks; each chunk is an object of the system bucket under a key of its own; closing the session
// streams the chunks (verified) into the blob's object, checking the digest, then removes them.
import { randomBytes, randomUUID } from 'node:crypto';
import { deleteObject, type Layers } from '../../services/objects.js';
import type { RegistryUploadRecord } from '../../index/types.js';
import { HashingBody, readSystemObject, storeBlob, writeSystemObject } from './blob-store.js';
import { uploadUnknown } from './errors.js';
import { REGISTRY_BUCKET } from './names.js';

const CHUNK_KEY_PATTERN = /^uploads\/[^/]+\/(\d+)\.[0-9a-f]+$/;

export type AppendChunkOutcome =
  | { kind: 'appended'; upload: RegistryUploadRecord }
  | { kind: 'missing' }
  | { kind: 'out-of-order'; upload: RegistryUploadRecord }
  | { kind: 'wrong-length'; receivedBytes: number };

/** Opens a session for `repository`; its id. */
export async function openUploadSession(layers: Layers, repository: string, nowMs: number): Promise<string> {
  const uploadId = randomUUID();
  await layers.index.createRegistryUpload({ uploadId, repository, sizeBytes: 0, chunkKeys: [], createdAtMs: nowMs, updatedAtMs: nowMs });
  return uploadId;
}

export async function removeChunks(layers: Layers, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => deleteObject(layers, REGISTRY_BUCKET, key)));
}

/** The sizes of a session's chunks, in order (each chunk's key names its first byte). */
export function chunkSizesOf(upload: RegistryUploadRecord): number[] {
  const starts = upload.chunkKeys.map((key) => Number(CHUNK_KEY_PATTERN.exec(key)?.[1] ?? Number.NaN));
  return starts.map((start, position) => (starts[position + 1] ?? upload.sizeBytes) - start);
}

/**
 * Stores the bytes of `source` as the chunk of `upload` starting at `start`; the index accepts it
 * only at the session's current size (a racing chunk at the same offset loses and its object is
 * deleted). An empty chunk stores nothing. `lengthBytes`, when given, is the length the caller announced.
 */
export async function appendUploadChunk(
  layers: Layers, upload: RegistryUploadRecord, start: number, source: AsyncIterable<Buffer>, lengthBytes?: number,
): Promise<AppendChunkOutcome> {
  // A key of its own per chunk: a racing append at the same offset never overwrites this one's bytes.
  const key = `uploads/${upload.uploadId}/${start}.${randomBytes(6).toString('hex')}`;
  const body = new HashingBody([source]);
  await writeSystemObject(layers, key, body);
  const wrongLength = lengthBytes !== undefined && body.sizeBytes !== lengthBytes;
  if (wrongLength || body.sizeBytes === 0) {
    await deleteObject(layers, REGISTRY_BUCKET, key);
    return wrongLength ? { kind: 'wrong-length', receivedBytes: body.sizeBytes } : { kind: 'appended', upload };
  }
  const outcome = await layers.index.appendRegistryUpload(upload.uploadId, start, body.sizeBytes, key, Date.now());
  if (outcome === 'missing' || outcome === 'out-of-order') {
    await deleteObject(layers, REGISTRY_BUCKET, key);
    if (outcome === 'missing') return { kind: 'missing' };
    return { kind: 'out-of-order', upload: (await layers.index.getRegistryUpload(upload.uploadId)) ?? upload };
  }
  return { kind: 'appended', upload: outcome.appended };
}

async function* chunkSource(layers: Layers, key: string, uploadId: string): AsyncGenerator<Buffer> {
  const chunks = await readSystemObject(layers, key);
  if (chunks === undefined) throw uploadUnknown(uploadId);
  yield* chunks;
}

/**
 * Closes the session into the blob `digest` of `repository` (its chunks, then `lastSources`):
 * BLOB_UPLOAD_UNKNOWN when it is gone, DIGEST_INVALID when the bytes differ. The session is taken
 * first, so a second close, an append or a cancel racing this one finds it gone; its chunks are
 * removed whatever the outcome.
 */
export async function closeUploadSession(
  layers: Layers, uploadId: string, repository: string, digest: string, lastSources: Array<AsyncIterable<Buffer>>,
): Promise<number> {
  const claimed = await layers.index.deleteRegistryUpload(uploadId);
  if (claimed === undefined) throw uploadUnknown(uploadId);
  try {
    const sources = [...claimed.chunkKeys.map((key) => chunkSource(layers, key, uploadId)), ...lastSources];
    return await storeBlob(layers, repository, digest, sources, () => Date.now());
  } finally {
    await removeChunks(layers, claimed.chunkKeys);
  }
}
