// The registry's lifecycle worker, a job of the job runner in the process that runs background
// work: every pass walks the repositories with a lifecycle policy, evaluates each policy
// (lifecycle-evaluate.ts) over the repository's images and deletes the images it expires — their
// tags and references go in each delete's transaction, and the blobs they leave unreferenced start
// their grace period for the collector. Days are the server's lifecycle day (--lifecycle-day-seconds),
// passes come every --lifecycle-interval, as for S3 lifecycle rules.
import { startJob, type JobGate } from '../../services/jobs/runner.js';
import type { Layers } from '../../services/objects.js';
import { evaluateLifecycle, type ExpiringImage } from './lifecycle-evaluate.js';
import { parseLifecyclePolicy } from './lifecycle-policy.js';

/** Images one evaluation reads of a repository (ECR's quota of images per repository). */
export const LIFECYCLE_IMAGES_MAX = 20_000;
/** Repositories read per index call while a pass walks them. */
const REPOSITORY_PAGE_MAX = 100;

export interface RegistryLifecycleSettings {
  dayMs: number;
  intervalMs: number;
}

/** What `policyText` would expire in `repository` now (the preview's answer, the worker's plan). */
export async function plannedExpirations(layers: Layers, repository: string, policyText: string, nowMs: number, dayMs: number): Promise<ExpiringImage[]> {
  const rules = parseLifecyclePolicy(policyText);
  const images = await layers.index.listRegistryLifecycleImages(repository, LIFECYCLE_IMAGES_MAX);
  return evaluateLifecycle(rules, images, nowMs, dayMs);
}

/** One pass over every repository with a policy; the number of images expired. */
export async function applyRegistryLifecyclePolicies(layers: Layers, dayMs: number, signal?: AbortSignal): Promise<number> {
  let expired = 0;
  let after: string | undefined;
  for (;;) {
    const names = await layers.index.listRegistryRepositoriesWithLifecyclePolicy(after, REPOSITORY_PAGE_MAX);
    for (const name of names) {
      const policy = (await layers.index.getRegistryRepositorySettings(name))?.lifecyclePolicy;
      if (policy === undefined || signal?.aborted === true) continue;
      const nowMs = Date.now();
      for (const { image } of await plannedExpirations(layers, name, policy, nowMs, dayMs)) {
        // Only if its tags are still those evaluated: an image tagged since is kept (the next pass judges it again).
        if (await layers.index.deleteRegistryManifest(name, image.digest, nowMs, image.tags) === 'deleted') expired += 1;
      }
      await layers.index.markRegistryLifecycleEvaluated(name, nowMs);
    }
    if (names.length < REPOSITORY_PAGE_MAX || signal?.aborted === true) return expired;
    after = names[names.length - 1];
  }
}

export function startRegistryLifecycle(layers: Layers, settings: RegistryLifecycleSettings, log: (line: string) => void, gate?: JobGate): { stop(): Promise<void> } {
  return startJob<true>({
    name: 'registry_lifecycle',
    pollIntervalMs: settings.intervalMs,
    next: async () => true,
    async pass(_work, context) {
      const expired = await applyRegistryLifecyclePolicies(layers, settings.dayMs, context.signal);
      if (expired > 0) log(`registry lifecycle: expired ${expired} image(s)`);
    },
    onError: (error) => log(`registry lifecycle: ${String(error)}`),
  }, gate);
}
