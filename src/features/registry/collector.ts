// Online exact garbage collection of blobs, a job of the job runner. A pass first ends upload
// sessions idle too long (removing their chunks), then takes collectable blobs out of the index —
// no manifest references them, they have been unreferenced for the grace period, and no repository
// holding them has an upload session open — in one index transaction each batch, and deletes each
// blob's object only if it is still the version the index recorded (a push that stored the blob
// again meanwhile made a new version, which stays). A manifest PUT checks its blobs in an index
// transaction too, so it either counts a blob before the collector's check or finds it gone
// (MANIFEST_BLOB_UNKNOWN): a referenced blob is never deleted.
import { startJob, type JobGate } from '../../services/jobs/runner.js';
import { deleteObject, type Layers } from '../../services/objects.js';
import { blobKey, REGISTRY_BUCKET } from './names.js';
import { sweepIdleUploads } from './uploads.js';

/** How long an unreferenced blob is kept: long enough for a push's blob HEAD → manifest PUT. */
export const DEFAULT_REGISTRY_GC_GRACE_MS = 60 * 60 * 1000;
/** Upload sessions untouched this long are ended (the spec lets a registry time out unfinished uploads). */
export const DEFAULT_REGISTRY_UPLOAD_IDLE_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_REGISTRY_GC_INTERVAL_MS = 5 * 60 * 1000;
/** Blobs taken per index transaction, and sessions swept per pass. */
const COLLECT_BATCH_MAX = 256;

export interface RegistryCollectorSettings {
  graceMs: number;
  uploadIdleMs: number;
  intervalMs: number;
}

export interface RegistryCollector {
  stop(): Promise<void>;
}

/** One pass: sweeps idle sessions, then collects in batches until none is left or the job stops. */
export async function collectRegistryGarbage(layers: Layers, settings: RegistryCollectorSettings, signal?: AbortSignal): Promise<{ blobs: number; uploads: number }> {
  const nowMs = Date.now();
  const uploads = await sweepIdleUploads(layers, nowMs - settings.uploadIdleMs, COLLECT_BATCH_MAX);
  let blobs = 0;
  for (;;) {
    const collected = await layers.index.collectRegistryBlobs(Date.now() - settings.graceMs, COLLECT_BATCH_MAX);
    await Promise.all(collected.map((blob) => deleteObject(layers, REGISTRY_BUCKET, blobKey(blob.digest), { ifDataId: blob.dataId })));
    blobs += collected.length;
    if (collected.length < COLLECT_BATCH_MAX || signal?.aborted === true) return { blobs, uploads };
  }
}

export function startRegistryCollector(layers: Layers, settings: RegistryCollectorSettings, log: (line: string) => void, gate?: JobGate): RegistryCollector {
  return startJob<true>({
    name: 'registry_gc',
    pollIntervalMs: settings.intervalMs,
    next: async () => true,
    async pass(_work, context) {
      const { blobs, uploads } = await collectRegistryGarbage(layers, settings, context.signal);
      if (blobs > 0 || uploads > 0) log(`registry gc: deleted ${blobs} unreferenced blob(s), ended ${uploads} idle upload session(s)`);
    },
    onError: (error) => log(`registry gc: ${String(error)}`),
  }, gate);
}
