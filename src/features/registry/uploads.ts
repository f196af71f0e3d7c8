// Blob uploads: POST (monolithic with ?digest=, a cross-repository mount with ?mount=&from=, or a
// new session), PATCH (a chunk, in order: 416 otherwise), PUT ?digest= (closes the session, with an
// optional last chunk), GET (the session's progress) and DELETE (cancel), over the sessions of
// upload-sessions.ts (shared with the ECR layer API).
import type { Layers } from '../../services/objects.js';
import { storeBlob } from './blob-store.js';
import { appendUploadChunk, closeUploadSession, openUploadSession, removeChunks } from './upload-sessions.js';
import { sendStatus, type RegistryContext } from './context.js';
import { OciError, uploadUnknown } from './errors.js';
import { checkDigest, checkRepositoryName } from './names.js';
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
  const uploadId = await openUploadSession(layers, context.repository, context.nowMs);
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
  const outcome = await appendUploadChunk(layers, upload, range?.start ?? upload.sizeBytes, context.req, range?.lengthBytes);
  if (outcome.kind === 'wrong-length') throw new OciError(400, 'SIZE_INVALID', 'the chunk is not as long as its Content-Range says', { received: outcome.receivedBytes });
  if (outcome.kind === 'missing') throw uploadUnknown(upload.uploadId);
  if (outcome.kind === 'out-of-order') throw rangeNotSatisfiable(context, outcome.upload);
  sendStatus(context.res, 202, { Location: uploadLocation(context, upload.uploadId), Range: rangeOf(outcome.upload.sizeBytes), 'Docker-Upload-UUID': upload.uploadId });
}

export async function finishUpload(context: RegistryContext): Promise<void> {
  const { layers } = context;
  const digest = checkDigest(context.query.get('digest'));
  const upload = await sessionOf(context);
  chunkStart(context, upload);
  await closeUploadSession(layers, upload.uploadId, context.repository, digest, [context.req]);
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
