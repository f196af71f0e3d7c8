// Reads of archived versions (GLACIER, DEEP_ARCHIVE): GET and copies are refused with 403
// InvalidObjectState until a restore made the version readable, and GET/HEAD say where a restore
// stands in x-amz-restore. Shared by GetObject/HeadObject, CopyObject, UploadPartCopy and RestoreObject.
import type { ObjectRecord } from '../../index/types.js';
import { ARCHIVE_STORAGE_CLASSES, restorePhase, type RestorePhase, type RestoreTiming } from '../../services/restore.js';
import type { RequestContext } from '../context.js';
import { S3Error } from '../errors.js';
import { httpDate } from '../time.js';

export function isArchived(object: ObjectRecord): boolean {
  return ARCHIVE_STORAGE_CLASSES.has(object.storageClass);
}

export function restoreTimingOf(context: RequestContext): RestoreTiming {
  return { delayMs: context.config.restoreDelayMs, dayMs: context.config.lifecycleDayMs };
}

/** Where the version's restore stands now; undefined for a version of a class that needs none. */
export async function restorePhaseOf(context: RequestContext, object: ObjectRecord): Promise<RestorePhase | undefined> {
  if (!isArchived(object)) return undefined;
  return restorePhase(await context.layers.index.getObjectRestore(object.bucket, object.key, object.dataId), Date.now());
}

/** S3's x-amz-restore value, or undefined when no restore is in progress or kept. */
export function restoreHeader(phase: RestorePhase | undefined): string | undefined {
  if (phase === undefined || phase.phase === 'archived') return undefined;
  if (phase.phase === 'ongoing') return 'ongoing-request="true"';
  return `ongoing-request="false", expiry-date="${httpDate(phase.state.expiresMs)}"`;
}

/** Refuses reading the bytes of an archived version that has no restored copy now. */
export function refuseArchivedRead(object: ObjectRecord, phase: RestorePhase | undefined): void {
  if (phase === undefined || phase.phase === 'restored') return;
  throw new S3Error('InvalidObjectState', "The operation is not valid for the object's storage class", { extraFields: { StorageClass: object.storageClass } });
}

/** For a copy's source: its bytes must be readable. */
export async function requireReadableBytes(context: RequestContext, object: ObjectRecord): Promise<void> {
  refuseArchivedRead(object, await restorePhaseOf(context, object));
}
