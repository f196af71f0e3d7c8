// A point-in-time restore from a continuous recovery point: the source bucket's versions, read key
// by key (newest first), give each key's state at the restore time — the newest version last
// modified at or before it, or nothing when that is a delete marker — and each such version is
// written into the destination like any restored object (skipped when already current there).
import type { Layers } from '../../services/objects.js';
import type { RestoreJobRecord } from './records.js';
import { alreadyRestored, prepareDestination, restoreOne, selected, type RestoreOutcome } from './restore-run.js';

const PAGE_VERSIONS = 500;

export async function restoreToTime(layers: Layers, job: RestoreJobRecord, restoreTimeMs: number, owner: { region: string; ownerId: string }): Promise<RestoreOutcome> {
  await prepareDestination(layers, job, owner);
  const sourceBucket = job.sourceResourceArn.slice('arn:aws:s3:::'.length);
  if ((await layers.index.getBucket(sourceBucket)) === undefined) throw new Error(`bucket ${sourceBucket}, the continuous backup's source, does not exist`);
  const outcome: RestoreOutcome = { objectsRestored: 0, sizeBytes: 0 };
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  // The key whose state at restoreTimeMs is settled: its older versions are passed over.
  let settledKey: string | undefined;
  for (;;) {
    const page = await layers.index.listObjectVersions({ bucket: sourceBucket, prefix: '', delimiter: '', keyMarker, versionIdMarker, maxEntries: PAGE_VERSIONS });
    for (const version of page.versions) {
      if (version.key === settledKey || version.lastModifiedMs > restoreTimeMs) continue;
      settledKey = version.key;
      if (version.isDeleteMarker || !selected(job, version.key)) continue;
      const object = await layers.index.getObjectVersion(sourceBucket, version.key, version.versionId);
      if (object === undefined || object.isDeleteMarker === true) continue;
      if (await alreadyRestored(layers.index, job.destinationBucket, object)) continue;
      await restoreOne(layers, job.destinationBucket, object);
      outcome.objectsRestored += 1;
      outcome.sizeBytes += object.sizeBytes;
    }
    if (!page.isTruncated) return outcome;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  }
}
