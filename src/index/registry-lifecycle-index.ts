// The container registry's per-repository settings beyond policy and mutability — the lifecycle
// policy (and the policy of its preview), the repository's resource tags — and what lifecycle
// evaluation reads of each image: its tags, push time, last recorded pull, subject, and whether an
// image index of the repository names it.

/** An ECR resource tag (the API's own capitalized field names). */
export interface RegistryResourceTag {
  Key: string;
  Value: string;
}

export interface RegistryRepositorySettings {
  /** The lifecycle policy (JSON text), if one is set. */
  lifecyclePolicy?: string;
  /** When the lifecycle worker last evaluated the policy. */
  lifecycleEvaluatedAtMs?: number;
  /** The policy of the last StartLifecyclePolicyPreview, if one was started. */
  lifecyclePreviewPolicy?: string;
  tags: RegistryResourceTag[];
}

export interface RegistryLifecycleImage {
  digest: string;
  tags: string[];
  pushedAtMs: number;
  /** The last recorded pull (manifest GET or BatchGetImage), if any. */
  lastPulledAtMs?: number;
  subjectDigest?: string;
  /** An image index of the same repository names it (it goes with the index, never on its own). */
  isIndexChild: boolean;
}

export type RegistryLifecycleField = 'policy' | 'preview';

export type ChangeRegistryTagsOutcome = 'changed' | 'missing' | 'too-many';

export interface RegistryLifecycleReads {
  getRegistryRepositorySettings(name: string): Promise<RegistryRepositorySettings | undefined>;
  /** Names of repositories with a lifecycle policy, in byte order after `after`, at most `limit`. */
  listRegistryRepositoriesWithLifecyclePolicy(after: string | undefined, limit: number): Promise<string[]>;
  /** Every manifest of the repository, at most `limit`, in push order (oldest first). */
  listRegistryLifecycleImages(repository: string, limit: number): Promise<RegistryLifecycleImage[]>;
}

export interface RegistryLifecycleWrites {
  /** Sets (or, undefined, removes) the lifecycle policy or the preview's policy. */
  setRegistryLifecycleText(name: string, field: RegistryLifecycleField, text: string | undefined): Promise<'set' | 'missing'>;
  markRegistryLifecycleEvaluated(name: string, atMs: number): Promise<void>;
  /** Adds (replacing same keys) and removes tags in one transaction, unless more than `tagsMax` would remain. */
  changeRegistryRepositoryTags(name: string, add: RegistryResourceTag[], removeKeys: string[], tagsMax: number): Promise<ChangeRegistryTagsOutcome>;
  /** Records a pull of a manifest (a missing one is ignored). */
  recordRegistryPull(repository: string, digest: string, atMs: number): Promise<void>;
}

export interface RegistryLifecycleIndex extends RegistryLifecycleReads, RegistryLifecycleWrites {}

export const REGISTRY_LIFECYCLE_READ_METHODS = [
  'getRegistryRepositorySettings', 'listRegistryRepositoriesWithLifecyclePolicy', 'listRegistryLifecycleImages',
] as const satisfies ReadonlyArray<keyof RegistryLifecycleReads>;

export const REGISTRY_LIFECYCLE_WRITE_METHODS = [
  'setRegistryLifecycleText', 'markRegistryLifecycleEvaluated', 'changeRegistryRepositoryTags', 'recordRegistryPull',
] as const satisfies ReadonlyArray<keyof RegistryLifecycleWrites>;

// Compiles only while every method of the domain is listed (an engine binds exactly these).
const EVERY_METHOD_LISTED: [Exclude<keyof RegistryLifecycleIndex, (typeof REGISTRY_LIFECYCLE_READ_METHODS)[number] | (typeof REGISTRY_LIFECYCLE_WRITE_METHODS)[number]>] extends [never] ? true : false = true;
void EVERY_METHOD_LISTED;
