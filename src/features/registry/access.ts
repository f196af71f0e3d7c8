// Authorization of a registry request: the IAM evaluator judges the request's ECR action on the
// repository's ARN against the caller's user policy and the repository's policy (ECR's repository
// policy: principals and actions, no resource). Root may do everything; anonymous callers only what
// a repository policy allows them. A denied anonymous caller is asked to authenticate (401 with the
// token challenge); a denied user gets 403 DENIED.
import type { Principal } from '../../frontend/context.js';
import { evaluateAccess } from '../../services/iam/evaluate.js';
import { parsePolicy, type ParsedPolicy } from '../../services/iam/policy.js';
import { TOKEN_SERVICE } from './auth.js';
import { OciError } from './errors.js';

export interface AccessCheck {
  principal: Principal;
  action: string;
  resource: string;
  /** The repository's policy text, if it has one. */
  repositoryPolicy?: string;
  accountId: string;
}

/** The Bearer challenge a 401 carries: where to get a token, and for what. */
export function challengeOf(endpoint: string, scope: string | undefined): string {
  const scopePart = scope === undefined ? '' : `,scope="${scope}"`;
  return `Bearer realm="${endpoint}/v2/token",service="${TOKEN_SERVICE}"${scopePart}`;
}

const parsedPolicies = new Map<string, ParsedPolicy | null>();
/** Parsed repository policies, by text (a bounded cache: policies are few and small). */
const PARSED_POLICIES_MAX = 1024;

function repositoryPolicyOf(text: string | undefined, accountId: string): ParsedPolicy | undefined {
  if (text === undefined) return undefined;
  let parsed = parsedPolicies.get(text);
  if (parsed === undefined) {
    try {
      parsed = parsePolicy(text, { kind: 'repository', accountId });
    } catch {
      // A stored policy that no longer parses grants nothing (failing closed).
      parsed = null;
    }
    if (parsedPolicies.size >= PARSED_POLICIES_MAX) parsedPolicies.clear();
    parsedPolicies.set(text, parsed);
  }
  return parsed ?? undefined;
}

export function isAllowed(check: AccessCheck): boolean {
  const { principal } = check;
  if (principal.kind === 'root') return true;
  const requestPrincipal = principal.kind === 'anonymous' ? { kind: 'anonymous' as const } : { kind: 'user' as const, name: principal.name, canonicalId: principal.canonicalId };
  const decision = evaluateAccess(
    { principal: requestPrincipal, action: check.action, resource: check.resource, keys: new Map() },
    {
      userPolicy: principal.kind === 'user' ? principal.policy : undefined,
      bucketPolicy: repositoryPolicyOf(check.repositoryPolicy, check.accountId),
      allowedByDefault: false,
      ignoreBucketPolicyAllows: false,
    },
  );
  return decision === 'allow';
}

/** Throws the spec's answer for a denied request. */
export function requireAllowed(check: AccessCheck, challenge: string): void {
  if (isAllowed(check)) return;
  if (check.principal.kind === 'anonymous') {
    throw new OciError(401, 'UNAUTHORIZED', 'authentication required', {}, { 'WWW-Authenticate': challenge });
  }
  throw new OciError(403, 'DENIED', `not authorized to perform ${check.action} on ${check.resource}`);
}
