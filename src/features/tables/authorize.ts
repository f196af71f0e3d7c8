// Authorization of S3 Tables requests (the S3 Tables API and its Iceberg REST catalog alike):
// root may do everything; a user needs its policy to allow the `s3tables:` action on the
// resource (a table's ARN when the request names an existing table, else its table bucket's);
// an anonymous caller, nothing.
import type { Principal } from '../../frontend/context.js';
import { evaluateAccess } from '../../services/iam/evaluate.js';
import type { Index } from '../../index/types.js';
import { tableArn, tableBucketArn, TablesError, type ArnScope } from './names.js';

/** Whether the principal may do the `s3tables:` action on the resource. */
export function mayDo(principal: Principal, action: string, resource: string): boolean {
  if (principal.kind === 'root') return true;
  const decision = principal.kind === 'anonymous' ? 'implicit-deny' : evaluateAccess(
    { principal: { kind: 'user', name: principal.name, canonicalId: principal.canonicalId }, action, resource, keys: new Map() },
    { userPolicy: principal.policy, allowedByDefault: false, ignoreBucketPolicyAllows: false },
  );
  return decision === 'allow';
}

export function authorize(principal: Principal, action: string, resource: string): void {
  if (!mayDo(principal, action, resource)) throw new TablesError('AccessDeniedException', `You are not authorized to perform ${action} on ${resource}.`);
}

/**
 * The ARN an action is judged on: the named table's own ARN (`…:bucket/NAME/table/TABLE-ID`) when
 * the table exists, as AWS judges table-level actions, else the table bucket's.
 */
export async function tableOrBucketArn(index: Index, scope: ArnScope, bucket: string, namespace?: string, name?: string): Promise<string> {
  if (namespace === undefined || name === undefined) return tableBucketArn(scope, bucket);
  const table = await index.getTable(bucket, namespace, name);
  return table === undefined ? tableBucketArn(scope, bucket) : tableArn(scope, bucket, table.tableId);
}
