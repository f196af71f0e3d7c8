// x-amz-copy-source: the object a copy reads (CopyObject, UploadPartCopy), after its conditions.
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import type { ObjectRecord } from '../../index/types.js';
import { requireAuthorized } from '../auth/authorize.js';
import { requireReadableBytes } from './archive.js';
import { requireObject } from './object.js';
import { failedPrecondition } from './preconditions.js';

export interface CopySource {
  bucket: string;
  key: string;
  versionId: string | null;
}

const COPY_SOURCE_PROBLEM = 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey';

/** x-amz-copy-source: "[/]bucket/key[?versionId=id]", the key URL-encoded. */
function parseCopySource(value: string): CopySource {
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
  await requireReadableBytes(context, object);
  return { source, object };
}
