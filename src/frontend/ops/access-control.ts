// Public access blocks (Put/Get/DeletePublicAccessBlock), object ownership controls and ACLs.
// Cairn keeps AWS's default since April 2023: every new bucket blocks public access and has Object
// Ownership BucketOwnerEnforced, so ACLs are disabled: reading an ACL answers the owner's
// FULL_CONTROL, and setting one is refused as AWS refuses it (AccessControlListNotSupported).
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { DEFAULT_PUBLIC_ACCESS_BLOCK } from '../auth/authorize.js';
import { header, type PublicAccessBlock, type RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { ownerNodes } from '../owner.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { node, parseXmlBody, xmlDocument, type XmlNode } from '../xml.js';
import { requireBucket } from './buckets.js';
import { requireObject } from './get.js';
import { assertKeyLength } from './put.js';

const PUBLIC_ACCESS_BLOCK_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const OWNERSHIP_VALUES = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);
const BUCKET_OWNER_ENFORCED = 'BucketOwnerEnforced';
const GRANT_HEADERS = ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'];

interface OwnershipControls { ObjectOwnership: string }

/** The settings a new bucket starts with: AWS's defaults for new buckets. */
export function initialAccessSettings(): { 'public-access-block': PublicAccessBlock; 'ownership-controls': OwnershipControls } {
  return { 'public-access-block': { ...DEFAULT_PUBLIC_ACCESS_BLOCK }, 'ownership-controls': { ObjectOwnership: BUCKET_OWNER_ENFORCED } };
}

function aclsNotSupported(): S3Error {
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

export async function putBucketAcl(context: RequestContext): Promise<void> {
  await requireBucket(context);
  throw aclsNotSupported();
}

export async function putObjectAcl(context: RequestContext): Promise<void> {
  assertKeyLength(context.key!);
  await requireBucket(context);
  await requireObject(context, context.bucket!, context.key!, context.query.get('versionId'));
  throw aclsNotSupported();
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
