// S3 Tables maintenance over a real server, with a short maintenance hour (50 ms: a day is 1.2 s) and
// a small "MB" (1 KiB), driven by @aws-sdk/client-s3tables and an engine's appends through the
// Iceberg REST catalog: the configuration operations (AWS's defaults, round trips, bad input refused
// with nothing changed), compaction of 200 small appends into few files near the target with the
// same rows, a writer racing compaction (the writer wins; compaction retries, gives up, then lands),
// and snapshot expiry with unreferenced file removal (expired and orphan files gone, referenced stay).
import {
  CreateTableBucketCommand, GetTableBucketMaintenanceConfigurationCommand, GetTableMaintenanceConfigurationCommand, GetTableMaintenanceJobStatusCommand,
  PutTableBucketMaintenanceConfigurationCommand, PutTableMaintenanceConfigurationCommand, S3TablesClient, S3TablesServiceException,
} from '@aws-sdk/client-s3tables';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IcebergError, IcebergRestCatalog } from 'iceberg-js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from './helpers/clients.js';
import { appendCommit, currentDataFiles, parseLocation, readRows, TEST_SCHEMA, type Row, type TableState } from './helpers/iceberg-writer.js';
import { TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const ACCOUNT = '000000000000';
const BUCKET = 'lake';
const BUCKET_ARN = `arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/${BUCKET}`;
const ROOT_KEYS = { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY };
const KIB = 1024;
const TARGET_MB = 64;
const TARGET_BYTES = TARGET_MB * KIB;
const COMMIT_DELAY_MS = 1000;
const APPENDS = 200;
const ROWS_PER_APPEND = 25;
const WAIT_MS_MAX = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const byId = (a: Row, b: Row): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3TablesServiceException, `not an S3 Tables error: ${String(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS_MAX;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('S3 Tables maintenance', () => {
  let server: RunningServer;
  let s3: S3Client;
  let tables: S3TablesClient;
  let catalog: IcebergRestCatalog;
  let nextId = 1n;
  let nextSnapshotId = 1;
  const written = new Map<string, Row[]>();

  const tableState = async (name: string): Promise<TableState> => (await catalog.loadTable({ namespace: ['ops'], name })) as unknown as TableState;
  const names = (name: string) => ({ tableBucketARN: BUCKET_ARN, namespace: 'ops', name });
  const setTable = (name: string, type: 'icebergCompaction' | 'icebergSnapshotManagement', status: 'enabled' | 'disabled', settings?: object) =>
    tables.send(new PutTableMaintenanceConfigurationCommand({ ...names(name), type, value: { status, ...(settings === undefined ? {} : { settings: { [type]: settings } as never }) } }));
  const setBucket = (status: 'enabled' | 'disabled', settings?: object) => tables.send(new PutTableBucketMaintenanceConfigurationCommand({
    tableBucketARN: BUCKET_ARN, type: 'icebergUnreferencedFileRemoval', value: { status, ...(settings === undefined ? {} : { settings: { icebergUnreferencedFileRemoval: settings } }) },
  }));
  const jobStatus = async (name: string) => (await tables.send(new GetTableMaintenanceJobStatusCommand(names(name)))).status!;

  /** One engine append, retried from a fresh load when another commit won (as engines do). */
  async function append(name: string, count: number): Promise<void> {
    const rows = Array.from({ length: count }, () => ({ id: nextId++, name: randomUUID() }));
    for (;;) {
      const commit = await appendCommit(s3, await tableState(name), rows, nextSnapshotId++);
      try {
        await catalog.commitTable({ namespace: ['ops'], name }, commit as never);
        break;
      } catch (error) {
        if (!(error instanceof IcebergError) || error.status !== 409) throw error;
      }
    }
    written.set(name, [...(written.get(name) ?? []), ...rows]);
  }

  async function createQuietTable(name: string): Promise<void> {
    await catalog.createTable({ namespace: ['ops'] }, { name, schema: TEST_SCHEMA as never });
    await setTable(name, 'icebergCompaction', 'disabled');
    await setTable(name, 'icebergSnapshotManagement', 'disabled');
  }

  async function metric(line: string): Promise<number> {
    const response = await rawRequest(server, { method: 'GET', path: '/_cairn/metrics' });
    assert.equal(response.status, 200);
    const found = response.text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
    assert.ok(found !== undefined, `no metric ${line}`);
    return Number(found.slice(line.length + 1));
  }

  before(async () => {
    ({ server, s3 } = await openSuite(undefined, {
      env: {
        CAIRN_TABLES_MAINTENANCE_HOUR_SECONDS: '0.05', CAIRN_TABLES_MAINTENANCE_MB_BYTES: String(KIB),
        CAIRN_TABLES_MAINTENANCE_INTERVAL_MS: '200', CAIRN_TABLES_MAINTENANCE_COMMIT_DELAY_MS: String(COMMIT_DELAY_MS),
      },
    }));
    tables = new S3TablesClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: ROOT_KEYS });
    await tables.send(new CreateTableBucketCommand({ name: BUCKET }));
    await setBucket('disabled');
    const token = await fetch(`${server.endpoint}/_iceberg/v1/oauth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: TEST_ACCESS_KEY, client_secret: TEST_SECRET_KEY }),
    });
    catalog = new IcebergRestCatalog({ baseUrl: `${server.endpoint}/_iceberg`, warehouse: BUCKET, auth: { type: 'bearer', token: ((await token.json()) as { access_token: string }).access_token } });
    await catalog.createNamespace({ namespace: ['ops'] });
  });
  after(async () => {
    tables?.destroy();
    await closeSuite(server, s3);
  });

  it('answers AWS\'s defaults, stores a Put, and refuses bad input with nothing changed', async () => {
    await catalog.createTable({ namespace: ['ops'] }, { name: 'settings', schema: TEST_SCHEMA as never });
    const defaults = await tables.send(new GetTableMaintenanceConfigurationCommand(names('settings')));
    assert.match(defaults.tableARN!, new RegExp(`^arn:aws:s3tables:${TEST_REGION}:${ACCOUNT}:bucket/${BUCKET}/table/[0-9a-f-]{36}$`));
    assert.deepEqual(defaults.configuration, {
      icebergCompaction: { status: 'enabled', settings: { icebergCompaction: { targetFileSizeMB: 512, strategy: 'auto' } } },
      icebergSnapshotManagement: { status: 'enabled', settings: { icebergSnapshotManagement: { minSnapshotsToKeep: 1, maxSnapshotAgeHours: 120 } } },
    });
    const bucketDefaults = await tables.send(new GetTableBucketMaintenanceConfigurationCommand({ tableBucketARN: BUCKET_ARN }));
    assert.equal(bucketDefaults.tableBucketARN, BUCKET_ARN);
    assert.deepEqual(bucketDefaults.configuration, { icebergUnreferencedFileRemoval: { status: 'disabled', settings: { icebergUnreferencedFileRemoval: { unreferencedDays: 3, nonCurrentDays: 10 } } } });
    await setTable('settings', 'icebergCompaction', 'enabled', { targetFileSizeMB: 128, strategy: 'binpack' });
    const stored = { status: 'enabled', settings: { icebergCompaction: { targetFileSizeMB: 128, strategy: 'binpack' } } };
    assert.deepEqual((await tables.send(new GetTableMaintenanceConfigurationCommand(names('settings')))).configuration!['icebergCompaction'], stored);
    for (const targetFileSizeMB of [63, 513, 0]) {
      await rejectsWith(setTable('settings', 'icebergCompaction', 'enabled', { targetFileSizeMB }), 'BadRequestException', 400);
    }
    await rejectsWith(setTable('settings', 'icebergCompaction', 'enabled', { strategy: 'random' }), 'BadRequestException', 400);
    await rejectsWith(setTable('settings', 'icebergSnapshotManagement', 'enabled', { minSnapshotsToKeep: 0 }), 'BadRequestException', 400);
    await rejectsWith(setBucket('enabled', { unreferencedDays: -1 }), 'BadRequestException', 400);
    await rejectsWith(tables.send(new PutTableMaintenanceConfigurationCommand({ ...names('settings'), type: 'icebergSorting' as never, value: { status: 'enabled' } })), 'BadRequestException', 400);
    await rejectsWith(tables.send(new GetTableMaintenanceConfigurationCommand(names('missing'))), 'NotFoundException', 404);
    assert.deepEqual((await tables.send(new GetTableMaintenanceConfigurationCommand(names('settings')))).configuration!['icebergCompaction'], stored);
    assert.equal((await tables.send(new GetTableBucketMaintenanceConfigurationCommand({ tableBucketARN: BUCKET_ARN }))).configuration!['icebergUnreferencedFileRemoval']!.status, 'disabled');
    // A table with no snapshot yet: its jobs run (nothing to do) or have not yet; the bucket's job is Disabled.
    const status = await jobStatus('settings');
    assert.deepEqual(Object.keys(status).sort(), ['icebergCompaction', 'icebergSnapshotManagement', 'icebergUnreferencedFileRemoval']);
    assert.deepEqual(status['icebergUnreferencedFileRemoval'], { status: 'Disabled' });
    assert.ok(['Not_Yet_Run', 'Successful'].includes(status['icebergCompaction']!.status!));
  });

  it('compacts 200 small appends into few files near the target size, with exactly the same rows', async () => {
    await createQuietTable('events');
    for (let appended = 0; appended < APPENDS; appended++) await append('events', ROWS_PER_APPEND);
    const before = await tableState('events');
    assert.equal((await currentDataFiles(s3, before)).length, APPENDS);
    assert.deepEqual(await readRows(s3, before), written.get('events'));
    assert.deepEqual(await jobStatus('events').then((status) => status['icebergCompaction']), { status: 'Disabled' });
    await setTable('events', 'icebergCompaction', 'enabled', { targetFileSizeMB: TARGET_MB });
    const after = await waitFor('a replace snapshot', async () => {
      const state = await tableState('events');
      const current = state.snapshots.find((snapshot) => snapshot['snapshot-id'] === state['current-snapshot-id']) as unknown as { summary: Record<string, string> };
      return current.summary['operation'] === 'replace' ? state : undefined;
    });
    const files = await currentDataFiles(s3, after);
    const totalBytes = files.reduce((sum, file) => sum + file.sizeBytes, 0);
    assert.ok(files.length >= 2 && files.length <= Math.ceil(totalBytes / TARGET_BYTES) + 1, `${files.length} files of ${totalBytes} bytes`);
    for (const file of files) {
      assert.ok(file.sizeBytes <= TARGET_BYTES && file.sizeBytes >= TARGET_BYTES / 2, `a file of ${file.sizeBytes} bytes, target ${TARGET_BYTES}`);
      assert.match(file.path, /\/data\/compacted-[0-9a-f-]{36}\.parquet$/);
    }
    assert.equal(files.reduce((sum, file) => sum + file.recordCount, 0), APPENDS * ROWS_PER_APPEND);
    assert.deepEqual((await readRows(s3, after)).sort(byId), [...written.get('events')!].sort(byId));
    const status = await waitFor('a recorded run', async () => {
      const compaction = (await jobStatus('events'))['icebergCompaction']!;
      return compaction.status === 'Successful' ? compaction : undefined;
    });
    assert.ok(status.lastRunTimestamp instanceof Date && status.failureMessage === undefined);
    assert.ok(await metric('cairn_tables_maintenance_runs_total{job="icebergCompaction"}') >= 1);
  });

  it('a writer racing compaction wins: compaction retries, gives up while writes keep winning, and lands once they stop', async () => {
    await createQuietTable('racy');
    for (let appended = 0; appended < 20; appended++) await append('racy', 5);
    const conflictsBefore = await metric('cairn_tables_maintenance_conflicts_total{job="icebergCompaction"}');
    await setTable('racy', 'icebergCompaction', 'enabled', { targetFileSizeMB: TARGET_MB });
    // Writes every ~100 ms: each commit of compaction (1 s after it planned) finds the table moved.
    const failed = await waitFor('compaction giving up', async () => {
      await append('racy', 1);
      const compaction = (await jobStatus('racy'))['icebergCompaction']!;
      return compaction.status === 'Failed' ? compaction : undefined;
    });
    assert.equal(failed.failureMessage, 'Gave up after 3 attempts: a writer\'s commit won each time.');
    assert.ok(await metric('cairn_tables_maintenance_conflicts_total{job="icebergCompaction"}') >= conflictsBefore + 3);
    assert.ok(await metric('cairn_tables_maintenance_tables{job="icebergCompaction",status="Failed"}') >= 1);
    const landed = await waitFor('compaction landing', async () => {
      const state = await tableState('racy');
      const current = state.snapshots.find((snapshot) => snapshot['snapshot-id'] === state['current-snapshot-id']) as unknown as { summary: Record<string, string> };
      return current.summary['operation'] === 'replace' ? state : undefined;
    });
    // Every write landed, and compaction changed no row.
    assert.deepEqual((await readRows(s3, landed)).sort(byId), [...written.get('racy')!].sort(byId));
    assert.ok((await currentDataFiles(s3, landed)).length < 5);
  });

  it('expires old snapshots and removes expired and orphan files after nonCurrentDays; referenced files stay', async () => {
    const state = await tableState('events');
    const { Bucket, Key } = parseLocation(`${state.location}/data/orphan.parquet`);
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'not referenced' }));
    const listData = async (): Promise<string[]> => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${parseLocation(state.location).Key}/data/`, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => `s3://${Bucket}/${object.Key!}`));
        token = page.NextContinuationToken;
      } while (token !== undefined);
      return keys.sort();
    };
    assert.equal((await listData()).length, APPENDS + (await currentDataFiles(s3, state)).length + 1);
    await setTable('events', 'icebergSnapshotManagement', 'enabled', { minSnapshotsToKeep: 1, maxSnapshotAgeHours: 1 });
    await setBucket('enabled', { unreferencedDays: 1, nonCurrentDays: 1 });
    const expired = await waitFor('expiry', async () => {
      const current = await tableState('events');
      return current.snapshots.length === 1 ? current : undefined;
    });
    assert.equal(expired['current-snapshot-id'], state['current-snapshot-id']);
    const referenced = (await currentDataFiles(s3, expired)).map((file) => file.path).sort();
    await waitFor('the removal of unreferenced files', async () => ((await listData()).join() === referenced.join() ? true : undefined));
    assert.deepEqual((await readRows(s3, await tableState('events'))).sort(byId), [...written.get('events')!].sort(byId));
    const status = await jobStatus('events');
    assert.equal(status['icebergSnapshotManagement']!.status, 'Successful');
    assert.equal(status['icebergUnreferencedFileRemoval']!.status, 'Successful');
  });
});
