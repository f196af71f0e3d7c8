// Bucket policies: PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus.
// A policy is checked as S3 checks one (MalformedPolicy with S3's message), kept as the text sent
// (under the bucket setting 'policy'), and GetBucketPolicy gives back those bytes.
import { BUCKET_POLICY_SIZE_BYTES_MAX, XML_BODY_SIZE_BYTES_MAX } from '../../limits.js';
import { parsedPolicy } from '../../services/iam/policy-cache.js';
import { isPublicPolicy, parsePolicy, type ParsedPolicy } from '../../services/iam/policy.js';
import { PolicyError } from '../../services/iam/policy-error.js';
import { accessDenied, loadBucketAccess } from '../auth/authorize.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from '../payload.js';
import { sendEmpty, sendXml } from '../respond.js';
import { node, xmlDocument } from '../xml.js';
import { requireBucket } from '../request/bucket.js';

function malformed(message: string): S3Error {
  return new S3Error('MalformedPolicy', message);
}

/** Every user and canonical id a policy names must exist: S3 refuses a principal it does not know. */
async function assertPrincipalsExist(context: RequestContext, policy: ParsedPolicy): Promise<void> {
  for (const name of policy.referencedUserNames) {
    if ((await context.layers.index.getUser(name)) === undefined) throw malformed('Invalid principal in policy');
  }
  for (const canonicalId of policy.referencedCanonicalIds) {
    if (canonicalId === context.config.ownerId) continue;
    if ((await context.layers.index.getUserByCanonicalId(canonicalId)) === undefined) throw malformed('Invalid principal in policy');
  }
}

async function storedPolicy(context: RequestContext): Promise<string> {
  await requireBucket(context);
  const text = await context.layers.index.readBucketSetting(context.bucket!, 'policy');
  if (text === undefined) throw new S3Error('NoSuchBucketPolicy', undefined, { extraFields: { BucketName: context.bucket! } });
  return text;
}

export async function putBucketPolicy(context: RequestContext): Promise<void> {
  await requireBucket(context);
  const { body } = await readSmallBody(context, XML_BODY_SIZE_BYTES_MAX);
  if (body.byteLength > BUCKET_POLICY_SIZE_BYTES_MAX) throw malformed('Policy exceeds the maximum allowed document size.');
  const text = body.toString('utf8');
  let policy: ParsedPolicy;
  try {
    policy = parsePolicy(text, { kind: 'bucket', accountId: context.config.accountId, bucket: context.bucket! });
  } catch (error) {
    if (error instanceof PolicyError) throw malformed(error.message);
    throw error;
  }
  await assertPrincipalsExist(context, policy);
  const access = await loadBucketAccess(context, context.bucket!);
  // BlockPublicPolicy: a policy that would make the bucket public is refused, whoever sets it.
  if (access?.publicAccessBlock.BlockPublicPolicy === true && isPublicPolicy(policy)) throw accessDenied();
  if (!(await context.layers.index.writeBucketSetting(context.bucket!, 'policy', text))) {
    throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  }
  sendEmpty(context.res, 204);
}

export async function getBucketPolicy(context: RequestContext): Promise<void> {
  const body = Buffer.from(await storedPolicy(context), 'utf8');
  context.res.statusCode = 200;
  context.res.setHeader('Content-Type', 'application/json');
  context.res.setHeader('Content-Length', body.byteLength);
  context.res.end(body);
}

export async function deleteBucketPolicy(context: RequestContext): Promise<void> {
  await requireBucket(context);
  await context.layers.index.writeBucketSetting(context.bucket!, 'policy', undefined);
  sendEmpty(context.res, 204);
}

export async function getBucketPolicyStatus(context: RequestContext): Promise<void> {
  const text = await storedPolicy(context);
  let isPublic = false;
  try {
    isPublic = isPublicPolicy(parsedPolicy(text, { kind: 'bucket', accountId: context.config.accountId, bucket: context.bucket! }));
  } catch (error) {
    // A stored policy that no longer parses (another --account-id) grants nothing: not public.
    if (!(error instanceof PolicyError)) throw error;
  }
  // Lower case, which every SDK reads as a boolean.
  sendXml(context.res, 200, xmlDocument('PolicyStatus', [node('IsPublic', isPublic)]));
}
