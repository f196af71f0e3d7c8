// Blob uploads: POST (monolithic with ?digest=, a cross-repository mount with ?mount=&from=, or a
// new session), PATCH (a chunk, in order: 416 otherwise), PUT ?digest= (closes the session, with an
// optional last chunk), GET (the session's progress) and DELETE (cancel). Each chunk is an object
// of the system bucket under a key of its own; the index lists a session's chunks in order, and the
// closing PUT streams them (verified) into the blob's object, then removes them.
import { randomBytes, randomUUID } from 'node:crypto';
import { deleteObject, type Layers } from '../../services/objects.js';
import { HashingBody, readSystemObject, storeBlob, writeSystemObject } from './blob-store.js';
import { sendStatus, type RegistryContext } from './context.js';
import { OciError, uploadUnknown } from './errors.js';
import { checkDigest, checkRepositoryName, REGISTRY_BUCKET } from './names.js';
import type { RegistryUploadRecord } from '../../index/types.js';

const CONTENT_RANGE_PATTERN = /^(?:bytes )?(\d+)-(\d+)$/;

/** Whether the caller may read `repository` (a mount reads the blob from there). */
export type MayRead = (repository: string) => Promise<boolean>;

function uploadLocation(context: RegistryContext, uploadId: string): string {
  return `/v2/${context.repository}/blobs/uploads/${uploadId}`;
}

/** `Range: 0-<last byte received>` as the spec writes it (0-0 before any byte, as the reference registry does). */
function rangeOf(sizeBytes: number): string {
  return `0-${Math.max(0, sizeBytes - 1)}`;
}

function blobCreated(context: RegistryContext, digest: string): void {
  sendStatus(context.res, 201, { Location: `/v2/${context.repository}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

async function* chunkSource(layers: Layers, key: string, uploadId: string): AsyncGenerator<Buffer> {
  const chunks = await readSystemObject(layers, key);
  if (chunks === undefined) throw uploadUnknown(uploadId);
  yield* chunks;
}

async function removeChunks(layers: Layers, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => deleteObject(layers, REGISTRY_BUCKET, key)));
}

export async function startUpload(context: RegistryContext, mayRead: MayRead): Promise<void> {
  const { query, layers } = context;
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount !== null && from !== null) {
    const digest = checkDigest(mount);
    checkRepositoryName(from);
    if (await mayRead(from) && await layers.index.mountRegistryBlob(context.repository, digest, from, context.nowMs)) {
      blobCreated(context, digest);
      return;
    }
  }
  const digestParameter = query.get('digest');
  if (digestParameter !== null) {
    const digest = checkDigest(digestParameter);
    await storeBlob(layers, context.repository, digest, [context.req], () => Date.now());
    blobCreated(context, digest);
    return;
  }
  const uploadId = randomUUID();
  await layers.index.createRegistryUpload({ uploadId, repository: context.repository, sizeBytes: 0, chunkKeys: [], createdAtMs: context.nowMs, updatedAtMs: context.nowMs });
  sendStatus(context.res, 202, { Location: uploadLocation(context, uploadId), Range: rangeOf(0), 'Docker-Upload-UUID': uploadId });
}

async function sessionOf(context: RegistryContext): Promise<RegistryUploadRecord> {
  const upload = await context.layers.index.getRegistryUpload(context.target);
  if (upload === undefined || upload.repository !== context.repository) throw uploadUnknown(context.target);
  return upload;
}

function rangeNotSatisfiable(context: RegistryContext, upload: RegistryUploadRecord): OciError {
  return new OciError(416, 'BLOB_UPLOAD_INVALID', 'chunk out of order', { offset: upload.sizeBytes },
    { Location: uploadLocation(context, upload.uploadId), Range: rangeOf(upload.sizeBytes) });
}

/** The first byte a Content-Range names, checked against the session (undefined: none given). */
function chunkStart(context: RegistryContext, upload: RegistryUploadRecord): { start: number; lengthBytes: number } | undefined {
  const header = context.req.headers['content-range'];
  if (header === undefined) return undefined;
  const match = CONTENT_RANGE_PATTERN.exec(header.trim());
  if (match === null) throw rangeNotSatisfiable(context, upload);
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start !== upload.sizeBytes || end < start) throw rangeNotSatisfiable(context, upload);
  return { start, lengthBytes: end - start + 1 };
}

export async function patchUpload(context: RegistryContext): Promise<void> {
  const { layers } = context;
  const upload = await sessionOf(context);
  const range = chunkStart(context, upload);
  const start = range?.start ?? upload.sizeBytes;
  // A key of its own per chunk: a racing PATCH at the same offset never overwrites this one's bytes.
  const key = `uploads/${upload.uploadId}/${start}.${randomBytes(6).toString('hex')}`;
  const body = new HashingBody([context.req]);
  await writeSystemObject(layers, key, body);
  const refuse = async (error: OciError): Promise<never> => {
    await deleteObject(layers, REGISTRY_BUCKET, key);
    throw error;
  };
  if (range !== undefined && body.sizeBytes !== range.lengthBytes) {
    await refuse(new OciError(400, 'SIZE_INVALID', 'the chunk is not as long as its Content-Range says', { received: body.sizeBytes }));
  }
  if (body.sizeBytes === 0) {
    await deleteObject(layers, REGISTRY_BUCKET, key);
    sendStatus(context.res, 202, { Location: uploadLocation(context, upload.uploadId), Range: rangeOf(upload.sizeBytes), 'Docker-Upload-UUID': upload.uploadId });
    return;
  }
  const outcome = await layers.index.appendRegistryUpload(upload.uploadId, start, body.sizeBytes, key, Date.now());
  if (outcome === 'missing') await refuse(uploadUnknown(upload.uploadId));
  if (outcome === 'out-of-order') await refuse(rangeNotSatisfiable(context, (await layers.index.getRegistryUpload(upload.uploadId)) ?? upload));
  const appended = (outcome as { appended: RegistryUploadRecord }).appended;
  sendStatus(context.res, 202, { Location: uploadLocation(context, upload.uploadId), Range: rangeOf(appended.sizeBytes), 'Docker-Upload-UUID': upload.uploadId });
}

export async function finishUpload(context: RegistryContext): Promise<void> {
  const { layers } = context;
  const digest = checkDigest(context.query.get('digest'));
  const upload = await sessionOf(context);
  chunkStart(context, upload);
  // The session is taken first: a second PUT, a PATCH or a cancel racing this one finds it gone.
  const claimed = await layers.index.deleteRegistryUpload(upload.uploadId);
  if (claimed === undefined) throw uploadUnknown(upload.uploadId);
  try {
    const sources = [...claimed.chunkKeys.map((key) => chunkSource(layers, key, upload.uploadId)), context.req];
    await storeBlob(layers, context.repository, digest, sources, () => Date.now());
  } finally {
    await removeChunks(layers, claimed.chunkKeys);
  }
  blobCreated(context, digest);
}

export async function uploadStatus(context: RegistryContext): Promise<void> {
  const upload = await sessionOf(context);
  sendStatus(context.res, 204, { Location: uploadLocation(context, upload.uploadId), Range: rangeOf(upload.sizeBytes), 'Docker-Upload-UUID': upload.uploadId });
}

export async function cancelUpload(context: RegistryContext): Promise<void> {
  await sessionOf(context);
  const removed = await context.layers.index.deleteRegistryUpload(context.target);
  if (removed === undefined) throw uploadUnknown(context.target);
  await removeChunks(context.layers, removed.chunkKeys);
  sendStatus(context.res, 204);
}

/** Ends sessions idle since before `beforeMs` (the collector's sweep), removing their chunks. */
export async function sweepIdleUploads(layers: Layers, beforeMs: number, limit: number): Promise<number> {
  const idle = await layers.index.listRegistryUploadsIdleSince(beforeMs, limit);
  for (const upload of idle) {
    const removed = await layers.index.deleteRegistryUpload(upload.uploadId);
    if (removed !== undefined) await removeChunks(layers, removed.chunkKeys);
  }
  return idle.length;
}
