// A policy statement's Condition block: parsing (each operator and key checked) and evaluation
// against the request's condition keys, as IAM documents it: operators AND together, keys within an
// operator AND, a key's values OR (NOR under a negated operator); a key the request lacks fails a
// positive operator and satisfies a negated one; `…IfExists`, `ForAllValues:` and `ForAnyValue:`.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { compilePattern, isFixedPattern, matchesPattern, type Pattern, type VariableSource } from './patterns.js';
import { PolicyError } from './policy-error.js';

/** Request values by lower-cased condition key (a key absent from the map is absent from the request). */
export type ConditionKeys = ReadonlyMap<string, string[]>;

type BaseOperator = 'String' | 'StringIgnoreCase' | 'StringLike' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn' | 'Null';
type Comparison = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

interface OperatorSpec { base: BaseOperator; negated: boolean; comparison: Comparison }

const OPERATORS: Record<string, OperatorSpec> = {
  StringEquals: { base: 'String', negated: false, comparison: 'eq' },
  StringNotEquals: { base: 'String', negated: true, comparison: 'eq' },
  StringEqualsIgnoreCase: { base: 'StringIgnoreCase', negated: false, comparison: 'eq' },
  StringNotEqualsIgnoreCase: { base: 'StringIgnoreCase', negated: true, comparison: 'eq' },
  StringLike: { base: 'StringLike', negated: false, comparison: 'eq' },
  StringNotLike: { base: 'StringLike', negated: true, comparison: 'eq' },
  NumericEquals: { base: 'Numeric', negated: false, comparison: 'eq' },
  NumericNotEquals: { base: 'Numeric', negated: true, comparison: 'eq' },
  NumericLessThan: { base: 'Numeric', negated: false, comparison: 'lt' },
  NumericLessThanEquals: { base: 'Numeric', negated: false, comparison: 'le' },
  NumericGreaterThan: { base: 'Numeric', negated: false, comparison: 'gt' },
  NumericGreaterThanEquals: { base: 'Numeric', negated: false, comparison: 'ge' },
  DateEquals: { base: 'Date', negated: false, comparison: 'eq' },
  DateNotEquals: { base: 'Date', negated: true, comparison: 'eq' },
  DateLessThan: { base: 'Date', negated: false, comparison: 'lt' },
  DateLessThanEquals: { base: 'Date', negated: false, comparison: 'le' },
  DateGreaterThan: { base: 'Date', negated: false, comparison: 'gt' },
  DateGreaterThanEquals: { base: 'Date', negated: false, comparison: 'ge' },
  Bool: { base: 'Bool', negated: false, comparison: 'eq' },
  BinaryEquals: { base: 'Binary', negated: false, comparison: 'eq' },
  IpAddress: { base: 'Ip', negated: false, comparison: 'eq' },
  NotIpAddress: { base: 'Ip', negated: true, comparison: 'eq' },
  ArnEquals: { base: 'Arn', negated: false, comparison: 'eq' },
  ArnLike: { base: 'Arn', negated: false, comparison: 'eq' },
  ArnNotEquals: { base: 'Arn', negated: true, comparison: 'eq' },
  ArnNotLike: { base: 'Arn', negated: true, comparison: 'eq' },
  Null: { base: 'Null', negated: false, comparison: 'eq' },
};

/** S3's own condition keys (lower case); tag keys and grant headers are matched by prefix. */
const S3_CONDITION_KEYS = new Set([
  's3:prefix', 's3:delimiter', 's3:max-keys', 's3:versionid', 's3:x-amz-acl', 's3:x-amz-content-sha256', 's3:x-amz-copy-source',
  's3:x-amz-metadata-directive', 's3:x-amz-server-side-encryption', 's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:x-amz-server-side-encryption-customer-algorithm', 's3:x-amz-storage-class', 's3:x-amz-website-redirect-location',
  's3:authtype', 's3:signatureversion', 's3:signatureage', 's3:tlsversion', 's3:locationconstraint', 's3:requestobjecttagkeys',
  's3:object-lock-mode', 's3:object-lock-retain-until-date', 's3:object-lock-remaining-retention-days', 's3:object-lock-legal-hold',
  's3:x-amz-object-ownership', 's3:resourceaccount', 's3:accesspointnetworkorigin', 's3:dataaccesspointaccount',
  's3:dataaccesspointarn', 's3:if-match', 's3:if-none-match', 's3:x-amz-checksum-algorithm',
]);
const S3_CONDITION_KEY_PREFIXES = ['s3:existingobjecttag/', 's3:requestobjecttag/', 's3:buckettag/', 's3:x-amz-grant-'];

export const EXISTING_OBJECT_TAG_KEY_PREFIX = 's3:existingobjecttag/';

export interface ConditionClause {
  operatorName: string;
  spec: OperatorSpec;
  ifExists: boolean;
  set?: 'all' | 'any';
  /** Lower case. */
  key: string;
  patterns: Pattern[];
  numbers: number[];
  /** For IpAddress / NotIpAddress. */
  addresses?: BlockList;
  /** The CIDR prefix lengths named (for the "public" judgement). */
  prefixLengths: Array<{ family: 4 | 6; bits: number }>;
}

function isKnownConditionKey(key: string): boolean {
  if (key.startsWith('aws:')) return true;
  return S3_CONDITION_KEYS.has(key) || S3_CONDITION_KEY_PREFIXES.some((prefix) => key.startsWith(prefix) && key.length > prefix.length);
}

function parseOperatorName(name: string): { spec: OperatorSpec; ifExists: boolean; set?: 'all' | 'any' } {
  let rest = name;
  let set: 'all' | 'any' | undefined;
  if (rest.startsWith('ForAllValues:')) [set, rest] = ['all', rest.slice('ForAllValues:'.length)];
  else if (rest.startsWith('ForAnyValue:')) [set, rest] = ['any', rest.slice('ForAnyValue:'.length)];
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  const spec = Object.hasOwn(OPERATORS, rest) ? OPERATORS[rest] : undefined;
  if (spec === undefined || (ifExists && spec.base === 'Null')) throw new PolicyError(`Invalid Condition type : ${name}`);
  return { spec, ifExists, set };
}

/** Epoch milliseconds of an ISO 8601 date or a number of epoch seconds; NaN when neither. */
function parseDateMs(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  return Date.parse(text);
}

function parseCidr(text: string): { address: string; family: 4 | 6; bits: number } | undefined {
  const [address, bitsText, extra] = text.trim().split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) return undefined;
  const bitsMax = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? bitsMax : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= bitsMax)) return undefined;
  return { address, family, bits };
}

function conditionValues(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PolicyError('Condition values must not be empty');
  return list.map((value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new PolicyError('Condition values must be strings, numbers or booleans');
  });
}

function parseClause(operatorName: string, key: string, raw: unknown, variables: boolean): ConditionClause {
  const { spec, ifExists, set } = parseOperatorName(operatorName);
  const lowerKey = key.toLowerCase();
  if (!isKnownConditionKey(lowerKey)) throw new PolicyError('Policy has an invalid condition key');
  const values = conditionValues(raw);
  const clause: ConditionClause = { operatorName, spec, ifExists, set, key: lowerKey, patterns: [], numbers: [], prefixLengths: [] };
  if (spec.base === 'Numeric' || spec.base === 'Date') {
    clause.numbers = values.map((value) => (spec.base === 'Numeric' ? Number(value) : parseDateMs(value)));
    if (clause.numbers.some((number) => Number.isNaN(number) || values.some((value) => value.trim() === ''))) {
      throw new PolicyError(`Invalid value for ${operatorName}`);
    }
  } else if (spec.base === 'Ip') {
    clause.addresses = new BlockList();
    for (const value of values) {
      const cidr = parseCidr(value);
      if (cidr === undefined) throw new PolicyError(`Invalid IP address or range for ${operatorName}: ${value}`);
      clause.addresses.addSubnet(cidr.address, cidr.bits, cidr.family === 4 ? 'ipv4' : 'ipv6');
      clause.prefixLengths.push({ family: cidr.family, bits: cidr.bits });
    }
  } else if (spec.base === 'Bool' || spec.base === 'Null') {
    if (values.some((value) => value.toLowerCase() !== 'true' && value.toLowerCase() !== 'false')) {
      throw new PolicyError(`Invalid value for ${operatorName}`);
    }
    clause.patterns = values.map((value) => compilePattern(value.toLowerCase(), { wildcards: false, variables: false }));
  } else {
    const wildcards = spec.base === 'StringLike' || spec.base === 'Arn';
    const ignoreCase = spec.base === 'StringIgnoreCase';
    clause.patterns = values.map((value) => compilePattern(value, { wildcards, variables, ignoreCase }));
  }
  return clause;
}

/** Parses a statement's Condition block. */
export function parseConditions(block: unknown, variables: boolean): ConditionClause[] {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) throw new PolicyError('Condition must be an object');
  const clauses: ConditionClause[] = [];
  for (const [operatorName, keys] of Object.entries(block)) {
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new PolicyError(`Invalid Condition type : ${operatorName}`);
    for (const [key, raw] of Object.entries(keys)) clauses.push(parseClause(operatorName, key, raw, variables));
  }
  return clauses;
}

function compare(comparison: Comparison, left: number, right: number): boolean {
  switch (comparison) {
    case 'eq': return left === right;
    case 'lt': return left < right;
    case 'le': return left <= right;
    case 'gt': return left > right;
    case 'ge': return left >= right;
  }
}

/** An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) compares as IPv4. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Whether one request value matches one of the clause's values, under the positive form of the operator. */
function matchesAny(clause: ConditionClause, requestValue: string, variables: VariableSource): boolean {
  switch (clause.spec.base) {
    case 'Numeric':
    case 'Date': {
      const number = clause.spec.base === 'Numeric' ? (requestValue.trim() === '' ? NaN : Number(requestValue)) : parseDateMs(requestValue);
      if (Number.isNaN(number)) return false;
      return clause.numbers.some((policyNumber) => compare(clause.spec.comparison, number, policyNumber));
    }
    case 'Ip': {
      const address = normalizeAddress(requestValue);
      const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
      return family !== undefined && clause.addresses!.check(address, family);
    }
    case 'Bool':
      return clause.patterns.some((pattern) => pattern.source.toLowerCase() === requestValue.toLowerCase());
    case 'StringIgnoreCase':
      return clause.patterns.some((pattern) => matchesPattern(pattern, requestValue, variables, true));
    default:
      return clause.patterns.some((pattern) => matchesPattern(pattern, requestValue, variables));
  }
}

export function clauseHolds(clause: ConditionClause, keys: ConditionKeys): boolean {
  const requestValues = keys.get(clause.key);
  const present = requestValues !== undefined && requestValues.length > 0;
  if (clause.spec.base === 'Null') return clause.patterns[0]!.source === 'true' ? !present : present;
  const variables: VariableSource = (key) => keys.get(key);
  if (!present) {
    if (clause.ifExists) return true;
    if (clause.set === 'all') return true;
    if (clause.set === 'any') return false;
    return clause.spec.negated;
  }
  const verdicts = requestValues.map((value) => matchesAny(clause, value, variables) !== clause.spec.negated);
  if (clause.set === 'all') return verdicts.every(Boolean);
  if (clause.set === 'any') return verdicts.some(Boolean);
  // A single-valued key: a negated operator holds when no value matches (NOR).
  return clause.spec.negated ? verdicts.every(Boolean) : verdicts.some(Boolean);
}

export function conditionsHold(clauses: ConditionClause[], keys: ConditionKeys): boolean {
  return clauses.every((clause) => clauseHolds(clause, keys));
}

/** Condition keys that confine a statement to fixed sources or principals (AWS's "not public"). */
const CONFINING_KEYS = new Set([
  'aws:sourcearn', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:sourceowner', 'aws:sourceaccount', 'aws:userid', 'aws:principalarn',
  'aws:principalaccount', 'aws:principalorgid', 'aws:username', 's3:x-amz-server-side-encryption-aws-kms-key-id',
]);
/** Address ranges at most this wide confine a statement; wider ones leave it public. */
const CONFINING_IPV4_PREFIX_BITS_MIN = 8;
const CONFINING_IPV6_PREFIX_BITS_MIN = 32;

/** Whether the clause holds requests to fixed values of a confining key, or to narrow address ranges. */
export function clauseConfines(clause: ConditionClause): boolean {
  if (clause.ifExists || clause.set === 'all' || clause.spec.negated) return false;
  if (clause.spec.base === 'Ip') {
    return clause.key === 'aws:sourceip' && clause.prefixLengths.every(({ family, bits }) =>
      bits >= (family === 4 ? CONFINING_IPV4_PREFIX_BITS_MIN : CONFINING_IPV6_PREFIX_BITS_MIN));
  }
  const stringLike = clause.spec.base === 'String' || clause.spec.base === 'StringIgnoreCase' || clause.spec.base === 'StringLike' || clause.spec.base === 'Arn';
  return stringLike && CONFINING_KEYS.has(clause.key) && clause.patterns.every(isFixedPattern);
}
