// Which images a lifecycle policy expires, as ECR documents it: rules are applied in rulePriority
// order; an image matching a rule's tag selection is that rule's to expire or keep, so no later rule
// can expire it (each image is expired by at most one rule); imageCountMoreThan N keeps the N most
// recently pushed of the rule's images, sinceImagePushed / sinceImagePulled N days expire those
// pushed (last pulled; never pulled: pushed) more than N days ago. An image an index names goes with
// its index, a referrer with its subject: neither is judged on its own, and expiring an image expires
// its referrers (with the same rule).
import type { RegistryLifecycleImage } from '../../index/types.js';
import type { LifecycleRule } from './lifecycle-policy.js';

export interface ExpiringImage {
  image: RegistryLifecycleImage;
  rulePriority: number;
}

/** Whether `tag` matches `pattern` in full, `*` standing for any run of characters. */
export function matchesTagPattern(pattern: string, tag: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === tag;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!tag.startsWith(first) || tag.length < first.length + last.length || !tag.endsWith(last)) return false;
  let position = first.length;
  const end = tag.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = tag.indexOf(middle, position);
    if (found === -1 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}

function selects(rule: LifecycleRule, image: RegistryLifecycleImage): boolean {
  if (rule.tagStatus === 'any') return true;
  if (rule.tagStatus === 'untagged') return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  // Several entries select only images that match every one of them (each by some tag).
  if (rule.tagPrefixList !== undefined) return rule.tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  return (rule.tagPatternList ?? []).every((pattern) => image.tags.some((tag) => matchesTagPattern(pattern, tag)));
}

function expiredByRule(rule: LifecycleRule, selected: RegistryLifecycleImage[], nowMs: number, dayMs: number): RegistryLifecycleImage[] {
  if (rule.countType === 'imageCountMoreThan') {
    const newestFirst = [...selected].sort((a, b) => b.pushedAtMs - a.pushedAtMs || (a.digest < b.digest ? 1 : -1));
    return newestFirst.slice(rule.countNumber);
  }
  const cutoffMs = nowMs - rule.countNumber * dayMs;
  return selected.filter((image) => (rule.countType === 'sinceImagePushed' ? image.pushedAtMs : image.lastPulledAtMs ?? image.pushedAtMs) < cutoffMs);
}

/** The images `rules` expire among `images` (one repository's), each with the rule that expires it; referrers follow their subject. */
export function evaluateLifecycle(rules: LifecycleRule[], images: RegistryLifecycleImage[], nowMs: number, dayMs: number): ExpiringImage[] {
  const present = new Set(images.map((image) => image.digest));
  const judged = images.filter((image) => !image.isIndexChild && (image.subjectDigest === undefined || !present.has(image.subjectDigest)));
  const claimed = new Set<string>();
  const expiring = new Map<string, ExpiringImage>();
  for (const rule of rules) {
    const selected = judged.filter((image) => !claimed.has(image.digest) && selects(rule, image));
    for (const image of selected) claimed.add(image.digest);
    for (const image of expiredByRule(rule, selected, nowMs, dayMs)) expiring.set(image.digest, { image, rulePriority: rule.rulePriority });
  }
  const referrersOf = new Map<string, RegistryLifecycleImage[]>();
  for (const image of images) {
    if (image.subjectDigest !== undefined) referrersOf.set(image.subjectDigest, [...(referrersOf.get(image.subjectDigest) ?? []), image]);
  }
  const pending = [...expiring.values()];
  while (pending.length > 0) {
    const subject = pending.pop()!;
    for (const referrer of referrersOf.get(subject.image.digest) ?? []) {
      if (expiring.has(referrer.digest)) continue;
      const entry = { image: referrer, rulePriority: subject.rulePriority };
      expiring.set(referrer.digest, entry);
      pending.push(entry);
    }
  }
  return [...expiring.values()];
}
