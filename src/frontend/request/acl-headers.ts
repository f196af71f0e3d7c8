// The ACL a request sets, by the bucket's Object Ownership. Under BucketOwnerEnforced (ACLs
// disabled) the canned ACLs `private` and `bucket-owner-full-control` grant nothing beyond the
// owner's own rights, so they are accepted as no-ops; AWS refuses `private` on object writes, Cairn
// deliberately does not (rclone, the CNCF registry and other older clients send it on every write).
// Anything granting someone else is refused there. With ACLs enabled (BucketOwnerPreferred,
// ObjectWriter) the ACL is stored, its owner the writer (or the bucket's owner under
// BucketOwnerPreferred with bucket-owner-full-control), and Block Public Access's BlockPublicAcls
// refuses a public one with 403 AccessDenied.
import { OBJECT_OWNERSHIP_VALUES, type BucketAccessRecord, type ObjectOwnership, type StoredAcl } from '../../index/types.js';
import { BUCKET_OWNER_ENFORCED, OWNERSHIP_WITHOUT_CONTROLS } from '../../services/access-defaults.js';
import { isPublicAcl } from '../../services/iam/acl.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { asArray } from '../xml.js';
import { cannedAclGrants, cannedAclHeader, GRANT_HEADERS, grantsFromHeaders, resolveGrants } from './acl-grants.js';
import { lookupRequestBucket } from './bucket.js';

export { BUCKET_OWNER_ENFORCED };

export function aclsNotSupported(): S3Error {
  return new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

/** The canned ACLs that grant only the owner's own full control: no-ops while ACLs are disabled. */
export const OWNER_ONLY_CANNED_ACLS: ReadonlySet<string> = new Set(['private', 'bucket-owner-full-control']);

/** True when the request names any `x-amz-grant-*` header. */
export function hasGrantHeaders(context: RequestContext): boolean {
  return GRANT_HEADERS.some(([name]) => header(context, name) !== undefined);
}

/** CreateBucket's x-amz-object-ownership (InvalidArgument for a value S3 does not know); undefined when absent. */
export function requestedOwnership(context: RequestContext): ObjectOwnership | undefined {
  const ownership = header(context, 'x-amz-object-ownership');
  if (ownership !== undefined && !(OBJECT_OWNERSHIP_VALUES as readonly string[]).includes(ownership)) {
    throw new S3Error('InvalidArgument', 'Invalid x-amz-object-ownership header', { extraFields: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: ownership } });
  }
  return ownership as ObjectOwnership | undefined;
}

/** A bucket's Object Ownership (ObjectWriter once its controls were deleted, as on AWS). */
export function ownershipOf(access: BucketAccessRecord): ObjectOwnership {
  return access.ownershipControls?.ObjectOwnership ?? OWNERSHIP_WITHOUT_CONTROLS;
}

/** BlockPublicAcls: a request that sets a public ACL is refused, for the owner too. */
export function assertNotBlockedPublicAcl(access: BucketAccessRecord, acl: StoredAcl): void {
  if (access.publicAccessBlock?.BlockPublicAcls === true && isPublicAcl(acl)) throw new S3Error('AccessDenied', 'Access Denied');
}

/** A canned ACL and grant headers together: S3's InvalidRequest. */
function assertOneAclForm(context: RequestContext, canned: string | undefined): void {
  if (canned !== undefined && hasGrantHeaders(context)) throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
}

/** The requester's canonical id; an anonymous writer's objects belong to the bucket's owner. */
function writerId(context: RequestContext, bucketOwnerId: string): string {
  return context.principal.kind === 'anonymous' ? bucketOwnerId : context.principal.canonicalId;
}

/**
 * The ACL an object write (PutObject, CopyObject, CreateMultipartUpload, POST) gives its version:
 * undefined under BucketOwnerEnforced (after refusing an ACL that grants anyone else) or when the
 * bucket does not exist (the operation answers NoSuchBucket). `cannedField` is a POST form's `acl`.
 */
export async function objectAclForWrite(context: RequestContext, cannedField?: string): Promise<StoredAcl | undefined> {
  const canned = cannedAclHeader(context, cannedField ?? header(context, 'x-amz-acl'));
  assertOneAclForm(context, canned);
  const found = await lookupRequestBucket(context);
  if (found === undefined) return undefined;
  const { access } = found;
  const ownership = ownershipOf(access);
  if (ownership === BUCKET_OWNER_ENFORCED) {
    if ((canned !== undefined && !OWNER_ONLY_CANNED_ACLS.has(canned)) || hasGrantHeaders(context)) throw aclsNotSupported();
    return undefined;
  }
  const toBucketOwner = ownership === 'BucketOwnerPreferred' && canned === 'bucket-owner-full-control';
  const ownerId = toBucketOwner ? access.ownerId : writerId(context, access.ownerId);
  const named = grantsFromHeaders(context);
  const grants = named.length > 0 ? await resolveGrants(context, named) : cannedAclGrants(canned ?? 'private', ownerId, access.ownerId, 'object');
  const acl = { ownerId, grants };
  assertNotBlockedPublicAcl(access, acl);
  return acl;
}

/**
 * CreateBucket's ACL headers. Under BucketOwnerEnforced only owner-only canned ACLs are accepted
 * (InvalidBucketAclWithObjectOwnership otherwise) and nothing is stored; with ACLs enabled the
 * bucket's ACL (undefined: private, nothing to store).
 */
export async function bucketAclForCreate(context: RequestContext, ownership: ObjectOwnership, blockPublicAcls: boolean): Promise<StoredAcl | undefined> {
  const canned = cannedAclHeader(context);
  assertOneAclForm(context, canned);
  if (ownership === BUCKET_OWNER_ENFORCED) {
    if ((canned !== undefined && !OWNER_ONLY_CANNED_ACLS.has(canned)) || hasGrantHeaders(context)) {
      throw new S3Error('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
    }
    return undefined;
  }
  const ownerId = writerId(context, context.config.ownerId);
  const named = grantsFromHeaders(context);
  if (named.length === 0 && (canned === undefined || canned === 'private')) return undefined;
  const grants = named.length > 0 ? await resolveGrants(context, named) : cannedAclGrants(canned!, ownerId, ownerId, 'bucket');
  const acl = { ownerId, grants };
  if (blockPublicAcls && isPublicAcl(acl)) throw new S3Error('AccessDenied', 'Access Denied');
  return acl;
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
