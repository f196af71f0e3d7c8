// PutObject: stream the body once through every hash into storage, verify, then commit.
import { PUT_OBJECT_SIZE_BYTES_MAX } from '../../limits.js';
import { writeObject } from '../../services/objects.js';
import { changeOrigin, header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { storedHeadersFromRequest, userMetadataFromRequest } from '../object-headers.js';
import { authorizeLockHeaders, assertLockedPutHasIntegrityCheck, objectLockConfigurationOf, objectLockFromHeaders } from '../object-lock-headers.js';
import { IncomingPayload } from '../payload.js';
import { sendEmpty } from '../respond.js';
import { requireAuthorized } from '../auth/authorize.js';
import { conditionError, writeConditionFromHeaders } from '../request/write-conditions.js';
import { objectAclForWrite } from '../request/acl-headers.js';
import { requireBucket } from '../request/bucket.js';
import { checksumResponseHeaders } from '../request/checksum-headers.js';
import { expirationHeaders } from '../request/expiration.js';
import { encryptionForNewObject, encryptionResponseHeaders, requestedEncryption, storedEtag } from '../request/encryption.js';
import { assertKeyLength } from '../request/key.js';
import { requestedStorageClass } from '../request/storage-class.js';
import { tagsFromHeader } from '../request/tags.js';
import { versionIdHeader } from '../request/version-id.js';
import { replicaVersionId } from '../request/replica.js';

export async function putObject(context: RequestContext): Promise<void> {
  const key = context.key!;
  assertKeyLength(key);
  // Every header is checked before a byte of the body is read, so a bad request writes nothing.
  const requestedSse = requestedEncryption(context);
  const storedHeaders = storedHeadersFromRequest(context);
  const userMetadata = userMetadataFromRequest(context);
  const storageClass = requestedStorageClass(context);
  const condition = writeConditionFromHeaders(context);
  const tags = tagsFromHeader(context);
  const acl = await objectAclForWrite(context);
  // Tags on a new object need s3:PutObjectTagging too, as in S3.
  if (tags !== undefined) await requireAuthorized(context, 's3:PutObjectTagging');
  const payload = new IncomingPayload(context, PUT_OBJECT_SIZE_BYTES_MAX);
  await requireBucket(context);
  const lockConfiguration = await objectLockConfigurationOf(context, context.bucket!);
  await authorizeLockHeaders(context);
  const lock = objectLockFromHeaders(context, lockConfiguration);
  assertLockedPutHasIntegrityCheck(context, lock, lockConfiguration);
  const encryption = await encryptionForNewObject(context, context.bucket!, requestedSse);
  const replicaOf = await replicaVersionId(context, 's3:ReplicateObject');
  const headers = { ...storedHeaders, encryption: encryption?.stored, ...(replicaOf === undefined ? {} : { replicationStatus: 'REPLICA' as const }) };
  // A replica that arrives again (its replicator crashed before it knew) is answered, not stored twice.
  const existing = replicaOf === undefined ? undefined : await context.layers.index.getObjectVersion(context.bucket!, key, replicaOf);
  if (existing !== undefined) {
    for await (const _chunk of payload.chunks()) {
      // Read and dropped: the version is stored already.
    }
    sendEmpty(context.res, 200, { ETag: `"${existing.etag}"`, ...versionIdHeader(existing.versionId) });
    return;
  }
  const hashMd5 = payload.handMd5ToStorage(encryption?.dataKey === undefined);
  const outcome = await writeObject(context.layers, {
    bucket: context.bucket!,
    key,
    headers,
    userMetadata,
    storageClass,
    body: payload.chunks(),
    hashMd5,
    verify: (bodyMd5) => {
      const verified = payload.finish(bodyMd5);
      return { ...verified, md5Hex: storedEtag(encryption?.stored, verified.md5Hex) };
    },
    condition,
    tags,
    acl,
    ...lock,
    origin: changeOrigin(context),
    dataKey: encryption?.dataKey,
    dataId: replicaOf,
  });
  if (!outcome.stored) {
    if (outcome.reason === 'no-such-bucket') throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
    throw conditionError(outcome.reason, key);
  }
  sendEmpty(context.res, 200, {
    ETag: `"${outcome.object.etag}"`,
    ...checksumResponseHeaders(outcome.object.checksum),
    ...versionIdHeader(outcome.object.versionId),
    ...encryptionResponseHeaders(outcome.object.headers.encryption),
    ...(await expirationHeaders(context, outcome.object)),
  });
}
