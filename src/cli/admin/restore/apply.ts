// The writes of a restore. Both only add versions: a copy of the version current at TIME becomes the
// key's new current version (CopyObject, or UploadPartCopy above the copy limit), and a DeleteObject
// without a version id writes a delete marker. Neither ever deletes a version, so a later restore to a
// time before this one undoes it.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';

/** S3's limit for a single CopyObject (5 GiB); larger sources must be copied in parts. */
export const COPY_OBJECT_SIZE_BYTES_MAX = 5 * 1024 ** 3;
/** S3's smallest part but the last (5 MiB). */
export const PART_SIZE_BYTES_MIN = 5 * 1024 ** 2;
/** Parts of a multipart copy are at most this large: big enough to be few, small enough to retry. */
const COPY_PART_SIZE_BYTES_MAX = 512 * 1024 ** 2;
/** S3's most parts in one upload. */
const PARTS_MAX = 10_000;

export interface CopySpec {
  sourceBucket: string;
  key: string;
  versionId: string;
  sizeBytes: number;
  storageClass?: string;
  destinationBucket: string;
  /** Objects larger than this are copied with UploadPartCopy (at most COPY_OBJECT_SIZE_BYTES_MAX). */
  multipartThresholdBytes: number;
}

/** x-amz-copy-source: bucket/key?versionId=…, the key URL-encoded segment by segment. */
export function copySource(bucket: string, key: string, versionId: string): string {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  return `${bucket}/${encodedKey}?versionId=${encodeURIComponent(versionId)}`;
}

export async function copyVersion(s3: S3Client, spec: CopySpec): Promise<void> {
  if (spec.sizeBytes > spec.multipartThresholdBytes) {
    await copyVersionInParts(s3, spec);
    return;
  }
  await s3.send(new CopyObjectCommand({
    Bucket: spec.destinationBucket,
    Key: spec.key,
    CopySource: copySource(spec.sourceBucket, spec.key, spec.versionId),
    // Headers, user metadata and tags come with the bytes.
    MetadataDirective: 'COPY',
    TaggingDirective: 'COPY',
    // Without it a copy lands in STANDARD, as in S3.
    StorageClass: spec.storageClass as StorageClass | undefined,
  }));
}

/** The part size for an object: as large as the threshold allows (up to 512 MiB), never more than 10,000 parts. */
export function copyPartSizeBytes(sizeBytes: number, multipartThresholdBytes: number): number {
  return Math.max(PART_SIZE_BYTES_MIN, Math.min(multipartThresholdBytes, COPY_PART_SIZE_BYTES_MAX), Math.ceil(sizeBytes / PARTS_MAX));
}

/** UploadPartCopy for sources over the CopyObject limit; the headers, metadata and tags are carried over by hand. */
async function copyVersionInParts(s3: S3Client, spec: CopySpec): Promise<void> {
  const source = { Bucket: spec.sourceBucket, Key: spec.key, VersionId: spec.versionId };
  const [head, tagging] = await Promise.all([s3.send(new HeadObjectCommand(source)), s3.send(new GetObjectTaggingCommand(source))]);
  const tags = new URLSearchParams((tagging.TagSet ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])).toString();
  const expires = head.ExpiresString === undefined ? undefined : new Date(head.ExpiresString);
  const { UploadId: uploadId } = await s3.send(new CreateMultipartUploadCommand({
    Bucket: spec.destinationBucket,
    Key: spec.key,
    ContentType: head.ContentType,
    ContentEncoding: head.ContentEncoding,
    ContentLanguage: head.ContentLanguage,
    ContentDisposition: head.ContentDisposition,
    CacheControl: head.CacheControl,
    Expires: expires !== undefined && !Number.isNaN(expires.getTime()) ? expires : undefined,
    Metadata: head.Metadata,
    StorageClass: spec.storageClass as StorageClass | undefined,
    Tagging: tags === '' ? undefined : tags,
  }));
  if (uploadId === undefined) throw new Error(`CreateMultipartUpload for ${spec.key} returned no UploadId`);
  try {
    const partSizeBytes = copyPartSizeBytes(spec.sizeBytes, spec.multipartThresholdBytes);
    const parts: CompletedPart[] = [];
    for (let firstByte = 0, partNumber = 1; firstByte < spec.sizeBytes; firstByte += partSizeBytes, partNumber += 1) {
      const lastByte = Math.min(firstByte + partSizeBytes, spec.sizeBytes) - 1;
      const copied = await s3.send(new UploadPartCopyCommand({
        Bucket: spec.destinationBucket,
        Key: spec.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        CopySource: copySource(spec.sourceBucket, spec.key, spec.versionId),
        CopySourceRange: `bytes=${firstByte}-${lastByte}`,
      }));
      parts.push({ PartNumber: partNumber, ETag: copied.CopyPartResult?.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: spec.destinationBucket, Key: spec.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    // Leave no half-copied upload behind (the server's sweeper would abort it only days later).
    await s3.send(new AbortMultipartUploadCommand({ Bucket: spec.destinationBucket, Key: spec.key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}

/** A delete marker on the key (in a bucket without versioning: the object goes for good). */
export async function writeDeleteMarker(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
