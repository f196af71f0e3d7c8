// The POST policy of a browser upload: a base64 JSON document with an expiration and conditions
// that every form field must meet (S3's "POST Policy" page; the error texts are S3's as observed on
// the wire). Exact match (`{"f": v}` or `["eq", "$f", v]`), `starts-with`, `content-length-range`;
// names match without regard to case, values with it; every field except the signature envelope
// and `x-ignore-*` must be named by a condition.
import { S3Error } from './errors.js';

export interface FieldCondition {
  /** 'unmeetable': a content-length-range whose bounds are not numbers, which S3 reports as failed. */
  kind: 'eq' | 'starts-with' | 'unmeetable';
  /** The field a condition names, lower-cased without its "$"; undefined when the "$" is missing (never met). */
  fieldName: string | undefined;
  value: string;
  /** The condition as S3 prints it in "Policy Condition failed: …". */
  text: string;
}

export interface SizeRange {
  minBytes: number;
  maxBytes: number;
}

export interface PostPolicy {
  expirationMs: number;
  conditions: FieldCondition[];
  /** Every content-length-range, all of which the file must meet. */
  sizeRanges: SizeRange[];
}

/** Fields no condition has to name: the signature envelope, the file, and S3's x-ignore- escape. */
const FIELDS_EXEMPT_FROM_CONDITIONS = new Set(['policy', 'x-amz-signature', 'file', 'awsaccesskeyid', 'signature']);
const IGNORED_FIELD_PREFIX = 'x-ignore-';
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** ISO 8601 in UTC, with or without fractional seconds ("2007-12-01T12:00:00.000Z"); S3 refuses offsets. */
const EXPIRATION_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/;
const DIGITS_PATTERN = /^\d{1,16}$/;

function invalidPolicy(reason: string): S3Error {
  return new S3Error('InvalidPolicyDocument', `Invalid Policy: ${reason}`);
}

function denied(reason: string): S3Error {
  return new S3Error('AccessDenied', `Invalid according to Policy: ${reason}`);
}

/** S3 prints a condition as its JSON array with ", " between elements. */
function conditionText(parts: unknown[]): string {
  return `[${parts.map((part) => JSON.stringify(part)).join(', ')}]`;
}

function parseExpirationMs(value: unknown): number {
  const match = typeof value === 'string' ? EXPIRATION_PATTERN.exec(value) : null;
  if (match !== null) {
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
    const timeMs = Date.UTC(year, month - 1, day, hour, minute, second);
    const inRange = month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59;
    if (inRange && new Date(timeMs).getUTCDate() === day) return timeMs;
  }
  throw invalidPolicy(`Invalid 'expiration' value: '${String(value)}'`);
}

function fieldCondition(kind: 'eq' | 'starts-with', name: string, value: string, text: string): FieldCondition {
  return { kind, fieldName: name.startsWith('$') ? name.slice(1).toLowerCase() : undefined, value, text };
}

function parseSimpleCondition(entry: Record<string, unknown>): FieldCondition {
  const names = Object.keys(entry);
  if (names.length !== 1) throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
  const name = names[0]!;
  const value = entry[name];
  if (value === null) throw invalidPolicy('Invalid JSON.');
  if (typeof value !== 'string') throw invalidPolicy('Invalid Simple-Condition: value must be a string.');
  return fieldCondition('eq', `$${name}`, value, conditionText(['eq', `$${name}`, value]));
}

function parseSizeBound(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalidPolicy('Invalid JSON.');
    if (value < 0) throw invalidPolicy('Invalid content-length-range: the bounds must not be negative.');
    return value;
  }
  if (typeof value === 'string' && DIGITS_PATTERN.test(value)) return Number(value);
  return undefined;
}

function parseListCondition(entry: unknown[], policy: PostPolicy): void {
  const operation = entry[0];
  if (typeof operation !== 'string') throw invalidPolicy('Invalid Condition: missing operation identifier.');
  const kind = operation.toLowerCase();
  if (kind !== 'eq' && kind !== 'starts-with' && kind !== 'content-length-range') {
    throw invalidPolicy(`Invalid Condition: unknown operation '${operation}'.`);
  }
  if (entry.length !== 3) throw invalidPolicy(`Invalid ${operation}: wrong number of arguments.`);
  const text = conditionText(entry);
  if (kind === 'content-length-range') {
    const minBytes = parseSizeBound(entry[1]);
    const maxBytes = parseSizeBound(entry[2]);
    if (minBytes === undefined || maxBytes === undefined) policy.conditions.push({ kind: 'unmeetable', fieldName: undefined, value: '', text });
    else policy.sizeRanges.push({ minBytes, maxBytes });
    return;
  }
  const [, name, value] = entry;
  if (typeof name !== 'string' || typeof value !== 'string') throw invalidPolicy('Invalid JSON.');
  policy.conditions.push(fieldCondition(kind, name, value, text));
}

/** Decodes and checks the shape of a policy (InvalidPolicyDocument); evaluates nothing yet. */
export function parsePostPolicy(policyBase64: string): PostPolicy {
  if (!BASE64_PATTERN.test(policyBase64)) throw invalidPolicy('invalid Base64 encoding.');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalidPolicy('Invalid JSON.');
  const members = document as Record<string, unknown>;
  // The member names are case-sensitive: "EXPIRATION" is not the expiration.
  const unexpected = Object.keys(members).find((name) => name !== 'expiration' && name !== 'conditions');
  if (unexpected !== undefined) throw invalidPolicy(`Unexpected: '${unexpected.toLowerCase()}'`);
  if (!('expiration' in members)) throw invalidPolicy('Policy missing expiration.');
  const expirationMs = parseExpirationMs(members['expiration']);
  if (!('conditions' in members)) throw invalidPolicy('Policy missing conditions.');
  const entries = members['conditions'];
  if (!Array.isArray(entries)) throw invalidPolicy("Invalid 'conditions' value: must be a List.");
  const policy: PostPolicy = { expirationMs, conditions: [], sizeRanges: [] };
  for (const entry of entries) {
    if (Array.isArray(entry)) parseListCondition(entry, policy);
    else if (typeof entry === 'object' && entry !== null) policy.conditions.push(parseSimpleCondition(entry as Record<string, unknown>));
    else throw invalidPolicy('Invalid condition test: must be a List or Object.');
  }
  return policy;
}

function conditionHolds(condition: FieldCondition, actual: string | undefined): boolean {
  // A field the form lacks meets no condition, not even starts-with "" (S3 answers so).
  if (actual === undefined || condition.kind === 'unmeetable') return false;
  if (condition.kind === 'eq') return actual === condition.value;
  // Content-Type alone may list several types, each of which must start with the prefix.
  const values = condition.fieldName === 'content-type' ? actual.split(',').map((part) => part.trim()) : [actual];
  return values.every((value) => value.startsWith(condition.value));
}

/** A form field's value by its lower-case name; repeated fields joined by commas, as S3 matches them. */
export type FieldValues = Map<string, string>;

export function fieldValues(fields: Array<{ name: string; value: string }>): FieldValues {
  const values: FieldValues = new Map();
  for (const { name, value } of fields) {
    const lowerName = name.toLowerCase();
    const previous = values.get(lowerName);
    values.set(lowerName, previous === undefined ? value : `${previous},${value}`);
  }
  return values;
}

export interface PolicySubject {
  /** Form fields as sent, with ${filename} already expanded; names in any case. */
  fields: Array<{ name: string; value: string }>;
  /** The bucket the form was posted to: what a "bucket" condition checks. */
  bucket: string;
}

/**
 * Checks expiration, every condition and that every field is named by one (AccessDenied, as S3).
 * The content-length-range is checked by the caller as the file streams.
 */
export function enforcePostPolicy(policy: PostPolicy, subject: PolicySubject, nowMs: number): void {
  if (nowMs > policy.expirationMs) throw denied('Policy expired.');
  const valueByName = fieldValues(subject.fields);
  for (const condition of policy.conditions) {
    const actual = condition.fieldName === 'bucket' ? subject.bucket
      : condition.fieldName === undefined ? undefined : valueByName.get(condition.fieldName);
    if (!conditionHolds(condition, actual)) throw denied(`Policy Condition failed: ${condition.text}`);
  }
  const named = new Set(policy.conditions.map((condition) => condition.fieldName));
  const extra = subject.fields.find(({ name }) => {
    const lowerName = name.toLowerCase();
    return !FIELDS_EXEMPT_FROM_CONDITIONS.has(lowerName) && !lowerName.startsWith(IGNORED_FIELD_PREFIX) && !named.has(lowerName);
  });
  if (extra !== undefined) throw denied(`Extra input fields: ${extra.name}`);
}

/** The file's size bounds under every content-length-range (inclusive), within `ceilingBytes`. */
export function allowedSizeRange(policy: PostPolicy | undefined, ceilingBytes: number): SizeRange {
  let minBytes = 0;
  let maxBytes = ceilingBytes;
  for (const range of policy?.sizeRanges ?? []) {
    minBytes = Math.max(minBytes, range.minBytes);
    maxBytes = Math.min(maxBytes, range.maxBytes);
  }
  return { minBytes, maxBytes };
}
