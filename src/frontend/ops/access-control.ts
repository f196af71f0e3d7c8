// Public access blocks (Put/Get/DeletePublicAccessBlock), object ownership controls and ACLs.
// Cairn keeps AWS's default since April 2023: every new bucket blocks public access and has Object
// Ownership BucketOwnerEnforced, so ACLs are disabled: reading an ACL answers the owner's
// FULL_CONTROL; setting one that grants only that (canned `private`/`bucket-owner-full-control`, or
// an XML body with just the owner's FULL_CONTROL) is a no-op, anything else is refused as AWS
// refuses it (AccessControlListNotSupported).
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { header, type PublicAccessBlock, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { ownerNodes } from '../owner.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { node, parseXmlBody, xmlDocument, type XmlNode } from '../xml.js';
import {
  BUCKET_OWNER_ENFORCED, OWNERSHIP_VALUES, OWNER_ONLY_CANNED_ACLS, aclsNotSupported, hasGrantHeaders, isOwnerOnlyAclDocument,
} from '../request/acl-headers.js';
import type { OwnershipControls } from '../../services/access-defaults.js';
import { requireBucket } from '../request/bucket.js';
import { assertKeyLength } from '../request/key.js';
import { requireObject } from '../request/object.js';

const PUBLIC_ACCESS_BLOCK_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
async function ownerFullControl(context: RequestContext, ownerId: string): Promise<XmlNode[]> {
  const owner = await ownerNodes(context, ownerId);
  // The grantee's xsi:type attribute cannot be expressed by the element builder; SDKs read the ID.
  return [node('Owner', owner), node('AccessControlList', [node('Grant', [node('Grantee', owner), node('Permission', 'FULL_CONTROL')])])];
}

export async function getBucketAcl(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  sendXml(context.res, 200, xmlDocument('AccessControlPolicy', await ownerFullControl(context, bucket.ownerId)));
}

export async function getObjectAcl(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const bucket = await requireBucket(context);
  await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  sendXml(context.res, 200, xmlDocument('AccessControlPolicy', await ownerFullControl(context, bucket.ownerId)));
}

/**
 * Put*Acl under BucketOwnerEnforced: the request must restate the owner's own FULL_CONTROL and
 * nothing more, by one owner-only canned ACL or by a body, never both (as S3 refuses both).
 */
async function assertOwnerOnlyAcl(context: RequestContext, ownerId: string): Promise<void> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const canned = header(context, 'x-amz-acl');
  if (hasGrantHeaders(context)) throw aclsNotSupported();
  if (canned !== undefined) {
    if (body.length > 0) throw new S3Error('UnexpectedContent');
    if (!OWNER_ONLY_CANNED_ACLS.has(canned)) throw aclsNotSupported();
    return;
  }
  if (body.length === 0) throw new S3Error('MissingSecurityHeader', 'Your request was missing a required header', { extraFields: { MissingHeaderName: 'x-amz-acl' } });
  if (!isOwnerOnlyAclDocument(parseXmlBody(body), ownerId)) throw aclsNotSupported();
}

export async function putBucketAcl(context: RequestContext): Promise<void> {
  const bucket = await requireBucket(context);
  await assertOwnerOnlyAcl(context, bucket.ownerId);
  sendEmpty(context.res, 200);
}

export async function putObjectAcl(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  const bucket = await requireBucket(context);
  await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  await assertOwnerOnlyAcl(context, bucket.ownerId);
  sendEmpty(context.res, 200);
}

async function readConfiguration(context: RequestContext, rootName: string): Promise<Record<string, unknown>> {
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  const configuration = parseXmlBody(body)[rootName];
  if (configuration === '') return {};
  if (typeof configuration !== 'object' || configuration === null) throw new S3Error('MalformedXML');
  return configuration as Record<string, unknown>;
}

export async function putPublicAccessBlock(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const fields = await readConfiguration(context, 'PublicAccessBlockConfiguration');
  const block = {} as PublicAccessBlock;
  for (const name of PUBLIC_ACCESS_BLOCK_FIELDS) {
    const value = fields[name];
    if (value !== undefined && (typeof value !== 'string' || !/^(true|false)$/i.test(value.trim()))) throw new S3Error('MalformedXML');
    block[name] = typeof value === 'string' && value.trim().toLowerCase() === 'true';
  }
  await context.layers.index.writeBucketSetting(context.bucket!, 'public-access-block', block);
  sendEmpty(context.res, 200);
}

export async function getPublicAccessBlock(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const block = await context.layers.index.readBucketSetting(context.bucket!, 'public-access-block');
  if (block === undefined) {
    throw new S3Error('NoSuchPublicAccessBlockConfiguration', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendXml(context.res, 200, xmlDocument('PublicAccessBlockConfiguration', PUBLIC_ACCESS_BLOCK_FIELDS.map((name) => node(name, block[name]))));
}

export async function deletePublicAccessBlock(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.writeBucketSetting(context.bucket!, 'public-access-block', undefined);
  sendEmpty(context.res, 204);
}

export async function putBucketOwnershipControls(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const fields = await readConfiguration(context, 'OwnershipControls');
  const rule = fields['Rule'];
  const ownership = typeof rule === 'object' && rule !== null && !Array.isArray(rule) ? (rule as Record<string, unknown>)['ObjectOwnership'] : undefined;
  if (typeof ownership !== 'string' || !OWNERSHIP_VALUES.has(ownership)) throw new S3Error('MalformedXML');
  if (ownership !== BUCKET_OWNER_ENFORCED) {
    throw new S3Error('NotImplemented', 'ACLs are not supported: Object Ownership is always BucketOwnerEnforced.');
  }
  await context.layers.index.writeBucketSetting(context.bucket!, 'ownership-controls', { ObjectOwnership: ownership } satisfies OwnershipControls);
  sendEmpty(context.res, 200);
}

export async function getBucketOwnershipControls(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const controls = await context.layers.index.readBucketSetting(context.bucket!, 'ownership-controls');
  if (controls === undefined) throw new S3Error('OwnershipControlsNotFoundError', undefined, { extraFields: { BucketName: context.bucket! } });
  sendXml(context.res, 200, xmlDocument('OwnershipControls', [node('Rule', [node('ObjectOwnership', controls.ObjectOwnership)])]));
}

/**
 * Removes the ownership controls, as AWS does; Cairn still keeps ACLs disabled (it stores none), so
 * the bucket behaves as BucketOwnerEnforced whatever GetBucketOwnershipControls answers.
 */
export async function deleteBucketOwnershipControls(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.writeBucketSetting(context.bucket!, 'ownership-controls', undefined);
  sendEmpty(context.res, 204);
}
