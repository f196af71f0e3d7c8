// ACL evaluation, as S3 evaluates ACLs next to policies: which permission an action needs on which
// resource (the bucket's ACL or the object version's), whether an ACL grants it to a requester, and
// what makes an ACL public. Pure: no I/O.
import type { AclGrant, AclPermission, StoredAcl } from '../../index/types.js';
import type { RequestPrincipal } from './evaluate.js';

export const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS_URI = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY_URI = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
export const GROUP_URIS: ReadonlySet<string> = new Set([ALL_USERS_URI, AUTHENTICATED_USERS_URI, LOG_DELIVERY_URI]);

/** What an action needs from an ACL: a permission in the bucket's ACL or in the object version's. */
export interface AclRequirement {
  target: 'bucket' | 'object';
  permission: AclPermission;
}

/** After "Mapping of ACL permissions and access policy permissions" in the S3 user guide. */
const ACL_REQUIREMENTS: ReadonlyMap<string, AclRequirement> = new Map([
  ['s3:ListBucket', { target: 'bucket', permission: 'READ' }],
  ['s3:ListBucketVersions', { target: 'bucket', permission: 'READ' }],
  ['s3:ListBucketMultipartUploads', { target: 'bucket', permission: 'READ' }],
  ['s3:PutObject', { target: 'bucket', permission: 'WRITE' }],
  ['s3:DeleteObject', { target: 'bucket', permission: 'WRITE' }],
  ['s3:GetBucketAcl', { target: 'bucket', permission: 'READ_ACP' }],
  ['s3:PutBucketAcl', { target: 'bucket', permission: 'WRITE_ACP' }],
  ['s3:GetObject', { target: 'object', permission: 'READ' }],
  ['s3:GetObjectVersion', { target: 'object', permission: 'READ' }],
  ['s3:GetObjectAcl', { target: 'object', permission: 'READ_ACP' }],
  ['s3:GetObjectVersionAcl', { target: 'object', permission: 'READ_ACP' }],
  ['s3:PutObjectAcl', { target: 'object', permission: 'WRITE_ACP' }],
  ['s3:PutObjectVersionAcl', { target: 'object', permission: 'WRITE_ACP' }],
] as const);

/** The ACL permission an action needs, or undefined when no ACL can grant it (policies only). */
export function aclRequirementOf(action: string): AclRequirement | undefined {
  return ACL_REQUIREMENTS.get(action);
}

/** The ACL of something nobody set one on: its owner's FULL_CONTROL. */
export function ownerOnlyAcl(ownerId: string): StoredAcl {
  return { ownerId, grants: [{ grantee: { type: 'CanonicalUser', id: ownerId }, permission: 'FULL_CONTROL' }] };
}

/** A grant to everyone or to every authenticated requester: what Block Public Access calls public. */
export function isPublicGrant(grant: AclGrant): boolean {
  return grant.grantee.type === 'Group' && (grant.grantee.uri === ALL_USERS_URI || grant.grantee.uri === AUTHENTICATED_USERS_URI);
}

export function isPublicAcl(acl: StoredAcl): boolean {
  return acl.grants.some(isPublicGrant);
}

function granteeMatches(grant: AclGrant, principal: RequestPrincipal): boolean {
  const { grantee } = grant;
  if (grantee.type === 'CanonicalUser') return principal.kind === 'user' && principal.canonicalId === grantee.id;
  if (grantee.uri === ALL_USERS_URI) return true;
  return grantee.uri === AUTHENTICATED_USERS_URI && principal.kind === 'user';
}

/**
 * Whether `acl` grants `permission` (or FULL_CONTROL) to the requester. With `ignorePublicGrants`
 * (Block Public Access's IgnorePublicAcls) grants to AllUsers and AuthenticatedUsers count for nothing.
 */
export function aclGrants(acl: StoredAcl, principal: RequestPrincipal, permission: AclPermission, ignorePublicGrants: boolean): boolean {
  return acl.grants.some((grant) => (grant.permission === permission || grant.permission === 'FULL_CONTROL')
    && !(ignorePublicGrants && isPublicGrant(grant)) && granteeMatches(grant, principal));
}
