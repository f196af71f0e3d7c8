// One lifecycle pass over every bucket that has a configuration: its versions are scanned in
// bounded batches (never a whole bucket in memory), each version is judged by the rules, and what
// is due is done through the same delete paths as a client's requests. Every change is conditional
// on the version the pass saw (its data id): a write that lands meanwhile is never undone, and an
// action that is refused (a condition that no longer holds, a locked version) is simply skipped
// and judged again on the next pass.
import { SYSTEM_CHANGE_ORIGIN, type ScannedVersion } from '../../index/types.js';
import { prefixSuccessor } from '../../util/utf8.js';
import { deleteObject, deleteVersion, type Layers } from '../objects.js';
import {
  decideCurrentVersion,
  decideNoncurrentVersion,
  decideSoleDeleteMarker,
  decideUpload,
  uploadScanPrefixes,
  versionScanPrefixes,
  type LifecycleConfiguration,
  type TransitionStorageClass,
} from './rules.js';

/** Versions read per index scan; the actions they call for run before the next batch is read. */
const SCAN_BATCH_VERSIONS = 1000;
/** Uploads read per listing page. */
const UPLOAD_PAGE_ENTRIES = 1000;
/** Actions submitted at once: they share the index's group commits. */
const ACTIONS_IN_FLIGHT_MAX = 64;

export interface PassTotals {
  expired: number;
  transitioned: number;
  noncurrentRemoved: number;
  deleteMarkersRemoved: number;
  uploadsAborted: number;
  /** Actions refused or failed this time (a changed version, a lock, an error): retried next pass. */
  skipped: number;
}

type Action =
  | { kind: 'expire'; key: string; dataId: string }
  | { kind: 'transition'; key: string; dataId: string; storageClass: TransitionStorageClass }
  | { kind: 'remove-version'; key: string; versionId: string; dataId: string }
  | { kind: 'remove-sole-marker'; key: string; versionId: string; dataId: string };

export interface PassContext {
  layers: Layers;
  dayMs: number;
  nowMs: number;
  /** Checked between batches: a stopping server ends the pass early. */
  shouldStop: () => boolean;
  log: (line: string) => void;
  /** Versions per scan batch (tests make it small, to cross batch boundaries inside a key). */
  scanBatchVersions?: number;
}

/**
 * Judges versions in scan order (keys descending, each key's versions newest first), carrying what
 * a key's later rows need across batch boundaries: when each became noncurrent (its successor's
 * creation), how many noncurrent versions are newer, and whether a latest delete marker stands alone.
 */
class VersionJudge {
  private key: string | undefined;
  private rowsOfKey = 0;
  private noncurrentOfKey = 0;
  private successorModifiedMs = 0;
  private latestMarker: ScannedVersion | undefined;

  constructor(private readonly configuration: LifecycleConfiguration, private readonly dayMs: number, private readonly nowMs: number) {}

  visit(version: ScannedVersion, actions: Action[]): void {
    if (version.key !== this.key) {
      this.endKey(actions);
      this.key = version.key;
      this.rowsOfKey = 0;
      this.noncurrentOfKey = 0;
    }
    const { configuration, dayMs, nowMs } = this;
    if (version.isLatest) {
      if (version.isDeleteMarker) {
        this.latestMarker = version;
      } else {
        const decision = decideCurrentVersion(configuration, version, nowMs, dayMs);
        if (decision?.action === 'expire') actions.push({ kind: 'expire', key: version.key, dataId: version.dataId });
        if (decision?.action === 'transition') actions.push({ kind: 'transition', key: version.key, dataId: version.dataId, storageClass: decision.storageClass });
      }
    } else if (this.rowsOfKey > 0) {
      const decision = decideNoncurrentVersion(configuration, version, this.successorModifiedMs, this.noncurrentOfKey, nowMs, dayMs);
      if (decision?.action === 'expire') actions.push({ kind: 'remove-version', key: version.key, versionId: version.versionId, dataId: version.dataId });
      if (decision?.action === 'transition') actions.push({ kind: 'transition', key: version.key, dataId: version.dataId, storageClass: decision.storageClass });
      this.noncurrentOfKey += 1;
    }
    this.rowsOfKey += 1;
    this.successorModifiedMs = version.lastModifiedMs;
  }

  /** The key's rows are all seen: a latest delete marker with nothing under it may go now. */
  endKey(actions: Action[]): void {
    const marker = this.latestMarker;
    this.latestMarker = undefined;
    if (marker === undefined || this.rowsOfKey !== 1) return;
    if (decideSoleDeleteMarker(this.configuration, marker, this.nowMs, this.dayMs) !== undefined) {
      actions.push({ kind: 'remove-sole-marker', key: marker.key, versionId: marker.versionId, dataId: marker.dataId });
    }
  }
}

/**
 * Does one action; false when it was refused (its version changed, or a lock holds it). The S3
 * Metadata journal records these changes with the system as requester, as AWS records S3 Lifecycle.
 */
async function perform(layers: Layers, bucket: string, action: Action): Promise<boolean> {
  const origin = SYSTEM_CHANGE_ORIGIN;
  switch (action.kind) {
    case 'expire':
      return (await deleteObject(layers, bucket, action.key, { ifDataId: action.dataId }, origin)).failure === undefined;
    case 'transition':
      return layers.index.setStorageClass(bucket, action.key, action.dataId, action.storageClass, origin);
    case 'remove-version':
      return (await deleteVersion(layers, bucket, action.key, action.versionId, { condition: { ifDataId: action.dataId }, origin })).failure === undefined;
    case 'remove-sole-marker': {
      const condition = { ifDataId: action.dataId, ifSoleDeleteMarker: true };
      return (await deleteVersion(layers, bucket, action.key, action.versionId, { condition, origin })).failure === undefined;
    }
  }
}

const TOTAL_BY_KIND: Record<Action['kind'], keyof PassTotals> = {
  expire: 'expired',
  transition: 'transitioned',
  'remove-version': 'noncurrentRemoved',
  'remove-sole-marker': 'deleteMarkersRemoved',
};

async function performAll(context: PassContext, bucket: string, actions: Action[], totals: PassTotals): Promise<void> {
  for (let start = 0; start < actions.length; start += ACTIONS_IN_FLIGHT_MAX) {
    await Promise.all(actions.slice(start, start + ACTIONS_IN_FLIGHT_MAX).map(async (action) => {
      try {
        totals[(await perform(context.layers, bucket, action)) ? TOTAL_BY_KIND[action.kind] : 'skipped'] += 1;
      } catch (error) {
        totals.skipped += 1;
        context.log(`lifecycle: ${action.kind} of ${bucket}/${action.key} failed (retried next pass): ${String(error)}`);
      }
    }));
  }
}

async function applyToVersions(context: PassContext, bucket: string, configuration: LifecycleConfiguration, prefix: string, totals: PassTotals): Promise<void> {
  const judge = new VersionJudge(configuration, context.dayMs, context.nowMs);
  const batchVersions = context.scanBatchVersions ?? SCAN_BATCH_VERSIONS;
  const toKey = prefix === '' ? undefined : prefixSuccessor(prefix) ?? undefined;
  let after: { key: string; dataId: string } | undefined;
  for (;;) {
    if (context.shouldStop()) return;
    const versions = await context.layers.index.scanVersions({ bucket, fromKey: prefix, toKey, after, limit: batchVersions });
    const actions: Action[] = [];
    for (const version of versions) judge.visit(version, actions);
    const last = versions[versions.length - 1];
    const finished = last === undefined || versions.length < batchVersions;
    if (finished) judge.endKey(actions);
    await performAll(context, bucket, actions, totals);
    if (finished) return;
    after = { key: last!.key, dataId: last!.dataId };
  }
}

async function abortUploads(context: PassContext, bucket: string, configuration: LifecycleConfiguration, prefix: string, totals: PassTotals): Promise<void> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    if (context.shouldStop()) return;
    const page = await context.layers.index.listUploads({ bucket, prefix, delimiter: '', keyMarker, uploadIdMarker, maxEntries: UPLOAD_PAGE_ENTRIES });
    for (const upload of page.uploads) {
      if (decideUpload(configuration, upload, context.nowMs, context.dayMs) === undefined) continue;
      try {
        totals[(await context.layers.index.abortUpload(bucket, upload.key, upload.uploadId)) ? 'uploadsAborted' : 'skipped'] += 1;
      } catch (error) {
        totals.skipped += 1;
        context.log(`lifecycle: abort of upload ${upload.uploadId} in ${bucket} failed (retried next pass): ${String(error)}`);
      }
    }
    if (!page.isTruncated) return;
    keyMarker = page.nextKeyMarker;
    uploadIdMarker = page.nextUploadIdMarker;
  }
}

export function emptyTotals(): PassTotals {
  return { expired: 0, transitioned: 0, noncurrentRemoved: 0, deleteMarkersRemoved: 0, uploadsAborted: 0, skipped: 0 };
}

/** Applies every bucket's lifecycle configuration once, as of `context.nowMs`. */
export async function runLifecyclePass(context: PassContext): Promise<PassTotals> {
  const totals = emptyTotals();
  const configured = await context.layers.index.listBucketsWithSetting('lifecycle');
  for (const { bucket, value: configuration } of configured) {
    if (context.shouldStop()) break;
    try {
      for (const prefix of versionScanPrefixes(configuration)) await applyToVersions(context, bucket, configuration, prefix, totals);
      for (const prefix of uploadScanPrefixes(configuration)) await abortUploads(context, bucket, configuration, prefix, totals);
    } catch (error) {
      // One bucket's trouble (e.g. deleted mid-pass) must not stop the others.
      context.log(`lifecycle: bucket ${bucket}: ${String(error)}`);
    }
  }
  return totals;
}
