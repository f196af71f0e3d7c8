// Blobs as objects of the system bucket: written once through the object service (durable before
// the index links them), verified against their digest on the way in, read back verified. A blob
// is stored under its digest however many repositories hold it; the index links it to each.
import { createHash } from 'node:crypto';
import { readObject, writeObject, type Layers } from '../../services/objects.js';
import type { ByteRange } from '../../storage/index.js';
import { OciError } from './errors.js';
import { blobKey, REGISTRY_BUCKET } from './names.js';

/** The largest blob one upload may make (S3's largest single PUT is 5 GiB; layers rarely pass 1 GiB). */
export const BLOB_SIZE_BYTES_MAX = 10 * 1024 * 1024 * 1024;
const BLOB_CONTENT_TYPE = 'application/octet-stream';

const digestInvalid = (digest: string): OciError => new OciError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { digest });

/** The bytes of `body`, with their SHA-256 and MD5 and their count, refused past the size limit. */
export class HashingBody {
  readonly sha256 = createHash('sha256');
  readonly md5 = createHash('md5');
  sizeBytes = 0;

  constructor(private readonly sources: Array<AsyncIterable<Buffer>>, private readonly sizeBytesMax = BLOB_SIZE_BYTES_MAX) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (const source of this.sources) {
      for await (const chunk of source) {
        this.sizeBytes += chunk.byteLength;
        if (this.sizeBytes > this.sizeBytesMax) throw new OciError(400, 'SIZE_INVALID', `blob larger than ${this.sizeBytesMax} bytes`);
        this.sha256.update(chunk);
        this.md5.update(chunk);
        yield chunk;
      }
    }
  }
}

/** Writes an object of the system bucket from `body` (checked by `check` after the last byte). */
export async function writeSystemObject(layers: Layers, key: string, body: HashingBody, check: () => void = () => undefined): Promise<void> {
  const outcome = await writeObject(layers, {
    bucket: REGISTRY_BUCKET, key, headers: { contentType: BLOB_CONTENT_TYPE }, userMetadata: {}, storageClass: 'STANDARD', body,
    verify: () => {
      check();
      return { md5Hex: body.md5.digest('hex'), sizeBytes: body.sizeBytes };
    },
  });
  if (!outcome.stored) throw new Error(`registry: the system bucket refused ${key}: ${outcome.reason}`);
}

/** Stores the blob `digest` from `sources` (in order) and links it to `repository`; DIGEST_INVALID if the bytes differ. */
export async function storeBlob(layers: Layers, repository: string, digest: string, sources: Array<AsyncIterable<Buffer>>, nowMs: () => number): Promise<number> {
  const body = new HashingBody(sources);
  const key = blobKey(digest);
  await writeSystemObject(layers, key, body, () => {
    if (`sha256:${body.sha256.digest('hex')}` !== digest) throw digestInvalid(digest);
  });
  await layers.index.linkRegistryBlob(repository, { digest, sizeBytes: body.sizeBytes, bucket: REGISTRY_BUCKET, key }, nowMs());
  return body.sizeBytes;
}

/** The verified bytes of an object of the system bucket; undefined when it is gone. */
export async function readSystemObject(layers: Layers, key: string, range?: ByteRange): Promise<AsyncGenerator<Buffer> | undefined> {
  const object = await layers.index.getObject(REGISTRY_BUCKET, key);
  return object === undefined ? undefined : readObject(layers, object, range);
}

/** The system bucket is made on the first push, so a server that never holds an image lists no bucket of the registry's. */
export function bucketMaker(layers: Layers, region: string, ownerId: string): (nowMs: number) => Promise<unknown> {
  let bucketReady: Promise<unknown> | undefined;
  return (nowMs) => {
    bucketReady ??= layers.index.createBucket({ name: REGISTRY_BUCKET, createdAtMs: nowMs, region, ownerId })
      .catch((error: unknown) => {
        bucketReady = undefined;
        throw error;
      });
    return bucketReady;
  };
}
