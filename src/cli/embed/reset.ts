// startCairn's reset(): removes every bucket of an embedded server (its uploads, versions and
// delete markers first) and creates the buckets named in the options again, empty and with default
// settings. It goes straight to the layers — no HTTP, no signing — so it takes milliseconds.
import { bucketNameProblem } from '../../frontend/ops/buckets.js';
import type { BucketSettingsInit } from '../../index/bucket-settings.js';
import { initialAccessSettings, type NewBucketDefaults } from '../../services/access-defaults.js';
import { deleteVersion, type Layers } from '../../services/objects.js';

/** Versions and uploads handled per index call. */
const RESET_BATCH_ENTRIES = 1000;
/** Deletes in flight at once: their index writes and tombstones share group commits and fsyncs. */
const RESET_PARALLEL_DELETES = 64;

/** Something reset() could not remove: a version under COMPLIANCE retention or a legal hold. */
export class ResetRefusedError extends Error {
  constructor(readonly bucket: string, readonly key: string, readonly versionId: string, reason: string) {
    super(`reset(): ${bucket}/${key} (version ${versionId}) cannot be deleted: ${reason}; use a new startCairn() for Object Lock tests`);
    this.name = 'ResetRefusedError';
  }
}

/** A bucket name S3 would refuse, given to startCairn's `buckets` option. */
export class InvalidBucketOptionError extends Error {
  constructor(name: string, problem: string) {
    super(`startCairn({ buckets }): ${JSON.stringify(name)}: ${problem}`);
    this.name = 'InvalidBucketOptionError';
  }
}

export function assertBucketNames(names: readonly string[]): void {
  for (const name of names) {
    const problem = bucketNameProblem(name);
    if (problem !== undefined) throw new InvalidBucketOptionError(name, problem);
  }
}

/** Who owns the option buckets, and whether anyone may use them without credentials. */
export interface BucketOwner {
  region: string;
  ownerId: string;
  /** The publicBuckets switch: an open public access block and a bucket policy allowing s3:* to "*". */
  publicBuckets: boolean;
  /** What the buckets start with (as CreateBucket gives them under --new-bucket-defaults). */
  newBucketDefaults?: NewBucketDefaults;
}

/** What PutPublicAccessBlock (all four false) and PutBucketPolicy would store for a public bucket. */
function publicAccessSettings(bucket: string): BucketSettingsInit {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'StartCairnPublicBuckets', Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
  };
  return {
    'public-access-block': { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    policy: JSON.stringify(policy),
  };
}

/** Creates each bucket as CreateBucket would (without Object Lock), owned by root; one that exists is kept. */
export async function createBuckets(layers: Layers, names: readonly string[], owner: BucketOwner): Promise<void> {
  for (const name of names) {
    const settings = { ...initialAccessSettings(owner.newBucketDefaults), ...(owner.publicBuckets ? publicAccessSettings(name) : {}) };
    await layers.index.createBucket({ name, createdAtMs: Date.now(), region: owner.region, ownerId: owner.ownerId }, settings);
  }
}

async function abortEveryUpload(layers: Layers): Promise<void> {
  for (;;) {
    // Everything initiated up to now; an upload made during reset() is the caller's race.
    const uploads = await layers.index.listUploadsInitiatedBefore(Date.now() + 1, RESET_BATCH_ENTRIES);
    for (const upload of uploads) await layers.index.abortUpload(upload.bucket, upload.key, upload.uploadId);
    if (uploads.length < RESET_BATCH_ENTRIES) return;
  }
}

/** Deletes every version and delete marker of a bucket, bypassing GOVERNANCE retention. */
async function deleteEveryVersion(layers: Layers, bucket: string): Promise<void> {
  let marker: { keyMarker?: string; versionIdMarker?: string } = {};
  for (;;) {
    const page = await layers.index.listObjectVersions({ bucket, prefix: '', delimiter: '', maxEntries: RESET_BATCH_ENTRIES, ...marker });
    for (let start = 0; start < page.versions.length; start += RESET_PARALLEL_DELETES) {
      await Promise.all(page.versions.slice(start, start + RESET_PARALLEL_DELETES).map(async (version) => {
        const outcome = await deleteVersion(layers, bucket, version.key, version.versionId, { bypassGovernance: true });
        if (outcome.failure !== undefined) throw new ResetRefusedError(bucket, version.key, version.versionId, String(outcome.failure));
      }));
    }
    if (!page.isTruncated) return;
    marker = { keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker };
  }
}

/** Empties and removes every bucket, then creates `buckets` again. */
export async function resetBuckets(layers: Layers, buckets: readonly string[], owner: BucketOwner): Promise<void> {
  await abortEveryUpload(layers);
  for (const bucket of await layers.index.listBuckets()) {
    await deleteEveryVersion(layers, bucket.name);
    const outcome = await layers.index.deleteBucket(bucket.name);
    // 'not-empty' here means a write raced the reset; report it rather than leave state behind.
    if (outcome === 'not-empty') throw new Error(`reset(): bucket ${bucket.name} was written to during reset()`);
  }
  await createBuckets(layers, buckets, owner);
}
