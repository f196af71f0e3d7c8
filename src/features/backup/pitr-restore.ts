// A point-in-time restore from a continuous recovery point: the source bucket's versions, read key
// by key (newest first), and the versions the continuous backup kept after their permanent deletion
// (listRetainedVersions, each with its deletion time) give each key's state at the restore time —
// the newest version last modified at or before it and not yet deleted for good then, or nothing
// when that is a delete marker — and each such version is written into the destination like any
// restored object (skipped when already current there). Both streams come in key order (UTF-8
// bytes) and are merged, so memory stays a page of each.
import type { Index, ObjectRecord } from '../../index/types.js';
import type { RetainedVersion } from '../../index/backup-index.js';
import type { Layers } from '../../services/objects.js';
import type { RestoreJobRecord } from './records.js';
import { alreadyRestored, prepareDestination, restoreOne, selected, type RestoreOutcome } from './restore-run.js';

const PAGE_VERSIONS = 500;

/** A key's state at the restore time from one stream: its version then (lastModifiedMs orders two streams' answers). */
interface KeyState {
  key: string;
  lastModifiedMs: number;
  versionId: string;
  isDeleteMarker: boolean;
  /** The version itself when the stream has it (a retained one); a live one is read on demand. */
  object?: ObjectRecord;
}

/** Each key's newest live version last modified at or before `restoreTimeMs`, in key order. */
async function* liveStates(index: Index, bucket: string, restoreTimeMs: number): AsyncGenerator<KeyState> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  // The key whose state at restoreTimeMs is settled: its older versions are passed over.
  let settledKey: string | undefined;
  for (;;) {
    const page = await index.listObjectVersions({ bucket, prefix: '', delimiter: '', keyMarker, versionIdMarker, maxEntries: PAGE_VERSIONS });
    for (const version of page.versions) {
      if (version.key === settledKey || version.lastModifiedMs > restoreTimeMs) continue;
      settledKey = version.key;
      yield { key: version.key, lastModifiedMs: version.lastModifiedMs, versionId: version.versionId, isDeleteMarker: version.isDeleteMarker };
    }
    if (!page.isTruncated) return;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  }
}

/** Each key's newest kept version that existed at `restoreTimeMs` (made by then, deleted for good after), in key order. */
async function* retainedStates(index: Index, bucket: string, restoreTimeMs: number): AsyncGenerator<KeyState> {
  let afterKey = '';
  let afterDataId = '';
  let settledKey: string | undefined;
  for (;;) {
    const page: RetainedVersion[] = await index.listRetainedVersions(bucket, afterKey, afterDataId, PAGE_VERSIONS);
    for (const version of page) {
      if (version.key === settledKey || version.lastModifiedMs > restoreTimeMs || version.deletedMs <= restoreTimeMs) continue;
      settledKey = version.key;
      yield { key: version.key, lastModifiedMs: version.lastModifiedMs, versionId: version.versionId, isDeleteMarker: version.isDeleteMarker, object: version };
    }
    if (page.length < PAGE_VERSIONS) return;
    afterKey = page.at(-1)!.key;
    afterDataId = page.at(-1)!.dataId;
  }
}

const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The two streams merged: per key, the later of its two states (a live one on a tie). */
async function* statesAt(index: Index, bucket: string, restoreTimeMs: number): AsyncGenerator<KeyState> {
  const live = liveStates(index, bucket, restoreTimeMs);
  const retained = retainedStates(index, bucket, restoreTimeMs);
  let a = await live.next();
  let b = await retained.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
    if (order < 0) {
      yield a.value as KeyState;
      a = await live.next();
    } else if (order > 0) {
      yield b.value as KeyState;
      b = await retained.next();
    } else {
      const [liveState, keptState] = [a.value as KeyState, b.value as KeyState];
      yield keptState.lastModifiedMs > liveState.lastModifiedMs ? keptState : liveState;
      a = await live.next();
      b = await retained.next();
    }
  }
}

export async function restoreToTime(layers: Layers, job: RestoreJobRecord, restoreTimeMs: number, owner: { region: string; ownerId: string }): Promise<RestoreOutcome> {
  await prepareDestination(layers, job, owner);
  const sourceBucket = job.sourceResourceArn.slice('arn:aws:s3:::'.length);
  if ((await layers.index.getBucket(sourceBucket)) === undefined) throw new Error(`bucket ${sourceBucket}, the continuous backup's source, does not exist`);
  const outcome: RestoreOutcome = { objectsRestored: 0, sizeBytes: 0 };
  for await (const state of statesAt(layers.index, sourceBucket, restoreTimeMs)) {
    if (state.isDeleteMarker || !selected(job, state.key)) continue;
    const object = state.object ?? await layers.index.getObjectVersion(sourceBucket, state.key, state.versionId);
    if (object === undefined || (object as { isDeleteMarker?: boolean }).isDeleteMarker === true) continue;
    if (await alreadyRestored(layers.index, job.destinationBucket, object)) continue;
    await restoreOne(layers, job.destinationBucket, object);
    outcome.objectsRestored += 1;
    outcome.sizeBytes += object.sizeBytes;
  }
  return outcome;
}
