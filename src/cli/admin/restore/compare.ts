// Whether the object a key shows now already is the version a restore would bring back: same bytes,
// same headers and user metadata, same storage class and tags. This is what makes a restore safe to
// run again (and into a bucket that already holds part of the data) without writing new versions.
import { GetObjectTaggingCommand, HeadObjectCommand, type HeadObjectCommandOutput, type S3Client, type Tag } from '@aws-sdk/client-s3';
import { isDeepStrictEqual } from 'node:util';

export interface ObjectRef {
  bucket: string;
  key: string;
  /** Undefined: the key's current version. */
  versionId?: string;
  etag?: string;
  sizeBytes: number;
  storageClass?: string;
}

const CHECKSUM_FIELDS = ['ChecksumCRC32', 'ChecksumCRC32C', 'ChecksumCRC64NVME', 'ChecksumSHA1', 'ChecksumSHA256'] as const;
const HEADER_FIELDS = ['ContentType', 'ContentEncoding', 'ContentLanguage', 'ContentDisposition', 'CacheControl', 'ExpiresString'] as const;

/** A multipart ETag ("…-N") is not an MD5 of the bytes: two of them differing says nothing. */
const isPlainMd5Etag = (etag: string | undefined): boolean => etag !== undefined && /^"?[0-9a-f]{32}"?$/i.test(etag);

function head(s3: S3Client, ref: ObjectRef): Promise<HeadObjectCommandOutput> {
  return s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId, ChecksumMode: 'ENABLED' }));
}

async function tagsOf(s3: S3Client, ref: ObjectRef): Promise<string[]> {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
  return (TagSet ?? []).map((tag: Tag) => `${tag.Key}=${tag.Value}`).sort();
}

/** Same bytes: equal MD5 ETags, or (a copy of a multipart object gets a new ETag) an equal checksum. */
function sameBytes(wanted: HeadObjectCommandOutput, present: HeadObjectCommandOutput): boolean {
  if (wanted.ContentLength !== present.ContentLength) return false;
  if (wanted.ETag !== undefined && wanted.ETag === present.ETag) return true;
  return CHECKSUM_FIELDS.some((field) => wanted[field] !== undefined && wanted[field] === present[field] && wanted.ChecksumType === present.ChecksumType);
}

export async function isSameObject(s3: S3Client, wanted: ObjectRef, present: ObjectRef): Promise<boolean> {
  if (wanted.sizeBytes !== present.sizeBytes) return false;
  if ((wanted.storageClass ?? 'STANDARD') !== (present.storageClass ?? 'STANDARD')) return false;
  if (isPlainMd5Etag(wanted.etag) && isPlainMd5Etag(present.etag) && wanted.etag !== present.etag) return false;
  const [wantedHead, presentHead] = await Promise.all([head(s3, wanted), head(s3, present)]);
  if (!sameBytes(wantedHead, presentHead)) return false;
  if (HEADER_FIELDS.some((field) => wantedHead[field] !== presentHead[field])) return false;
  if (!isDeepStrictEqual(wantedHead.Metadata ?? {}, presentHead.Metadata ?? {})) return false;
  const [wantedTags, presentTags] = await Promise.all([tagsOf(s3, wanted), tagsOf(s3, present)]);
  return isDeepStrictEqual(wantedTags, presentTags);
}
