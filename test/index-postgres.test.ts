// The PostgreSQL index engine's own behaviour, through real servers on the local PostgreSQL (each
// test makes and drops its databases): keys in byte order whatever the database's collation, the
// migrations of servers starting at once, a database that goes away (503 SlowDown, nothing written,
// then recovery by itself), two servers sharing one database and one data directory (a conditional
// write raced through both, the background lease and its takeover).
import {
  CreateBucketCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ServiceException,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { choosePort } from '../src/cli/listen-address.js';
import { POSTGRES_MIGRATIONS } from '../src/index/postgres/schema.js';
import { sdkClient } from './helpers/clients.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const POSTGRES_PORT = 5432;
/** A failing request is answered within this long: fast failure, never a hung request. */
const OUTAGE_ANSWER_MS_MAX = 10_000;
const RECOVERY_WAIT_MS_MAX = 20_000;
/** A standby server takes the background lease over within this long of the holder's death. */
const LEASE_TAKEOVER_MS_MAX = 15_000;

function utf8Sorted(keys: string[]): string[] {
  return [...keys].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
}

/** A TCP relay to PostgreSQL that a test can cut (every connection closed, new ones refused) and restore. */
class CuttableRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(POSTGRES_PORT, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    // Below the ephemeral range: no outgoing connection takes the port while the relay is cut.
    if (this.port === 0) this.port = await choosePort('127.0.0.1');
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  /** The database "goes away": established connections reset, new ones refused. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.resetAndDestroy();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.port = String(this.port);
    return url.toString();
  }
}

async function schemaVersions(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => row.version);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL index', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function serverOn(url: string, dataDirectory?: string): Promise<{ server: RunningServer; s3: S3Client }> {
    const server = await startServer({ dataDirectory, extraArgs: ['--index', url, '--workers', '1'] });
    const s3 = sdkClient(server);
    cleanups.push(async () => {
      if (process.env['DEBUG_PG'] !== undefined) process.stderr.write(server.stderr());
      s3.destroy();
      await server.kill();
    });
    return { server, s3 };
  }

  async function database(options: { icuLocale?: 'en-US' } = {}): Promise<string> {
    const url = await createTestDatabase(options);
    cleanups.push(() => dropTestDatabase(url));
    return url;
  }

  it('lists keys in UTF-8 byte order in a database whose own collation is en-US', async () => {
    const { s3 } = await serverOn(await database({ icuLocale: 'en-US' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'order' }));
    const keys = ['a', 'B', 'b', 'Z', 'é', 'e', 'emoji-😀', 'private-use-\uE000', 'a/b', 'a-b', 'A'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'order', Key: key, Body: key }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'order' }));
    assert.deepEqual(listed.Contents!.map((entry) => entry.Key), utf8Sorted(keys));
    // Paging resumes in byte order too: two keys a page.
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'order', MaxKeys: 2, ContinuationToken: token }));
      paged.push(...page.Contents!.map((entry) => entry.Key!));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    assert.deepEqual(paged, utf8Sorted(keys));
  });

  it('migrates once when two servers start on an empty database at the same time', async () => {
    const url = await database();
    const [first, second] = await Promise.all([serverOn(url), serverOn(url)]);
    assert.deepEqual(await schemaVersions(url), [...POSTGRES_MIGRATIONS.keys()], 'each migration applied once');
    await first.s3.send(new CreateBucketCommand({ Bucket: 'migrated' }));
    await second.s3.send(new HeadBucketCommand({ Bucket: 'migrated' }));
  });

  it('answers 503 SlowDown while the database is away, writes nothing, and recovers by itself', async () => {
    const url = await database();
    const relay = new CuttableRelay();
    await relay.open();
    const { server, s3 } = await serverOn(relay.urlFor(url));
    await s3.send(new CreateBucketCommand({ Bucket: 'outage' }));
    await s3.send(new PutObjectCommand({ Bucket: 'outage', Key: 'before', Body: 'kept' }));
    await relay.cut();
    // One attempt each: the bound below measures the server's own quick failure, not the SDK's backoff between retries.
    const singleAttempt = sdkClient(server, { maxAttempts: 1 });
    const started = Date.now();
    const failedPut = await singleAttempt.send(new PutObjectCommand({ Bucket: 'outage', Key: 'during', Body: 'lost' })).then(() => undefined, (error: S3ServiceException) => error);
    assert.equal(failedPut?.name, 'SlowDown');
    assert.equal(failedPut?.$metadata.httpStatusCode, 503);
    const failedGet = await singleAttempt.send(new GetObjectCommand({ Bucket: 'outage', Key: 'before' })).then(() => undefined, (error: S3ServiceException) => error);
    assert.equal(failedGet?.$metadata.httpStatusCode, 503);
    assert.ok(Date.now() - started < OUTAGE_ANSWER_MS_MAX, `answered in ${Date.now() - started} ms`);
    singleAttempt.destroy();
    assert.equal(server.process.exitCode, null, 'the server keeps running');
    await relay.open();
    const deadline = Date.now() + RECOVERY_WAIT_MS_MAX;
    let body: string | undefined;
    while (body === undefined && Date.now() < deadline) {
      body = await s3.send(new GetObjectCommand({ Bucket: 'outage', Key: 'before' })).then((answer) => answer.Body!.transformToString(), () => undefined);
    }
    assert.equal(body, 'kept');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'outage' }));
    assert.deepEqual(listed.Contents!.map((entry) => entry.Key), ['before'], 'the PUT answered 503 wrote nothing');
    await relay.cut();
  });

  it('serves one bucket from two servers sharing the database and the data directory', async () => {
    const url = await database();
    const dataDirectory = temporaryDirectory('pg-shared');
    cleanups.push(async () => rmSync(dataDirectory, { recursive: true, force: true }));
    const first = await serverOn(url, dataDirectory);
    const second = await serverOn(url, dataDirectory);
    await first.s3.send(new CreateBucketCommand({ Bucket: 'shared' }));
    await first.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'from-first', Body: 'one' }));
    await second.s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'from-second', Body: 'two' }));
    assert.equal(await (await second.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'from-first' }))).Body!.transformToString(), 'one');
    assert.equal(await (await first.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'from-second' }))).Body!.transformToString(), 'two');
    // A conditional write is decided in its transaction: of racing creates through both servers, one wins.
    const racers = Array.from({ length: 8 }, (_, position) => (position % 2 === 0 ? first : second).s3
      .send(new PutObjectCommand({ Bucket: 'shared', Key: 'raced', Body: `racer ${position}`, IfNoneMatch: '*' }))
      .then(() => 200, (error: S3ServiceException) => error.$metadata.httpStatusCode));
    const statuses = await Promise.all(racers);
    assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses ${statuses.join(',')}`);
    assert.ok(statuses.every((status) => status === 200 || status === 412 || status === 409), `statuses ${statuses.join(',')}`);
    // Only one of them runs the singleton background jobs; when it goes, the other takes over.
    const holds = (server: RunningServer) => /this process \(\d+\) holds the lease/.test(server.stderr());
    const holders = [first.server, second.server].filter(holds);
    assert.equal(holders.length, 1);
    // S3 Metadata's exporter is one of those jobs: it runs with the lease, not on every server.
    const exports = (server: RunningServer) => /background services run in process \d+: .*S3 Metadata export/.test(server.stderr());
    assert.deepEqual([first.server, second.server].map(exports), [first.server, second.server].map(holds), 'the exporter runs where the lease is held');
    const [holder, standby] = holds(first.server) ? [first.server, second.server] : [second.server, first.server];
    await holder.kill();
    const deadline = Date.now() + LEASE_TAKEOVER_MS_MAX;
    // The lease line and the background-services line are two writes to stderr: wait for both.
    while (!(holds(standby) && exports(standby)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(holds(standby), 'the standby took the lease over');
    assert.ok(exports(standby), 'and runs the exporter');
  });
});
