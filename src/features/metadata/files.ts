// The metadata tables' Parquet files as objects of the system bucket: written through the storage
// layer (durable before the index commit that makes them visible), and copied to a local cache when
// DuckDB reads them (a file never changes once written: its data id names it for good).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectRecord } from '../../index/types.js';
import { newTimeOrderedId } from '../../util/ids.js';
import { readObject, writeRecords, type Layers } from '../../services/objects.js';
import { METADATA_SYSTEM_BUCKET } from './names.js';

const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
/** A partial copy older than this was abandoned (a copy takes seconds). */
const PARTIAL_COPY_AGE_MS_MAX = 60 * 60 * 1000;

/**
 * Stores a local Parquet file as `key` in the system bucket; the caller's commit makes it visible,
 * and `committed` settles once that commit has (until then compaction leaves its volumes alone).
 */
export async function storeFile(layers: Layers, key: string, localPath: string, userMetadata: Record<string, string>, committed: Promise<unknown>): Promise<ObjectRecord> {
  const dataId = newTimeOrderedId();
  const md5 = createHash('md5');
  let sizeBytes = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(localPath) as AsyncIterable<Buffer>) {
      md5.update(chunk);
      sizeBytes += chunk.byteLength;
      yield chunk;
    }
  }
  let described: Omit<ObjectRecord, 'placement'> | undefined;
  const describe = () => {
    described = {
      bucket: METADATA_SYSTEM_BUCKET, key, versionId: 'null', dataId, sizeBytes, etag: md5.digest('hex'), lastModifiedMs: Date.now(),
      storageClass: 'STANDARD', headers: { contentType: PARQUET_CONTENT_TYPE }, userMetadata,
    };
    return described;
  };
  const identity = { bucket: METADATA_SYSTEM_BUCKET, key, dataId, storageClass: 'STANDARD' };
  const placement = await writeRecords(layers.storage, identity, hashed(), describe, async (stored) => stored, { releaseAfter: committed });
  return { ...described!, placement };
}

/**
 * Local copies of system-bucket files for DuckDB, named by data id. Bounded: after each use the
 * least recently used copies go until the cache is under its size (copies in use stay).
 */
export class LocalFileCache {
  private readonly inUse = new Map<string, number>();

  constructor(private readonly directory: string, private readonly bytesMax: number) {}

  private pathOf(object: ObjectRecord): string {
    return join(this.directory, `${object.dataId}.parquet`);
  }

  /** Local paths of `objects` (copied from storage when not cached); release() them when done. */
  async acquire(layers: Layers, objects: ObjectRecord[]): Promise<string[]> {
    await mkdir(this.directory, { recursive: true });
    const paths: string[] = [];
    for (const object of objects) {
      const path = this.pathOf(object);
      this.inUse.set(path, (this.inUse.get(path) ?? 0) + 1);
      paths.push(path);
      try {
        const found = await stat(path);
        if (found.size === object.sizeBytes) {
          const now = new Date();
          await utimes(path, now, now);
          continue;
        }
      } catch {
        // Not cached yet.
      }
      const partial = join(this.directory, `.${randomUUID()}.partial`);
      try {
        await pipeline(readObject(layers, object), createWriteStream(partial));
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        this.release(paths);
        throw error;
      }
    }
    return paths;
  }

  release(paths: string[]): void {
    for (const path of paths) {
      const count = (this.inUse.get(path) ?? 1) - 1;
      if (count <= 0) this.inUse.delete(path);
      else this.inUse.set(path, count);
    }
  }

  /** Removes least recently used copies not in use until the cache holds at most bytesMax. */
  async evict(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return;
    }
    const entries: Array<{ path: string; sizeBytes: number; usedMs: number }> = [];
    for (const name of names) {
      const path = join(this.directory, name);
      try {
        const found = await stat(path);
        // A copy a killed process left half-written: nobody will finish it.
        if (name.endsWith('.partial') && Date.now() - found.mtimeMs > PARTIAL_COPY_AGE_MS_MAX) await rm(path, { force: true });
        if (name.endsWith('.parquet')) entries.push({ path, sizeBytes: found.size, usedMs: found.mtimeMs });
      } catch {
        // Removed meanwhile.
      }
    }
    let totalBytes = entries.reduce((sum, entry) => sum + entry.sizeBytes, 0);
    entries.sort((a, b) => a.usedMs - b.usedMs);
    for (const entry of entries) {
      if (totalBytes <= this.bytesMax) return;
      if (this.inUse.has(entry.path)) continue;
      await rm(entry.path, { force: true });
      totalBytes -= entry.sizeBytes;
    }
  }
}
