// A LifecycleConfiguration document (as the front end's XML parser hands it over: elements as
// nested records, text as strings) checked the way S3 checks it and turned into rules. Problems of
// shape (unknown or missing elements, bad numbers or dates, several of what may appear once) are
// MalformedXML and win over problems of meaning (InvalidArgument, InvalidRequest, InvalidTag), as
// S3 validates against its schema first.
import type { Tag } from '../../index/types.js';
import {
  DEFAULT_TRANSITION_MINIMUM_SIZE,
  TRANSITION_MINIMUM_SIZE_SETTINGS,
  TRANSITION_STORAGE_CLASSES,
  storageClassRank,
  type DueTime,
  type FilterForm,
  type LifecycleConfiguration,
  type LifecycleRule,
  type RulePredicates,
  type TransitionDefaultMinimumObjectSize,
  type TransitionStorageClass,
} from './rules.js';

/** S3: at most 1,000 rules per configuration. */
export const LIFECYCLE_RULES_MAX = 1000;
/** S3: a rule ID is at most 255 characters. */
export const RULE_ID_CHARACTERS_MAX = 255;
/** S3: NewerNoncurrentVersions keeps 1 to 100 noncurrent versions. */
export const NEWER_NONCURRENT_VERSIONS_MAX = 100;
/** S3: objects go to STANDARD_IA or ONEZONE_IA 30 days after creation at the earliest. */
const INFREQUENT_ACCESS_TRANSITION_DAYS_MIN = 30;
const INFREQUENT_ACCESS_CLASSES: ReadonlySet<string> = new Set(['STANDARD_IA', 'ONEZONE_IA']);
/** S3's schema: Days and friends are 32-bit integers. */
const DAYS_MAX = 2_147_483_647;
const TAG_KEY_CHARACTERS_MAX = 128;
const TAG_VALUE_CHARACTERS_MAX = 256;
const DAY_MS = 24 * 60 * 60 * 1000;

export type LifecycleErrorCode = 'MalformedXML' | 'InvalidArgument' | 'InvalidRequest' | 'InvalidTag';

export class LifecycleConfigurationError extends Error {
  constructor(readonly code: LifecycleErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'LifecycleConfigurationError';
  }
}

function malformed(): never {
  throw new LifecycleConfigurationError('MalformedXML');
}

type Fields = Record<string, unknown>;

/** Shape problems throw at once; the first problem of meaning is kept and thrown at the end. */
class Findings {
  first: LifecycleConfigurationError | undefined;
  note(code: Exclude<LifecycleErrorCode, 'MalformedXML'>, message: string): void {
    this.first ??= new LifecycleConfigurationError(code, message);
  }
}

function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

/** An element's children, refusing any not in `allowed` (whitespace between elements is fine). */
function fieldsOf(value: unknown, allowed: readonly string[]): Fields {
  if (isBlank(value)) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed();
  const fields = value as Fields;
  for (const [name, child] of Object.entries(fields)) {
    if (name === '#text' ? !isBlank(child) : !allowed.includes(name)) malformed();
  }
  return fields;
}

/** A child that may appear at most once. */
function single(fields: Fields, name: string): unknown {
  const value = fields[name];
  if (Array.isArray(value)) malformed();
  return value;
}

function many(fields: Fields, name: string): unknown[] {
  const value = fields[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') malformed();
  return value;
}

function integer(value: unknown, maximum: number): number | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (!/^\s*-?\d{1,16}\s*$/.test(raw)) malformed();
  const parsed = Number(raw.trim());
  if (!Number.isSafeInteger(parsed) || parsed > maximum) malformed();
  return parsed;
}

const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** An ISO 8601 date; S3 takes only midnight UTC (real UTC days: dates never scale). */
function midnightDate(value: unknown, action: string, findings: Findings): number | undefined {
  const raw = text(value)?.trim();
  if (raw === undefined) return undefined;
  const timeMs = ISO_DATE_PATTERN.test(raw) ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw) : NaN;
  if (Number.isNaN(timeMs)) malformed();
  if (timeMs % DAY_MS !== 0) findings.note('InvalidArgument', `'Date' must be at midnight GMT in '${action}' action`);
  return timeMs;
}

function parseTag(value: unknown, findings: Findings): Tag {
  const fields = fieldsOf(value, ['Key', 'Value']);
  const key = text(single(fields, 'Key'));
  const tagValue = text(single(fields, 'Value')) ?? '';
  if (key === undefined) malformed();
  if ([...key].length === 0 || [...key].length > TAG_KEY_CHARACTERS_MAX) findings.note('InvalidTag', 'The TagKey you have provided is invalid');
  if ([...tagValue].length > TAG_VALUE_CHARACTERS_MAX) findings.note('InvalidTag', 'The TagValue you have provided is invalid');
  return { key, value: tagValue };
}

function checkSizes(match: RulePredicates, findings: Findings): void {
  const { sizeGreaterThanBytes: greater, sizeLessThanBytes: less } = match;
  if (greater !== undefined && greater < 0) findings.note('InvalidArgument', "'ObjectSizeGreaterThan' must be a non-negative integer");
  if (less !== undefined && less <= 0) findings.note('InvalidArgument', "'ObjectSizeLessThan' must be a positive integer");
  if (greater !== undefined && less !== undefined && greater >= less) {
    findings.note('InvalidArgument', "'ObjectSizeGreaterThan' must be less than 'ObjectSizeLessThan'");
  }
}

function parseAnd(value: unknown, findings: Findings): RulePredicates {
  const fields = fieldsOf(value, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
  const match: RulePredicates = {
    prefix: text(single(fields, 'Prefix')) ?? '',
    tags: many(fields, 'Tag').map((tag) => parseTag(tag, findings)),
    sizeGreaterThanBytes: integer(single(fields, 'ObjectSizeGreaterThan'), Number.MAX_SAFE_INTEGER),
    sizeLessThanBytes: integer(single(fields, 'ObjectSizeLessThan'), Number.MAX_SAFE_INTEGER),
  };
  // And joins two or more predicates.
  const predicates = (fields['Prefix'] !== undefined ? 1 : 0) + match.tags.length
    + (match.sizeGreaterThanBytes !== undefined ? 1 : 0) + (match.sizeLessThanBytes !== undefined ? 1 : 0);
  if (predicates < 2) malformed();
  const keys = new Set(match.tags.map((tag) => tag.key));
  if (keys.size !== match.tags.length) findings.note('InvalidRequest', 'Duplicate Tag Keys are not allowed.');
  return match;
}

/** A Filter: empty (every object) or exactly one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan, And. */
function parseFilter(value: unknown, findings: Findings): { form: FilterForm; match: RulePredicates } {
  const fields = fieldsOf(value, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And']);
  const present = Object.keys(fields).filter((name) => name !== '#text');
  if (present.length > 1) malformed();
  const match: RulePredicates = { prefix: '', tags: [] };
  switch (present[0]) {
    case undefined:
      return { form: 'empty', match };
    case 'Prefix':
      return { form: 'prefix', match: { ...match, prefix: text(single(fields, 'Prefix'))! } };
    case 'Tag':
      return { form: 'tag', match: { ...match, tags: [parseTag(single(fields, 'Tag'), findings)] } };
    case 'ObjectSizeGreaterThan':
      match.sizeGreaterThanBytes = integer(single(fields, 'ObjectSizeGreaterThan'), Number.MAX_SAFE_INTEGER);
      checkSizes(match, findings);
      return { form: 'size-greater-than', match };
    case 'ObjectSizeLessThan':
      match.sizeLessThanBytes = integer(single(fields, 'ObjectSizeLessThan'), Number.MAX_SAFE_INTEGER);
      checkSizes(match, findings);
      return { form: 'size-less-than', match };
    default: {
      const and = parseAnd(single(fields, 'And'), findings);
      checkSizes(and, findings);
      return { form: 'and', match: and };
    }
  }
}

function parseExpiration(value: unknown, findings: Findings): LifecycleRule['expiration'] {
  const fields = fieldsOf(value, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
  const present = ['Days', 'Date', 'ExpiredObjectDeleteMarker'].filter((name) => fields[name] !== undefined);
  // Exactly one of them: ExpiredObjectDeleteMarker beside Days or Date is refused as malformed, as S3 does.
  if (present.length !== 1) malformed();
  const days = integer(single(fields, 'Days'), DAYS_MAX);
  if (days !== undefined && days <= 0) findings.note('InvalidArgument', "'Days' for Expiration action must be a positive integer");
  const dateMs = midnightDate(single(fields, 'Date'), 'Expiration', findings);
  const markerText = text(single(fields, 'ExpiredObjectDeleteMarker'))?.trim();
  if (markerText !== undefined && markerText !== 'true' && markerText !== 'false') malformed();
  return { days, dateMs, expiredObjectDeleteMarker: markerText === undefined ? undefined : markerText === 'true' };
}

function transitionStorageClass(value: unknown): TransitionStorageClass {
  const storageClass = text(value)?.trim();
  if (!TRANSITION_STORAGE_CLASSES.includes(storageClass as TransitionStorageClass)) malformed();
  return storageClass as TransitionStorageClass;
}

function checkInfrequentAccessDays(days: number | undefined, storageClass: string, field: string, action: string, findings: Findings): void {
  if (days !== undefined && INFREQUENT_ACCESS_CLASSES.has(storageClass) && days < INFREQUENT_ACCESS_TRANSITION_DAYS_MIN) {
    findings.note('InvalidArgument', `'${field}' in ${action} action must be greater than or equal to ${INFREQUENT_ACCESS_TRANSITION_DAYS_MIN} for storageClass '${storageClass}'`);
  }
}

function parseTransition(value: unknown, findings: Findings): LifecycleRule['transitions'][number] {
  const fields = fieldsOf(value, ['Days', 'Date', 'StorageClass']);
  if ((fields['Days'] === undefined) === (fields['Date'] === undefined)) malformed();
  const storageClass = transitionStorageClass(single(fields, 'StorageClass'));
  const days = integer(single(fields, 'Days'), DAYS_MAX);
  if (days !== undefined && days < 0) findings.note('InvalidArgument', "'Days' for Transition action must be a non-negative integer");
  checkInfrequentAccessDays(days, storageClass, 'Days', 'Transition', findings);
  return { days, dateMs: midnightDate(single(fields, 'Date'), 'Transition', findings), storageClass };
}

function parseNewerNoncurrentVersions(value: unknown, action: string, findings: Findings): number | undefined {
  const newer = integer(value, DAYS_MAX);
  if (newer !== undefined && (newer < 1 || newer > NEWER_NONCURRENT_VERSIONS_MAX)) {
    findings.note('InvalidArgument', `'NewerNoncurrentVersions' for ${action} action must be between 1 and ${NEWER_NONCURRENT_VERSIONS_MAX}`);
  }
  return newer;
}

function parseNoncurrentTransition(value: unknown, findings: Findings): LifecycleRule['noncurrentVersionTransitions'][number] {
  const fields = fieldsOf(value, ['NoncurrentDays', 'StorageClass', 'NewerNoncurrentVersions']);
  const storageClass = transitionStorageClass(single(fields, 'StorageClass'));
  const noncurrentDays = integer(single(fields, 'NoncurrentDays'), DAYS_MAX);
  if (noncurrentDays === undefined) malformed();
  if (noncurrentDays < 0) findings.note('InvalidArgument', "'NoncurrentDays' for NoncurrentVersionTransition action must be a non-negative integer");
  checkInfrequentAccessDays(noncurrentDays, storageClass, 'NoncurrentDays', 'NoncurrentVersionTransition', findings);
  const newerNoncurrentVersions = parseNewerNoncurrentVersions(single(fields, 'NewerNoncurrentVersions'), 'NoncurrentVersionTransition', findings);
  return { noncurrentDays, storageClass, newerNoncurrentVersions };
}

function parseNoncurrentExpiration(value: unknown, findings: Findings): LifecycleRule['noncurrentVersionExpiration'] {
  const fields = fieldsOf(value, ['NoncurrentDays', 'NewerNoncurrentVersions']);
  const noncurrentDays = integer(single(fields, 'NoncurrentDays'), DAYS_MAX);
  if (noncurrentDays === undefined) malformed();
  if (noncurrentDays <= 0) findings.note('InvalidArgument', "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  const newerNoncurrentVersions = parseNewerNoncurrentVersions(single(fields, 'NewerNoncurrentVersions'), 'NoncurrentVersionExpiration', findings);
  return { noncurrentDays, newerNoncurrentVersions };
}

function parseAbort(value: unknown, findings: Findings): LifecycleRule['abortIncompleteMultipartUpload'] {
  const fields = fieldsOf(value, ['DaysAfterInitiation']);
  const daysAfterInitiation = integer(single(fields, 'DaysAfterInitiation'), DAYS_MAX);
  if (daysAfterInitiation === undefined) malformed();
  if (daysAfterInitiation <= 0) findings.note('InvalidArgument', "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
  return { daysAfterInitiation };
}

const RULE_ELEMENTS = ['ID', 'Status', 'Prefix', 'Filter', 'Expiration', 'Transition', 'NoncurrentVersionTransition', 'NoncurrentVersionExpiration', 'AbortIncompleteMultipartUpload'];

function parseRule(value: unknown, findings: Findings, newRuleId: () => string): LifecycleRule {
  const fields = fieldsOf(value, RULE_ELEMENTS);
  const status = text(single(fields, 'Status'))?.trim();
  if (status !== 'Enabled' && status !== 'Disabled') malformed();
  const legacyPrefix = text(single(fields, 'Prefix'));
  const filterValue = single(fields, 'Filter');
  if ((legacyPrefix === undefined) === (filterValue === undefined)) malformed();
  const { form, match } = legacyPrefix !== undefined
    ? { form: 'legacy-prefix' as const, match: { prefix: legacyPrefix, tags: [] } }
    : parseFilter(filterValue, findings);
  const expirationValue = single(fields, 'Expiration');
  const noncurrentExpirationValue = single(fields, 'NoncurrentVersionExpiration');
  const abortValue = single(fields, 'AbortIncompleteMultipartUpload');
  const id = text(single(fields, 'ID')) ?? '';
  if ([...id].length > RULE_ID_CHARACTERS_MAX) findings.note('InvalidArgument', `ID length should not exceed allowed limit of ${RULE_ID_CHARACTERS_MAX}`);
  return {
    id: id === '' ? newRuleId() : id,
    enabled: status === 'Enabled',
    filterForm: form,
    match,
    expiration: expirationValue === undefined ? undefined : parseExpiration(expirationValue, findings),
    transitions: many(fields, 'Transition').map((transition) => parseTransition(transition, findings)),
    noncurrentVersionExpiration: noncurrentExpirationValue === undefined ? undefined : parseNoncurrentExpiration(noncurrentExpirationValue, findings),
    noncurrentVersionTransitions: many(fields, 'NoncurrentVersionTransition').map((transition) => parseNoncurrentTransition(transition, findings)),
    abortIncompleteMultipartUpload: abortValue === undefined ? undefined : parseAbort(abortValue, findings),
  };
}

/** A due time's position on one scale (days or dates): what ordering checks compare. */
function dueValue(due: DueTime): number {
  return due.dateMs ?? due.days ?? 0;
}

/** Transitions go down the waterfall as time passes; IA classes keep an object 30 days first. */
function checkTransitionOrder(rule: LifecycleRule, findings: Findings): void {
  const transitions = rule.transitions;
  if (new Set(transitions.map((transition) => transition.storageClass)).size !== transitions.length) {
    findings.note('InvalidRequest', "'StorageClass' must be different for 'Transition' actions in same 'Rule'");
  }
  const byDate = transitions.filter((transition) => transition.dateMs !== undefined).length;
  if (byDate !== 0 && byDate !== transitions.length) findings.note('InvalidRequest', "Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule");
  const ordered = [...transitions].sort((left, right) => storageClassRank(left.storageClass) - storageClassRank(right.storageClass));
  for (let index = 1; index < ordered.length; index += 1) {
    const [earlier, later] = [ordered[index - 1]!, ordered[index]!];
    const gap = earlier.days !== undefined && INFREQUENT_ACCESS_CLASSES.has(earlier.storageClass) ? INFREQUENT_ACCESS_TRANSITION_DAYS_MIN : 1;
    if (dueValue(later) < dueValue(earlier) + (earlier.dateMs !== undefined ? 1 : gap)) {
      findings.note('InvalidArgument', `'${later.days !== undefined ? 'Days' : 'Date'}' in the 'Transition' action for StorageClass '${later.storageClass}' must be later than in the 'Transition' action for StorageClass '${earlier.storageClass}'${gap > 1 ? ` by at least ${gap} days` : ''}`);
    }
  }
  const expiration = rule.expiration;
  if (expiration === undefined || transitions.length === 0 || expiration.expiredObjectDeleteMarker !== undefined) return;
  if ((expiration.dateMs !== undefined) !== (byDate !== 0)) {
    findings.note('InvalidRequest', "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule");
  } else if (transitions.some((transition) => dueValue(expiration) <= dueValue(transition))) {
    const field = expiration.dateMs !== undefined ? 'Date' : 'Days';
    findings.note('InvalidArgument', `'${field}' in the Expiration action must be greater than '${field}' in the Transition action`);
  }
}

function checkRuleMeaning(rule: LifecycleRule, findings: Findings): void {
  if (rule.expiration === undefined && rule.transitions.length === 0 && rule.noncurrentVersionExpiration === undefined
    && rule.noncurrentVersionTransitions.length === 0 && rule.abortIncompleteMultipartUpload === undefined) {
    findings.note('InvalidRequest', 'At least one action needs to be specified in a rule');
  }
  const hasTags = rule.match.tags.length > 0;
  const hasSize = rule.match.sizeGreaterThanBytes !== undefined || rule.match.sizeLessThanBytes !== undefined;
  // Delete markers and unfinished uploads carry no tags (nor a final size), so such rules could never act.
  if (rule.expiration?.expiredObjectDeleteMarker === true && hasTags) findings.note('InvalidRequest', 'ExpiredObjectDeleteMarker cannot be specified with tags.');
  if (rule.abortIncompleteMultipartUpload !== undefined && (hasTags || hasSize)) {
    findings.note('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with Tags or object size filters.');
  }
  const newerGiven = rule.noncurrentVersionExpiration?.newerNoncurrentVersions !== undefined
    || rule.noncurrentVersionTransitions.some((transition) => transition.newerNoncurrentVersions !== undefined);
  if (newerGiven && rule.filterForm === 'legacy-prefix') findings.note('InvalidRequest', 'NewerNoncurrentVersions requires a Filter, not a rule-level Prefix.');
  checkTransitionOrder(rule, findings);
}

/** The x-amz-transition-default-minimum-object-size request header (absent: S3's default). */
export function parseTransitionMinimumSize(value: string | undefined): TransitionDefaultMinimumObjectSize {
  if (value === undefined) return DEFAULT_TRANSITION_MINIMUM_SIZE;
  if (!TRANSITION_MINIMUM_SIZE_SETTINGS.includes(value as TransitionDefaultMinimumObjectSize)) {
    throw new LifecycleConfigurationError('InvalidArgument', `x-amz-transition-default-minimum-object-size must be one of ${TRANSITION_MINIMUM_SIZE_SETTINGS.join(', ')}`);
  }
  return value as TransitionDefaultMinimumObjectSize;
}

/**
 * Checks a parsed <LifecycleConfiguration> document and returns its rules; throws
 * LifecycleConfigurationError with S3's code for the first problem. `newRuleId` names rules given no ID.
 */
export function parseLifecycleConfiguration(
  document: Record<string, unknown>,
  transitionMinimumSizeHeader: string | undefined,
  newRuleId: () => string,
): LifecycleConfiguration {
  const fields = fieldsOf(single(fieldsOf(document, ['LifecycleConfiguration']), 'LifecycleConfiguration'), ['Rule']);
  const ruleValues = many(fields, 'Rule');
  if (ruleValues.length === 0 || ruleValues.length > LIFECYCLE_RULES_MAX) malformed();
  const findings = new Findings();
  const rules = ruleValues.map((value) => parseRule(value, findings, newRuleId));
  const ids = new Set<string>();
  for (const rule of rules) {
    checkRuleMeaning(rule, findings);
    if (ids.has(rule.id)) findings.note('InvalidArgument', 'Rule ID must be unique. Found same ID for more than one rule');
    ids.add(rule.id);
  }
  const transitionDefaultMinimumObjectSize = parseTransitionMinimumSize(transitionMinimumSizeHeader);
  if (findings.first !== undefined) throw findings.first;
  return { rules, transitionDefaultMinimumObjectSize };
}
