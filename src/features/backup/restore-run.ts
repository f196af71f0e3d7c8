// What a restore job does: reads the recovery point's objects from the index, page by page, and
// writes each one the job selects into the destination bucket as a new version — unless the
// bucket's current version of that key already is the recovery point's (same ETag and size), so a
// restore run again changes nothing. Bytes stream from the recovery point's own placements.
import { createHash } from 'node:crypto';
import type { Index, ObjectRecord } from '../../index/types.js';
import { readObject, writeObject, type Layers } from '../../services/objects.js';
import { resealedCopyKey, serverHeldDataKey } from '../../services/encryption/server-held-keys.js';
import type { RestoreJobRecord } from './records.js';

const PAGE_OBJECTS = 100;

export interface RestoreOutcome {
  objectsRestored: number;
  sizeBytes: number;
}

export const selected = (job: RestoreJobRecord, key: string): boolean => job.items.length === 0 || job.items.some((item) => key === item || key.startsWith(item));

export async function alreadyRestored(index: Index, bucket: string, object: ObjectRecord): Promise<boolean> {
  const current = await index.getObject(bucket, object.key);
  return current !== undefined && current.etag === object.etag && current.sizeBytes === object.sizeBytes;
}

export async function restoreOne(layers: Layers, bucket: string, object: ObjectRecord): Promise<void> {
  // An object encrypted at rest is read with its key and written under a fresh one (SSE-C cannot be: only its client has the key).
  const sourceKey = serverHeldDataKey(layers, object.headers.encryption, object);
  const copyKey = resealedCopyKey(layers, object.headers.encryption, { bucket, key: object.key });
  const md5 = createHash('md5');
  let sizeBytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of readObject(layers, object, undefined, sourceKey)) {
      md5.update(chunk);
      sizeBytes += chunk.byteLength;
      yield chunk;
    }
  }
  const outcome = await writeObject(layers, {
    bucket, key: object.key, headers: { ...object.headers, encryption: copyKey?.stored }, dataKey: copyKey?.dataKey, userMetadata: object.userMetadata, storageClass: object.storageClass, tags: object.tags,
    body: counted(),
    verify: () => {
      const md5Hex = md5.digest('hex');
      // A multipart object's ETag is not the MD5 of its bytes: its size is what can be checked, and it keeps its ETag.
      if (sizeBytes !== object.sizeBytes || (!object.etag.includes('-') && md5Hex !== object.etag)) {
        throw new Error(`object ${object.key} read back ${sizeBytes} bytes with MD5 ${md5Hex}, not the recovery point's ${object.sizeBytes} bytes (ETag ${object.etag})`);
      }
      return { md5Hex: object.etag, sizeBytes, checksum: object.checksum };
    },
  });
  if (!outcome.stored) throw new Error(`object ${object.key} was not written: ${outcome.reason}`);
}

/** Creates the destination bucket of a restore into a new bucket (versioned), once. */
export async function prepareDestination(layers: Layers, job: RestoreJobRecord, owner: { region: string; ownerId: string }): Promise<void> {
  if (job.newBucket && (await layers.index.getBucket(job.destinationBucket)) === undefined) {
    await layers.index.createBucket({ name: job.destinationBucket, createdAtMs: Date.now(), region: owner.region, ownerId: owner.ownerId, versioning: 'Enabled' });
  }
  if ((await layers.index.getBucket(job.destinationBucket)) === undefined) throw new Error(`bucket ${job.destinationBucket} does not exist`);
}

export async function runRestore(layers: Layers, job: RestoreJobRecord, owner: { region: string; ownerId: string }): Promise<RestoreOutcome> {
  await prepareDestination(layers, job, owner);
  const outcome: RestoreOutcome = { objectsRestored: 0, sizeBytes: 0 };
  let afterKey = '';
  for (;;) {
    const objects = await layers.index.listRecoveryPointObjects(job.recoveryPointId, afterKey, PAGE_OBJECTS);
    for (const object of objects) {
      if (!selected(job, object.key) || (await alreadyRestored(layers.index, job.destinationBucket, object))) continue;
      await restoreOne(layers, job.destinationBucket, object);
      outcome.objectsRestored += 1;
      outcome.sizeBytes += object.sizeBytes;
    }
    if (objects.length < PAGE_OBJECTS) return outcome;
    afterKey = objects.at(-1)!.key;
  }
}
