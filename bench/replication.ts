// Replication objects per second to a second Cairn server: N small objects are written while the
// destination is stopped (so N changes queue up in the source's index), the destination is started
// again on the same port, and the queue's drain is timed (polled from the admin API).
// Usage: npm run build && node dist/bench/replication.js [--objects N] [--size BYTES]
import { CreateBucketCommand, PutBucketReplicationCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { IamClient } from '../src/cli/admin/iam-client.js';
import { sdkClient } from '../test/helpers/clients.js';
import { startServer, TEST_ACCESS_KEY, TEST_SECRET_KEY } from '../test/helpers/server.js';

const PUT_CONCURRENCY = 16;
const DRAIN_TIMEOUT_MS = 600_000;

async function versioned(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { objects: { type: 'string', default: '2000' }, size: { type: 'string', default: '1024' } } });
  const objects = Number(values.objects);
  const body = Buffer.alloc(Number(values.size), 1);
  let destination = await startServer();
  const source = await startServer();
  try {
    const [a, b] = [sdkClient(source), sdkClient(destination)];
    await versioned(a, 'bench-source');
    await versioned(b, 'bench-copy');
    const admin = new IamClient(source.endpoint, { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY });
    await admin.json('POST', '/targets', { name: 'bench-site', type: 's3', settings: { url: destination.endpoint, accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY } });
    await a.send(new PutBucketReplicationCommand({
      Bucket: 'bench-source',
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::000000000000:role/bench-site',
        Rules: [{ ID: 'all', Priority: 1, Status: 'Enabled', Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: 'arn:aws:s3:::bench-copy' } }],
      },
    }));
    b.destroy();
    await destination.stop();
    let next = 0;
    await Promise.all(Array.from({ length: PUT_CONCURRENCY }, async () => {
      while (next < objects) {
        const key = `o/${next++}`;
        await a.send(new PutObjectCommand({ Bucket: 'bench-source', Key: key, Body: body }));
      }
    }));
    destination = await startServer({ dataDirectory: destination.dataDirectory, address: `127.0.0.1:${destination.port}` });
    const startedMs = Date.now();
    for (;;) {
      const state = await admin.json<{ queues: Array<{ pending: number }> }>('GET', '/replication');
      if (state.queues.every((queue) => queue.pending === 0)) break;
      if (Date.now() - startedMs > DRAIN_TIMEOUT_MS) throw new Error('the replication queue did not drain in time');
      await sleep(50);
    }
    const seconds = (Date.now() - startedMs) / 1000;
    console.log(`replication: ${objects} objects of ${body.length} bytes replicated in ${seconds.toFixed(1)} s: ${(objects / seconds).toFixed(0)} objects/s`);
    a.destroy();
  } finally {
    await Promise.all([source.dispose(), destination.dispose()]);
  }
}

await main();
