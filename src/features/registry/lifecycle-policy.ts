// ECR lifecycle policies: the rule language's validation (as PutLifecyclePolicy judges it, each
// failure an InvalidParameterException naming the rule) and its parsed form. A rule selects images
// by tag status (tagged — with a tagPrefixList or a tagPatternList, untagged, any — which must be
// the last rule) and a count (imageCountMoreThan N; sinceImagePushed / sinceImagePulled N days),
// and expires them.
import { EcrError } from './ecr-call.js';

/** ECR's bounds on a lifecycle policy's text. */
export const LIFECYCLE_POLICY_CHARS_MIN = 100;
export const LIFECYCLE_POLICY_CHARS_MAX = 30_720;
/** A tag pattern holds at most this many wildcards (ECR's limit). */
const PATTERN_WILDCARDS_MAX = 4;
/** Rules per policy, and entries per tag list (bounds of our own, far above any real policy). */
const RULES_MAX = 100;
const TAG_LIST_ENTRIES_MAX = 100;

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled';

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  tagStatus: TagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  countType: CountType;
  countNumber: number;
}

const invalid = (reason: string) =>
  new EcrError('InvalidParameterException', `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${reason}'`);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function stringList(value: unknown, name: string, priority: number): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > TAG_LIST_ENTRIES_MAX || value.some((entry) => typeof entry !== 'string' || entry.length === 0)) {
    throw invalid(`rule ${priority}: ${name} must be a list of 1 to ${TAG_LIST_ENTRIES_MAX} non-empty strings`);
  }
  return value as string[];
}

function selectionOf(selection: Record<string, unknown>, priority: number): Omit<LifecycleRule, 'rulePriority' | 'description'> {
  const tagStatus = selection['tagStatus'];
  if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') throw invalid(`rule ${priority}: tagStatus must be tagged, untagged or any`);
  const tagPrefixList = stringList(selection['tagPrefixList'], 'tagPrefixList', priority);
  const tagPatternList = stringList(selection['tagPatternList'], 'tagPatternList', priority);
  if (tagStatus === 'tagged' && (tagPrefixList === undefined) === (tagPatternList === undefined)) {
    throw invalid(`rule ${priority}: a tagged rule takes exactly one of tagPrefixList and tagPatternList`);
  }
  if (tagStatus !== 'tagged' && (tagPrefixList !== undefined || tagPatternList !== undefined)) {
    throw invalid(`rule ${priority}: tagPrefixList and tagPatternList are only for tagStatus tagged`);
  }
  if (tagPatternList?.some((pattern) => pattern.split('*').length - 1 > PATTERN_WILDCARDS_MAX)) {
    throw invalid(`rule ${priority}: a tag pattern holds at most ${PATTERN_WILDCARDS_MAX} wildcards`);
  }
  const countType = selection['countType'];
  if (countType !== 'imageCountMoreThan' && countType !== 'sinceImagePushed' && countType !== 'sinceImagePulled') {
    throw invalid(`rule ${priority}: countType must be imageCountMoreThan, sinceImagePushed or sinceImagePulled`);
  }
  const countUnit = selection['countUnit'];
  if (countType === 'imageCountMoreThan' && countUnit !== undefined) throw invalid(`rule ${priority}: countUnit is not allowed with imageCountMoreThan`);
  if (countType !== 'imageCountMoreThan' && countUnit !== 'days') throw invalid(`rule ${priority}: countUnit must be days with ${countType}`);
  const countNumber = selection['countNumber'];
  if (typeof countNumber !== 'number' || !Number.isInteger(countNumber) || countNumber < 1) throw invalid(`rule ${priority}: countNumber must be a positive integer`);
  return { tagStatus, countType, countNumber, ...(tagPrefixList === undefined ? {} : { tagPrefixList }), ...(tagPatternList === undefined ? {} : { tagPatternList }) };
}

function ruleOf(value: unknown): LifecycleRule {
  if (!isObject(value)) throw invalid('each rule must be an object');
  const priority = value['rulePriority'];
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) throw invalid('rulePriority must be a positive integer');
  const description = value['description'];
  if (description !== undefined && typeof description !== 'string') throw invalid(`rule ${priority}: description must be a string`);
  if (!isObject(value['selection'])) throw invalid(`rule ${priority}: selection is required`);
  const action = value['action'];
  if (!isObject(action) || action['type'] !== 'expire') throw invalid(`rule ${priority}: action.type must be expire`);
  return { rulePriority: priority, ...(description === undefined ? {} : { description }), ...selectionOf(value['selection'], priority) };
}

/** The policy's rules in evaluation order (lowest rulePriority first), or an InvalidParameterException. */
export function parseLifecyclePolicy(text: unknown): LifecycleRule[] {
  if (typeof text !== 'string' || text.length < LIFECYCLE_POLICY_CHARS_MIN || text.length > LIFECYCLE_POLICY_CHARS_MAX) {
    throw new EcrError('InvalidParameterException', `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Member must have length from ${LIFECYCLE_POLICY_CHARS_MIN} to ${LIFECYCLE_POLICY_CHARS_MAX}'`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalid('the policy is not valid JSON');
  }
  if (!isObject(document) || !Array.isArray(document['rules']) || document['rules'].length === 0 || document['rules'].length > RULES_MAX) {
    throw invalid(`the policy must hold a rules list of 1 to ${RULES_MAX} rules`);
  }
  const rules = document['rules'].map(ruleOf).sort((a, b) => a.rulePriority - b.rulePriority);
  for (let index = 1; index < rules.length; index++) {
    if (rules[index]!.rulePriority === rules[index - 1]!.rulePriority) throw invalid(`rulePriority ${rules[index]!.rulePriority} is used by more than one rule`);
  }
  const anyIndex = rules.findIndex((rule) => rule.tagStatus === 'any');
  if (anyIndex !== -1 && anyIndex !== rules.length - 1) throw invalid('a rule with tagStatus any must have the highest rulePriority');
  return rules;
}
