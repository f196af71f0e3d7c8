// Public access blocks (Put/Get/DeletePublicAccessBlock) and Object Ownership controls
// (Put/Get/DeleteBucketOwnershipControls, all three modes). ACLs themselves are in acl.ts.
import { XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { OBJECT_OWNERSHIP_VALUES, type ObjectOwnership } from '../../index/types.js';
import type { PublicAccessBlock, RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { node, parseXmlBody, xmlDocument } from '../xml.js';
import { requireBucket } from '../request/bucket.js';

const PUBLIC_ACCESS_BLOCK_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

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
  if (typeof ownership !== 'string' || !(OBJECT_OWNERSHIP_VALUES as readonly string[]).includes(ownership)) throw new S3Error('MalformedXML');
  await context.layers.index.writeBucketSetting(context.bucket!, 'ownership-controls', { ObjectOwnership: ownership as ObjectOwnership });
  sendEmpty(context.res, 200);
}

export async function getBucketOwnershipControls(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const controls = await context.layers.index.readBucketSetting(context.bucket!, 'ownership-controls');
  if (controls === undefined) throw new S3Error('OwnershipControlsNotFoundError', undefined, { extraFields: { BucketName: context.bucket! } });
  sendXml(context.res, 200, xmlDocument('OwnershipControls', [node('Rule', [node('ObjectOwnership', controls.ObjectOwnership)])]));
}

/** Removes the ownership controls, as AWS does: the bucket then behaves as ObjectWriter (ACLs enabled). */
export async function deleteBucketOwnershipControls(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.writeBucketSetting(context.bucket!, 'ownership-controls', undefined);
  sendEmpty(context.res, 204);
}
