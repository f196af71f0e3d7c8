// Policy documents (IAM's JSON policy language) for bucket policies and user policies: parsed once,
// checked as S3 and IAM check them (each fault a PolicyError with AWS's message where AWS has one),
// and kept in a compiled form the evaluator reads without further parsing.
import { BACKUP_ACTIONS, ECR_ACTIONS, isExposingAction, S3_ACTIONS, S3TABLES_ACTIONS, type ActionResourceKind } from './actions.js';
import { clauseConfines, EXISTING_OBJECT_TAG_KEY_PREFIX, parseConditions, type ConditionClause } from './conditions.js';
import { compilePattern, matchesPattern, type Pattern } from './patterns.js';
import { PolicyError } from './policy-error.js';

/**
 * A repository policy is ECR's: principals, ECR actions, and no Resource (the repository is implied).
 * A table policy is S3 Tables' (a table bucket's or a table's): principals, and resources that are
 * the table bucket `bucket` or its tables.
 */
export type PolicyKind = 'bucket' | 'user' | 'repository' | 'table';
export type Effect = 'Allow' | 'Deny';

/** Who a statement's Principal (or NotPrincipal) names. */
export interface PrincipalSet {
  /** "*" or {"AWS": "*"}: everyone, anonymous requests included. */
  anyone: boolean;
  /** User names, lower case (user names are unique regardless of case). */
  userNames: Set<string>;
  canonicalIds: Set<string>;
  /** The account itself (its id or root ARN): every identity in it, as far as IAM lets it. */
  account: boolean;
}

export interface ParsedStatement {
  sid?: string;
  effect: Effect;
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  actions?: Pattern[];
  notActions?: Pattern[];
  resources?: Pattern[];
  notResources?: Pattern[];
  conditions: ConditionClause[];
}

export interface ParsedPolicy {
  statements: ParsedStatement[];
  /** User names the principals name (they must exist when a bucket policy is set). */
  referencedUserNames: string[];
  referencedCanonicalIds: string[];
  /** Some condition reads s3:ExistingObjectTag/…: the object's tags must be read to evaluate it. */
  readsExistingObjectTags: boolean;
}

export interface PolicyParseOptions {
  kind: PolicyKind;
  accountId: string;
  /** For a bucket policy or table policy: the (table) bucket it is for (its resources must name it). */
  bucket?: string;
}

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const VARIABLES_VERSION = '2012-10-17';
const TOP_LEVEL_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const S3_ARN_PREFIX = 'arn:aws:s3:::';
const ECR_ARN_PREFIX = 'arn:aws:ecr:';
const BACKUP_ARN_PREFIX = 'arn:aws:backup:';
/**
 * An S3 Tables ARN: `arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME`, optionally `/table/TABLE-ID`;
 * each part may be a wildcard pattern (`*`, `?`), and `bucket/NAME/*` names every table in a bucket.
 */
const S3TABLES_ARN_PATTERN = /^arn:aws:s3tables:[-a-z0-9*?]*:[0-9*?]*:(\*|bucket\/[-a-z0-9_*?]+(\/\*|\/table\/[-a-zA-Z0-9_*?]+)?)$/;
const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
const CANONICAL_ID_PATTERN = /^[0-9a-f]{64}$/;
const ACCOUNT_ID_PATTERN = /^\d{12}$/;
const KNOWN_ACTIONS_LOWER = [...S3_ACTIONS.entries(), ...ECR_ACTIONS.entries(), ...S3TABLES_ACTIONS.entries(), ...BACKUP_ACTIONS.entries()].map(([name, kind]) => ({ lower: name.toLowerCase(), name, kind }));

function strings(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((entry) => typeof entry !== 'string')) throw new PolicyError(`Invalid value for ${field}`);
  return list as string[];
}

function emptyPrincipalSet(): PrincipalSet {
  return { anyone: false, userNames: new Set(), canonicalIds: new Set(), account: false };
}

function parseAwsPrincipal(entry: string, set: PrincipalSet, accountId: string): void {
  const invalid = () => new PolicyError('Invalid principal in policy');
  if (entry === '*') {
    set.anyone = true;
  } else if (ACCOUNT_ID_PATTERN.test(entry)) {
    if (entry !== accountId) throw invalid();
    set.account = true;
  } else if (entry.startsWith('arn:aws:iam::')) {
    const match = /^arn:aws:iam::(\d{12}):(root|user\/([\w+=,.@-]{1,64}))$/.exec(entry);
    if (match === null || match[1] !== accountId) throw invalid();
    if (match[2] === 'root') set.account = true;
    else set.userNames.add(match[3]!.toLowerCase());
  } else if (USER_NAME_PATTERN.test(entry)) {
    // Cairn's shorthand: a bare user name.
    set.userNames.add(entry.toLowerCase());
  } else {
    throw invalid();
  }
}

function parsePrincipal(value: unknown, accountId: string): PrincipalSet {
  const set = emptyPrincipalSet();
  if (value === '*') {
    set.anyone = true;
    return set;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyError('Invalid principal in policy');
  const entries = Object.entries(value);
  if (entries.length === 0) throw new PolicyError('Invalid principal in policy');
  for (const [type, names] of entries) {
    const list = Array.isArray(names) ? names : [names];
    if (list.length === 0 || list.some((name) => typeof name !== 'string')) throw new PolicyError('Invalid principal in policy');
    for (const name of list as string[]) {
      if (type === 'AWS') parseAwsPrincipal(name, set, accountId);
      else if (type === 'CanonicalUser' && CANONICAL_ID_PATTERN.test(name)) set.canonicalIds.add(name);
      // Service and federated principals are valid and name nobody Cairn knows.
      else if ((type === 'Service' && /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(name)) || type === 'Federated') continue;
      else throw new PolicyError('Invalid principal in policy');
    }
  }
  return set;
}

/** The known actions an action pattern names; a pattern naming none is refused. */
function actionKinds(pattern: string): Set<ActionResourceKind> {
  if (pattern === '*') return new Set(['object', 'bucket', 'service']);
  const compiled = compilePattern(pattern, { wildcards: true, variables: false, ignoreCase: true });
  const kinds = new Set<ActionResourceKind>();
  for (const action of KNOWN_ACTIONS_LOWER) if (matchesPattern(compiled, action.lower)) kinds.add(action.kind);
  if (kinds.size === 0) throw new PolicyError('Policy has invalid action');
  return kinds;
}

function compileActions(patterns: string[]): { compiled: Pattern[]; kinds: Array<Set<ActionResourceKind>> } {
  const kinds = patterns.map(actionKinds);
  return { compiled: patterns.map((pattern) => compilePattern(pattern, { wildcards: true, variables: false, ignoreCase: true })), kinds };
}

/** The kinds of resource a resource pattern can name (a `*` may span `/`). */
function resourceKinds(pattern: string): Set<ActionResourceKind> {
  if (pattern === '*') return new Set(['object', 'bucket', 'service']);
  const rest = pattern.slice(S3_ARN_PREFIX.length);
  const kinds = new Set<ActionResourceKind>();
  if (rest.includes('/') || rest.includes('*') || rest.includes('${')) kinds.add('object');
  if (!rest.includes('/')) kinds.add('bucket');
  return kinds;
}

/** A table policy's resource: `*`, or an S3 Tables ARN that can name its own table bucket (or its tables). */
function checkTableResource(pattern: string, bucket: string): void {
  if (pattern === '*') return;
  const match = S3TABLES_ARN_PATTERN.exec(pattern);
  const bucketPart = match === null || match[1] === '*' ? undefined : match[1]!.slice('bucket/'.length).split('/')[0]!;
  if (match !== null && (bucketPart === undefined || matchesPattern(compilePattern(bucketPart, { wildcards: true, variables: false }), bucket))) return;
  throw new PolicyError('Policy has invalid resource');
}

function checkResource(pattern: string, options: PolicyParseOptions): void {
  if (options.kind === 'table') return checkTableResource(pattern, options.bucket!);
  if (options.kind !== 'bucket' && (pattern === '*' || pattern.startsWith(ECR_ARN_PREFIX) || pattern.startsWith(BACKUP_ARN_PREFIX))) return;
  if (options.kind === 'user' && pattern.startsWith('arn:aws:s3tables:')) {
    if (!S3TABLES_ARN_PATTERN.test(pattern)) throw new PolicyError('Policy has invalid resource');
    return;
  }
  if (!pattern.startsWith(S3_ARN_PREFIX) || pattern.length === S3_ARN_PREFIX.length) throw new PolicyError('Policy has invalid resource');
  if (options.kind === 'bucket') {
    // A bucket policy governs its own bucket only: its resources must be able to name it.
    const rest = pattern.slice(S3_ARN_PREFIX.length);
    const slash = rest.indexOf('/');
    const bucketPart = compilePattern(slash < 0 ? rest : rest.slice(0, slash), { wildcards: true, variables: false });
    if (!matchesPattern(bucketPart, options.bucket!)) throw new PolicyError('Policy has invalid resource');
  }
}

function parseStatement(raw: unknown, options: PolicyParseOptions, variables: boolean): ParsedStatement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PolicyError('This policy contains invalid Json');
  const fields = raw as Record<string, unknown>;
  for (const name of Object.keys(fields)) if (!STATEMENT_FIELDS.has(name)) throw new PolicyError(`Unknown field ${name}`);
  const { Sid: sid, Effect: effect } = fields;
  if (sid !== undefined && typeof sid !== 'string') throw new PolicyError('Invalid value for Sid');
  if (effect === undefined) throw new PolicyError('Missing required field Effect');
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError(`Invalid effect: ${String(effect)}`);
  const statement: ParsedStatement = { sid, effect, conditions: [] };
  const hasPrincipal = fields['Principal'] !== undefined || fields['NotPrincipal'] !== undefined;
  if (options.kind === 'user' && hasPrincipal) throw new PolicyError('Policy document should not specify a principal.');
  if (options.kind !== 'user') {
    if (!hasPrincipal) throw new PolicyError('Missing required field Principal');
    if (fields['Principal'] !== undefined && fields['NotPrincipal'] !== undefined) throw new PolicyError('Statement can not contain both Principal and NotPrincipal');
    if (fields['Principal'] !== undefined) statement.principal = parsePrincipal(fields['Principal'], options.accountId);
    else statement.notPrincipal = parsePrincipal(fields['NotPrincipal'], options.accountId);
  }
  if (fields['Action'] !== undefined && fields['NotAction'] !== undefined) throw new PolicyError('Statement can not contain both Action and NotAction');
  if (fields['Action'] === undefined && fields['NotAction'] === undefined) throw new PolicyError('Missing required field Action');
  if (fields['Resource'] !== undefined && fields['NotResource'] !== undefined) throw new PolicyError('Statement can not contain both Resource and NotResource');
  const resourceOptional = options.kind === 'repository';
  if (fields['Resource'] === undefined && fields['NotResource'] === undefined && !resourceOptional) throw new PolicyError('Missing required field Resource');
  const actionPatterns = strings(fields['Action'] ?? fields['NotAction'], 'Action');
  const { compiled, kinds } = compileActions(actionPatterns);
  if (fields['Action'] !== undefined) statement.actions = compiled;
  else statement.notActions = compiled;
  if (fields['Resource'] === undefined && fields['NotResource'] === undefined) {
    if (fields['Condition'] !== undefined) statement.conditions = parseConditions(fields['Condition'], variables);
    return statement;
  }
  const resourcePatterns = strings(fields['Resource'] ?? fields['NotResource'], 'Resource');
  for (const pattern of resourcePatterns) checkResource(pattern, options);
  const resources = resourcePatterns.map((pattern) => compilePattern(pattern, { wildcards: true, variables }));
  if (fields['Resource'] !== undefined) statement.resources = resources;
  else statement.notResources = resources;
  if (options.kind === 'bucket' && statement.actions !== undefined && statement.resources !== undefined) {
    const covered = new Set(resourcePatterns.flatMap((pattern) => [...resourceKinds(pattern)]));
    for (const actionKinds of kinds) {
      if (![...actionKinds].some((kind) => covered.has(kind))) throw new PolicyError('Action does not apply to any resource(s) in statement');
    }
  }
  if (fields['Condition'] !== undefined) statement.conditions = parseConditions(fields['Condition'], variables);
  return statement;
}

/** Parses and checks a policy document; throws PolicyError with the reason it is refused. */
export function parsePolicy(text: string, options: PolicyParseOptions): ParsedPolicy {
  if (!text.startsWith('{')) throw new PolicyError("Policies must be valid JSON and the first byte must be '{'");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new PolicyError('This policy contains invalid Json');
  }
  const fields = document as Record<string, unknown>;
  for (const name of Object.keys(fields)) if (!TOP_LEVEL_FIELDS.has(name)) throw new PolicyError(`Unknown field ${name}`);
  const version = fields['Version'] ?? '2008-10-17';
  if (typeof version !== 'string' || !VERSIONS.has(version)) throw new PolicyError('The policy must contain a valid version string');
  if (fields['Id'] !== undefined && typeof fields['Id'] !== 'string') throw new PolicyError('Invalid value for Id');
  const rawStatements = fields['Statement'];
  if (rawStatements === undefined) throw new PolicyError('Missing required field Statement');
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (list.length === 0) throw new PolicyError('Could not parse the policy: Statement is empty!');
  const statements = list.map((raw) => parseStatement(raw, options, version === VARIABLES_VERSION));
  const sids = statements.flatMap((statement) => (statement.sid === undefined || statement.sid === '' ? [] : [statement.sid]));
  if (new Set(sids).size !== sids.length) throw new PolicyError('Statement IDs (SID) in a single policy must be unique.');
  const principals = statements.flatMap((statement) => [statement.principal, statement.notPrincipal]).filter((set) => set !== undefined);
  return {
    statements,
    referencedUserNames: [...new Set(principals.flatMap((set) => [...set.userNames]))],
    referencedCanonicalIds: [...new Set(principals.flatMap((set) => [...set.canonicalIds]))],
    readsExistingObjectTags: statements.some((statement) => statement.conditions.some((clause) => clause.key.startsWith(EXISTING_OBJECT_TAG_KEY_PREFIX))),
  };
}

function statementExposesData(statement: ParsedStatement): boolean {
  if (statement.actions === undefined) return true;
  return statement.actions.some((pattern) => KNOWN_ACTIONS_LOWER.some((action) => isExposingAction(action.name) && matchesPattern(pattern, action.lower)));
}

/**
 * AWS's "public" policy: one that allows everyone (Principal "*" or any NotPrincipal) an action
 * that exposes data, unless a condition confines the statement to fixed sources or principals.
 */
export function isPublicPolicy(policy: ParsedPolicy): boolean {
  // Judged once per parsed policy (parsed policies are cached), not on every request it governs.
  const known = publicJudgements.get(policy);
  if (known !== undefined) return known;
  const isPublic = policy.statements.some((statement) => statement.effect === 'Allow'
    && (statement.principal?.anyone === true || statement.notPrincipal !== undefined)
    && statementExposesData(statement)
    && !statement.conditions.some(clauseConfines));
  publicJudgements.set(policy, isPublic);
  return isPublic;
}

const publicJudgements = new WeakMap<ParsedPolicy, boolean>();
