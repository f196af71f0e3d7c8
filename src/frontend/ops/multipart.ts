// Multipart upload: CreateMultipartUpload, UploadPart, UploadPartCopy, AbortMultipartUpload.
// (CompleteMultipartUpload is in multipart-complete.ts, the listings in multipart-list.ts.)
import { createHash } from 'node:crypto';
import type { ChecksumAlgorithm, ChecksumType, UploadRecord } from '../../index/types.js';
import { PART_SIZE_BYTES_MAX } from '../../limits.js';
import { createUpload, writePart } from '../../services/multipart.js';
import { readObject } from '../../services/objects.js';
import {
  COMPOSITE_ALGORITHMS,
  createChecksummer,
  FULL_OBJECT_ALGORITHMS,
  parseChecksumAlgorithm,
} from '../checksums.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { storedHeadersFromRequest, userMetadataFromRequest } from '../object-headers.js';
import { authorizeLockHeaders, objectLockConfigurationOf, objectLockFromHeaders } from '../object-lock-headers.js';
import { DEFAULT_CHECKSUM_ALGORITHM, IncomingPayload } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, xmlDocument } from '../xml.js';
import { requireAuthorized } from '../auth/authorize.js';
import { objectAclForWrite } from '../request/acl-headers.js';
import { replicaVersionId } from '../request/replica.js';
import { requireBucket, requireUpload } from '../request/bucket.js';
import { checksumResponseHeaders } from '../request/checksum-headers.js';
import { resolveCopySource } from '../request/copy-source.js';
import { dataKeyFor, encryptionForNewObject, encryptionResponseHeaders, requestedEncryption } from '../request/encryption.js';
import { assertKeyLength } from '../request/key.js';
import { parsePartNumber } from '../request/part-number.js';
import { requestedStorageClass } from '../request/storage-class.js';
import { tagsFromHeader } from '../request/tags.js';

/** The algorithm every part of `upload` stores, and whether clients must use exactly it. */
export function partChecksumChoice(upload: UploadRecord) {
  return upload.checksumAlgorithm === undefined
    ? { kind: 'upload' as const, algorithm: DEFAULT_CHECKSUM_ALGORITHM, strict: false }
    : { kind: 'upload' as const, algorithm: upload.checksumAlgorithm, strict: true };
}

function requestedUploadChecksum(context: RequestContext): { algorithm?: ChecksumAlgorithm; type?: ChecksumType } {
  const algorithmText = header(context, 'x-amz-checksum-algorithm');
  const typeText = header(context, 'x-amz-checksum-type');
  const algorithm = algorithmText === undefined ? undefined : parseChecksumAlgorithm(algorithmText);
  if (algorithmText !== undefined && algorithm === undefined) {
    throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }
  if (typeText !== undefined && typeText !== 'COMPOSITE' && typeText !== 'FULL_OBJECT') {
    throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
  }
  if (algorithm === undefined) {
    if (typeText !== undefined) throw new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return {};
  }
  const type: ChecksumType = (typeText as ChecksumType | undefined) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  const supported = type === 'FULL_OBJECT' ? FULL_OBJECT_ALGORITHMS : COMPOSITE_ALGORITHMS;
  if (!supported.has(algorithm)) {
    throw new S3Error('InvalidRequest', `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  return { algorithm, type };
}

export async function createMultipartUpload(context: RequestContext): Promise<void> {
  const key = context.key!;
  assertKeyLength(key);
  const { algorithm, type } = requestedUploadChecksum(context);
  const acl = await objectAclForWrite(context);
  // SSE-S3 wraps one data key for the whole upload now; every part is sealed with it.
  const requestedSse = requestedEncryption(context);
  const tags = tagsFromHeader(context);
  if (tags !== undefined) await requireAuthorized(context, 's3:PutObjectTagging');
  await requireBucket(context);
  // Checked now, applied to the version CompleteMultipartUpload makes.
  await authorizeLockHeaders(context);
  const lock = objectLockFromHeaders(context, await objectLockConfigurationOf(context, context.bucket!));
  const encryption = await encryptionForNewObject(context, context.bucket!, requestedSse);
  const replica = (await replicaVersionId(context, 's3:ReplicateObject')) === undefined ? {} : { replicationStatus: 'REPLICA' as const };
  const upload = await createUpload(context.layers, {
    bucket: context.bucket!,
    key,
    headers: { ...storedHeadersFromRequest(context), encryption: encryption?.stored, ...replica },
    userMetadata: userMetadataFromRequest(context),
    storageClass: requestedStorageClass(context),
    checksumAlgorithm: algorithm,
    checksumType: type,
    tags,
    acl,
    ...lock,
  });
  if (upload === undefined) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  if (algorithm !== undefined) {
    context.res.setHeader('x-amz-checksum-algorithm', algorithm);
    context.res.setHeader('x-amz-checksum-type', type!);
  }
  for (const [name, value] of Object.entries(encryptionResponseHeaders(encryption?.stored))) context.res.setHeader(name, value);
  sendXml(context.res, 200, xmlDocument('InitiateMultipartUploadResult', [
    node('Bucket', context.bucket!),
    node('Key', key),
    node('UploadId', upload.uploadId),
  ]));
}

export async function uploadPart(context: RequestContext): Promise<void> {
  const partNumber = parsePartNumber(context.query.get('partNumber'));
  const upload = await requireUpload(context);
  const dataKey = dataKeyFor(context, upload.headers.encryption, upload);
  const payload = new IncomingPayload(context, PART_SIZE_BYTES_MAX, partChecksumChoice(upload));
  const hashMd5 = payload.handMd5ToStorage(dataKey === undefined);
  const part = await writePart(context.layers, upload, partNumber, payload.chunks(), (bodyMd5) => payload.finish(bodyMd5), { dataKey, hashMd5 });
  if (part === undefined) throw new S3Error('NoSuchUpload', undefined, { extraFields: { UploadId: upload.uploadId } });
  const echoed = upload.checksumAlgorithm === undefined ? {} : checksumResponseHeaders(part.checksum);
  delete echoed['x-amz-checksum-type'];
  sendEmpty(context.res, 200, { ETag: `"${part.etag}"`, ...echoed, ...encryptionResponseHeaders(upload.headers.encryption) });
}

/** x-amz-copy-source-range: "bytes=first-last", both inside the source. */
function parseCopySourceRange(value: string | undefined, sourceSizeBytes: number) {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  if (match === null || Number(match[2]) < Number(match[1])) {
    throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', {
      extraFields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: value },
    });
  }
  const startByte = Number(match[1]);
  const endByteInclusive = Number(match[2]);
  if (endByteInclusive >= sourceSizeBytes) {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable', {
      extraFields: { RangeRequested: value, ActualObjectSize: String(sourceSizeBytes) },
    });
  }
  return { startByte, endByteInclusive };
}

export async function uploadPartCopy(context: RequestContext): Promise<void> {
  const partNumber = parsePartNumber(context.query.get('partNumber'));
  const upload = await requireUpload(context);
  const dataKey = dataKeyFor(context, upload.headers.encryption, upload);
  const { object: source } = await resolveCopySource(context);
  const sourceDataKey = dataKeyFor(context, source.headers.encryption, source, { copySource: true });
  const range = parseCopySourceRange(header(context, 'x-amz-copy-source-range'), source.sizeBytes);
  const sizeBytes = range === undefined ? source.sizeBytes : range.endByteInclusive - range.startByte + 1;
  if (sizeBytes > PART_SIZE_BYTES_MAX) throw new S3Error('EntityTooLarge');
  const { algorithm } = partChecksumChoice(upload);
  const md5 = createHash('md5');
  const checksummer = createChecksummer(algorithm);
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of readObject(context.layers, source, range, sourceDataKey)) {
      md5.update(chunk);
      checksummer.update(chunk);
      copiedBytes += chunk.byteLength;
      yield chunk;
    }
  }
  let copiedBytes = 0;
  const part = await writePart(context.layers, upload, partNumber, hashed(), () => {
    if (copiedBytes !== sizeBytes) throw new Error(`part copy read ${copiedBytes} of ${sizeBytes} source bytes`);
    return { md5Hex: md5.digest('hex'), sizeBytes, checksum: { algorithm, valueBase64: checksummer.digest().toString('base64'), type: 'FULL_OBJECT' } };
  }, { dataKey });
  if (part === undefined) throw new S3Error('NoSuchUpload', undefined, { extraFields: { UploadId: upload.uploadId } });
  const result = [node('ETag', `"${part.etag}"`), node('LastModified', isoDate(part.lastModifiedMs))];
  if (upload.checksumAlgorithm !== undefined) result.push(node(`Checksum${algorithm}`, part.checksum!.valueBase64));
  for (const [name, value] of Object.entries(encryptionResponseHeaders(upload.headers.encryption))) context.res.setHeader(name, value);
  sendXml(context.res, 200, xmlDocument('CopyPartResult', result));
}

export async function abortMultipartUpload(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const uploadId = context.query.get('uploadId') ?? '';
  const aborted = await context.layers.index.abortUpload(context.bucket!, context.key!, uploadId);
  if (!aborted) throw new S3Error('NoSuchUpload', undefined, { extraFields: { UploadId: uploadId } });
  sendEmpty(context.res, 204);
}
