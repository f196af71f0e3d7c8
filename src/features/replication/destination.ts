// Where replicas go: the one interface the replicator writes through, for a bucket on this server
// (local.ts, through the services) or on any S3 endpoint behind an s3 target (remote.ts, with the
// AWS SDK). A replica is the source version as it is: bytes (part by part for a multipart object),
// content headers, user metadata, tags, Object Lock settings, checksum, and its version id.
import type { Layers } from '../../services/objects.js';
import { readObject } from '../../services/objects.js';
import type { ObjectRecord, Tag } from '../../index/types.js';
import type { ByteRange } from '../../storage/index.js';
import { serverHeldDataKey } from '../../services/encryption/server-held-keys.js';

/** The destination refused for good (no such bucket, access denied, …): the version's status becomes FAILED. */
export class PermanentReplicationError extends Error {}

export interface ReplicaVersion {
  source: ObjectRecord;
  /** The rule's destination storage class, or the source's. */
  storageClass: string;
  /** Verified plaintext bytes of the source, or of one range of them. */
  body(range?: ByteRange): AsyncGenerator<Buffer>;
}

/** Each write is idempotent by version id: a change sent again (after a crash) is stored once. */
export interface ReplicaDestination {
  /** Whether the destination holds this version (or delete marker) already. */
  has(key: string, versionId: string): Promise<boolean>;
  putVersion(version: ReplicaVersion): Promise<void>;
  putDeleteMarker(key: string, versionId: string): Promise<void>;
  putTags(key: string, versionId: string, tags: Tag[] | undefined): Promise<void>;
  close(): void;
}

/**
 * The source version's bytes as a client would read them: SSE-S3 objects are opened with the
 * master keyring (the replica is encrypted again by the destination); SSE-C and SSE-KMS objects
 * cannot be read without their key, so they are not replicated (as S3 without the opt-in).
 */
export function replicaOf(layers: Layers, source: ObjectRecord, storageClass: string | undefined): ReplicaVersion {
  const encryption = source.headers.encryption;
  if (encryption !== undefined && encryption.kind !== 'SSE-S3') throw new PermanentReplicationError(`${encryption.kind} objects are not replicated`);
  const dataKey = serverHeldDataKey(layers, encryption, source);
  return {
    source, storageClass: storageClass ?? source.storageClass,
    body: (range) => readObject(layers, source, range, dataKey),
  };
}

/** Each part's byte range within the object. */
export function partRanges(source: ObjectRecord): Array<{ partNumber: number; range: ByteRange; sizeBytes: number }> {
  let startByte = 0;
  return (source.parts ?? []).map((part) => {
    const range = { startByte, endByteInclusive: startByte + part.sizeBytes - 1 };
    startByte += part.sizeBytes;
    return { partNumber: part.partNumber, range, sizeBytes: part.sizeBytes };
  });
}
