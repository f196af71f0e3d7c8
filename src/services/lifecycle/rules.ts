// S3 lifecycle rules as Cairn keeps them (the bucket setting 'lifecycle'), and the pure decisions
// made from them: which objects a rule names, when an action falls due, and what the background
// worker and the x-amz-expiration header should do with one version. No I/O here.
//
// Time: S3 counts an action's days from the object's creation (or from when a version became
// noncurrent, or an upload began) and rounds the result up to the next midnight UTC. Cairn counts
// in "lifecycle days" of `dayMs` (86,400,000 by default): "midnight" is then every multiple of
// `dayMs` since the Unix epoch, so a shortened day (tests, demos) rounds the same way, just faster.
// Dates (Expiration/Transition Date) are absolute instants and never scale.
import type { Tag } from '../../index/types.js';
import {
  TRANSITION_STORAGE_CLASSES,
  type DueTime,
  type LifecycleConfiguration,
  type LifecycleRule,
  type TransitionDefaultMinimumObjectSize,
  type TransitionStorageClass,
} from '../../index/settings/lifecycle.js';

// The lifecycle configuration's types are the index's 'lifecycle' bucket setting (checked on read).
export { TRANSITION_MINIMUM_SIZE_SETTINGS, TRANSITION_STORAGE_CLASSES } from '../../index/settings/lifecycle.js';
export type {
  DueTime, FilterForm, LifecycleConfiguration, LifecycleRule, RulePredicates, TransitionDefaultMinimumObjectSize, TransitionStorageClass,
} from '../../index/settings/lifecycle.js';

export const DEFAULT_TRANSITION_MINIMUM_SIZE: TransitionDefaultMinimumObjectSize = 'all_storage_classes_128K';
/** S3: without a size filter of its own, a transition skips objects smaller than 128 KiB… */
export const TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE_BYTES = 128 * 1024;
/** …except, with 'varies_by_storage_class', into these classes. */
const SMALL_OBJECT_TRANSITION_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** What the rules look at in a version. */
export interface VersionFacts {
  key: string;
  sizeBytes: number;
  tags?: Tag[];
  lastModifiedMs: number;
  storageClass: string;
}

export type VersionDecision =
  | { action: 'expire'; ruleId: string }
  | { action: 'transition'; storageClass: TransitionStorageClass; ruleId: string };

/** The first day boundary at or after `timeMs`. */
export function dayBoundaryAtOrAfter(timeMs: number, dayMs: number): number {
  return Math.ceil(timeMs / dayMs) * dayMs;
}

/** S3's rule: start + days, rounded up to the next day boundary ("midnight UTC"). */
export function dueAfterDays(startMs: number, days: number, dayMs: number): number {
  return dayBoundaryAtOrAfter(startMs + days * dayMs, dayMs);
}

function dueAt(due: DueTime, startMs: number, dayMs: number): number | undefined {
  if (due.dateMs !== undefined) return due.dateMs;
  if (due.days !== undefined) return dueAfterDays(startMs, due.days, dayMs);
  return undefined;
}

export function ruleMatches(rule: LifecycleRule, subject: { key: string; sizeBytes: number; tags?: Tag[] }): boolean {
  const { prefix, tags, sizeGreaterThanBytes, sizeLessThanBytes } = rule.match;
  if (!subject.key.startsWith(prefix)) return false;
  if (sizeGreaterThanBytes !== undefined && !(subject.sizeBytes > sizeGreaterThanBytes)) return false;
  if (sizeLessThanBytes !== undefined && !(subject.sizeBytes < sizeLessThanBytes)) return false;
  return tags.every((wanted) => subject.tags?.some((tag) => tag.key === wanted.key && tag.value === wanted.value) === true);
}

/** Position in the waterfall: 0 for STANDARD and every class no transition leads out of. */
export function storageClassRank(storageClass: string): number {
  return TRANSITION_STORAGE_CLASSES.indexOf(storageClass as TransitionStorageClass) + 1;
}

/** Whether a rule's transition may move an object of this size (S3's 128 KiB default floor). */
function transitionAllowsSize(configuration: LifecycleConfiguration, rule: LifecycleRule, sizeBytes: number, target: string): boolean {
  // A rule with a size filter of its own overrides the default floor.
  if (rule.match.sizeGreaterThanBytes !== undefined || rule.match.sizeLessThanBytes !== undefined) return true;
  if (sizeBytes >= TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE_BYTES) return true;
  return configuration.transitionDefaultMinimumObjectSize === 'varies_by_storage_class' && SMALL_OBJECT_TRANSITION_CLASSES.has(target);
}

function enabledMatching(configuration: LifecycleConfiguration, subject: { key: string; sizeBytes: number; tags?: Tag[] }): LifecycleRule[] {
  return configuration.rules.filter((rule) => rule.enabled && ruleMatches(rule, subject));
}

/**
 * When the current version `version` expires, and by which rule: the earliest Expiration (Days or
 * Date) among the enabled rules that name it. This is what x-amz-expiration reports.
 */
export function expirationOf(configuration: LifecycleConfiguration, version: VersionFacts, dayMs: number): { atMs: number; ruleId: string } | undefined {
  let earliest: { atMs: number; ruleId: string } | undefined;
  for (const rule of enabledMatching(configuration, version)) {
    if (rule.expiration === undefined) continue;
    const atMs = dueAt(rule.expiration, version.lastModifiedMs, dayMs);
    if (atMs !== undefined && (earliest === undefined || atMs < earliest.atMs)) earliest = { atMs, ruleId: rule.id };
  }
  return earliest;
}

/** The coldest transition due now that moves the version further down the waterfall. */
function dueTransition(
  configuration: LifecycleConfiguration,
  rules: LifecycleRule[],
  version: VersionFacts,
  candidates: (rule: LifecycleRule) => Array<{ storageClass: TransitionStorageClass; dueMs: number | undefined }>,
  nowMs: number,
): VersionDecision | undefined {
  let chosen: VersionDecision | undefined;
  let chosenRank = storageClassRank(version.storageClass);
  for (const rule of rules) {
    for (const { storageClass, dueMs } of candidates(rule)) {
      const rank = storageClassRank(storageClass);
      if (dueMs === undefined || dueMs > nowMs || rank <= chosenRank) continue;
      if (!transitionAllowsSize(configuration, rule, version.sizeBytes, storageClass)) continue;
      chosen = { action: 'transition', storageClass, ruleId: rule.id };
      chosenRank = rank;
    }
  }
  return chosen;
}

/** What is due now for a key's current version (not a delete marker): expiry wins over a transition. */
export function decideCurrentVersion(configuration: LifecycleConfiguration, version: VersionFacts, nowMs: number, dayMs: number): VersionDecision | undefined {
  const expiry = expirationOf(configuration, version, dayMs);
  if (expiry !== undefined && expiry.atMs <= nowMs) return { action: 'expire', ruleId: expiry.ruleId };
  const rules = enabledMatching(configuration, version);
  return dueTransition(configuration, rules, version, (rule) => rule.transitions.map((transition) => ({
    storageClass: transition.storageClass,
    dueMs: dueAt(transition, version.lastModifiedMs, dayMs),
  })), nowMs);
}

/**
 * What is due now for a noncurrent version (or noncurrent delete marker) that became noncurrent at
 * `noncurrentSinceMs` (its successor's creation) and has `newerNoncurrentCount` noncurrent versions
 * newer than itself. NewerNoncurrentVersions = N keeps the N newest noncurrent versions whatever their age.
 */
export function decideNoncurrentVersion(
  configuration: LifecycleConfiguration,
  version: VersionFacts & { isDeleteMarker: boolean },
  noncurrentSinceMs: number,
  newerNoncurrentCount: number,
  nowMs: number,
  dayMs: number,
): VersionDecision | undefined {
  const rules = enabledMatching(configuration, version);
  const retained = (newerNoncurrentVersions: number | undefined) => newerNoncurrentVersions !== undefined && newerNoncurrentCount < newerNoncurrentVersions;
  for (const rule of rules) {
    const expiration = rule.noncurrentVersionExpiration;
    if (expiration === undefined || retained(expiration.newerNoncurrentVersions)) continue;
    if (dueAfterDays(noncurrentSinceMs, expiration.noncurrentDays, dayMs) <= nowMs) return { action: 'expire', ruleId: rule.id };
  }
  if (version.isDeleteMarker) return undefined;
  return dueTransition(configuration, rules, version, (rule) => rule.noncurrentVersionTransitions
    .filter((transition) => !retained(transition.newerNoncurrentVersions))
    .map((transition) => ({ storageClass: transition.storageClass, dueMs: dueAfterDays(noncurrentSinceMs, transition.noncurrentDays, dayMs) })), nowMs);
}

/**
 * Whether a delete marker that is its key's only version (an "expired object delete marker") goes
 * now, and by which rule: ExpiredObjectDeleteMarker, or an Expiration in Days once the marker is
 * that old (S3 cleans such markers up under a Days rule too).
 */
export function decideSoleDeleteMarker(configuration: LifecycleConfiguration, marker: { key: string; lastModifiedMs: number }, nowMs: number, dayMs: number): string | undefined {
  for (const rule of enabledMatching(configuration, { key: marker.key, sizeBytes: 0 })) {
    const expiration = rule.expiration;
    if (expiration === undefined) continue;
    if (expiration.expiredObjectDeleteMarker === true) return rule.id;
    if (expiration.days !== undefined && dueAfterDays(marker.lastModifiedMs, expiration.days, dayMs) <= nowMs) return rule.id;
  }
  return undefined;
}

/** Whether an unfinished multipart upload is to be aborted now, and by which rule. */
export function decideUpload(configuration: LifecycleConfiguration, upload: { key: string; initiatedMs: number }, nowMs: number, dayMs: number): string | undefined {
  for (const rule of configuration.rules) {
    const abort = rule.abortIncompleteMultipartUpload;
    // Tag and size filters are refused with this action, so the prefix alone decides.
    if (!rule.enabled || abort === undefined || !upload.key.startsWith(rule.match.prefix)) continue;
    if (dueAfterDays(upload.initiatedMs, abort.daysAfterInitiation, dayMs) <= nowMs) return rule.id;
  }
  return undefined;
}

/** Whether any enabled rule acts on object versions (rather than on multipart uploads only). */
export function actsOnVersions(rule: LifecycleRule): boolean {
  return rule.expiration !== undefined || rule.transitions.length > 0 || rule.noncurrentVersionExpiration !== undefined
    || rule.noncurrentVersionTransitions.length > 0;
}

/** The fewest prefixes that cover every key any of `prefixes` covers ([''] covers everything). */
export function coveringPrefixes(prefixes: string[]): string[] {
  const kept: string[] = [];
  for (const prefix of [...new Set(prefixes)].sort()) {
    // Sorted, so a prefix that covers this one is the last one kept, if any.
    const last = kept[kept.length - 1];
    if (last === undefined || !prefix.startsWith(last)) kept.push(prefix);
  }
  return kept;
}

/** The key ranges (as prefixes) a worker scans for versions: none when no enabled rule acts on them. */
export function versionScanPrefixes(configuration: LifecycleConfiguration): string[] {
  return coveringPrefixes(configuration.rules.filter((rule) => rule.enabled && actsOnVersions(rule)).map((rule) => rule.match.prefix));
}

/** The key ranges (as prefixes) a worker scans for unfinished multipart uploads. */
export function uploadScanPrefixes(configuration: LifecycleConfiguration): string[] {
  return coveringPrefixes(configuration.rules.filter((rule) => rule.enabled && rule.abortIncompleteMultipartUpload !== undefined).map((rule) => rule.match.prefix));
}
