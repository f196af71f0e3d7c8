// Compaction end to end, on a standalone drive and on a 4-drive erasure set (2+2), with 2 MiB volumes
// so a few MB of objects fill several: an unversioned bucket mostly deleted and overwritten, a
// versioned bucket (noncurrent versions, a version deleted by id, a delete marker) and a multipart
// upload still in progress. Two passes (grace period 0) must move every referenced record out of the
// sparse volumes and delete them, and afterwards every object, version and part still reads back
// byte-identical: after a restart, and after the index is deleted and rebuilt from the drives (so
// compaction kept the tombstones: deleted objects stay deleted). On the set, two drives are then
// failed so that every object must be rebuilt from the other two: moved shards included.
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  CreateBucketCommand,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sdkClient } from './helpers/clients.js';
import { runCompactionPass, volumeBytes } from './helpers/compaction.js';
import { drivePathsUnder, injectFault, stopFault } from './helpers/faults.js';
import { runCommand } from './helpers/processes.js';
import { CAIRN_BIN, startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const COMPACTION_ARGS = ['--volume-size', '2', '--compaction-interval', '0', '--compaction-grace', '0'];
const PLAIN_OBJECTS = 24;
/** One object in this many survives; the rest are deleted. Of the survivors, every other one is overwritten. */
const KEEP_ONE_IN = 4;
const OBJECT_BYTES = 300 * KIB;
const PART_BYTES = 5 * MIB;
const REBUILD_TIMEOUT_MS = 60_000;
/** Enough bytes to fill two workers' 2 MiB volumes on every drive twice over. */
const ROLLOVER_WRITES = 16;
const ROLLOVER_WRITE_BYTES = 600 * KIB;

function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What must read back: bucket/key(/versionId) → sha256, and what must be gone. */
interface Expected {
  present: Map<string, { bucket: string; key: string; versionId?: string; sha: string }>;
  absent: Array<{ bucket: string; key: string; versionId?: string }>;
  upload?: { key: string; uploadId: string; part1: Buffer };
}

async function readSha(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<string | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return digest(Buffer.from(await got.Body!.transformToByteArray()));
  } catch (error) {
    if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NoSuchVersion')) return undefined;
    throw error;
  }
}

async function put(s3: S3Client, expected: Expected, bucket: string, key: string, sizeBytes = OBJECT_BYTES): Promise<string | undefined> {
  const body = randomBytes(sizeBytes);
  const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  expected.present.set(`${bucket}/${key}/${out.VersionId ?? ''}`, { bucket, key, versionId: out.VersionId, sha: digest(body) });
  return out.VersionId;
}

/** The workload: a few MB written, most of it then deleted or overwritten. */
async function writeWorkload(s3: S3Client): Promise<Expected> {
  const expected: Expected = { present: new Map(), absent: [] };
  await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
  for (let index = 0; index < PLAIN_OBJECTS; index++) await put(s3, expected, 'plain', `k${index}`);
  const versions: string[] = [];
  for (let index = 0; index < 3; index++) versions.push((await put(s3, expected, 'versioned', 'doc'))!);
  await put(s3, expected, 'versioned', 'marked');
  const part1 = randomBytes(PART_BYTES);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'upload' }));
  await s3.send(new UploadPartCommand({ Bucket: 'plain', Key: 'upload', UploadId, PartNumber: 1, Body: part1 }));
  expected.upload = { key: 'upload', uploadId: UploadId!, part1 };
  // Now the garbage: deletes and overwrites spread over every volume (each keeps a little live data,
  // so records must move), a version deleted by id, a delete marker.
  const kept = (index: number) => index % KEEP_ONE_IN === KEEP_ONE_IN - 1;
  for (let index = 0; index < PLAIN_OBJECTS; index++) {
    if (kept(index)) continue;
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: `k${index}` }));
    expected.present.delete(`plain/k${index}/`);
    expected.absent.push({ bucket: 'plain', key: `k${index}` });
  }
  for (let index = 0; index < PLAIN_OBJECTS; index += 2 * KEEP_ONE_IN) await put(s3, expected, 'plain', `k${index + KEEP_ONE_IN - 1}`, 1000 + index);
  await s3.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'doc', VersionId: versions[1] }));
  expected.present.delete(`versioned/doc/${versions[1]}`);
  expected.absent.push({ bucket: 'versioned', key: 'doc', versionId: versions[1] });
  await s3.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'marked' }));
  expected.absent.push({ bucket: 'versioned', key: 'marked' });
  return expected;
}

async function verify(server: RunningServer, expected: Expected, when: string): Promise<void> {
  const s3 = sdkClient(server);
  try {
    for (const { bucket, key, versionId, sha } of expected.present.values()) {
      // The latest version of `marked` sits under a delete marker: read it by id.
      assert.equal(await readSha(s3, bucket, key, versionId), sha, `${when}: ${bucket}/${key} ${versionId ?? ''} must read back byte-identical`);
    }
    for (const { bucket, key, versionId } of expected.absent) {
      assert.equal(await readSha(s3, bucket, key, versionId), undefined, `${when}: ${bucket}/${key} ${versionId ?? ''} must stay deleted`);
    }
  } finally {
    s3.destroy();
  }
}

/** Completes the upload whose first part was written before compaction: the part must still be whole. */
async function completeUpload(server: RunningServer, expected: Expected): Promise<void> {
  const s3 = sdkClient(server);
  const { key, uploadId, part1 } = expected.upload!;
  const part2 = randomBytes(123 * KIB);
  const firstETag = `"${createHash('md5').update(part1).digest('hex')}"`;
  const second = await s3.send(new UploadPartCommand({ Bucket: 'plain', Key: key, UploadId: uploadId, PartNumber: 2, Body: part2 }));
  await s3.send(new CompleteMultipartUploadCommand({
    Bucket: 'plain', Key: key, UploadId: uploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: firstETag }, { PartNumber: 2, ETag: second.ETag }] },
  }));
  s3.destroy();
  expected.present.set(`plain/${key}/`, { bucket: 'plain', key, sha: digest(Buffer.concat([part1, part2])) });
  delete expected.upload;
}

async function rebuildIndex(server: RunningServer, dataDirectory: string, extraArgs: string[]): Promise<RunningServer> {
  await server.stop();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDirectory, `index.db${suffix}`), { force: true });
  const drives = extraArgs.filter((arg) => arg.includes('/d'));
  const rebuilt = await runCommand(process.execPath, [CAIRN_BIN, 'admin', 'rebuild-index', '--data', dataDirectory, ...drives], { timeoutMs: REBUILD_TIMEOUT_MS });
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  return startServer({ dataDirectory, extraArgs });
}

for (const layout of ['a standalone drive', 'a 4-drive erasure set'] as const) {
  describe(`compaction on ${layout}`, () => {
    let root: string;
    let dataDirectory: string;
    let drives: string[];
    let extraArgs: string[];
    let server: RunningServer;
    let expected: Expected;

    before(async () => {
      root = temporaryDirectory('compaction');
      dataDirectory = join(root, 'data');
      drives = layout === 'a standalone drive' ? [join(dataDirectory, 'drive')] : drivePathsUnder(root, 4);
      extraArgs = [...COMPACTION_ARGS, ...(drives.length > 1 ? drives : [])];
      server = await startServer({ dataDirectory, extraArgs });
      const s3 = sdkClient(server);
      expected = await writeWorkload(s3);
      s3.destroy();
    });

    after(async () => {
      await server?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('moves referenced records out of sparse volumes, deletes the volumes, and every object reads back', async () => {
      const bytesBefore = drives.reduce((sum, drive) => sum + volumeBytes(drive), 0);
      const first = await runCompactionPass(server);
      assert.ok(first.volumesCompacted >= 1, `a pass empties sparse volumes: ${JSON.stringify(first)}`);
      assert.ok(first.recordsMoved >= 1, `referenced records are moved: ${JSON.stringify(first)}`);
      assert.equal(first.recordsDamaged, 0);
      await verify(server, expected, 'after moving records');
      const second = await runCompactionPass(server);
      assert.equal(second.volumesDeleted, first.volumesCompacted, `the emptied volumes are deleted once their grace period is over: ${JSON.stringify(second)}`);
      const bytesAfter = drives.reduce((sum, drive) => sum + volumeBytes(drive), 0);
      assert.ok(bytesAfter < bytesBefore * 0.75, `space is reclaimed: ${bytesBefore} → ${bytesAfter} bytes`);
      await verify(server, expected, 'after deleting volumes');
      await completeUpload(server, expected);
      await verify(server, expected, 'after completing the upload begun before compaction');
    });

    it('keeps every object across a restart and an index rebuilt from the drives', async () => {
      await server.stop();
      server = await startServer({ dataDirectory, extraArgs });
      await verify(server, expected, 'after a restart');
      server = await rebuildIndex(server, dataDirectory, extraArgs);
      await verify(server, expected, 'after rebuild-index');
    });

    it('keeps an upload in progress whose part was moved', async () => {
      // The upload's last part (it may be small) goes between objects that are then deleted, so its
      // volume is mostly garbage and the part's records must move; part 1 comes after compaction.
      const s3 = sdkClient(server);
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'upload' }));
      const lastPart = randomBytes(OBJECT_BYTES);
      const fillers = 6;
      for (let index = 0; index < fillers; index++) {
        await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: `filler${index}`, Body: randomBytes(OBJECT_BYTES) }));
        if (index === fillers / 2) await s3.send(new UploadPartCommand({ Bucket: 'plain', Key: 'upload', UploadId, PartNumber: 2, Body: lastPart }));
      }
      for (let index = 0; index < fillers; index++) await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: `filler${index}` }));
      // Roll every worker's volumes over (2 MiB each, per drive), so the ones holding the part are sealed.
      for (let index = 0; index < ROLLOVER_WRITES; index++) await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'roll', Body: randomBytes(ROLLOVER_WRITE_BYTES) }));
      const pass = await runCompactionPass(server);
      assert.ok(pass.recordsMoved >= 1, `records were moved: ${JSON.stringify(pass)}`);
      await runCompactionPass(server);
      const firstPart = randomBytes(PART_BYTES);
      const first = await s3.send(new UploadPartCommand({ Bucket: 'plain', Key: 'upload', UploadId, PartNumber: 1, Body: firstPart }));
      const second = `"${createHash('md5').update(lastPart).digest('hex')}"`;
      await s3.send(new CompleteMultipartUploadCommand({
        Bucket: 'plain', Key: 'upload', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second }] },
      }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'upload' }));
      assert.equal(digest(Buffer.from(await got.Body!.transformToByteArray())), digest(Buffer.concat([firstPart, lastPart])));
      s3.destroy();
      expected.present.set('plain/upload/', { bucket: 'plain', key: 'upload', sha: digest(Buffer.concat([firstPart, lastPart])) });
      await verify(server, expected, 'after completing an upload whose part was moved');
    });

    if (layout === 'a 4-drive erasure set') {
      it('moved shards are good shards: every object reads back with two of the four drives failed', async () => {
        const faults = [await injectFault(server, { drive: 1, action: 'fail', durationSeconds: 60 }), await injectFault(server, { drive: 2, action: 'fail', durationSeconds: 60 })];
        try {
          await verify(server, { present: expected.present, absent: [] }, 'with drives 1 and 2 failed');
        } finally {
          for (const id of faults) await stopFault(server, id);
        }
      });
    }
  });
}
