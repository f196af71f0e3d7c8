// CopyObject: the source's verified bytes streamed into a new object, with COPY or REPLACE metadata.
import { createHash } from 'node:crypto';
import { PUT_OBJECT_SIZE_BYTES_MAX } from '../../limits.js';
import { writeObject, readObject } from '../../services/objects.js';
import { changeOrigin, header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { storedHeadersFromRequest, userMetadataFromRequest } from '../object-headers.js';
import { authorizeLockHeaders, objectLockConfigurationOf, objectLockFromHeaders } from '../object-lock-headers.js';
import { sendXml } from '../respond.js';
import { isoDate } from '../time.js';
import { node, xmlDocument } from '../xml.js';
import type { ObjectRecord } from '../../index/types.js';
import { requireAuthorized } from '../auth/authorize.js';
import { assertNoObjectAcl } from './access-control.js';
import { requireBucket } from './buckets.js';
import { failedPrecondition, requireObject } from './get.js';
import { assertKeyLength, requestedStorageClass, versionIdHeader } from './put.js';
import { tagsFromHeader } from './tagging.js';

interface CopySource {
  bucket: string;
  key: string;
  versionId: string | null;
}

const COPY_SOURCE_PROBLEM = 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey';

/** x-amz-copy-source: "[/]bucket/key[?versionId=id]", the key URL-encoded. */
export function parseCopySource(value: string): CopySource {
  const invalid = () => new S3Error('InvalidArgument', COPY_SOURCE_PROBLEM, { extraFields: { ArgumentName: 'x-amz-copy-source', ArgumentValue: value } });
  const [pathPart, queryPart] = value.split('?', 2) as [string, string | undefined];
  let path: string;
  try {
    path = decodeURIComponent(pathPart.startsWith('/') ? pathPart.slice(1) : pathPart);
  } catch {
    throw invalid();
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw invalid();
  const versionId = queryPart === undefined ? null : new URLSearchParams(queryPart).get('versionId');
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1), versionId };
}

/**
 * The object x-amz-copy-source names, after its x-amz-copy-source-if-* conditions. For a copy every
 * failed condition is 412, including those a GET would answer with 304.
 */
export async function resolveCopySource(context: RequestContext): Promise<{ source: CopySource; object: ObjectRecord }> {
  const source = parseCopySource(header(context, 'x-amz-copy-source')!);
  if ((await context.layers.index.getBucket(source.bucket)) === undefined) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: source.bucket } });
  }
  // Reading the source is a GetObject of it (GetObjectVersion when a version is named).
  await requireAuthorized(context, source.versionId === null ? 's3:GetObject' : 's3:GetObjectVersion', { bucket: source.bucket, key: source.key });
  const object = await requireObject(context, source.bucket, source.key, source.versionId);
  const precondition = failedPrecondition({
    ifMatch: header(context, 'x-amz-copy-source-if-match'),
    ifNoneMatch: header(context, 'x-amz-copy-source-if-none-match'),
    ifModifiedSince: header(context, 'x-amz-copy-source-if-modified-since'),
    ifUnmodifiedSince: header(context, 'x-amz-copy-source-if-unmodified-since'),
  }, object, Date.now());
  if (precondition !== undefined) throw new S3Error('PreconditionFailed', undefined, { extraFields: { Condition: 'x-amz-copy-source-If-Match' } });
  return { source, object };
}

export async function copyObject(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const directive = header(context, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { extraFields: { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive } });
  }
  const taggingDirective = header(context, 'x-amz-tagging-directive') ?? 'COPY';
  if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown tagging directive.', { extraFields: { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: taggingDirective } });
  }
  const replacementTags = taggingDirective === 'REPLACE' ? tagsFromHeader(context) : undefined;
  assertNoObjectAcl(context);
  if (replacementTags !== undefined) await requireAuthorized(context, 's3:PutObjectTagging');
  const storageClass = requestedStorageClass(context);
  const replacing = directive === 'REPLACE';
  const headers = replacing ? storedHeadersFromRequest(context) : undefined;
  const userMetadata = replacing ? userMetadataFromRequest(context) : undefined;
  await requireBucket(context);
  // The copy is a new version: it takes the request's lock headers, never the source's lock.
  await authorizeLockHeaders(context);
  const lock = objectLockFromHeaders(context, await objectLockConfigurationOf(context, context.bucket!));
  const { source, object: sourceObject } = await resolveCopySource(context);
  if (sourceObject.sizeBytes > PUT_OBJECT_SIZE_BYTES_MAX) {
    throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${PUT_OBJECT_SIZE_BYTES_MAX}`);
  }
  // S3 documents copying an earlier version onto its own key as the way to restore it
  // (RestoringPreviousVersions), so a copy that names a source version is never "onto itself".
  const ontoItself = source.bucket === context.bucket && source.key === context.key && source.versionId === null;
  if (ontoItself && !replacing && header(context, 'x-amz-storage-class') === undefined) {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const md5 = createHash('md5');
  let copiedBytes = 0;
  async function* hashedSource(): AsyncGenerator<Buffer> {
    for await (const chunk of readObject(context.layers, sourceObject)) {
      md5.update(chunk);
      copiedBytes += chunk.byteLength;
      yield chunk;
    }
  }
  const outcome = await writeObject(context.layers, {
    bucket: context.bucket!,
    key: context.key!,
    headers: headers ?? sourceObject.headers,
    userMetadata: userMetadata ?? sourceObject.userMetadata,
    storageClass,
    body: hashedSource(),
    // The bytes are the source's, verified record by record on the way; its checksum still holds.
    verify: () => {
      // Every source byte must have come through; anything else is an internal fault, never a short copy.
      if (copiedBytes !== sourceObject.sizeBytes) throw new Error(`copy read ${copiedBytes} of ${sourceObject.sizeBytes} source bytes`);
      return { md5Hex: md5.digest('hex'), sizeBytes: copiedBytes, checksum: sourceObject.checksum };
    },
    tags: taggingDirective === 'REPLACE' ? replacementTags : sourceObject.tags,
    ...lock,
    origin: changeOrigin(context),
  });
  if (!outcome.stored) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  for (const [name, value] of Object.entries(versionIdHeader(outcome.object.versionId))) context.res.setHeader(name, value);
  if (sourceObject.versionId !== 'null') context.res.setHeader('x-amz-copy-source-version-id', sourceObject.versionId);
  const result = [node('LastModified', isoDate(outcome.object.lastModifiedMs)), node('ETag', `"${outcome.object.etag}"`)];
  if (outcome.object.checksum !== undefined) {
    result.push(node(`Checksum${outcome.object.checksum.algorithm}`, outcome.object.checksum.valueBase64));
  }
  sendXml(context.res, 200, xmlDocument('CopyObjectResult', result));
}
