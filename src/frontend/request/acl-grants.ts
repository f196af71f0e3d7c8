// ACLs as requests state them and responses show them: the canned ACLs, the x-amz-grant-* headers
// (`id="…"`, `emailAddress="…"`, `uri="…"`), the AccessControlPolicy XML body, the resolution of
// grantees (an email to its user's canonical id; ids and group URIs checked), and the XML answer of
// Get*Acl with each grantee's xsi:type.
import { ACL_GRANTS_MAX } from '../../limits.js';
import type { AclGrant, AclPermission, StoredAcl } from '../../index/types.js';
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, GROUP_URIS, LOG_DELIVERY_URI } from '../../services/iam/acl.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { ownerNodes } from '../owner.js';
import { asArray, node, parseXmlBody, xmlDocument, type XmlNode } from '../xml.js';

export const CANNED_ACLS: ReadonlySet<string> = new Set([
  'private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read',
  'bucket-owner-full-control', 'log-delivery-write',
]);

/** The canonical user S3 names for aws-exec-read (Amazon EC2, reading AMI bundles). */
const EC2_CANONICAL_ID = '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c';
const PERMISSIONS: ReadonlySet<string> = new Set(['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP']);
export const GRANT_HEADERS: ReadonlyArray<readonly [string, AclPermission]> = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'], ['x-amz-grant-read', 'READ'], ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'], ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

/** A grantee as the request names it, before resolution. */
export type NamedGrantee = { kind: 'id' | 'email' | 'uri'; value: string };
export interface NamedGrant {
  grantee: NamedGrantee;
  permission: AclPermission;
}

const user = (id: string, permission: AclPermission): AclGrant => ({ grantee: { type: 'CanonicalUser', id }, permission });
const group = (uri: string, permission: AclPermission): AclGrant => ({ grantee: { type: 'Group', uri }, permission });

/**
 * A canned ACL's grants. On an object, bucket-owner-read/-full-control add the bucket's owner (unless
 * it owns the object); on a bucket S3 ignores them (the owner's FULL_CONTROL alone).
 */
export function cannedAclGrants(canned: string, ownerId: string, bucketOwnerId: string, level: 'bucket' | 'object'): AclGrant[] {
  const grants = [user(ownerId, 'FULL_CONTROL')];
  const toBucketOwner = level === 'object' && bucketOwnerId !== ownerId;
  switch (canned) {
    case 'public-read': return [...grants, group(ALL_USERS_URI, 'READ')];
    case 'public-read-write': return [...grants, group(ALL_USERS_URI, 'READ'), group(ALL_USERS_URI, 'WRITE')];
    case 'authenticated-read': return [...grants, group(AUTHENTICATED_USERS_URI, 'READ')];
    case 'aws-exec-read': return [...grants, user(EC2_CANONICAL_ID, 'READ')];
    case 'bucket-owner-read': return toBucketOwner ? [...grants, user(bucketOwnerId, 'READ')] : grants;
    case 'bucket-owner-full-control': return toBucketOwner ? [...grants, user(bucketOwnerId, 'FULL_CONTROL')] : grants;
    case 'log-delivery-write': return [...grants, group(LOG_DELIVERY_URI, 'WRITE'), group(LOG_DELIVERY_URI, 'READ_ACP')];
    default: return grants;
  }
}

/** x-amz-acl, checked to be a canned ACL S3 knows (InvalidArgument otherwise). */
export function cannedAclHeader(context: RequestContext, value = header(context, 'x-amz-acl')): string | undefined {
  if (value !== undefined && !CANNED_ACLS.has(value)) {
    throw new S3Error('InvalidArgument', undefined, { extraFields: { ArgumentName: 'x-amz-acl', ArgumentValue: value } });
  }
  return value;
}

const GRANTEE_ITEM = /^\s*(id|emailAddress|uri)\s*=\s*(?:"([^"]*)"|([^",\s]+))\s*$/i;

/** The x-amz-grant-* headers' grants, in header order; InvalidArgument for one that does not parse. */
export function grantsFromHeaders(context: RequestContext): NamedGrant[] {
  const grants: NamedGrant[] = [];
  for (const [name, permission] of GRANT_HEADERS) {
    const value = header(context, name);
    if (value === undefined) continue;
    for (const item of value.split(',')) {
      const match = GRANTEE_ITEM.exec(item);
      if (match === null) throw new S3Error('InvalidArgument', 'Invalid grant header value', { extraFields: { ArgumentName: name, ArgumentValue: value } });
      const kind = match[1]!.toLowerCase() === 'id' ? 'id' : match[1]!.toLowerCase() === 'uri' ? 'uri' : 'email';
      grants.push({ grantee: { kind, value: match[2] ?? match[3]! }, permission });
    }
  }
  return grants;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformedAcl(): S3Error {
  return new S3Error('MalformedACLError');
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function namedGrantFromXml(grant: unknown): NamedGrant {
  if (!isRecord(grant) || !isRecord(grant['Grantee'])) throw malformedAcl();
  const grantee = grant['Grantee'];
  const permission = textOf(grant['Permission']);
  if (permission === undefined || !PERMISSIONS.has(permission)) throw malformedAcl();
  const id = textOf(grantee['ID']);
  const email = textOf(grantee['EmailAddress']);
  const uri = textOf(grantee['URI']);
  if ([id, email, uri].filter((value) => value !== undefined).length !== 1) throw malformedAcl();
  const named: NamedGrantee = id !== undefined ? { kind: 'id', value: id } : email !== undefined ? { kind: 'email', value: email } : { kind: 'uri', value: uri! };
  return { grantee: named, permission: permission as AclPermission };
}

/** An AccessControlPolicy body's grants; MalformedACLError for anything else. */
export function grantsFromDocument(body: Buffer): NamedGrant[] {
  let document: Record<string, unknown>;
  try {
    document = parseXmlBody(body);
  } catch (error) {
    if (error instanceof S3Error) throw malformedAcl();
    throw error;
  }
  const policy = document['AccessControlPolicy'];
  if (!isRecord(policy)) throw malformedAcl();
  const list = policy['AccessControlList'];
  if (list === '' || list === undefined) return [];
  if (!isRecord(list)) throw malformedAcl();
  const grants = asArray(list['Grant']);
  if (grants.length > ACL_GRANTS_MAX) throw new S3Error('MalformedACLError', `An ACL can have at most ${ACL_GRANTS_MAX} grants.`);
  return grants.map(namedGrantFromXml);
}

/** Grantees resolved: an email to its user's canonical id (UnresolvableGrantByEmailAddress), ids and group URIs checked. */
export async function resolveGrants(context: RequestContext, named: NamedGrant[]): Promise<AclGrant[]> {
  if (named.length > ACL_GRANTS_MAX) throw new S3Error('MalformedACLError', `An ACL can have at most ${ACL_GRANTS_MAX} grants.`);
  const grants: AclGrant[] = [];
  for (const { grantee, permission } of named) {
    if (grantee.kind === 'uri') {
      if (!GROUP_URIS.has(grantee.value)) throw new S3Error('InvalidArgument', 'Invalid group uri', { extraFields: { ArgumentName: 'uri', ArgumentValue: grantee.value } });
      grants.push(group(grantee.value, permission));
    } else if (grantee.kind === 'email') {
      const found = await context.layers.index.getUserByEmail(grantee.value);
      if (found === undefined) throw new S3Error('UnresolvableGrantByEmailAddress', undefined, { extraFields: { EmailAddress: grantee.value } });
      grants.push(user(found.canonicalId, permission));
    } else {
      const known = grantee.value === context.config.ownerId || (await context.layers.index.getUserByCanonicalId(grantee.value)) !== undefined;
      if (!known) throw new S3Error('InvalidArgument', 'Invalid id', { extraFields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: grantee.value } });
      grants.push(user(grantee.value, permission));
    }
  }
  return grants;
}

const XSI_NAMESPACE = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

async function grantNode(context: RequestContext, grant: AclGrant): Promise<XmlNode> {
  const { grantee } = grant;
  const granteeNode: XmlNode = grantee.type === 'CanonicalUser'
    ? { name: 'Grantee', content: await ownerNodes(context, grantee.id), attributes: `${XSI_NAMESPACE} xsi:type="CanonicalUser"` }
    : { name: 'Grantee', content: [node('URI', grantee.uri)], attributes: `${XSI_NAMESPACE} xsi:type="Group"` };
  return node('Grant', [granteeNode, node('Permission', grant.permission)]);
}

/** Get*Acl's AccessControlPolicy document. */
export async function aclDocument(context: RequestContext, acl: StoredAcl): Promise<string> {
  const grants: XmlNode[] = [];
  for (const grant of acl.grants) grants.push(await grantNode(context, grant));
  return xmlDocument('AccessControlPolicy', [node('Owner', await ownerNodes(context, acl.ownerId)), node('AccessControlList', grants)]);
}
