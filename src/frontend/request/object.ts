// The object version a request names, or S3's NoSuchKey / NoSuchVersion / MethodNotAllowed.
import type { ObjectRecord } from '../../index/types.js';
import { type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { httpDate } from '../time.js';
import { accessDenied, authorize } from '../auth/authorize.js';
import { checkedVersionId } from './version-id.js';

/**
 * The object version a GET/HEAD/copy names. Without a version id: the latest, or NoSuchKey (with the
 * delete marker's headers when one is the latest). With one: that version, NoSuchVersion when there
 * is none, and 405 MethodNotAllowed when it is a delete marker — as S3 answers each.
 */
export async function requireObject(context: RequestContext, bucket: string, key: string, versionId: string | null): Promise<ObjectRecord> {
  const { index } = context.layers;
  if (versionId !== null) {
    const version = await index.getObjectVersion(bucket, key, checkedVersionId(versionId));
    if (version === undefined) {
      if (versionId === 'null') throw new S3Error('NoSuchKey', undefined, { extraFields: { Key: key } });
      throw new S3Error('NoSuchVersion', undefined, { extraFields: { Key: key, VersionId: versionId } });
    }
    if (version.isDeleteMarker === true) {
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
        extraFields: { Method: context.method, ResourceType: 'DeleteMarker' },
        headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': versionId, 'Last-Modified': httpDate(version.lastModifiedMs), Allow: 'DELETE' },
      });
    }
    return version;
  }
  const object = await index.getObject(bucket, key);
  if (object === undefined) {
    // S3 tells a missing key from a forbidden one only to those who may list the bucket.
    if (!(await authorize(context, 's3:ListBucket', { bucket }))) throw accessDenied();
    const deleteMarker = await index.getLatestDeleteMarker(bucket, key);
    const headers: Record<string, string> = deleteMarker === undefined ? {} : { 'x-amz-delete-marker': 'true', 'x-amz-version-id': deleteMarker };
    throw new S3Error('NoSuchKey', undefined, { extraFields: { Key: key }, headers });
  }
  return object;
}
