// ACL and Object Ownership request headers and ACL bodies: what a write, CreateBucket or Put*Acl may
// name while ACLs are disabled (BucketOwnerEnforced). The canned ACLs `private` and
// `bucket-owner-full-control` grant nothing beyond the owner's own rights, so they are accepted as
// no-ops; AWS refuses `private` on object writes, Cairn deliberately does not (rclone, the CNCF
// registry and other older clients send it on every write). Anything granting someone else is refused.
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { asArray } from '../xml.js';
import { BUCKET_OWNER_ENFORCED } from '../../services/access-defaults.js';

export { BUCKET_OWNER_ENFORCED };

export const OWNERSHIP_VALUES = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);
const GRANT_HEADERS = ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'];

export function aclsNotSupported(): S3Error {
  return new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

/** The canned ACLs that grant only the owner's own full control: no-ops while ACLs are disabled. */
export const OWNER_ONLY_CANNED_ACLS: ReadonlySet<string> = new Set(['private', 'bucket-owner-full-control']);

/** True when the request names any `x-amz-grant-*` header. */
export function hasGrantHeaders(context: RequestContext): boolean {
  return GRANT_HEADERS.some((name) => header(context, name) !== undefined);
}

/** Object writes (PutObject, CopyObject, CreateMultipartUpload) may name no ACL but an owner-only canned one. */
export function assertNoObjectAcl(context: RequestContext): void {
  const canned = header(context, 'x-amz-acl');
  if ((canned !== undefined && !OWNER_ONLY_CANNED_ACLS.has(canned)) || hasGrantHeaders(context)) {
    throw aclsNotSupported();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An AccessControlPolicy body (already parsed) that grants FULL_CONTROL to the owner and nothing
 * else, i.e. what the bucket already has. `xsi:type` is ignored: a grantee with an ID is a canonical user.
 */
export function isOwnerOnlyAclDocument(document: Record<string, unknown>, ownerId: string): boolean {
  const policy = document['AccessControlPolicy'];
  if (!isRecord(policy)) return false;
  const list = policy['AccessControlList'];
  if (!isRecord(list)) return false;
  const grants = asArray(list['Grant']);
  return grants.length > 0 && grants.every((grant) => {
    if (!isRecord(grant) || !isRecord(grant['Grantee'])) return false;
    const grantee = grant['Grantee'];
    return typeof grantee['ID'] === 'string' && grantee['ID'].trim() === ownerId
      && grantee['URI'] === undefined && grantee['EmailAddress'] === undefined
      && typeof grant['Permission'] === 'string' && grant['Permission'].trim() === 'FULL_CONTROL';
  });
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
  const ownerOnly = canned === undefined || OWNER_ONLY_CANNED_ACLS.has(canned);
  if (!ownerOnly || hasGrantHeaders(context)) {
    throw new S3Error('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
  }
}
