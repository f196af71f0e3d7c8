// AWS's policy evaluation logic for one account: an explicit Deny in any applicable policy wins;
// otherwise an Allow in the user's policy or the bucket's policy allows; otherwise the request is
// allowed only where the caller has it by default (the bucket's owner). Pure: no I/O, no clock.
import { conditionsHold, type ConditionKeys } from './conditions.js';
import { matchesPattern, type VariableSource } from './patterns.js';
import type { ParsedPolicy, ParsedStatement, PrincipalSet } from './policy.js';

/** Who sends a request (the root identity never reaches evaluation: it may do everything). */
export type RequestPrincipal =
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; canonicalId: string };

export interface AccessRequest {
  principal: RequestPrincipal;
  /** "s3:GetObject"… */
  action: string;
  /** "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", or "*" for service-level actions. */
  resource: string;
  keys: ConditionKeys;
}

export interface ApplicablePolicies {
  /** The user's own policy (none for anonymous requests). */
  userPolicy?: ParsedPolicy;
  /** The bucket's policy (none for service-level actions). */
  bucketPolicy?: ParsedPolicy;
  /** Allowed unless explicitly denied: the bucket's owner, or a user's default rights. */
  allowedByDefault: boolean;
  /**
   * RestrictPublicBuckets with a public bucket policy: the bucket policy's Allow statements grant
   * nothing (its Deny statements still apply).
   */
  ignoreBucketPolicyAllows: boolean;
}

export type AccessDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

function principalIn(set: PrincipalSet, principal: RequestPrincipal, effect: 'Allow' | 'Deny'): boolean {
  if (set.anyone) return true;
  if (principal.kind === 'anonymous') return false;
  if (set.userNames.has(principal.name.toLowerCase()) || set.canonicalIds.has(principal.canonicalId)) return true;
  // Naming the account delegates to its own policies: it denies every identity in it, but allows
  // nobody by itself (a user still needs its own policy to allow the action).
  return set.account && effect === 'Deny';
}

function statementApplies(statement: ParsedStatement, request: AccessRequest, variables: VariableSource): boolean {
  if (statement.principal !== undefined && !principalIn(statement.principal, request.principal, statement.effect)) return false;
  if (statement.notPrincipal !== undefined && principalIn(statement.notPrincipal, request.principal, 'Deny')) return false;
  if (statement.actions !== undefined && !statement.actions.some((pattern) => matchesPattern(pattern, request.action, variables, true))) return false;
  if (statement.notActions !== undefined && statement.notActions.some((pattern) => matchesPattern(pattern, request.action, variables, true))) return false;
  if (statement.resources !== undefined && !statement.resources.some((pattern) => matchesPattern(pattern, request.resource, variables))) return false;
  if (statement.notResources !== undefined && statement.notResources.some((pattern) => matchesPattern(pattern, request.resource, variables))) return false;
  return conditionsHold(statement.conditions, request.keys);
}

/** Which effects of a policy's statements apply to the request. */
function applicableEffects(policy: ParsedPolicy | undefined, request: AccessRequest, variables: VariableSource): { allow: boolean; deny: boolean } {
  const effects = { allow: false, deny: false };
  if (policy === undefined) return effects;
  for (const statement of policy.statements) {
    if (!statementApplies(statement, request, variables)) continue;
    if (statement.effect === 'Deny') {
      effects.deny = true;
      break;
    }
    effects.allow = true;
  }
  return effects;
}

export function evaluateAccess(request: AccessRequest, policies: ApplicablePolicies): AccessDecision {
  const variables: VariableSource = (key) => request.keys.get(key);
  const user = request.principal.kind === 'user' ? applicableEffects(policies.userPolicy, request, variables) : { allow: false, deny: false };
  if (user.deny) return 'explicit-deny';
  const bucket = applicableEffects(policies.bucketPolicy, request, variables);
  if (bucket.deny) return 'explicit-deny';
  if (policies.allowedByDefault || user.allow) return 'allow';
  if (bucket.allow && !policies.ignoreBucketPolicyAllows) return 'allow';
  return 'implicit-deny';
}
