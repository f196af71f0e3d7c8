// Replicas in a bucket of this server, written through the services as a PUT would write them
// (bytes durable, then one index transaction), under the source's version id, with status REPLICA.
// A multipart source is written as an upload of the same parts, so the replica's ETag and checksum
// are the source's. Replicas of encrypted sources are not made here (their keys stay with the source).
import { createHash } from 'node:crypto';
import type { ObjectRecord, StoredPart, Tag } from '../../index/types.js';
import { writeObject, writeReplicaDeleteMarker, type Layers } from '../../services/objects.js';
import { completeUpload, createUpload, writePart } from '../../services/multipart.js';
import { PermanentReplicationError, partRanges, type ReplicaDestination, type ReplicaVersion } from './destination.js';

/** Passes the bytes on while hashing them, so the replica's MD5 is checked against the source's. */
function hashing(body: AsyncIterable<Buffer> | Iterable<Buffer>): { chunks: AsyncGenerator<Buffer>; result: () => { md5Hex: string; sizeBytes: number } } {
  const md5 = createHash('md5');
  let sizeBytes = 0;
  let md5Hex: string | undefined;
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      md5.update(chunk);
      sizeBytes += chunk.length;
      yield chunk;
    }
  }
  return { chunks: chunks(), result: () => ({ md5Hex: (md5Hex ??= md5.digest('hex')), sizeBytes }) };
}

function checked(expected: { etag: string; sizeBytes: number }, actual: { md5Hex: string; sizeBytes: number }): void {
  if (actual.md5Hex !== expected.etag || actual.sizeBytes !== expected.sizeBytes) throw new Error('the replica bytes do not match the source version');
}

export class LocalDestination implements ReplicaDestination {
  constructor(private readonly layers: Layers, private readonly bucket: string) {}

  async has(key: string, versionId: string): Promise<boolean> {
    return (await this.layers.index.getObjectVersion(this.bucket, key, versionId)) !== undefined;
  }

  private fields(version: ReplicaVersion) {
    const { source } = version;
    return {
      bucket: this.bucket, key: source.key, headers: { ...source.headers, replicationStatus: 'REPLICA' as const }, userMetadata: source.userMetadata,
      storageClass: version.storageClass, tags: source.tags, retention: source.retention, legalHold: source.legalHold,
    };
  }

  async putVersion(version: ReplicaVersion): Promise<void> {
    const { source } = version;
    if (await this.has(source.key, source.versionId)) return;
    if (source.headers.encryption !== undefined) throw new PermanentReplicationError('encrypted objects are not replicated to buckets of this server');
    if ((await this.layers.index.getBucket(this.bucket))?.versioning !== 'Enabled') throw new PermanentReplicationError(`the destination bucket ${this.bucket} does not exist or is not versioned`);
    if (source.parts !== undefined) return this.putMultipart(version);
    const body = hashing(version.body());
    const outcome = await writeObject(this.layers, {
      ...this.fields(version), body: body.chunks, dataId: source.versionId,
      verify: () => {
        const actual = body.result();
        checked(source, actual);
        return { ...actual, checksum: source.checksum };
      },
    });
    if (!outcome.stored) throw new PermanentReplicationError(`the destination refused the replica (${outcome.reason})`);
  }

  private async putMultipart(version: ReplicaVersion): Promise<void> {
    const source: ObjectRecord = version.source;
    const upload = await createUpload(this.layers, {
      ...this.fields(version), checksumAlgorithm: source.checksum?.algorithm, checksumType: source.checksum?.type,
    });
    if (upload === undefined) throw new PermanentReplicationError(`the destination bucket ${this.bucket} does not exist`);
    const byNumber = new Map((source.parts ?? []).map((part) => [part.partNumber, part]));
    const written: StoredPart[] = [];
    for (const { partNumber, range, sizeBytes } of partRanges(source)) {
      const part = byNumber.get(partNumber)!;
      const body = hashing(sizeBytes === 0 ? [] : version.body(range));
      const stored = await writePart(this.layers, upload, partNumber, body.chunks, () => {
        const actual = body.result();
        checked(part, actual);
        return { ...actual, checksum: part.checksum! };
      });
      if (stored === undefined) throw new Error('the replica upload was aborted');
      written.push(stored);
    }
    const outcome = await completeUpload(this.layers, upload, written, { etag: source.etag, sizeBytes: source.sizeBytes, checksum: source.checksum }, undefined, undefined, source.versionId);
    if (!outcome.stored) throw new PermanentReplicationError(`the destination refused the replica (${outcome.reason})`);
  }

  async putDeleteMarker(key: string, versionId: string): Promise<void> {
    if (await this.has(key, versionId)) return;
    await writeReplicaDeleteMarker(this.layers, this.bucket, key, versionId);
  }

  async putTags(key: string, versionId: string, tags: Tag[] | undefined): Promise<void> {
    // No origin: a replica's tag change is not an event of the destination bucket's own.
    await this.layers.index.setObjectTags(this.bucket, key, tags, undefined, versionId);
  }

  close(): void {}
}
