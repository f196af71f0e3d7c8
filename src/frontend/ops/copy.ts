// CopyObject: the source's verified bytes streamed into a new object, with COPY or REPLACE metadata.
import { createHash } from 'node:crypto';
import { PUT_OBJECT_SIZE_BYTES_MAX } from '../../limits.js';
import { writeObject, readObject } from '../../services/objects.js';
import { changeOrigin, header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { storedHeadersFromRequest, userMetadataFromRequest, websiteRedirectFromRequest } from '../object-headers.js';
import { authorizeLockHeaders, objectLockConfigurationOf, objectLockFromHeaders } from '../object-lock-headers.js';
import { sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, xmlDocument } from '../xml.js';
import { requireAuthorized } from '../auth/authorize.js';
import { objectAclForWrite } from '../request/acl-headers.js';
import { requireBucket } from '../request/bucket.js';
import { resolveCopySource } from '../request/copy-source.js';
import { dataKeyFor, encryptionForNewObject, encryptionResponseHeaders, requestedEncryption, storedEtag } from '../request/encryption.js';
import { assertKeyLength } from '../request/key.js';
import { requestedStorageClass } from '../request/storage-class.js';
import { tagsFromHeader } from '../request/tags.js';
import { versionIdHeader } from '../request/version-id.js';

/** x-amz-metadata-directive and x-amz-tagging-directive: COPY (the default) or REPLACE. */
function copyDirectives(context: RequestContext): { directive: string; taggingDirective: string } {
  const directive = header(context, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { extraFields: { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive } });
  }
  const taggingDirective = header(context, 'x-amz-tagging-directive') ?? 'COPY';
  if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown tagging directive.', { extraFields: { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: taggingDirective } });
  }
  return { directive, taggingDirective };
}

export async function copyObject(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const { directive, taggingDirective } = copyDirectives(context);
  const replacementTags = taggingDirective === 'REPLACE' ? tagsFromHeader(context) : undefined;
  const acl = await objectAclForWrite(context);
  if (replacementTags !== undefined) await requireAuthorized(context, 's3:PutObjectTagging');
  const storageClass = requestedStorageClass(context);
  const replacing = directive === 'REPLACE';
  // The copy is encrypted as this request (not the source) says; the source opens with its own key.
  const requestedSse = requestedEncryption(context);
  const headers = replacing ? storedHeadersFromRequest(context) : undefined;
  const websiteRedirectLocation = websiteRedirectFromRequest(context);
  const userMetadata = replacing ? userMetadataFromRequest(context) : undefined;
  await requireBucket(context);
  // The copy is a new version: it takes the request's lock headers, never the source's lock.
  await authorizeLockHeaders(context);
  const lock = objectLockFromHeaders(context, await objectLockConfigurationOf(context, context.bucket!));
  const { source, object: sourceObject } = await resolveCopySource(context);
  const encryption = await encryptionForNewObject(context, context.bucket!, requestedSse);
  if (sourceObject.sizeBytes > PUT_OBJECT_SIZE_BYTES_MAX) {
    throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${PUT_OBJECT_SIZE_BYTES_MAX}`);
  }
  // S3 documents copying an earlier version onto its own key as the way to restore it
  // (RestoringPreviousVersions), so a copy that names a source version is never "onto itself".
  const ontoItself = source.bucket === context.bucket && source.key === context.key && source.versionId === null;
  const sourceDataKey = dataKeyFor(context, sourceObject.headers.encryption, sourceObject, { copySource: true });
  if (ontoItself && !replacing && header(context, 'x-amz-storage-class') === undefined && websiteRedirectLocation === undefined && requestedSse === undefined) {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const md5 = createHash('md5');
  let copiedBytes = 0;
  async function* hashedSource(): AsyncGenerator<Buffer> {
    for await (const chunk of readObject(context.layers, sourceObject, undefined, sourceDataKey)) {
      md5.update(chunk);
      copiedBytes += chunk.byteLength;
      yield chunk;
    }
  }
  const outcome = await writeObject(context.layers, {
    bucket: context.bucket!,
    key: context.key!,
    headers: { ...(headers ?? { ...sourceObject.headers, websiteRedirectLocation }), encryption: encryption?.stored, replicationStatus: undefined },
    userMetadata: userMetadata ?? sourceObject.userMetadata,
    storageClass,
    body: hashedSource(),
    // The bytes are the source's, verified record by record on the way; its checksum still holds.
    verify: () => {
      // Every source byte must have come through; anything else is an internal fault, never a short copy.
      if (copiedBytes !== sourceObject.sizeBytes) throw new Error(`copy read ${copiedBytes} of ${sourceObject.sizeBytes} source bytes`);
      return { md5Hex: storedEtag(encryption?.stored, md5.digest('hex')), sizeBytes: copiedBytes, checksum: sourceObject.checksum };
    },
    tags: taggingDirective === 'REPLACE' ? replacementTags : sourceObject.tags,
    // A copy never takes the source's ACL: it gets the request's (private by default), as in S3.
    acl,
    ...lock,
    origin: { ...changeOrigin(context), action: 'Copy' },
    dataKey: encryption?.dataKey,
  });
  if (!outcome.stored) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  for (const [name, value] of Object.entries(versionIdHeader(outcome.object.versionId))) context.res.setHeader(name, value);
  if (sourceObject.versionId !== 'null') context.res.setHeader('x-amz-copy-source-version-id', sourceObject.versionId);
  for (const [name, value] of Object.entries(encryptionResponseHeaders(encryption?.stored))) context.res.setHeader(name, value);
  const result = [node('LastModified', isoDate(outcome.object.lastModifiedMs)), node('ETag', `"${outcome.object.etag}"`)];
  if (outcome.object.checksum !== undefined) {
    result.push(node(`Checksum${outcome.object.checksum.algorithm}`, outcome.object.checksum.valueBase64), node('ChecksumType', outcome.object.checksum.type));
  }
  sendXml(context.res, 200, xmlDocument('CopyObjectResult', result));
}
