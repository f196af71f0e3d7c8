// The heal job (docs/storage-format.md, "Heal"): runs in the background process only. It walks the
// parts of uploads in progress, then every object version in the index, bucket by bucket, and heals
// each shard that belongs on a target drive (heal-segments.ts); a healed placement is stored only if
// the index still has the placement the job read (replacePlacement, one index write transaction),
// else the current one is healed again. Started by a replacement
// drive being formatted, or by POST /_cairn/admin/heal; resumable (its cursor is in status.json);
// rate-limited to HEAL_OBJECTS_PER_SECOND_MAX. Polled, run and stopped by jobs/runner.ts.

import { setTimeout as delay } from 'node:timers/promises';
import type { ObjectRecord } from '../../index/types.js';
import { startJob, type JobGate } from '../jobs/runner.js';
import { StatusWriter } from '../jobs/status-writer.js';
import type { Layers } from '../objects.js';
import { countObjectVersions } from '../version-count.js';
import { healSegment, healUploadParts } from './heal-segments.js';
import type { HealFiles, HealStatus } from './heal-status.js';

export const HEAL_OBJECTS_PER_SECOND_MAX = 500;
export const HEAL_SCAN_PAGE_VERSIONS = 200;
export const HEAL_POLL_INTERVAL_MS = 250;
export const HEAL_STATUS_WRITE_INTERVAL_MS = 250;

export interface HealService {
  stop(): Promise<void>;
}

export function startHealService(layers: Layers, files: HealFiles, log: (line: string) => void, gate?: JobGate): HealService {
  const set = layers.storage.erasureSet;
  const pending = new Set<number>();
  let explicitRequest = false;
  set?.replacements.onReplaced((driveIndex) => pending.add(driveIndex));
  for (const driveIndex of set?.replacements.replaced ?? []) pending.add(driveIndex);

  // Taken while a job runs too: the drives wait in `pending` for the next job.
  const takeRequest = async () => {
    if (set === null) return;
    const request = await files.takeRequest();
    if (request === undefined) return;
    const drives = request.drives.length > 0 ? request.drives.map((drive) => drive - 1) : set.drives.map((_, index) => index);
    for (const driveIndex of drives) pending.add(driveIndex);
    explicitRequest = true;
  };

  return startJob<HealStatus>({
    name: 'heal',
    pollIntervalMs: HEAL_POLL_INTERVAL_MS,
    async recover() {
      const previous = await files.readStatus();
      if (previous.state !== 'running' || set === null) return undefined;
      log(`heal: resuming the heal of drive(s) ${previous.drives.join(', ')} at ${previous.objectsDone} of ${previous.objectsTotal} object versions`);
      return previous;
    },
    duringPass: takeRequest,
    async next() {
      if (set === null) return undefined;
      await takeRequest();
      if (pending.size === 0) return undefined;
      // A drive just formatted comes online in the same health check: wait for it, unless asked.
      if (!explicitRequest && [...pending].some((driveIndex) => !set.drives[driveIndex]!.online)) return undefined;
      const drives = [...pending].sort((a, b) => a - b).map((driveIndex) => driveIndex + 1);
      pending.clear();
      explicitRequest = false;
      const status: HealStatus = {
        state: 'running', drives, startedAt: new Date().toISOString(), objectsTotal: await countObjectVersions(layers),
        objectsDone: 0, shardsChecked: 0, shardsHealed: 0, shardsUnhealable: 0, placementConflicts: 0,
      };
      log(`heal: healing drive(s) ${drives.join(', ')}: ${status.objectsTotal} object versions to check`);
      return status;
    },
    pass: (status, { signal }) => runJob(layers, files, status, log, () => signal.aborted),
    onError: (error, during) => {
      const text = error instanceof Error ? (during === 'pass' ? error.stack ?? error.message : error.message) : String(error);
      log(during === 'pass' ? `heal: job failed: ${text}` : `heal: ${text}`);
    },
  }, gate);
}

async function runJob(layers: Layers, files: HealFiles, status: HealStatus, log: (line: string) => void, stopping: () => boolean): Promise<void> {
  const targets = new Set(status.drives.map((drive) => drive - 1));
  const buckets = (await layers.index.listBuckets()).map((bucket) => bucket.name).sort();
  const startedAtMs = Date.now();
  let processed = 0;
  const writer = new StatusWriter((value: HealStatus) => files.writeStatus(value), HEAL_STATUS_WRITE_INTERVAL_MS, (error) => log(`heal: status: ${String(error)}`));
  const save = async (force = false) => (force ? writer.flush(status) : writer.progress(() => structuredClone(status)));
  await save(true);
  await healUploadParts(layers, buckets, targets, status, stopping);
  const firstBucket = status.cursor === undefined ? 0 : Math.max(0, buckets.findIndex((name) => name >= status.cursor!.bucket));
  for (const bucket of buckets.slice(firstBucket)) {
    let after = status.cursor?.bucket === bucket ? status.cursor.after : undefined;
    for (;;) {
      const page = await layers.index.scanVersions({ bucket, fromKey: '', after, limit: HEAL_SCAN_PAGE_VERSIONS });
      for (const version of page) {
        if (stopping()) return save(true);
        if (!version.isDeleteMarker) {
          const record = await layers.index.getObjectVersion(bucket, version.key, version.versionId);
          if (record !== undefined && record.dataId === version.dataId) await healVersion(layers, record, targets, status);
          status.objectsDone += 1;
        }
        after = { key: version.key, dataId: version.dataId };
        status.cursor = { bucket, after };
        processed += 1;
        // Rate limit: foreground requests keep the drives (DESIGN.md §3).
        const dueMs = startedAtMs + (processed * 1000) / HEAL_OBJECTS_PER_SECOND_MAX;
        if (dueMs > Date.now()) await delay(dueMs - Date.now());
        await save();
      }
      if (page.length < HEAL_SCAN_PAGE_VERSIONS) break;
    }
  }
  // Every placement now names only verified shards on the targets (none left behind by a change that
  // kept coming back): replaced drives may be repaired in place again.
  if (status.shardsUnhealable === 0 && status.placementConflicts === 0) await layers.storage.markHealed([...targets]);
  status.state = 'done';
  status.finishedAt = new Date().toISOString();
  status.objectsDone = Math.max(status.objectsDone, status.objectsTotal);
  delete status.cursor;
  await save(true);
  log(`heal: drive(s) ${status.drives.join(', ')} healed: ${status.shardsHealed} shards rebuilt of ${status.shardsChecked} checked; ` +
    `${status.shardsUnhealable} could not be rebuilt; ${status.placementConflicts} objects changed meanwhile`);
}

/** Heals the version's own placement and, for a multipart object, each part's. */
async function healVersion(layers: Layers, record: ObjectRecord, targets: ReadonlySet<number>, status: HealStatus): Promise<void> {
  const { bucket, key, versionId, dataId } = record;
  const segments: Array<{ recordDataId: string; placement: Uint8Array; partNumber?: number }> = [{ recordDataId: dataId, placement: record.placement }];
  for (const part of record.parts ?? []) segments.push({ recordDataId: part.dataId, placement: part.placement, partNumber: part.partNumber });
  for (const segment of segments) {
    const reread = async () => {
      const now = await layers.index.getObjectVersion(bucket, key, versionId);
      if (now === undefined || now.dataId !== dataId) return undefined;
      return segment.partNumber === undefined ? now.placement : now.parts?.find((part) => part.partNumber === segment.partNumber)?.placement;
    };
    await healSegment(layers, {
      identity: { bucket, key, versionId: segment.recordDataId }, placement: segment.placement,
      target: { bucket, key, dataId, partNumber: segment.partNumber }, reread,
    }, targets, status);
  }
}
