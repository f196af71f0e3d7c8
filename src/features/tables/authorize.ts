// Authorization of S3 Tables requests (the S3 Tables API and its Iceberg REST catalog alike), as
// AWS's evaluation logic within one account: root may do everything; for a user, an explicit Deny
// in its own policy, the table bucket's policy or the table's policy wins; otherwise an Allow in
// any of them allows (a resource policy grants users what their own policies do not). The resource
// is the table's ARN when the request names an existing table (judged against the bucket's and the
// table's policies), else its table bucket's. An anonymous caller may do nothing: S3 Tables
// blocks public access, always.
import type { Principal } from '../../frontend/context.js';
import { evaluateAccess } from '../../services/iam/evaluate.js';
import { parsedPolicy } from '../../services/iam/policy-cache.js';
import type { ParsedPolicy } from '../../services/iam/policy.js';
import type { Index, TableBucketRecord, TableRecord } from '../../index/types.js';
import { MANAGED_TABLE_BUCKET_NAME, tableArn, tableBucketArn, TablesError, type ArnScope } from './names.js';

/** What an action is judged on: the resource's ARN and the resource policies that govern it. */
export interface AccessTarget {
  arn: string;
  /** The table bucket's policy and the table's, merged (undefined: none). */
  resourcePolicy?: ParsedPolicy;
}

/** Whether the principal may do the `s3tables:` action on the resource. */
export function mayDo(principal: Principal, action: string, target: AccessTarget | string): boolean {
  if (principal.kind === 'root') return true;
  if (principal.kind === 'anonymous') return false;
  const { arn, resourcePolicy } = typeof target === 'string' ? { arn: target, resourcePolicy: undefined } : target;
  const decision = evaluateAccess(
    { principal: { kind: 'user', name: principal.name, canonicalId: principal.canonicalId }, action, resource: arn, keys: new Map() },
    { userPolicy: principal.policy, bucketPolicy: resourcePolicy, allowedByDefault: false, ignoreBucketPolicyAllows: false },
  );
  return decision === 'allow';
}

/** Whether an action changes something (anything but `Get…` and `List…`). */
const isWriteAction = (action: string): boolean => !/^s3tables:(Get|List)/.test(action);

/** Whether the ARN is the AWS-managed table bucket or one of its tables. */
const isManagedResource = (arn: string): boolean => /:bucket\/([^/]+)/.exec(arn)?.[1] === MANAGED_TABLE_BUCKET_NAME;

export function authorize(principal: Principal, action: string, target: AccessTarget | string): void {
  const arn = typeof target === 'string' ? target : target.arn;
  // AWS manages `aws-s3`'s tables itself: no caller, root included, may change them.
  if (isManagedResource(arn) && isWriteAction(action)) {
    throw new TablesError('AccessDeniedException', `You are not authorized to perform ${action} on ${arn}: the table bucket ${MANAGED_TABLE_BUCKET_NAME} is managed by AWS.`);
  }
  if (!mayDo(principal, action, target)) throw new TablesError('AccessDeniedException', `You are not authorized to perform ${action} on ${arn}.`);
}

/** A stored table policy, parsed; one that no longer parses grants nothing and denies nothing. */
function storedPolicy(text: string | undefined, scope: ArnScope, bucket: string): ParsedPolicy | undefined {
  if (text === undefined) return undefined;
  try {
    return parsedPolicy(text, { kind: 'table', accountId: scope.accountId, bucket });
  } catch {
    return undefined;
  }
}

/** The resource policies governing a table bucket, or one of its tables: the bucket's and the table's, as one. */
export async function resourcePolicyOf(index: Index, scope: ArnScope, bucket: TableBucketRecord, table?: TableRecord): Promise<ParsedPolicy | undefined> {
  const policies = [
    storedPolicy(await index.getTableSetting(bucket.tableBucketId, 'policy'), scope, bucket.name),
    table === undefined ? undefined : storedPolicy(await index.getTableSetting(table.tableId, 'policy'), scope, bucket.name),
  ].filter((policy) => policy !== undefined);
  if (policies.length === 0) return undefined;
  if (policies.length === 1) return policies[0];
  return {
    statements: policies.flatMap((policy) => policy.statements), referencedUserNames: [], referencedCanonicalIds: [],
    readsExistingObjectTags: false,
  };
}

/**
 * The target an action is judged on: the named table (`…:bucket/NAME/table/TABLE-ID`) when it
 * exists, as AWS judges table-level actions, else the table bucket; with the policies governing it.
 */
export async function tableOrBucketTarget(index: Index, scope: ArnScope, bucketName: string, namespace?: string, name?: string): Promise<AccessTarget> {
  const bucket = await index.getTableBucket(bucketName);
  if (bucket === undefined) return { arn: tableBucketArn(scope, bucketName) };
  const table = namespace === undefined || name === undefined ? undefined : await index.getTable(bucketName, namespace, name);
  return {
    arn: table === undefined ? tableBucketArn(scope, bucketName) : tableArn(scope, bucketName, table.tableId),
    resourcePolicy: await resourcePolicyOf(index, scope, bucket, table),
  };
}

/** The target of a table named by its id (GetTable by ARN, vended credentials). */
export async function tableTargetById(index: Index, scope: ArnScope, bucketName: string, tableId: string): Promise<AccessTarget> {
  const bucket = await index.getTableBucket(bucketName);
  const table = bucket === undefined ? undefined : await index.getTableById(bucketName, tableId);
  return { arn: tableArn(scope, bucketName, tableId), resourcePolicy: bucket === undefined ? undefined : await resourcePolicyOf(index, scope, bucket, table) };
}
