// Turns what the drives hold (a RecordCatalog) into index rows: buckets, objects and their versions,
// multipart objects (from their manifest records and the parts' records). What the drives do not
// record is inferred or lost; docs/rebuild-index.md lists it.
import type { BucketRecord, Index, ObjectLockConfiguration, ObjectRecord, StoredAcl, StoredPart, Tag } from '../../../index/types.js';
import { parseAclSetting } from '../../../index/settings/acl.js';
import { initialAccessSettings } from '../../../services/access-defaults.js';
import { encodePlacement, type Storage } from '../../../storage/index.js';
import type { CompleteData, EventRecord, RecordCatalog } from './catalog.js';

/** A multipart manifest lists at most 10,000 parts: its payload is far below this. */
const MANIFEST_SIZE_BYTES_MAX = 4 * 1024 * 1024;

export interface RebuildOwner {
  region: string;
  ownerId: string;
}

export interface RebuildSummary {
  buckets: number;
  objectVersions: number;
  deleteMarkers: number;
  multipartObjects: number;
  /** Parts of uploads never completed (or completed by a manifest that was lost): garbage now. */
  orphanParts: number;
  /** Manifests whose parts are not all on the drives: left out. */
  incompleteManifests: number;
}

interface ManifestPayload {
  uploadId: string;
  parts: Array<Omit<StoredPart, 'placement'>>;
}

function isPart(meta: Record<string, unknown>): boolean {
  return typeof meta['uploadId'] === 'string' && typeof meta['partNumber'] === 'number';
}

function isManifest(meta: Record<string, unknown>): boolean {
  const multipart = meta['multipart'] as { manifest?: unknown } | undefined;
  return multipart?.manifest === 'payload';
}

async function readManifest(storage: Storage, data: CompleteData): Promise<ManifestPayload | undefined> {
  if (data.placement.sizeBytes > MANIFEST_SIZE_BYTES_MAX) return undefined;
  const pieces: Buffer[] = [];
  for await (const piece of storage.read({ bucket: data.bucket, key: data.key, versionId: data.dataId }, data.placement)) pieces.push(piece);
  const parsed = JSON.parse(Buffer.concat(pieces).toString('utf8')) as ManifestPayload;
  return Array.isArray(parsed.parts) ? parsed : undefined;
}

/** The object a final record describes (its `meta` is the ObjectRecord without placement). */
function objectFrom(data: CompleteData, parts?: StoredPart[]): ObjectRecord {
  const { multipart: _multipart, placement: _placement, parts: _parts, ...described } = data.meta;
  return { ...(described as unknown as ObjectRecord), bucket: data.bucket, key: data.key, dataId: data.dataId, versionId: 'null', placement: encodePlacement(data.placement), parts };
}

/** Every object version on the drives, by bucket, oldest first (data ids are time-ordered). */
async function collectObjects(catalog: RecordCatalog, storage: Storage, summary: RebuildSummary): Promise<Map<string, ObjectRecord[]>> {
  const parts = new Map<string, CompleteData>();
  const wholes: CompleteData[] = [];
  for (const data of catalog.completeData()) (isPart(data.meta) ? parts.set(data.dataId, data) : wholes.push(data));
  const usedParts = new Set<string>();
  const byBucket = new Map<string, ObjectRecord[]>();
  for (const data of wholes) {
    let object: ObjectRecord;
    if (isManifest(data.meta)) {
      const manifest = await readManifest(storage, data);
      const stored = manifest?.parts.map((part) => {
        const record = parts.get(part.dataId);
        return record === undefined ? undefined : { ...part, placement: encodePlacement(record.placement) };
      });
      if (stored === undefined || stored.some((part) => part === undefined)) {
        summary.incompleteManifests += 1;
        continue;
      }
      for (const part of stored) usedParts.add(part!.dataId);
      object = objectFrom(data, stored as StoredPart[]);
      summary.multipartObjects += 1;
    } else {
      object = objectFrom(data);
    }
    const list = byBucket.get(data.bucket) ?? [];
    list.push(object);
    byBucket.set(data.bucket, list);
  }
  summary.orphanParts = [...parts.keys()].filter((dataId) => !usedParts.has(dataId)).length;
  for (const list of byBucket.values()) list.sort((a, b) => (a.dataId < b.dataId ? -1 : a.dataId > b.dataId ? 1 : 0));
  return byBucket;
}

/**
 * A bucket with no recorded creation (data written before event records existed, or its record
 * lost) is rebuilt as versioned when a key has more than one surviving version (an unversioned
 * bucket tombstones what an overwrite replaces) or a version carries Object Lock state.
 */
function looksVersioned(objects: ObjectRecord[]): boolean {
  const keys = new Set<string>();
  for (const object of objects) {
    if (keys.has(object.key) || object.retention !== undefined || object.legalHold !== undefined) return true;
    keys.add(object.key);
  }
  return false;
}

function hasLockState(objects: ObjectRecord[]): boolean {
  return objects.some((object) => object.retention !== undefined || object.legalHold !== undefined);
}

/** The newest tag set recorded for each data id (PutObjectTagging / DeleteObjectTagging after the write). */
function latestTags(events: EventRecord[]): Map<string, Tag[] | undefined> {
  const tags = new Map<string, Tag[] | undefined>();
  for (const event of events) {
    if (event.kind !== 'object-tags' || typeof event.header['target'] !== 'string') continue;
    const list = event.header['tags'] as Tag[];
    tags.set(event.header['target'], Array.isArray(list) && list.length > 0 ? list : undefined);
  }
  return tags;
}

/** The newest ACL recorded for each data id (PutObjectAcl after the write), checked to be one. */
function latestAcls(events: EventRecord[]): Map<string, StoredAcl> {
  const acls = new Map<string, StoredAcl>();
  for (const event of events) {
    if (event.kind !== 'object-acl' || typeof event.header['target'] !== 'string') continue;
    try {
      acls.set(event.header['target'], parseAclSetting(event.header['acl']));
    } catch {
      // A damaged event record: the version keeps the ACL it was written with.
    }
  }
  return acls;
}

/** The ACL a data record was written with, if it is one (undefined: the bucket owner's, as when none was set). */
function checkedAcl(acl: unknown): StoredAcl | undefined {
  try {
    return parseAclSetting(acl);
  } catch {
    return undefined;
  }
}

type Step = { id: string; object: ObjectRecord; event?: undefined } | { id: string; event: EventRecord; object?: undefined };

class Replay {
  private readonly created = new Set<string>();

  constructor(
    private readonly index: Index,
    private readonly owner: RebuildOwner,
    private readonly byBucket: Map<string, ObjectRecord[]>,
    private readonly summary: RebuildSummary,
  ) {}

  /** A bucket that has data but no (surviving) creation record: defaults, and versioning inferred. */
  private async ensureBucket(bucket: string): Promise<void> {
    if (this.created.has(bucket)) return;
    const objects = this.byBucket.get(bucket) ?? [];
    const createdAtMs = objects.reduce((earliest, object) => Math.min(earliest, object.lastModifiedMs), Date.now());
    const lock = hasLockState(objects);
    await this.create({ name: bucket, createdAtMs, region: this.owner.region, ownerId: this.owner.ownerId }, lock || looksVersioned(objects), lock);
  }

  private async create(record: BucketRecord, versioned: boolean, objectLock: boolean): Promise<void> {
    const settings = { ...initialAccessSettings(), ...(objectLock ? { 'object-lock': { enabled: true } satisfies ObjectLockConfiguration } : {}) };
    if (await this.index.createBucket({ ...record, versioning: versioned ? 'Enabled' : undefined }, settings) === 'created') this.summary.buckets += 1;
    this.created.add(record.name);
  }

  async apply(step: Step): Promise<void> {
    if (step.object !== undefined) {
      await this.ensureBucket(step.object.bucket);
      const outcome = await this.index.putObject(step.object);
      if (!outcome.stored) throw new Error(`could not index ${step.object.bucket}/${step.object.key} (${step.object.dataId}): ${outcome.reason}`);
      this.summary.objectVersions += 1;
      return;
    }
    const { kind, bucket, key, id, atMs, header } = step.event;
    if (kind === 'bucket-created') {
      if (this.created.has(bucket)) return;
      const region = typeof header['region'] === 'string' ? header['region'] : this.owner.region;
      const ownerId = typeof header['ownerId'] === 'string' ? header['ownerId'] : this.owner.ownerId;
      const createdAtMs = typeof header['createdAtMs'] === 'number' ? header['createdAtMs'] : atMs;
      await this.create({ name: bucket, createdAtMs, region, ownerId }, header['objectLock'] === true, header['objectLock'] === true);
    } else if (kind === 'bucket-deleted') {
      if (await this.index.deleteBucket(bucket) === 'deleted') {
        this.created.delete(bucket);
        this.summary.buckets -= 1;
      }
    } else if (kind === 'bucket-versioning' && (header['status'] === 'Enabled' || header['status'] === 'Suspended')) {
      await this.ensureBucket(bucket);
      await this.index.setBucketVersioning(bucket, header['status']);
    } else if (kind === 'delete-marker') {
      await this.ensureBucket(bucket);
      const lastModifiedMs = typeof header['lastModifiedMs'] === 'number' ? header['lastModifiedMs'] : atMs;
      if ((await this.index.replayDeleteMarker(bucket, key, id, lastModifiedMs)).deleteMarker !== undefined) this.summary.deleteMarkers += 1;
    }
  }
}

/**
 * Replays the history the drives record, in data-id order (ids are time-ordered): bucket events,
 * object writes and delete markers go through the index's own rules again, so versions, 'null'
 * versions and latest flags come out as they were. Deleted data and removed markers (tombstones)
 * are left out of the history.
 */
export async function rebuildInto(index: Index, catalog: RecordCatalog, storage: Storage, owner: RebuildOwner): Promise<RebuildSummary> {
  const summary: RebuildSummary = { buckets: 0, objectVersions: 0, deleteMarkers: 0, multipartObjects: 0, orphanParts: 0, incompleteManifests: 0 };
  const byBucket = await collectObjects(catalog, storage, summary);
  const events = [...catalog.events.values()].sort((a, b) => compareIds(a.id, b.id));
  const tags = latestTags(events);
  const acls = latestAcls(events);
  const steps: Step[] = [];
  for (const objects of byBucket.values()) {
    for (const object of objects) {
      if (tags.has(object.dataId)) object.tags = tags.get(object.dataId);
      if (acls.has(object.dataId)) object.acl = acls.get(object.dataId);
      else if (object.acl !== undefined) object.acl = checkedAcl(object.acl);
      steps.push({ id: object.dataId, object });
    }
  }
  for (const event of events) if (!catalog.deletedDataIds.has(event.id) && event.kind !== 'object-tags' && event.kind !== 'object-acl') steps.push({ id: event.id, event });
  steps.sort((a, b) => compareIds(a.id, b.id));
  const replay = new Replay(index, owner, byBucket, summary);
  for (const step of steps) await replay.apply(step);
  // Buckets named only by tombstones (every object deleted) and never deleted themselves.
  const deleted = new Set(events.filter((event) => event.kind === 'bucket-deleted').map((event) => event.bucket));
  for (const bucket of catalog.bucketsSeen) if (!deleted.has(bucket) && (await index.getBucket(bucket)) === undefined) await replay.apply({ id: '', event: { kind: 'bucket-created', bucket, key: '', id: '', atMs: Date.now(), header: {} } });
  return summary;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
