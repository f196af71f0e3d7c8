// The listings a restore walks, key by key in UTF-8 byte order: each source key's history reduced to
// what a restore needs (its latest entry and the one current at TIME), merged with the target bucket's
// current objects when restoring elsewhere. Memory stays at one listing page: a key's versions are
// contiguous in ListObjectVersions, so a key is finished as soon as the next one starts.
import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

/** Entries per listing request: S3's maximum page, so the fewest round trips for the same memory bound. */
export const LIST_PAGE_ENTRIES_MAX = 1000;

/** One entry of a key's history: a version or a delete marker. */
export interface VersionEntry {
  key: string;
  versionId: string;
  isDeleteMarker: boolean;
  isLatest: boolean;
  lastModifiedMs: number;
  /** Quoted, as the listing gives it; undefined for a delete marker. */
  etag?: string;
  sizeBytes: number;
  storageClass?: string;
}

export interface KeyHistory {
  key: string;
  /** The newest entry: what a reader sees now (nothing, when it is a delete marker). */
  latest: VersionEntry;
  /** The newest entry with LastModified ≤ TIME; undefined when the key did not exist yet. */
  atTime?: VersionEntry;
}

/** A target bucket's current object. */
export interface CurrentObject {
  key: string;
  etag?: string;
  sizeBytes: number;
  storageClass?: string;
}

export interface KeyState {
  key: string;
  /** Undefined for a key that exists only in the target bucket. */
  history?: KeyHistory;
  /** When restoring into a target: the target's current object of this key, if any. */
  targetObject?: CurrentObject;
}

/** UTF-8 byte order, the order of S3 listings (JavaScript's < compares UTF-16 code units). */
export function compareKeys(left: string, right: string): number {
  return left === right ? 0 : Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

/** Cairn's version ids are time-ordered hex: the larger one is the newer when LastModified ties. */
function compareNewestFirst(left: VersionEntry, right: VersionEntry): number {
  if (left.lastModifiedMs !== right.lastModifiedMs) return right.lastModifiedMs - left.lastModifiedMs;
  if (left.isLatest !== right.isLatest) return left.isLatest ? -1 : 1;
  return left.versionId < right.versionId ? 1 : left.versionId > right.versionId ? -1 : 0;
}

/**
 * The SDK splits a ListObjectVersions page into Versions and DeleteMarkers; this puts them back in
 * the listing's order: keys ascending, each key's entries newest first.
 */
async function* versionEntries(s3: S3Client, bucket: string, prefix: string, pageEntries: number): AsyncGenerator<VersionEntry> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix === '' ? undefined : prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker, MaxKeys: pageEntries }));
    const entries: VersionEntry[] = [
      ...(page.Versions ?? []).map((version): VersionEntry => ({
        key: version.Key!, versionId: version.VersionId ?? 'null', isDeleteMarker: false, isLatest: version.IsLatest === true,
        lastModifiedMs: version.LastModified!.getTime(), etag: version.ETag, sizeBytes: version.Size ?? 0, storageClass: version.StorageClass,
      })),
      ...(page.DeleteMarkers ?? []).map((marker): VersionEntry => ({
        key: marker.Key!, versionId: marker.VersionId ?? 'null', isDeleteMarker: true, isLatest: marker.IsLatest === true,
        lastModifiedMs: marker.LastModified!.getTime(), sizeBytes: 0,
      })),
    ];
    entries.sort((left, right) => compareKeys(left.key, right.key) || compareNewestFirst(left, right));
    yield* entries;
    if (page.IsTruncated !== true) return;
    if (page.NextKeyMarker === undefined) throw new Error(`ListObjectVersions of ${bucket} was truncated without a NextKeyMarker`);
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/** Each key under `prefix` with its latest entry and its entry at `timeMs`, in key order. */
export async function* keyHistories(s3: S3Client, bucket: string, prefix: string, timeMs: number, pageEntries = LIST_PAGE_ENTRIES_MAX): AsyncGenerator<KeyHistory> {
  let current: KeyHistory | undefined;
  for await (const entry of versionEntries(s3, bucket, prefix, pageEntries)) {
    if (current !== undefined && current.key === entry.key) {
      if (current.atTime === undefined && entry.lastModifiedMs <= timeMs) current.atTime = entry;
      continue;
    }
    if (current !== undefined) yield current;
    current = { key: entry.key, latest: entry, atTime: entry.lastModifiedMs <= timeMs ? entry : undefined };
  }
  if (current !== undefined) yield current;
}

/** The current objects under `prefix` in a bucket, in key order. */
export async function* currentObjects(s3: S3Client, bucket: string, prefix: string, pageEntries = LIST_PAGE_ENTRIES_MAX): AsyncGenerator<CurrentObject> {
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix === '' ? undefined : prefix, ContinuationToken: continuationToken, MaxKeys: pageEntries }));
    for (const object of page.Contents ?? []) yield { key: object.Key!, etag: object.ETag, sizeBytes: object.Size ?? 0, storageClass: object.StorageClass };
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
}

/** The source histories merged with the target's current objects by key (a merge join of two sorted streams). */
export async function* keyStates(histories: AsyncGenerator<KeyHistory>, targetObjects: AsyncGenerator<CurrentObject> | undefined): AsyncGenerator<KeyState> {
  if (targetObjects === undefined) {
    for await (const history of histories) yield { key: history.key, history };
    return;
  }
  let history = await histories.next();
  let target = await targetObjects.next();
  while (history.done !== true || target.done !== true) {
    const order = history.done === true ? 1 : target.done === true ? -1 : compareKeys(history.value.key, target.value.key);
    if (order < 0) {
      yield { key: history.value!.key, history: history.value! };
      history = await histories.next();
    } else if (order > 0) {
      yield { key: target.value!.key, targetObject: target.value! };
      target = await targetObjects.next();
    } else {
      yield { key: history.value!.key, history: history.value!, targetObject: target.value! };
      history = await histories.next();
      target = await targetObjects.next();
    }
  }
}
