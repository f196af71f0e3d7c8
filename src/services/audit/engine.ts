// One audit walk over everything the index references: every version of every object in every
// bucket (a multipart object part by part), each record verified by storage.auditObject, at most
// `bytesPerSecond` of records read. The walk order is the index's (buckets by name, then key and
// data id descending), so a cursor says exactly where to resume.
//
// Multipart uploads still in progress are not walked: their parts are checked once completed.

import { decodePlacement, type AuditCounts } from '../../storage/index.js';
import { addAuditCounts, emptyAuditCounts } from '../../storage/erasure/shard-audit.js';
import type { Layers } from '../objects.js';
import { RateLimiter } from '../rate-limiter.js';
import type { AuditCursor } from './files.js';

/** Versions read from the index per query. */
const SCAN_PAGE_VERSIONS = 200;

export interface WalkOptions {
  repair: boolean;
  /** 0: no limit. */
  bytesPerSecond: number;
  cursor: AuditCursor | null;
  log: (line: string) => void;
  /** Asked between objects: true ends the walk early (its cursor says where to resume). */
  shouldStop(): boolean;
  /** After each object version: what it found, and the cursor after it. */
  onProgress(found: AuditCounts, objectsChecked: number, cursor: AuditCursor): void;
}

/** Walks from the cursor to the end (returns true) or until shouldStop (returns false). */
export async function walkIndex(layers: Layers, options: WalkOptions): Promise<boolean> {
  const limiter = new RateLimiter(options.bytesPerSecond);
  let objectsChecked = 0;
  const buckets = (await layers.index.listBuckets()).map((bucket) => bucket.name).filter((name) => options.cursor === null || name >= options.cursor.bucket);
  for (const bucket of buckets) {
    let after = options.cursor !== null && options.cursor.bucket === bucket ? options.cursor.after : undefined;
    for (;;) {
      if (options.shouldStop()) return false;
      const page = await layers.index.scanVersions({ bucket, fromKey: '', after, limit: SCAN_PAGE_VERSIONS });
      for (const version of page) {
        if (options.shouldStop()) return false;
        after = { key: version.key, dataId: version.dataId };
        const found = version.isDeleteMarker ? emptyAuditCounts() : await auditVersion(layers, bucket, version.key, version.versionId, version.dataId, options);
        objectsChecked += version.isDeleteMarker ? 0 : 1;
        options.onProgress(found, objectsChecked, { bucket, after });
        await limiter.consume(found.bytesChecked, () => options.shouldStop());
      }
      if (page.length < SCAN_PAGE_VERSIONS) break;
    }
  }
  return true;
}

async function auditVersion(layers: Layers, bucket: string, key: string, versionId: string, dataId: string, options: WalkOptions): Promise<AuditCounts> {
  const found = emptyAuditCounts();
  const object = await layers.index.getObjectVersion(bucket, key, versionId);
  // Deleted or replaced since the page was read: nothing of it is referenced any more.
  if (object === undefined || object.isDeleteMarker === true || object.dataId !== dataId) return found;
  const segments = object.parts !== undefined
    ? object.parts.map((part) => ({ dataId: part.dataId, placement: part.placement }))
    : [{ dataId: object.dataId, placement: object.placement }];
  for (const segment of segments) {
    try {
      const counts = await layers.storage.auditObject({ bucket, key, versionId: segment.dataId }, decodePlacement(segment.placement), { repair: options.repair });
      addAuditCounts(found, counts);
    } catch (error) {
      // A placement that does not decode: its bytes cannot be found, let alone served.
      found.corruptFound += 1;
      found.unrecoverable += 1;
      options.log(`audit: UNRECOVERABLE ${JSON.stringify(bucket)}/${JSON.stringify(key)} version ${JSON.stringify(versionId)}: ${(error as Error).message}`);
    }
  }
  return found;
}
