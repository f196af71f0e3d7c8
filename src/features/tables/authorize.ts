// Authorization of S3 Tables requests (the S3 Tables API and its Iceberg REST catalog alike):
// root may do everything; a user needs its policy to allow the `s3tables:` action on the
// resource; an anonymous caller, nothing.
import type { Principal } from '../../frontend/context.js';
import { evaluateAccess } from '../../services/iam/evaluate.js';
import { TablesError } from './names.js';

export function authorize(principal: Principal, action: string, resource: string): void {
  if (principal.kind === 'root') return;
  const decision = principal.kind === 'anonymous' ? 'implicit-deny' : evaluateAccess(
    { principal: { kind: 'user', name: principal.name, canonicalId: principal.canonicalId }, action, resource, keys: new Map() },
    { userPolicy: principal.policy, allowedByDefault: false, ignoreBucketPolicyAllows: false },
  );
  if (decision !== 'allow') throw new TablesError('AccessDeniedException', `You are not authorized to perform ${action} on ${resource}.`);
}
