// Multipart uploads through both layers. Parts are written as records of their own, durable before
// the index lists them. Completing writes no data again: a small manifest record (so the drives
// alone still describe the object) and one index transaction turn the parts into the object.
import type { ChangeOrigin, ObjectRecord, StoredChecksum, StoredPart, UploadRecord, WriteCondition, CompleteUploadOutcome } from '../index/types.js';
import { newTimeOrderedId } from '../util/ids.js';
import { tombstone, writeRecords, type Layers } from './objects.js';

export async function createUpload(layers: Layers, upload: Omit<UploadRecord, 'uploadId' | 'initiatedMs'>): Promise<UploadRecord | undefined> {
  const record: UploadRecord = { ...upload, uploadId: newTimeOrderedId(), initiatedMs: Date.now() };
  const outcome = await layers.index.createUpload(record);
  return outcome === 'created' ? record : undefined;
}

export interface VerifiedPart {
  md5Hex: string;
  sizeBytes: number;
  checksum: StoredChecksum;
}

/** Streams one part into storage and records it; undefined when the upload was aborted meanwhile. */
export async function writePart(
  layers: Layers,
  upload: UploadRecord,
  partNumber: number,
  body: AsyncIterable<Buffer>,
  verify: (bodyMd5?: Buffer) => VerifiedPart,
  options: { dataKey?: Buffer; hashMd5?: boolean } = {},
): Promise<StoredPart | undefined> {
  const dataId = newTimeOrderedId();
  let described: Omit<StoredPart, 'placement'> | undefined;
  const identity = { bucket: upload.bucket, key: upload.key, dataId, storageClass: upload.storageClass };
  const describe = (bodyMd5?: Buffer) => {
    const verified = verify(bodyMd5);
    described = {
      partNumber,
      dataId,
      sizeBytes: verified.sizeBytes,
      etag: verified.md5Hex,
      lastModifiedMs: Date.now(),
      checksum: verified.checksum,
    };
    return { uploadId: upload.uploadId, ...described };
  };
  return writeRecords(layers.storage, identity, body, describe, async (placement) => {
    const part: StoredPart = { ...described!, placement };
    const outcome = await layers.index.putPart(upload.uploadId, part);
    return outcome.stored ? part : undefined;
  }, options);
}

export interface CompletedObject {
  etag: string;
  sizeBytes: number;
  checksum?: StoredChecksum;
}

export async function completeUpload(
  layers: Layers,
  upload: UploadRecord,
  parts: StoredPart[],
  completed: CompletedObject,
  condition?: WriteCondition,
  origin?: ChangeOrigin,
  replicaDataId?: string,
): Promise<CompleteUploadOutcome & { object: ObjectRecord }> {
  const dataId = replicaDataId ?? newTimeOrderedId();
  const described: Omit<ObjectRecord, 'placement' | 'parts'> = {
    bucket: upload.bucket,
    key: upload.key,
    versionId: 'null',
    dataId,
    sizeBytes: completed.sizeBytes,
    etag: completed.etag,
    lastModifiedMs: Date.now(),
    storageClass: upload.storageClass,
    headers: upload.headers,
    userMetadata: upload.userMetadata,
    checksum: completed.checksum,
    tags: upload.tags,
    retention: upload.retention,
    legalHold: upload.legalHold,
    acl: upload.acl,
  };
  const manifestParts = parts.map(({ placement: _placement, ...part }) => part);
  // The object's own, self-describing entry on disk: a record whose payload lists the parts (up to
  // 10,000 of them: too many for a record header) and whose header carries the object's metadata.
  const manifest = Buffer.from(JSON.stringify({ uploadId: upload.uploadId, parts: manifestParts }), 'utf8');
  const identity = { bucket: upload.bucket, key: upload.key, dataId, storageClass: upload.storageClass };
  const describe = () => ({ ...described, multipart: { manifest: 'payload' } });
  const { object, outcome } = await writeRecords(layers.storage, identity, [manifest], describe, async (placement) => {
    const object: ObjectRecord = { ...described, placement, parts };
    return { object, outcome: await layers.index.completeUpload(upload.uploadId, object, condition, origin) };
  });
  if (!outcome.stored) return { ...outcome, object };
  await tombstone(layers, upload.bucket, upload.key, outcome.discardedDataIds);
  return { ...outcome, object: { ...object, versionId: outcome.versionId } };
}

/** Uploads idle longer than the configured age are aborted; their records become garbage. */
export async function sweepAbandonedUploads(layers: Layers, maxAgeMs: number, batchLimit: number): Promise<number> {
  const stale = await layers.index.listUploadsInitiatedBefore(Date.now() - maxAgeMs, batchLimit);
  let aborted = 0;
  for (const upload of stale) {
    if (await layers.index.abortUpload(upload.bucket, upload.key, upload.uploadId)) aborted += 1;
  }
  return aborted;
}
