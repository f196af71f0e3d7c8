// The ECR API's layer operations: BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart,
// CompleteLayerUpload and GetDownloadUrlForLayer, over the same upload sessions as the OCI routes
// (upload-sessions.ts) and the same presigned blob URL as an OCI blob GET.
import type { RegistryUploadRecord } from '../../index/types.js';
import { OciError } from './errors.js';
import { EcrError, type EcrCall } from './ecr-call.js';
import { blobKey, isVerifiableDigest, REGISTRY_BUCKET } from './names.js';
import { presignGet } from './presign.js';
import { appendUploadChunk, chunkSizesOf, closeUploadSession, openUploadSession } from './upload-sessions.js';

/** BatchCheckLayerAvailability takes at most this many digests (ECR's limit). */
const LAYER_DIGESTS_MAX = 100;
/** The largest part UploadLayerPart takes (ECR's limit on layerPartBlob). */
export const LAYER_PART_SIZE_BYTES_MAX = 20 * 1024 * 1024;
/** Every part but the last must be at least this long (ECR's LayerPartTooSmallException). */
const LAYER_PART_SIZE_BYTES_MIN = 5 * 1024 * 1024;
/** The part size InitiateLayerUpload recommends. */
const LAYER_PART_SIZE_BYTES_RECOMMENDED = 10 * 1024 * 1024;
const UPLOAD_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

type Operation = (call: EcrCall, repository: string) => Promise<Record<string, unknown>>;

const invalid = (field: string, value: unknown): EcrError =>
  new EcrError('InvalidParameterException', `Invalid parameter at '${field}' failed to satisfy constraint: '${String(value).slice(0, 256)}'`);

function layerDigestOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isVerifiableDigest(value)) throw invalid(field, value);
  return value;
}

async function sessionOf(call: EcrCall, repository: string): Promise<RegistryUploadRecord> {
  const uploadId = call.body['uploadId'];
  if (typeof uploadId !== 'string' || !UPLOAD_ID_PATTERN.test(uploadId)) throw invalid('uploadId', uploadId);
  const upload = await call.layers.index.getRegistryUpload(uploadId.toLowerCase());
  if (upload === undefined || upload.repository !== repository) {
    throw new EcrError('UploadNotFoundException', `The upload with id '${uploadId}' does not exist in the repository with name '${repository}'`);
  }
  return upload;
}

export const batchCheckLayerAvailability: Operation = async (call, repository) => {
  const digests = call.body['layerDigests'];
  if (!Array.isArray(digests) || digests.length === 0 || digests.length > LAYER_DIGESTS_MAX) throw invalid('layerDigests', `1 to ${LAYER_DIGESTS_MAX} digests`);
  const layers: unknown[] = [];
  const failures: unknown[] = [];
  for (const digest of digests) {
    if (typeof digest !== 'string' || !isVerifiableDigest(digest)) {
      failures.push({ layerDigest: String(digest).slice(0, 1000), failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' });
      continue;
    }
    const blob = await call.layers.index.getRegistryBlob(repository, digest);
    if (blob === undefined) failures.push({ layerDigest: digest, failureCode: 'MissingLayerDigest', failureReason: 'Could not find layer digest' });
    else layers.push({ layerDigest: digest, layerAvailability: 'AVAILABLE', layerSize: blob.sizeBytes });
  }
  return { layers, failures };
};

export const initiateLayerUpload: Operation = async (call, repository) => {
  const uploadId = await openUploadSession(call.layers, repository, call.nowMs);
  return { uploadId, partSize: LAYER_PART_SIZE_BYTES_RECOMMENDED };
};

function partRangeOf(call: EcrCall): { first: number; last: number; bytes: Buffer } {
  const first = call.body['partFirstByte'];
  const last = call.body['partLastByte'];
  const blob = call.body['layerPartBlob'];
  if (typeof first !== 'number' || !Number.isSafeInteger(first) || first < 0) throw invalid('partFirstByte', first);
  if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < first) throw invalid('partLastByte', last);
  if (typeof blob !== 'string') throw invalid('layerPartBlob', 'a base64 blob');
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.byteLength > LAYER_PART_SIZE_BYTES_MAX) throw invalid('layerPartBlob', `at most ${LAYER_PART_SIZE_BYTES_MAX} bytes`);
  return { first, last, bytes };
}

export const uploadLayerPart: Operation = async (call, repository) => {
  const upload = await sessionOf(call, repository);
  const { first, last, bytes } = partRangeOf(call);
  const outOfOrder = (received: number) => new EcrError('InvalidLayerPartException',
    `The layer part starting at byte ${first} is not the next part of upload '${upload.uploadId}': the last byte received is ${received - 1}.`);
  if (first !== upload.sizeBytes) throw outOfOrder(upload.sizeBytes);
  if (last - first + 1 !== bytes.byteLength) {
    throw new EcrError('InvalidLayerPartException', `The layer part holds ${bytes.byteLength} bytes, not the ${last - first + 1} that partFirstByte and partLastByte name.`);
  }
  const outcome = await appendUploadChunk(call.layers, upload, first, (async function* () { yield bytes; })(), bytes.byteLength);
  if (outcome.kind === 'missing') throw new EcrError('UploadNotFoundException', `The upload with id '${upload.uploadId}' does not exist in the repository with name '${repository}'`);
  if (outcome.kind === 'out-of-order') throw outOfOrder(outcome.upload.sizeBytes);
  return { registryId: call.accountId, repositoryName: repository, uploadId: upload.uploadId, lastByteReceived: last };
};

/** The ECR exception for an OCI error of closing a session (the digest differs, the session is gone). */
function ecrErrorOf(error: unknown, uploadId: string, digest: string): unknown {
  if (!(error instanceof OciError)) return error;
  if (error.code === 'DIGEST_INVALID') return new EcrError('InvalidLayerException', `The layer digest calculated for upload '${uploadId}' does not match the digest '${digest}' given.`);
  if (error.code === 'BLOB_UPLOAD_UNKNOWN') return new EcrError('UploadNotFoundException', `The upload with id '${uploadId}' does not exist.`);
  if (error.code === 'SIZE_INVALID') return new EcrError('InvalidLayerException', error.message);
  return error;
}

export const completeLayerUpload: Operation = async (call, repository) => {
  const upload = await sessionOf(call, repository);
  const digests = call.body['layerDigests'];
  // ECR's model allows a list, but one upload makes one layer: exactly one digest is accepted.
  if (!Array.isArray(digests) || digests.length !== 1) throw invalid('layerDigests', 'exactly one digest');
  const digest = layerDigestOf(digests[0], 'layerDigests');
  if (upload.sizeBytes === 0) throw new EcrError('EmptyUploadException', `The upload with id '${upload.uploadId}' does not contain any layer parts.`);
  if (chunkSizesOf(upload).slice(0, -1).some((sizeBytes) => sizeBytes < LAYER_PART_SIZE_BYTES_MIN)) {
    throw new EcrError('LayerPartTooSmallException', `Layer parts must be at least ${LAYER_PART_SIZE_BYTES_MIN} bytes, except the last.`);
  }
  if (await call.layers.index.getRegistryBlob(repository, digest) !== undefined) {
    throw new EcrError('LayerAlreadyExistsException', `The layer with digest '${digest}' already exists in the repository with name '${repository}' in registry with id '${call.accountId}'`);
  }
  try {
    await closeUploadSession(call.layers, upload.uploadId, repository, digest, []);
  } catch (error) {
    throw ecrErrorOf(error, upload.uploadId, digest);
  }
  return { registryId: call.accountId, repositoryName: repository, uploadId: upload.uploadId, layerDigest: digest };
};

export const getDownloadUrlForLayer: Operation = async (call, repository) => {
  const digest = layerDigestOf(call.body['layerDigest'], 'layerDigest');
  if (await call.layers.index.getRegistryBlob(repository, digest) === undefined) {
    throw new EcrError('LayersNotFoundException', `The image layer '${digest}' does not exist in the repository with name '${repository}' in registry with id '${call.accountId}'`);
  }
  const downloadUrl = presignGet({
    origin: call.origin, host: call.host, bucket: REGISTRY_BUCKET, key: blobKey(digest),
    accessKeyId: call.auth.root.accessKeyId, secretAccessKey: call.auth.root.secretAccessKey, region: call.region,
    expiresSeconds: call.downloadUrlExpirySeconds, nowMs: call.nowMs,
  });
  return { downloadUrl, layerDigest: digest };
};
