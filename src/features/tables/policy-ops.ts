// S3 Tables resource policies: Put/Get/DeleteTableBucketPolicy and Put/Get/DeleteTablePolicy. A
// policy is checked as IAM's JSON policy language (services/iam/policy.ts, kind 'table': principals
// required, resources the table bucket or its tables), its principals must exist, and it is kept
// as the text sent (the setting 'policy' of the bucket's or table's id); authorize.ts judges it.
// A public policy (allowing everyone) is refused: S3 Tables blocks public access, always.
import { clauseConfines } from '../../services/iam/conditions.js';
import { parsePolicy, type ParsedPolicy } from '../../services/iam/policy.js';
import { PolicyError } from '../../services/iam/policy-error.js';
import { requireBucket, type TablesCall, type TablesContext } from './catalog-ops.js';
import { badRequest, notFound, TablesError } from './names.js';
import type { TablesAnswer } from './paging.js';
import { requireTable } from './table-ops.js';

/** The model's ResourcePolicy: 1 to 20480 characters. */
const RESOURCE_POLICY_LENGTH_MAX = 20480;

/** Every user a policy names must exist (as S3 and IAM refuse a principal they do not know). */
async function checkPrincipalsExist(context: TablesContext, policy: ParsedPolicy): Promise<void> {
  for (const name of policy.referencedUserNames) {
    if (await context.index.getUser(name) === undefined) throw badRequest('Invalid principal in policy');
  }
  for (const canonicalId of policy.referencedCanonicalIds) {
    if (canonicalId !== context.ownerId && await context.index.getUserByCanonicalId(canonicalId) === undefined) throw badRequest('Invalid principal in policy');
  }
}

async function checkedPolicyText(context: TablesContext, call: TablesCall, bucket: string): Promise<string> {
  const text = call.body['resourcePolicy'];
  if (typeof text !== 'string' || text.length === 0) throw badRequest('The resourcePolicy must be specified.');
  if (text.length > RESOURCE_POLICY_LENGTH_MAX) throw badRequest(`The resourcePolicy must be at most ${RESOURCE_POLICY_LENGTH_MAX} characters.`);
  let policy: ParsedPolicy;
  try {
    policy = parsePolicy(text, { kind: 'table', accountId: context.scope.accountId, bucket });
  } catch (error) {
    if (error instanceof PolicyError) throw badRequest(error.message);
    throw error;
  }
  await checkPrincipalsExist(context, policy);
  // S3 Tables blocks public access, always: a policy that would allow everyone is refused.
  const isPublic = policy.statements.some((statement) => statement.effect === 'Allow'
    && (statement.principal?.anyone === true || statement.notPrincipal !== undefined) && !statement.conditions.some(clauseConfines));
  if (isPublic) throw new TablesError('AccessDeniedException', 'Access denied: public policies are blocked by the BlockPublicPolicy block public access setting.');
  return text;
}

export async function putTableBucketPolicy(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  await context.index.putTableSetting(bucket.tableBucketId, 'policy', await checkedPolicyText(context, call, bucket.name));
  return { status: 200, body: {} };
}

export async function getTableBucketPolicy(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  const text = await context.index.getTableSetting(bucket.tableBucketId, 'policy');
  if (text === undefined) throw notFound('The table bucket policy does not exist.');
  return { status: 200, body: { resourcePolicy: text } };
}

export async function deleteTableBucketPolicy(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const bucket = await requireBucket(context, call.segments[1]);
  await context.index.deleteTableSetting(bucket.tableBucketId, 'policy');
  return { status: 204 };
}

export async function putTablePolicy(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { bucket, table } = await requireTable(context, call);
  await context.index.putTableSetting(table.tableId, 'policy', await checkedPolicyText(context, call, bucket.name));
  return { status: 200, body: {} };
}

export async function getTablePolicy(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { table } = await requireTable(context, call);
  const text = await context.index.getTableSetting(table.tableId, 'policy');
  if (text === undefined) throw notFound('The table policy does not exist.');
  return { status: 200, body: { resourcePolicy: text } };
}

export async function deleteTablePolicy(context: TablesContext, call: TablesCall): Promise<TablesAnswer> {
  const { table } = await requireTable(context, call);
  await context.index.deleteTableSetting(table.tableId, 'policy');
  return { status: 204 };
}
