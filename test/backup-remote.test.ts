// AWS Backup copies to a vault on a second Cairn server ("cross-region copy"), through
// @aws-sdk/client-backup (default settings) on two real servers, the copy's bytes passing through a
// proxy the test controls: the copied recovery point records the source bucket's ARN and the source
// vault (ListRecoveryPointsByResource there finds it), a restore there to a new bucket is
// byte-identical, and a transfer the proxy corrupts is a FAILED copy job that leaves nothing on the
// remote — no recovery point, no staging bucket.
import {
  type BackupClient, CreateBackupVaultCommand, DescribeBackupJobCommand, DescribeCopyJobCommand, DescribeRecoveryPointCommand, DescribeRestoreJobCommand,
  ListRecoveryPointsByBackupVaultCommand, ListRecoveryPointsByResourceCommand, StartBackupJobCommand, StartCopyJobCommand, StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BACKUP_ACCOUNT, BACKUP_ROLE, backupClient, until, versionedBucket } from './helpers/backup.js';
import { sdkClient } from './helpers/clients.js';
import { startServer, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';

const REMOTE_REGION = 'eu-west-1';
const OFFSITE_ARN = `arn:aws:backup:${REMOTE_REGION}:${BACKUP_ACCOUNT}:backup-vault:Offsite`;
/** What the corrupting proxy looks for in a copy's PUT body, and flips one byte of. */
const MARKER = Buffer.from('zzzzzzzz');

interface Proxy {
  url: string;
  corrupt: boolean;
  corrupted: number;
  close(): Promise<void>;
}

/** A proxy to `target` that, while `corrupt` is set, flips one byte of the first PUT body into a copy's staging bucket that holds MARKER. */
async function startProxy(target: string): Promise<Proxy> {
  const upstream = new URL(target);
  const proxy: Proxy = { url: '', corrupt: false, corrupted: 0, close: async () => undefined };
  const server: Server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const at = body.indexOf(MARKER);
      if (proxy.corrupt && incoming.method === 'PUT' && incoming.url!.startsWith('/cairn-copy-') && at >= 0) {
        body[at + MARKER.length - 1] = 'y'.charCodeAt(0);
        proxy.corrupted += 1;
      }
      const forwarded = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (reply) => {
        answer.writeHead(reply.statusCode!, reply.headers);
        reply.pipe(answer);
      });
      forwarded.on('error', () => answer.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${address.port}`;
  proxy.close = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

async function bytesOf(s3: S3Client, bucket: string): Promise<Record<string, Buffer>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const result: Record<string, Buffer> = {};
  for (const { Key } of listed.Contents ?? []) result[Key!] = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray());
  return result;
}

async function copyJobEnd(backup: BackupClient, copyJobId: string) {
  return until('copy job ended', async () => {
    const { CopyJob } = await backup.send(new DescribeCopyJobCommand({ CopyJobId: copyJobId }));
    return ['COMPLETED', 'FAILED'].includes(CopyJob!.State!) ? CopyJob : undefined;
  });
}

describe('AWS Backup copies to another Cairn server', () => {
  let source: RunningServer;
  let remote: RunningServer;
  let proxy: Proxy;
  let s3: S3Client;
  let backup: BackupClient;
  let remoteS3: S3Client;
  let remoteBackup: BackupClient;
  let recoveryPointArn: string;
  const original: Record<string, Buffer> = {
    'site/a.txt': Buffer.from('offsite a'), 'site/big.bin': Buffer.concat([randomBytes(150_000), MARKER, randomBytes(50_000)]), 'top.txt': Buffer.from('top'),
  };

  before(async () => {
    [source, remote] = await Promise.all([startServer(), startServer({ extraArgs: ['--region', REMOTE_REGION] })]);
    s3 = sdkClient(source);
    backup = backupClient(source);
    remoteS3 = sdkClient(remote, { region: REMOTE_REGION });
    remoteBackup = backupClient(remote, REMOTE_REGION);
    proxy = await startProxy(remote.endpoint);
    await mkdir(join(source.dataDirectory, 'backup'), { recursive: true });
    await writeFile(join(source.dataDirectory, 'backup', 'remotes.json'), JSON.stringify({
      [REMOTE_REGION]: { endpoint: proxy.url, accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    }));
    await remoteBackup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Offsite' }));
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'Gold' }));
    await versionedBucket(s3, 'offsite-source', original);
    const started = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Gold', ResourceArn: 'arn:aws:s3:::offsite-source', IamRoleArn: BACKUP_ROLE }));
    await until('backup completed', async () => {
      const job = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
      return job.State === 'COMPLETED' ? job : undefined;
    });
    recoveryPointArn = started.RecoveryPointArn!;
  });

  after(async () => {
    await proxy?.close();
    await Promise.all([source?.dispose(), remote?.dispose()]);
  });

  const startCopy = async () => (await backup.send(new StartCopyJobCommand({
    RecoveryPointArn: recoveryPointArn, SourceBackupVaultName: 'Gold', DestinationBackupVaultArn: OFFSITE_ARN, IamRoleArn: BACKUP_ROLE,
  }))).CopyJobId!;
  const stagingBuckets = async () => ((await remoteS3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name!).filter((name) => name.startsWith('cairn-copy-'));

  it('a transfer corrupted on the way is a FAILED copy job, and leaves nothing on the remote', async (t) => {
    proxy.corrupt = true;
    try {
      const copy = await copyJobEnd(backup, await startCopy());
      assert.equal(copy!.State, 'FAILED');
      assert.ok(copy!.StatusMessage !== undefined && copy!.StatusMessage.length > 0);
      t.diagnostic(`copy job: ${copy!.StatusMessage}`);
      assert.equal(copy!.DestinationRecoveryPointArn, undefined);
    } finally {
      proxy.corrupt = false;
    }
    assert.ok(proxy.corrupted >= 1, 'the proxy corrupted a PUT');
    assert.deepEqual((await remoteBackup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Offsite' }))).RecoveryPoints, []);
    assert.deepEqual((await remoteBackup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::offsite-source' }))).RecoveryPoints, []);
    assert.deepEqual(await stagingBuckets(), []);
  });

  it('the copy records the source bucket and vault; a restore there to a new bucket is byte-identical', async () => {
    const copy = await copyJobEnd(backup, await startCopy());
    assert.equal(copy!.State, 'COMPLETED', copy!.StatusMessage);
    const copied = copy!.DestinationRecoveryPointArn!;
    assert.ok(copied.startsWith(`arn:aws:backup:${REMOTE_REGION}:${BACKUP_ACCOUNT}:recovery-point:`));
    const point = await remoteBackup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'Offsite', RecoveryPointArn: copied }));
    assert.equal(point.ResourceArn, 'arn:aws:s3:::offsite-source');
    assert.equal(point.ResourceName, 'offsite-source');
    assert.equal(point.SourceBackupVaultArn, `arn:aws:backup:${TEST_REGION}:${BACKUP_ACCOUNT}:backup-vault:Gold`);
    assert.equal(point.BackupSizeInBytes, Object.values(original).reduce((sum, body) => sum + body.length, 0));
    const byResource = (await remoteBackup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::offsite-source' }))).RecoveryPoints!;
    assert.deepEqual(byResource.map((entry) => [entry.RecoveryPointArn, entry.BackupVaultName]), [[copied, 'Offsite']]);
    assert.deepEqual(await stagingBuckets(), []);
    const { RestoreJobId } = await remoteBackup.send(new StartRestoreJobCommand({
      RecoveryPointArn: copied, IamRoleArn: BACKUP_ROLE, Metadata: { DestinationBucketName: 'offsite-restored', NewBucket: 'true' },
    }));
    const restored = await until('restore ended', async () => {
      const job = await remoteBackup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
      return ['COMPLETED', 'FAILED'].includes(job.Status!) ? job : undefined;
    });
    assert.equal(restored.Status, 'COMPLETED', restored.StatusMessage);
    const got = await bytesOf(remoteS3, 'offsite-restored');
    assert.deepEqual(Object.keys(got).sort(), Object.keys(original).sort());
    for (const [key, body] of Object.entries(original)) assert.ok(got[key]!.equals(body), `${key} is byte-identical`);
  });
});
