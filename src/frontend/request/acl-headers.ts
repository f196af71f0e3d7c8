// ACL and Object Ownership request headers: what a write or CreateBucket may name while ACLs are disabled.
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { BUCKET_OWNER_ENFORCED } from '../../services/access-defaults.js';

export { BUCKET_OWNER_ENFORCED };

export const OWNERSHIP_VALUES = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);
const GRANT_HEADERS = ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'];

export function aclsNotSupported(): S3Error {
  return new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

/** Object writes (PutObject, CopyObject, CreateMultipartUpload) may name no ACL but the bucket owner's full control. */
export function assertNoObjectAcl(context: RequestContext): void {
  const canned = header(context, 'x-amz-acl');
  if ((canned !== undefined && canned !== 'bucket-owner-full-control') || GRANT_HEADERS.some((name) => header(context, name) !== undefined)) {
    throw aclsNotSupported();
  }
}

/** CreateBucket: ACLs that grant only the owner are accepted; Object Ownership must stay BucketOwnerEnforced. */
export function assertCreateBucketAccessHeaders(context: RequestContext): void {
  const ownership = header(context, 'x-amz-object-ownership');
  if (ownership !== undefined && !OWNERSHIP_VALUES.has(ownership)) {
    throw new S3Error('InvalidArgument', 'Invalid x-amz-object-ownership header', { extraFields: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: ownership } });
  }
  if (ownership !== undefined && ownership !== BUCKET_OWNER_ENFORCED) {
    throw new S3Error('NotImplemented', 'ACLs are not supported: Object Ownership is always BucketOwnerEnforced.', { extraFields: { Header: 'x-amz-object-ownership' } });
  }
  const canned = header(context, 'x-amz-acl');
  const ownerOnly = canned === undefined || canned === 'private' || canned === 'bucket-owner-full-control';
  if (!ownerOnly || GRANT_HEADERS.some((name) => header(context, name) !== undefined)) {
    throw new S3Error('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
  }
}
