// Get/Put BucketAcl and ObjectAcl. Under BucketOwnerEnforced ACLs are disabled: reading one answers
// the bucket owner's FULL_CONTROL; setting one that grants only that (canned `private` /
// `bucket-owner-full-control`, or a body with just the owner's FULL_CONTROL) is a no-op, anything
// else is refused as AWS refuses it (AccessControlListNotSupported). With ACLs enabled the ACL is
// replaced by a canned ACL, x-amz-grant-* headers or an AccessControlPolicy body (exactly one).
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import type { BucketAccessRecord, StoredAcl } from '../../index/types.js';
import { recordObjectAcl } from '../../services/event-records.js';
import { ownerOnlyAcl } from '../../services/iam/acl.js';
import { header, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { parseXmlBody } from '../xml.js';
import { aclDocument, cannedAclGrants, cannedAclHeader, grantsFromDocument, grantsFromHeaders, resolveGrants } from '../request/acl-grants.js';
import {
  BUCKET_OWNER_ENFORCED, OWNER_ONLY_CANNED_ACLS, aclsNotSupported, assertNotBlockedPublicAcl, hasGrantHeaders, isOwnerOnlyAclDocument, ownershipOf,
} from '../request/acl-headers.js';
import { lookupRequestBucket, requireBucket } from '../request/bucket.js';
import { assertKeyLength } from '../request/key.js';
import { requireObject } from '../request/object.js';

async function requireBucketAccess(context: RequestContext): Promise<BucketAccessRecord> {
  await requireBucket(context);
  return (await lookupRequestBucket(context))!.access;
}

export async function getBucketAcl(context: RequestContext): Promise<void> {
  const access = await requireBucketAccess(context);
  const enabled = ownershipOf(access) !== BUCKET_OWNER_ENFORCED;
  sendXml(context.res, 200, await aclDocument(context, (enabled ? access.acl : undefined) ?? ownerOnlyAcl(access.ownerId)));
}

export async function getObjectAcl(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const access = await requireBucketAccess(context);
  const object = await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  const enabled = ownershipOf(access) !== BUCKET_OWNER_ENFORCED;
  sendXml(context.res, 200, await aclDocument(context, (enabled ? object.acl : undefined) ?? ownerOnlyAcl(access.ownerId)));
}

/**
 * Put*Acl under BucketOwnerEnforced: the request must restate the owner's own FULL_CONTROL and
 * nothing more, by one owner-only canned ACL or by a body, never both (as S3 refuses both).
 */
function assertOwnerOnlyAcl(context: RequestContext, body: Buffer, canned: string | undefined, ownerId: string): void {
  if (hasGrantHeaders(context)) throw aclsNotSupported();
  if (canned !== undefined) {
    if (body.length > 0) throw new S3Error('UnexpectedContent');
    if (!OWNER_ONLY_CANNED_ACLS.has(canned)) throw aclsNotSupported();
    return;
  }
  if (body.length === 0) throw missingAcl();
  if (!isOwnerOnlyAclDocument(parseXmlBody(body), ownerId)) throw aclsNotSupported();
}

function missingAcl(): S3Error {
  return new S3Error('MissingSecurityHeader', 'Your request was missing a required header', { extraFields: { MissingHeaderName: 'x-amz-acl' } });
}

interface AclTarget {
  level: 'bucket' | 'object';
  ownerId: string;
  access: BucketAccessRecord;
}

/** The ACL a Put*Acl sets (ACLs enabled): by exactly one of a canned ACL, grant headers or a body. */
async function requestedAcl(context: RequestContext, body: Buffer, canned: string | undefined, target: AclTarget): Promise<StoredAcl> {
  const inHeaders = hasGrantHeaders(context);
  if (canned !== undefined && inHeaders) throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
  if ((canned !== undefined || inHeaders) && body.length > 0) throw new S3Error('UnexpectedContent');
  if (canned === undefined && !inHeaders && body.length === 0) throw missingAcl();
  const grants = canned !== undefined
    ? cannedAclGrants(canned, target.ownerId, target.access.ownerId, target.level)
    : await resolveGrants(context, inHeaders ? grantsFromHeaders(context) : grantsFromDocument(body));
  const acl = { ownerId: target.ownerId, grants };
  assertNotBlockedPublicAcl(target.access, acl);
  return acl;
}

/** Reads the request's ACL: undefined under BucketOwnerEnforced (after checking it is an owner-only no-op). */
async function aclToSet(context: RequestContext, level: 'bucket' | 'object', access: BucketAccessRecord, ownerId: string): Promise<StoredAcl | undefined> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const canned = cannedAclHeader(context, header(context, 'x-amz-acl'));
  if (ownershipOf(access) === BUCKET_OWNER_ENFORCED) {
    assertOwnerOnlyAcl(context, body, canned, access.ownerId);
    return undefined;
  }
  return requestedAcl(context, body, canned, { level, ownerId, access });
}

export async function putBucketAcl(context: RequestContext): Promise<void> {
  const access = await requireBucketAccess(context);
  const acl = await aclToSet(context, 'bucket', access, access.acl?.ownerId ?? access.ownerId);
  if (acl !== undefined) await context.layers.index.writeBucketSetting(context.bucket!, 'acl', acl);
  sendEmpty(context.res, 200);
}

export async function putObjectAcl(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const access = await requireBucketAccess(context);
  const versionId = context.query.get('versionId');
  const object = await requireObject(context, context.bucket!, context.key!, versionId);
  const acl = await aclToSet(context, 'object', access, object.acl?.ownerId ?? access.ownerId);
  if (acl !== undefined) {
    const updated = await context.layers.index.setObjectAcl(context.bucket!, context.key!, acl, versionId ?? undefined);
    // Deleted between the read and the write.
    if (updated === undefined) throw new S3Error('NoSuchKey', undefined, { extraFields: { Key: context.key! } });
    await recordObjectAcl(context.layers.storage, context.bucket!, context.key!, updated.dataId, acl);
  }
  sendEmpty(context.res, 200, object.versionId === 'null' ? {} : { 'x-amz-version-id': object.versionId });
}
