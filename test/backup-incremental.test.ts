// Incremental recovery points: the first point of a bucket writes a row per object, the next one only
// the rows of the keys that changed since (an overwrite, a delete marker, a new key, and a permanent
// delete of a current version that makes an older one current again), read from the point's
// internal record. Each point restores byte-identical to its time, also after the point before it
// is deleted, after its own copy to another vault outlives it, and after the head of the chain is
// deleted and a later point is taken on the rewound chain.
import {
  BackupClient, CreateBackupVaultCommand, DeleteRecoveryPointCommand, DescribeBackupJobCommand, DescribeCopyJobCommand, DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand, StartBackupJobCommand, StartCopyJobCommand, StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKUP_ACCOUNT, BACKUP_ROLE, until } from './helpers/backup.js';
import { sdkClient } from './helpers/clients.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const OBJECTS = 2000;
const CONCURRENCY = 16;
const sha = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
const bodyOf = (key: string, generation: number): string => `${key} generation ${generation} `.repeat(1 + (key.length % 7));

type Contents = Map<string, string>;

async function inParallel<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function put(s3: S3Client, bucket: string, expected: Contents, key: string, body: string): Promise<string> {
  const { VersionId } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  expected.set(key, sha(body));
  return VersionId!;
}

/** Every object of `bucket`, key → SHA-256 of its bytes. */
async function contentsOf(s3: S3Client, bucket: string): Promise<Contents> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken !== undefined);
  const contents: Contents = new Map();
  await inParallel(keys, async (key) => contents.set(key, sha(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray())));
  return new Map([...contents].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const sorted = (contents: Contents): Contents => new Map([...contents].sort(([a], [b]) => (a < b ? -1 : 1)));

describe('AWS Backup incremental recovery points', () => {
  let server: RunningServer;
  let s3: S3Client;
  let backup: BackupClient;
  let restores = 0;

  before(async () => {
    server = await startServer();
    s3 = sdkClient(server);
    backup = new BackupClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Chain' }));
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'ChainCopies' }));
  });

  after(async () => {
    await server?.stop();
  });

  async function versionedBucket(name: string): Promise<void> {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  }

  /** Takes a recovery point of `bucket` in vault Chain; its id and the rows it wrote (its internal record). */
  async function takePoint(bucket: string): Promise<{ arn: string; id: string; rowsWritten: number }> {
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Chain', ResourceArn: `arn:aws:s3:::${bucket}`, IamRoleArn: BACKUP_ROLE }));
    const job = await until('backup job', async () => {
      const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
      return ['COMPLETED', 'FAILED'].includes(described.State!) ? described : undefined;
    });
    assert.equal(job.State, 'COMPLETED', job.StatusMessage);
    const id = started.RecoveryPointArn!.split(':').at(-1)!;
    return { arn: started.RecoveryPointArn!, id, rowsWritten: await rowsWrittenBy(id) };
  }

  async function rowsWrittenBy(id: string): Promise<number> {
    const record = JSON.parse(await readFile(join(server.dataDirectory, 'backup', 'recovery-points', `${id}.json`), 'utf8')) as { rowsWritten: number };
    return record.rowsWritten;
  }

  /** Restores a recovery point into a new bucket and answers that bucket's contents. */
  async function restored(recoveryPointArn: string): Promise<Contents> {
    const destination = `restored-${++restores}`;
    const { RestoreJobId } = await backup.send(new StartRestoreJobCommand({ RecoveryPointArn: recoveryPointArn, Metadata: { DestinationBucketName: destination, NewBucket: 'true' } }));
    const job = await until('restore job', async () => {
      const described = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
      return ['COMPLETED', 'FAILED'].includes(described.Status!) ? described : undefined;
    }, 120_000);
    assert.equal(job.Status, 'COMPLETED', job.StatusMessage);
    return contentsOf(s3, destination);
  }

  it('writes only the changed rows for a later point, and each point restores to its time', async () => {
    await versionedBucket('chained');
    const expected: Contents = new Map();
    const keys = Array.from({ length: OBJECTS }, (_, index) => `object-${String(index).padStart(5, '0')}`);
    await inParallel(keys, (key) => put(s3, 'chained', expected, key, bodyOf(key, 1)));
    // object-00003 has an older version, made current again below by a permanent delete of its newest.
    const promotedBody = bodyOf('object-00003', 2);
    const newest = await put(s3, 'chained', expected, 'object-00003', promotedBody);
    const first = await takePoint('chained');
    assert.equal(first.rowsWritten, OBJECTS);
    const atFirst = sorted(new Map(expected));

    await put(s3, 'chained', expected, 'object-00001', 'overwritten');
    await s3.send(new DeleteObjectCommand({ Bucket: 'chained', Key: 'object-00002' }));
    expected.delete('object-00002');
    await put(s3, 'chained', expected, 'added', 'a new key');
    await s3.send(new DeleteObjectCommand({ Bucket: 'chained', Key: 'object-00003', VersionId: newest }));
    expected.set('object-00003', sha(bodyOf('object-00003', 1)));
    const second = await takePoint('chained');
    // Overwrite: one row closed, one opened; delete: one closed; add: one opened; the promoted older version: one closed, one opened.
    assert.equal(second.rowsWritten, 6);
    const atSecond = sorted(new Map(expected));
    const described = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Chain', RecoveryPointArn: second.arn }));
    const bytesAtSecond = [...expected.keys()].reduce((sum, key) => sum + (key === 'object-00001' ? 11 : key === 'added' ? 9 : bodyOf(key, 1).length), 0);
    assert.equal(described.BackupSizeInBytes, bytesAtSecond);

    // Tags changed in place are a change too: the row with the old tags stays for the second point.
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'chained', Key: 'object-00004', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    const third = await takePoint('chained');
    assert.equal(third.rowsWritten, 2);

    assert.deepEqual(await restored(first.arn), atFirst);
    assert.deepEqual(await restored(second.arn), atSecond);
    // The first point goes; the second (and its rows of keys unchanged since the first) stays whole.
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'Chain', RecoveryPointArn: first.arn }));
    assert.deepEqual(await restored(second.arn), atSecond);
  });

  it('keeps a copy in another vault after its source goes, and rewinds the chain when its latest point goes', async () => {
    await versionedBucket('rewound');
    const expected: Contents = new Map();
    for (let index = 0; index < 20; index++) await put(s3, 'rewound', expected, `key-${index}`, bodyOf(`key-${index}`, 1));
    const first = await takePoint('rewound');
    assert.equal(first.rowsWritten, 20);
    await put(s3, 'rewound', expected, 'key-1', 'second generation');
    const second = await takePoint('rewound');
    const atSecond = sorted(new Map(expected));
    const { CopyJobId } = await backup.send(new StartCopyJobCommand({
      RecoveryPointArn: second.arn, SourceBackupVaultName: 'Chain', IamRoleArn: BACKUP_ROLE,
      DestinationBackupVaultArn: `arn:aws:backup:${TEST_REGION}:${BACKUP_ACCOUNT}:backup-vault:ChainCopies`,
    }));
    const copied = await until('copy job', async () => {
      const job = await backup.send(new DescribeCopyJobCommand({ CopyJobId }));
      return ['COMPLETED', 'FAILED'].includes(job.CopyJob!.State!) ? job.CopyJob! : undefined;
    });
    assert.equal(copied.State, 'COMPLETED', copied.StatusMessage);
    assert.equal(await rowsWrittenBy(copied.DestinationRecoveryPointArn!.split(':').at(-1)!), 0);
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'Chain', RecoveryPointArn: second.arn }));
    assert.deepEqual(await restored(copied.DestinationRecoveryPointArn!), atSecond);

    // A third point, then its deletion: the chain's head goes back to the second point (held by the copy).
    await put(s3, 'rewound', expected, 'key-2', 'third generation');
    await s3.send(new DeleteObjectCommand({ Bucket: 'rewound', Key: 'key-3' }));
    expected.delete('key-3');
    const third = await takePoint('rewound');
    assert.equal(third.rowsWritten, 3);
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'Chain', RecoveryPointArn: third.arn }));
    await put(s3, 'rewound', expected, 'key-4', 'fourth generation');
    const fourth = await takePoint('rewound');
    // key-2, key-3 (differing from the head again) and key-4.
    assert.equal(fourth.rowsWritten, 5);
    assert.deepEqual(await restored(fourth.arn), sorted(new Map(expected)));
    assert.deepEqual(await restored(copied.DestinationRecoveryPointArn!), atSecond);
    assert.deepEqual(await restored(first.arn), sorted(new Map([...atSecond].map(([key, digest]) => [key, key === 'key-1' ? sha(bodyOf('key-1', 1)) : digest]))));
  });
});
