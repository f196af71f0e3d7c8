// The 'lifecycle' bucket setting: S3 lifecycle rules as Cairn keeps them (the decisions made from
// them live in src/services/lifecycle/rules.ts), and the check of the stored shape.
import type { Tag } from '../records.js';
import { array, boolean, finiteNumber, oneOf, optional, record, string, tagList, type Fields } from './shape.js';

/** The classes a Transition may name, in S3's "waterfall" order: an object only ever moves down it. */
export const TRANSITION_STORAGE_CLASSES = ['STANDARD_IA', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'] as const;
export type TransitionStorageClass = (typeof TRANSITION_STORAGE_CLASSES)[number];

/** x-amz-transition-default-minimum-object-size: which small objects transitions leave alone. */
export const TRANSITION_MINIMUM_SIZE_SETTINGS = ['all_storage_classes_128K', 'varies_by_storage_class'] as const;
export type TransitionDefaultMinimumObjectSize = (typeof TRANSITION_MINIMUM_SIZE_SETTINGS)[number];

/** The objects a rule names: all of these must hold. */
export interface RulePredicates {
  prefix: string;
  tags: Tag[];
  sizeGreaterThanBytes?: number;
  sizeLessThanBytes?: number;
}

/** How the rule named its objects, so GetBucketLifecycleConfiguration answers in the same form. */
export const FILTER_FORMS = ['legacy-prefix', 'empty', 'prefix', 'tag', 'size-greater-than', 'size-less-than', 'and'] as const;
export type FilterForm = (typeof FILTER_FORMS)[number];

/** When an action falls due: `days` after its start (rounded up to a day boundary), or at `dateMs`. */
export interface DueTime {
  days?: number;
  dateMs?: number;
}

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filterForm: FilterForm;
  match: RulePredicates;
  expiration?: DueTime & { expiredObjectDeleteMarker?: boolean };
  transitions: Array<DueTime & { storageClass: TransitionStorageClass }>;
  noncurrentVersionExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  noncurrentVersionTransitions: Array<{ noncurrentDays: number; storageClass: TransitionStorageClass; newerNoncurrentVersions?: number }>;
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  transitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize;
}

function dueTime(fields: Fields, path: string): void {
  optional(fields, 'days', path, finiteNumber);
  optional(fields, 'dateMs', path, finiteNumber);
}

function checkRule(value: unknown, path: string): void {
  const rule = record(value, path);
  string(rule['id'], `${path}.id`);
  boolean(rule['enabled'], `${path}.enabled`);
  oneOf(rule['filterForm'], FILTER_FORMS, `${path}.filterForm`);
  const match = record(rule['match'], `${path}.match`);
  string(match['prefix'], `${path}.match.prefix`);
  tagList(match['tags'], `${path}.match.tags`);
  optional(match, 'sizeGreaterThanBytes', `${path}.match`, finiteNumber);
  optional(match, 'sizeLessThanBytes', `${path}.match`, finiteNumber);
  optional(rule, 'expiration', path, (expiration, at) => {
    dueTime(record(expiration, at), at);
    optional(record(expiration, at), 'expiredObjectDeleteMarker', at, boolean);
  });
  array(rule['transitions'], `${path}.transitions`).forEach((transition, position) => {
    const at = `${path}.transitions[${position}]`;
    dueTime(record(transition, at), at);
    oneOf(record(transition, at)['storageClass'], TRANSITION_STORAGE_CLASSES, `${at}.storageClass`);
  });
  optional(rule, 'noncurrentVersionExpiration', path, (expiration, at) => {
    finiteNumber(record(expiration, at)['noncurrentDays'], `${at}.noncurrentDays`);
    optional(record(expiration, at), 'newerNoncurrentVersions', at, finiteNumber);
  });
  array(rule['noncurrentVersionTransitions'], `${path}.noncurrentVersionTransitions`).forEach((transition, position) => {
    const at = `${path}.noncurrentVersionTransitions[${position}]`;
    finiteNumber(record(transition, at)['noncurrentDays'], `${at}.noncurrentDays`);
    oneOf(record(transition, at)['storageClass'], TRANSITION_STORAGE_CLASSES, `${at}.storageClass`);
    optional(record(transition, at), 'newerNoncurrentVersions', at, finiteNumber);
  });
  optional(rule, 'abortIncompleteMultipartUpload', path, (abort, at) => finiteNumber(record(abort, at)['daysAfterInitiation'], `${at}.daysAfterInitiation`));
}

export function parseLifecycleSetting(value: unknown): LifecycleConfiguration {
  const configuration = record(value, '');
  array(configuration['rules'], 'rules').forEach((rule, position) => checkRule(rule, `rules[${position}]`));
  oneOf(configuration['transitionDefaultMinimumObjectSize'], TRANSITION_MINIMUM_SIZE_SETTINGS, 'transitionDefaultMinimumObjectSize');
  return value as LifecycleConfiguration;
}
