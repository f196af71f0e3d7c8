// Authorization of a request, after authentication and routing and before the operation runs:
// the route's IAM action on its resource, judged by the evaluator (src/services/iam/evaluate.ts)
// with the user's policy, the bucket's policy and its public access block. The root identity may do
// everything and is never evaluated, so its requests pay nothing here. Operations call authorize()
// for secondary permissions (a copy's source, tags on a PUT, governance bypass).
import type { PublicAccessBlock } from '../context.js';
import type { BucketAccess, RequestContext } from '../context.js';
import { header } from '../context.js';
import { S3Error } from '../errors.js';
import { evaluateAccess, type AccessRequest, type RequestPrincipal } from '../../services/iam/evaluate.js';
import { parsedPolicy } from '../../services/iam/policy-cache.js';
import { isPublicPolicy, type ParsedPolicy } from '../../services/iam/policy.js';
import { PolicyError } from '../../services/iam/policy-error.js';
import { aclGrants, aclRequirementOf, ownerOnlyAcl } from '../../services/iam/acl.js';
import { BUCKET_OWNER_ENFORCED, OWNERSHIP_WITHOUT_CONTROLS } from '../../services/access-defaults.js';
import { lookupRequestBucket } from '../request/bucket.js';
import { conditionKeys, withExistingObjectTags } from './condition-keys.js';

/** What a route needs: its action, and what it applies to. */
export interface RoutePermission {
  /** "s3:GetObject"…, or a function of the request (the Version variants when a versionId is named). */
  action: string | ((context: RequestContext) => string);
  /**
   * service: ListBuckets; create-bucket: the bucket does not exist yet; bucket / object: the request's
   * bucket or object; per-key: the operation authorizes each key itself (DeleteObjects).
   */
  scope: 'service' | 'create-bucket' | 'bucket' | 'object' | 'per-key';
}

export interface ResourceName {
  bucket: string;
  key?: string;
}

export { DEFAULT_PUBLIC_ACCESS_BLOCK } from '../../services/access-defaults.js';
/** A bucket whose public access block was deleted: nothing blocked. */
export const NO_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = {
  BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false,
};

const SERVICE_RESOURCE = 'arn:aws:s3:::*';
/**
 * The suffix of an S3 Tables table bucket's data bucket. Its files belong to the tables: as in AWS,
 * no S3 client (root included) may delete them; only S3 Tables itself does (a drop with purge).
 */
const TABLE_DATA_BUCKET_SUFFIX = '--table-s3';
const DELETE_ACTIONS = new Set(['s3:DeleteObject', 's3:DeleteObjectVersion']);

export function resourceArn(resource: ResourceName): string {
  return resource.key === undefined ? `arn:aws:s3:::${resource.bucket}` : `arn:aws:s3:::${resource.bucket}/${resource.key}`;
}

/**
 * A bucket's owner and access settings (one index read per bucket and request: the request's own
 * bucket comes from its shared lookup); undefined when it does not exist.
 */
export async function loadBucketAccess(context: RequestContext, bucket: string): Promise<BucketAccess | undefined> {
  if (context.bucketAccess.has(bucket)) return context.bucketAccess.get(bucket);
  const record = bucket === context.bucket ? (await lookupRequestBucket(context))?.access : await context.layers.index.getBucketAccess(bucket);
  let access: BucketAccess | undefined;
  if (record !== undefined) {
    let policy: ParsedPolicy | undefined;
    let policyUnreadable = false;
    try {
      if (typeof record.policy === 'string') policy = parsedPolicy(record.policy, { kind: 'bucket', accountId: context.config.accountId, bucket });
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      // Stored, so once valid: the server was restarted with another --account-id. Fail closed.
      context.log(`bucket ${bucket}: its policy no longer parses (${error.message}); only its owner and root may use it`);
      policyUnreadable = true;
    }
    access = {
      ownerId: record.ownerId,
      policy,
      policyUnreadable,
      policyIsPublic: policy !== undefined && isPublicPolicy(policy),
      publicAccessBlock: (record.publicAccessBlock as PublicAccessBlock | undefined) ?? NO_PUBLIC_ACCESS_BLOCK,
      ownership: record.ownershipControls?.ObjectOwnership ?? OWNERSHIP_WITHOUT_CONTROLS,
      acl: record.acl,
    };
  }
  context.bucketAccess.set(bucket, access);
  return access;
}

function requestPrincipal(context: RequestContext): RequestPrincipal {
  const { principal } = context;
  return principal.kind === 'user' ? { kind: 'user', name: principal.name, canonicalId: principal.canonicalId } : { kind: 'anonymous' };
}

/**
 * Whether an ACL grants the action (ACLs count only while the bucket's Object Ownership enables
 * them): the bucket's ACL, or the object version's (the request's own version, else the current one).
 */
async function aclAllows(context: RequestContext, action: string, resource: ResourceName, access: BucketAccess): Promise<boolean> {
  if (access.ownership === BUCKET_OWNER_ENFORCED) return false;
  const requirement = aclRequirementOf(action);
  if (requirement === undefined) return false;
  let acl = access.acl ?? ownerOnlyAcl(access.ownerId);
  if (requirement.target === 'object') {
    if (resource.key === undefined) return false;
    const ownRequest = resource.bucket === context.bucket && resource.key === context.key;
    const versionId = ownRequest ? context.query.get('versionId') ?? undefined : undefined;
    const object = versionId === undefined
      ? await context.layers.index.getObject(resource.bucket, resource.key)
      : await context.layers.index.getObjectVersion(resource.bucket, resource.key, versionId);
    if (object === undefined || ('isDeleteMarker' in object && object.isDeleteMarker === true)) return false;
    acl = object.acl ?? ownerOnlyAcl(access.ownerId);
  }
  return aclGrants(acl, requestPrincipal(context), requirement.permission, access.publicAccessBlock.IgnorePublicAcls);
}

async function decide(context: RequestContext, action: string, resource: ResourceName): Promise<boolean> {
  const access = await loadBucketAccess(context, resource.bucket);
  if (access === undefined) return false;
  const { principal } = context;
  const isOwner = principal.kind !== 'anonymous' && principal.canonicalId === access.ownerId;
  const userPolicy = principal.kind === 'user' ? principal.policy : undefined;
  if (access.policyUnreadable) return isOwner;
  // No policy to evaluate: ownership or an ACL grant decides (the common case, kept cheap).
  if (userPolicy === undefined && access.policy === undefined) return isOwner || aclAllows(context, action, resource, access);
  let keys = conditionKeys(context);
  const readsTags = (access.policy?.readsExistingObjectTags ?? false) || (userPolicy?.readsExistingObjectTags ?? false);
  if (readsTags && resource.key !== undefined) keys = await withExistingObjectTags(context, keys, resource);
  const request: AccessRequest = { principal: requestPrincipal(context), action, resource: resourceArn(resource), keys };
  const decision = evaluateAccess(request, {
    userPolicy,
    bucketPolicy: access.policy,
    allowedByDefault: isOwner,
    // RestrictPublicBuckets: a public policy grants nothing beyond the bucket's owner.
    ignoreBucketPolicyAllows: access.publicAccessBlock.RestrictPublicBuckets && access.policyIsPublic,
  });
  // An explicit deny wins over everything; an ACL grant permits what no policy allows.
  if (decision === 'implicit-deny') return aclAllows(context, action, resource, access);
  return decision === 'allow';
}

/** Whether the request's sender may do `action` on a resource (by default the request's own bucket or object). */
export async function authorize(context: RequestContext, action: string, resource?: ResourceName): Promise<boolean> {
  if (context.principal.kind === 'root') return true;
  const target = resource ?? { bucket: context.bucket!, key: context.key };
  return decide(context, action, target);
}

export function accessDenied(): S3Error {
  return new S3Error('AccessDenied', 'Access Denied');
}

/** Like authorize(), but refuses with 403 AccessDenied. */
export async function requireAuthorized(context: RequestContext, action: string, resource?: ResourceName): Promise<void> {
  if (!(await authorize(context, action, resource))) throw accessDenied();
}

/** Service-level and CreateBucket requests: users may by default (for their own buckets), unless their policy denies it. */
function decideWithoutBucket(context: RequestContext, action: string, resource: string): boolean {
  const { principal } = context;
  if (principal.kind !== 'user') return false;
  const request: AccessRequest = { principal: requestPrincipal(context), action, resource, keys: conditionKeys(context) };
  return evaluateAccess(request, { userPolicy: principal.policy, allowedByDefault: true, ignoreBucketPolicyAllows: false }) === 'allow';
}

/**
 * Refuses the request unless its sender may make it. A route without a permission (one this module
 * was not told about) is allowed to the bucket's owner only. A bucket that does not exist is
 * NoSuchBucket, as S3 answers it.
 */
export async function enforceRoutePermission(context: RequestContext, permission: RoutePermission | undefined): Promise<void> {
  const expectedOwner = header(context, 'x-amz-expected-bucket-owner');
  // Every bucket belongs to the one account; naming another is S3's 403.
  if (expectedOwner !== undefined && expectedOwner !== context.config.accountId) throw accessDenied();
  const action = permission === undefined ? undefined : typeof permission.action === 'string' ? permission.action : permission.action(context);
  if (action !== undefined && DELETE_ACTIONS.has(action) && context.bucket?.endsWith(TABLE_DATA_BUCKET_SUFFIX) === true) throw accessDenied();
  if (context.principal.kind === 'root') return;
  if (permission?.scope === 'service') {
    if (!decideWithoutBucket(context, action!, SERVICE_RESOURCE)) throw accessDenied();
    return;
  }
  if (permission?.scope === 'create-bucket') {
    if (!decideWithoutBucket(context, action!, resourceArn({ bucket: context.bucket! }))) throw accessDenied();
    return;
  }
  const access = await loadBucketAccess(context, context.bucket!);
  if (access === undefined) throw new S3Error('NoSuchBucket', undefined, { extraFields: { BucketName: context.bucket! } });
  if (permission === undefined) {
    if (context.principal.kind === 'anonymous' || context.principal.canonicalId !== access.ownerId) throw accessDenied();
    return;
  }
  if (permission.scope === 'per-key') return;
  const resource = permission.scope === 'object' ? { bucket: context.bucket!, key: context.key } : { bucket: context.bucket! };
  if (!(await decide(context, action!, resource))) throw accessDenied();
}

/** For Object Lock: may the sender bypass governance-mode retention (s3:BypassGovernanceRetention)? */
export function mayBypassGovernanceRetention(context: RequestContext): Promise<boolean> {
  return authorize(context, 's3:BypassGovernanceRetention');
}
