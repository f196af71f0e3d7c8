// Writing and reading whole objects through both layers, in the order the invariants demand:
// bytes durable in storage first, then one index transaction makes the version visible
// (DESIGN.md §2.1). Every later feature that creates or removes versions goes through here.
import type {
  ChangeOrigin,
  ConditionFailure,
  DeleteOutcome,
  DeleteVersionOptions,
  Index,
  LegalHoldStatus,
  ObjectRecord,
  ObjectRetention,
  StoredAcl,
  StoredChecksum,
  StoredObjectHeaders,
  StoredPart,
  Tag,
  WriteCondition,
} from '../index/types.js';
import { decodePlacement, encodePlacement, type ByteRange, type ReadOptions, type Redundancy, type Storage } from '../storage/index.js';
import { newTimeOrderedId } from '../util/ids.js';
import { openChunks, sealChunks, sealedRangeOf, segmentKey } from './encryption/chunk-cipher.js';
import type { BuiltInKeyService } from './encryption/kms.js';
import type { MasterKeyring } from './encryption/master-keys.js';
import { recordDeleteMarker } from './event-records.js';

/** Thrown by reads and writes when too few drives are online; the front end answers 503. */
export { StorageUnavailableError } from '../storage/index.js';

export interface Layers {
  index: Index;
  storage: Storage;
  /** Master keys for server-side encryption; undefined in tools that never encrypt or decrypt. */
  keys?: MasterKeyring;
  /** The key service of SSE-KMS (the built-in one; the KeyService interface is the seam for others). */
  kms?: BuiltInKeyService;
}

/** What the caller checked about the bytes once they have all passed. */
export interface VerifiedContent {
  md5Hex: string;
  sizeBytes: number;
  checksum?: StoredChecksum;
}

export interface NewObject {
  bucket: string;
  key: string;
  headers: StoredObjectHeaders;
  userMetadata: Record<string, string>;
  storageClass: string;
  body: AsyncIterable<Buffer>;
  /**
   * Called after the last byte: throws to refuse the object (nothing becomes visible). With
   * `hashMd5`, it gets the body's MD5, computed by the storage writer's hasher thread.
   */
  verify: (bodyMd5?: Buffer) => VerifiedContent;
  /** Let storage compute the body's MD5 off the event loop (a large body; never with a dataKey). */
  hashMd5?: boolean;
  condition?: WriteCondition;
  tags?: Tag[];
  /** Object Lock state the request names; without a retention, a lock bucket's default applies. */
  retention?: ObjectRetention;
  legalHold?: LegalHoldStatus;
  /** The version's ACL and owner (ACLs enabled); undefined: the bucket owner's. */
  acl?: StoredAcl;
  /** Who asked, for the S3 Metadata journal. */
  origin?: ChangeOrigin;
  /** The object's data key when it is encrypted at rest (headers.encryption says how it is kept). */
  dataKey?: Buffer;
  /** A replica's data id (and so version id): the source's; a new one otherwise. */
  dataId?: string;
}

/** `object` carries the lock state as requested; a default retention the index applied is not in it. */
export type WriteOutcome =
  | { stored: true; object: ObjectRecord; replaced?: ObjectRecord }
  | { stored: false; reason: 'no-such-bucket' | ConditionFailure };

/**
 * S3 storage classes that stand for lower redundancy and lower latency (S3 Express One Zone keeps one
 * zone's copies; Reduced Redundancy trades durability for cost): on an erasure set they are written
 * as two copies instead of k+m Reed–Solomon stripes. Every other class is stored as STANDARD.
 */
const REDUCED_REDUNDANCY_STORAGE_CLASSES: ReadonlySet<string> = new Set(['REDUCED_REDUNDANCY', 'EXPRESS_ONEZONE']);

export function redundancyOf(storageClass: string): Redundancy {
  return REDUCED_REDUNDANCY_STORAGE_CLASSES.has(storageClass) ? 'reduced' : 'standard';
}

/**
 * Streams `body` into storage records named by a new data id, then runs `commit` with their durable
 * placement (the index write that makes them visible) and returns what it returns. Until `commit`
 * settles (or `releaseAfter`, for a caller that commits later) the records' volumes stay active, so
 * compaction never seals a volume the index is about to reference (docs/storage-format.md, "Compaction").
 */
export async function writeRecords<T>(
  storage: Storage,
  identity: { bucket: string; key: string; dataId: string; storageClass: string },
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  describe: (bodyMd5?: Buffer) => Record<string, unknown>,
  commit: (placement: Uint8Array) => Promise<T>,
  options: { releaseAfter?: Promise<unknown>; dataKey?: Buffer; hashMd5?: boolean } = {},
): Promise<T> {
  // The writer's units are the body's bytes only when they are not sealed.
  if (options.hashMd5 === true && options.dataKey !== undefined) throw new Error('an encrypted body is hashed before it is sealed');
  const writer = storage.createWriter(
    { bucket: identity.bucket, key: identity.key, versionId: identity.dataId },
    { redundancy: redundancyOf(identity.storageClass), hashMd5: options.hashMd5 },
  );
  // Encrypted data reaches storage sealed: the records' CRC32C cover the ciphertext.
  const stored = options.dataKey === undefined ? body : sealChunks(body, segmentKey(options.dataKey, identity.dataId));
  try {
    for await (const chunk of stored) await writer.write(chunk);
    const bodyMd5 = options.hashMd5 === true ? await writer.bodyMd5() : undefined;
    // The final record carries the metadata, so the index can be rebuilt from the drives.
    const placement = encodePlacement(await writer.finish(describe(bodyMd5)));
    return await commit(placement);
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    // A caller that makes the placement visible later (in a commit of its own) says when.
    if (options.releaseAfter === undefined) writer.release();
    else void options.releaseAfter.finally(() => writer.release());
  }
}

export async function writeObject(layers: Layers, incoming: NewObject): Promise<WriteOutcome> {
  const dataId = incoming.dataId ?? newTimeOrderedId();
  let described: Omit<ObjectRecord, 'placement'> | undefined;
  const describe = (bodyMd5?: Buffer) => {
    const verified = incoming.verify(bodyMd5);
    described = {
      bucket: incoming.bucket,
      key: incoming.key,
      versionId: 'null',
      dataId,
      sizeBytes: verified.sizeBytes,
      etag: verified.md5Hex,
      lastModifiedMs: Date.now(),
      storageClass: incoming.storageClass,
      headers: incoming.headers,
      userMetadata: incoming.userMetadata,
      checksum: verified.checksum,
      tags: incoming.tags,
      retention: incoming.retention,
      legalHold: incoming.legalHold,
      acl: incoming.acl,
    };
    return described;
  };
  const identity = { bucket: incoming.bucket, key: incoming.key, dataId, storageClass: incoming.storageClass };
  const { object, outcome } = await writeRecords(layers.storage, identity, incoming.body, describe, async (placement) => {
    const object: ObjectRecord = { ...described!, placement };
    return { object, outcome: await layers.index.putObject(object, incoming.condition, incoming.origin) };
  }, { dataKey: incoming.dataKey, hashMd5: incoming.hashMd5 });
  if (!outcome.stored) return { stored: false, reason: outcome.reason };
  await tombstone(layers, incoming.bucket, incoming.key, outcome.discardedDataIds);
  return { stored: true, object: { ...object, versionId: outcome.versionId }, replaced: outcome.replaced };
}

/**
 * Durable tombstones for data the index no longer references, so an index rebuilt from the drives
 * does not bring it back. They follow the index commit: the index decides (in its transaction, with
 * the bucket's versioning state) what is discarded.
 */
export async function tombstone(layers: Layers, bucket: string, key: string, dataIds: string[]): Promise<void> {
  await Promise.all(dataIds.map((dataId) => layers.storage.writeTombstone({ bucket, key, versionId: dataId })));
}

/**
 * Verified bytes of one stored part (or of an object written in one PUT) of `sizeBytes`, optionally
 * a range of it; with a data key, the stored chunks the range touches are read and opened.
 */
function readSegment(
  layers: Layers, object: ObjectRecord, segment: { dataId: string; placement: Uint8Array; sizeBytes: number }, range?: ByteRange, dataKey?: Buffer,
  options: ReadOptions = {},
): AsyncGenerator<Buffer> {
  const identity = { bucket: object.bucket, key: object.key, versionId: segment.dataId };
  if (dataKey === undefined) return layers.storage.read(identity, decodePlacement(segment.placement), range, options);
  const plan = sealedRangeOf(segment.sizeBytes, range);
  if (plan === undefined) return (async function* nothing() {})();
  const sealed = layers.storage.read(identity, decodePlacement(segment.placement), plan.stored);
  return openChunks(sealed, segmentKey(dataKey, segment.dataId), segment.sizeBytes, range, plan);
}

async function* readParts(
  layers: Layers, object: ObjectRecord, parts: StoredPart[], range?: ByteRange, dataKey?: Buffer, options: ReadOptions = {},
): AsyncGenerator<Buffer> {
  const firstByte = range?.startByte ?? 0;
  const lastByte = range?.endByteInclusive ?? object.sizeBytes - 1;
  let partStartByte = 0;
  for (const part of parts) {
    const partLastByte = partStartByte + part.sizeBytes - 1;
    if (part.sizeBytes > 0 && partLastByte >= firstByte && partStartByte <= lastByte) {
      const withinPart = {
        startByte: Math.max(firstByte, partStartByte) - partStartByte,
        endByteInclusive: Math.min(lastByte, partLastByte) - partStartByte,
      };
      yield* readSegment(layers, object, part, withinPart, dataKey, options);
    }
    partStartByte += part.sizeBytes;
    if (partStartByte > lastByte) return;
  }
}

/**
 * Verified bytes of an object, or of one range of it, across its parts if it has them. An object
 * encrypted at rest needs its data key (the front end resolves it: SSE-S3 unwraps, SSE-C checks).
 * `options.reuseBuffers`: see ReadOptions (storage) — only for a caller done with each chunk
 * before it asks for the next.
 */
export function readObject(layers: Layers, object: ObjectRecord, range?: ByteRange, dataKey?: Buffer, options: ReadOptions = {}): AsyncGenerator<Buffer> {
  if (object.headers.encryption !== undefined && dataKey === undefined) throw new Error(`object ${object.bucket}/${object.key} is encrypted: its data key is needed`);
  if (object.parts !== undefined) return readParts(layers, object, object.parts, range, dataKey, options);
  return readSegment(layers, object, object, range, dataKey, options);
}

/**
 * Deletes a key if `condition` holds: in an unversioned bucket its current version goes; in a
 * versioned one a delete marker becomes the latest version and every byte stays.
 */
export async function deleteObject(
  layers: Layers, bucket: string, key: string, condition?: WriteCondition, origin?: ChangeOrigin,
): Promise<DeleteOutcome> {
  const outcome = await layers.index.deleteObject(bucket, key, condition, origin);
  await Promise.all([
    tombstone(layers, bucket, key, outcome.discardedDataIds),
    outcome.deleteMarker === undefined ? undefined : recordDeleteMarker(layers.storage, bucket, key, outcome.deleteMarker),
  ]);
  return outcome;
}

/**
 * Removes one version or delete marker for good — unless Object Lock protects it: then nothing
 * changes and `failure` is 'locked' (COMPLIANCE retention or legal hold: never removable) or
 * 'governance' (GOVERNANCE retention: removable only with `bypassGovernance` from a caller allowed
 * to). Every path that destroys a version (DeleteObject, DeleteObjects, lifecycle expiry) comes
 * through here, and the index judges the lock in the same transaction as the delete. With a
 * `condition` (lifecycle) that no longer holds, nothing changes either ('precondition-failed').
 */
export async function deleteVersion(
  layers: Layers,
  bucket: string,
  key: string,
  versionId: string,
  options: DeleteVersionOptions = {},
): Promise<DeleteOutcome & { wasDeleteMarker?: boolean }> {
  const outcome = await layers.index.deleteVersion(bucket, key, versionId, options);
  // A removed delete marker is tombstoned too, so rebuild-index does not bring its marker record back.
  const markerDataIds = outcome.wasDeleteMarker === true && outcome.removed !== undefined ? [outcome.removed.dataId] : [];
  await tombstone(layers, bucket, key, [...outcome.discardedDataIds, ...markerDataIds]);
  return outcome;
}

/**
 * A replica's delete marker, under the source marker's version id (src/features/replication): no
 * event or journal row, as a replica is never replicated again.
 */
export async function writeReplicaDeleteMarker(layers: Layers, bucket: string, key: string, markerVersionId: string): Promise<DeleteOutcome> {
  const outcome = await layers.index.replayDeleteMarker(bucket, key, markerVersionId, Date.now());
  await Promise.all([
    tombstone(layers, bucket, key, outcome.discardedDataIds),
    outcome.deleteMarker === undefined ? undefined : recordDeleteMarker(layers.storage, bucket, key, outcome.deleteMarker),
  ]);
  return outcome;
}
