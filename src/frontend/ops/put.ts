// PutObject: stream the body once through every hash into storage, verify, then commit.
import type { StoredChecksum } from '../../index/types.js';
import { KEY_LENGTH_BYTES_MAX, PUT_OBJECT_SIZE_BYTES_MAX } from '../../limits.js';
import { writeObject } from '../../services/objects.js';
import { utf8ByteLength } from '../../util/utf8.js';
import { CHECKSUM_HEADER_BY_ALGORITHM } from '../checksums.js';
import { changeOrigin, header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { storedHeadersFromRequest, userMetadataFromRequest } from '../object-headers.js';
import { authorizeLockHeaders, assertLockedPutHasIntegrityCheck, objectLockConfigurationOf, objectLockFromHeaders } from '../object-lock-headers.js';
import { IncomingPayload } from '../payload.js';
import { sendEmpty } from '../respond.js';
import { requireAuthorized } from '../auth/authorize.js';
import { assertNoObjectAcl } from './access-control.js';
import { requireBucket } from './buckets.js';
import { expirationHeaders } from './lifecycle.js';
import { tagsFromHeader } from './tagging.js';
import { conditionError, writeConditionFromHeaders } from './write-conditions.js';

/** Storage classes a PUT may name; the erasure-coding issue gives them different layouts. */
export const ACCEPTED_STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE',
  'GLACIER_IR', 'EXPRESS_ONEZONE',
]);

export function assertKeyLength(key: string): void {
  if (utf8ByteLength(key) > KEY_LENGTH_BYTES_MAX) {
    throw new S3Error('KeyTooLongError', undefined, {
      extraFields: { Size: String(utf8ByteLength(key)), MaxSizeAllowed: String(KEY_LENGTH_BYTES_MAX) },
    });
  }
}

export function requestedStorageClass(context: RequestContext): string {
  const storageClass = header(context, 'x-amz-storage-class') ?? 'STANDARD';
  if (!ACCEPTED_STORAGE_CLASSES.has(storageClass)) throw new S3Error('InvalidStorageClass');
  return storageClass;
}

export async function putObject(context: RequestContext): Promise<void> {
  const key = context.key!;
  assertKeyLength(key);
  // Every header is checked before a byte of the body is read, so a bad request writes nothing.
  const headers = storedHeadersFromRequest(context);
  const userMetadata = userMetadataFromRequest(context);
  const storageClass = requestedStorageClass(context);
  const condition = writeConditionFromHeaders(context);
  const tags = tagsFromHeader(context);
  assertNoObjectAcl(context);
  // Tags on a new object need s3:PutObjectTagging too, as in S3.
  if (tags !== undefined) await requireAuthorized(context, 's3:PutObjectTagging');
  const payload = new IncomingPayload(context, PUT_OBJECT_SIZE_BYTES_MAX);
  await requireBucket(context);
  const lockConfiguration = await objectLockConfigurationOf(context, context.bucket!);
  await authorizeLockHeaders(context);
  const lock = objectLockFromHeaders(context, lockConfiguration);
  assertLockedPutHasIntegrityCheck(context, lock, lockConfiguration);
  const outcome = await writeObject(context.layers, {
    bucket: context.bucket!,
    key,
    headers,
    userMetadata,
    storageClass,
    body: payload.chunks(),
    verify: () => payload.finish(),
    condition,
    tags,
    ...lock,
    origin: changeOrigin(context),
  });
  if (!outcome.stored) {
    if (outcome.reason === 'no-such-bucket') throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
    throw conditionError(outcome.reason, key);
  }
  sendEmpty(context.res, 200, {
    ETag: `"${outcome.object.etag}"`,
    ...checksumResponseHeaders(outcome.object.checksum),
    ...versionIdHeader(outcome.object.versionId),
    ...(await expirationHeaders(context, outcome.object)),
  });
}

/** x-amz-version-id for a version a versioning-enabled bucket made (none for the 'null' version). */
export function versionIdHeader(versionId: string): Record<string, string> {
  return versionId === 'null' ? {} : { 'x-amz-version-id': versionId };
}

export function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  if (checksum === undefined) return {};
  return { [CHECKSUM_HEADER_BY_ALGORITHM[checksum.algorithm]]: checksum.valueBase64, 'x-amz-checksum-type': checksum.type };
}
