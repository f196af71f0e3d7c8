// `cairn admin restore`: the real CLI (node bin/cairn.js as a child process) against a real server.
// A versioned bucket is filled, TIME is taken, then a scripted accident (mass delete, overwrites, new
// keys) happens; restores must bring back every object's bytes, headers, metadata and tags as they
// were at TIME, delete keys made since, never delete a version, and be undoable.
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { expectS3Error } from './helpers/assertions.js';
import { runCommand, type CommandResult } from './helpers/processes.js';
import { CAIRN_BIN, TEST_ACCESS_KEY, TEST_SECRET_KEY, type RunningServer } from './helpers/server.js';
import { closeSuite, openSuite } from './helpers/suite.js';

const BUCKET = 'photos';
const CLI_TIMEOUT_MS = 60_000;
/** Apart by more than a millisecond, so "LastModified ≤ TIME" separates before from after. */
const CLOCK_GAP_MS = 30;

interface ObjectState {
  body: string;
  contentType?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  tags: string[];
}

interface VersionRow {
  key: string;
  versionId: string;
  isDeleteMarker: boolean;
  isLatest: boolean;
}

describe('cairn admin restore', () => {
  let server: RunningServer;
  let s3: S3Client;
  let restoreTime: string;
  /** The bucket's objects at restoreTime, and right after the accident. */
  let atTime: Map<string, ObjectState>;
  let afterAccident: Map<string, ObjectState>;
  /** Keys that did not exist (or were deleted) at restoreTime but were live after the accident. */
  const createdAfterTime = ['a/new-0', 'a/new-1', 'b/new-2', 'a/deleted-early'];

  function cliEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !name.startsWith('AWS_') && !name.startsWith('CAIRN_')) env[name] = value;
    }
    return { ...env, CAIRN_ACCESS_KEY: TEST_ACCESS_KEY, CAIRN_SECRET_KEY: TEST_SECRET_KEY, ...overrides };
  }

  function restore(args: string[], env?: Record<string, string>, endpoint = server.endpoint): Promise<CommandResult> {
    return runCommand(process.execPath, [CAIRN_BIN, 'admin', 'restore', ...args, '--endpoint', endpoint], { env: env ?? cliEnvironment(), timeoutMs: CLI_TIMEOUT_MS });
  }

  /** The JSON summary: the last line of --json output. */
  function summaryOf(result: CommandResult): Record<string, unknown> {
    assert.equal(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
    const lines = result.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  }

  async function versioned(bucket: string): Promise<void> {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }

  async function put(key: string, body: string, extra: { contentType?: string; metadata?: Record<string, string>; tagging?: string; cacheControl?: string } = {}, bucket = BUCKET): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: extra.contentType, Metadata: extra.metadata, Tagging: extra.tagging, CacheControl: extra.cacheControl }));
  }

  async function snapshot(bucket: string, prefix?: string): Promise<Map<string, ObjectState>> {
    const state = new Map<string, ObjectState>();
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const { Key: key } of page.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key! }));
        const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key! }));
        state.set(key!, {
          body: await object.Body!.transformToString(),
          contentType: object.ContentType,
          cacheControl: object.CacheControl,
          metadata: object.Metadata ?? {},
          tags: (TagSet ?? []).map((tag) => `${tag.Key}=${tag.Value}`).sort(),
        });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return state;
  }

  const only = (state: Map<string, ObjectState>, prefix: string) => new Map([...state].filter(([key]) => key.startsWith(prefix)));

  async function versionsOf(bucket: string): Promise<VersionRow[]> {
    const rows: VersionRow[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      for (const version of page.Versions ?? []) rows.push({ key: version.Key!, versionId: version.VersionId!, isDeleteMarker: false, isLatest: version.IsLatest === true });
      for (const marker of page.DeleteMarkers ?? []) rows.push({ key: marker.Key!, versionId: marker.VersionId!, isDeleteMarker: true, isLatest: marker.IsLatest === true });
      if (page.IsTruncated !== true) return rows;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }

  const versionIds = async (bucket: string) => new Set((await versionsOf(bucket)).map((row) => row.versionId));

  /** No version that existed before is gone; returns how many were added. */
  async function assertOnlyAdded(bucket: string, before: Set<string>): Promise<number> {
    const now = await versionIds(bucket);
    for (const id of before) assert.ok(now.has(id), `version ${id} was deleted`);
    return now.size - before.size;
  }

  before(async () => {
    ({ server, s3 } = await openSuite());
    await versioned(BUCKET);
    // 50 keys: 40 under a/, 10 under b/, with headers, metadata and tags to bring back.
    const keys = [...Array.from({ length: 40 }, (_, index) => `a/${String(index).padStart(3, '0')}`), ...Array.from({ length: 10 }, (_, index) => `b/${index}`)];
    keys[7] = 'a/ü space+plus%?.txt';
    for (const [index, key] of keys.entries()) {
      await put(key, `first ${key}`, { contentType: 'text/plain', metadata: { generation: '1' } });
      if (index % 4 === 0) {
        await put(key, `second ${key} ${'x'.repeat(index)}`, { contentType: 'application/json', metadata: { generation: '2', index: String(index) }, tagging: `team=blue&index=${index}`, cacheControl: 'max-age=60' });
      }
    }
    await put('a/deleted-early', 'gone before TIME');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a/deleted-early' }));
    await sleep(CLOCK_GAP_MS);
    atTime = await snapshot(BUCKET);
    restoreTime = new Date().toISOString();
    await sleep(CLOCK_GAP_MS);

    // The accident: a mass delete, overwrites with other bytes and metadata, new keys.
    const doomed = keys.filter((_, index) => index % 3 === 0);
    await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: doomed.map((Key) => ({ Key })) } }));
    for (const key of keys.filter((_, index) => index % 3 === 1)) await put(key, `garbage over ${key}`, { contentType: 'application/octet-stream', metadata: { broken: 'yes' } });
    for (const key of createdAfterTime) await put(key, `created after TIME: ${key}`);
    afterAccident = await snapshot(BUCKET);
    assert.equal(atTime.size, 50);
    assert.equal(afterAccident.size, 50 - doomed.length + createdAfterTime.length);
  });
  after(() => closeSuite(server, s3));

  it('refuses bad input with exit code 2 or 1 and a clear message, writing nothing', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    await put('plain-key', 'plain', {}, 'plain');
    await versioned('paused');
    await put('k', 'paused bytes', {}, 'paused');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'paused', VersioningConfiguration: { Status: 'Suspended' } }));
    const before = await versionsOf(BUCKET);
    const cases: Array<{ args: string[]; code: number; message: RegExp; env?: Record<string, string>; endpoint?: string }> = [
      { args: [BUCKET, '--to', 'last tuesday'], code: 2, message: /--to last tuesday: not a time/ },
      { args: [BUCKET, '--to', '2026-13-01T00:00:00Z'], code: 2, message: /no such date or time/ },
      { args: [BUCKET, '--to', '2026-01-01T10:00:00'], code: 2, message: /give the zone/ },
      { args: [BUCKET, '--to', new Date(Date.now() + 3_600_000).toISOString()], code: 2, message: /is in the future/ },
      { args: [BUCKET, '--to=-x'], code: 2, message: /not a time/ },
      { args: [BUCKET], code: 2, message: /--to TIME is required/ },
      { args: ['--to', restoreTime], code: 2, message: /expected BUCKET/ },
      { args: [BUCKET, '--to', restoreTime, '--frobnicate'], code: 2, message: /Unknown option '--frobnicate'/ },
      { args: [BUCKET, '--to', restoreTime, '--multipart-threshold', '1KiB'], code: 2, message: /--multipart-threshold 1KiB/ },
      { args: ['no-such-bucket', '--to', restoreTime], code: 1, message: /no bucket 'no-such-bucket' at http/ },
      { args: [BUCKET, '--to', restoreTime, '--target', 'no-such-target'], code: 1, message: /target bucket 'no-such-target' does not exist/ },
      { args: ['plain', '--to', restoreTime], code: 1, message: /'plain' has never had versioning enabled/ },
      { args: ['paused', '--to', restoreTime], code: 1, message: /versioning Suspended: a restore in place would overwrite/ },
      { args: [BUCKET, '--to', restoreTime], code: 1, message: /refused the credentials \(SignatureDoesNotMatch\)/, env: cliEnvironment({ CAIRN_SECRET_KEY: 'wrong-secret' }) },
      { args: [BUCKET, '--to', restoreTime], code: 1, message: /refused the credentials \(InvalidAccessKeyId\)/, env: cliEnvironment({ CAIRN_ACCESS_KEY: 'NOSUCHKEY' }) },
      { args: [BUCKET, '--to', restoreTime], code: 2, message: /no credentials: set CAIRN_ACCESS_KEY/, env: cliEnvironment({ CAIRN_ACCESS_KEY: '', CAIRN_SECRET_KEY: '' }) },
      { args: [BUCKET, '--to', restoreTime], code: 1, message: /cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/, endpoint: 'http://127.0.0.1:1' },
      { args: [BUCKET, '--to', restoreTime], code: 2, message: /--endpoint not-a-url: not a URL/, endpoint: 'not-a-url' },
    ];
    for (const { args, code, message, env, endpoint } of cases) {
      const result = await restore(args, env, endpoint);
      assert.equal(result.code, code, `${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(result.stdout, '', `${args.join(' ')} printed no summary`);
    }
    assert.deepEqual(await versionsOf(BUCKET), before, 'nothing was written to the bucket');
    assert.deepEqual([...(await snapshot('plain')).keys()], ['plain-key']);
    assert.equal((await versionsOf('paused')).length, 1);
  });

  it('--dry-run lists what it would do and writes nothing', async () => {
    const before = await versionsOf(BUCKET);
    const text = await restore([BUCKET, '--to', restoreTime, '--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    const planned = (verb: string) => text.stdout.split('\n').flatMap((line) => {
      const match = /^would (restore|delete) +(.+?)  \(/.exec(line);
      return match !== null && match[1] === verb ? [match[2]!] : [];
    }).sort();
    const toRestore = [...atTime].filter(([key, state]) => !isDeepEqual(afterAccident.get(key), state)).map(([key]) => key).sort();
    assert.deepEqual(planned('restore'), toRestore);
    assert.deepEqual(planned('delete'), [...createdAfterTime].sort());
    assert.match(text.stdout, /dry run, nothing written/);

    const json = await restore([BUCKET, '--to', restoreTime, '--dry-run', '--json']);
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = summaryOf(json);
    assert.equal(lines.filter((line) => line['action'] === 'restore').length, toRestore.length);
    assert.equal(lines.filter((line) => line['action'] === 'delete').length, createdAfterTime.length);
    const keysScanned = atTime.size + createdAfterTime.length;
    const bytesCopied = toRestore.reduce((total, key) => total + Buffer.byteLength(atTime.get(key)!.body), 0);
    assert.deepEqual({ ...summary, elapsedMs: 0 }, {
      bucket: BUCKET, target: BUCKET, prefix: '', time: restoreTime, dryRun: true, completed: true, keysScanned,
      restored: toRestore.length, deleted: createdAfterTime.length, unchanged: keysScanned - toRestore.length - createdAfterTime.length,
      errors: 0, bytesCopied, elapsedMs: 0,
    });
    assert.deepEqual(await versionsOf(BUCKET), before, 'a dry run writes nothing');
  });

  it('--prefix restores only the keys under it', async () => {
    const before = await versionIds(BUCKET);
    const summary = summaryOf(await restore([BUCKET, '--to', restoreTime, '--prefix', 'b/', '--json']));
    assert.equal(summary['prefix'], 'b/');
    assert.equal(summary['errors'], 0);
    const now = await snapshot(BUCKET);
    assert.deepEqual(only(now, 'b/'), only(atTime, 'b/'));
    assert.deepEqual(only(now, 'a/'), only(afterAccident, 'a/'), 'keys outside the prefix are untouched');
    assert.equal(await assertOnlyAdded(BUCKET, before), Number(summary['restored']) + Number(summary['deleted']));
    afterAccident = now;
  });

  it('--target writes the state at TIME into another bucket, deleting keys it had that did not exist then', async () => {
    await versioned('photos-copy');
    await put('a/stray', 'not in the source at TIME', {}, 'photos-copy');
    // An object already equal to its TIME state is left alone.
    const sameKey = 'a/002'; // untouched by the accident
    const sameVersion = (await versionsOf(BUCKET)).find((row) => row.key === sameKey && row.isLatest)!;
    await s3.send(new CopyObjectCommand({ Bucket: 'photos-copy', Key: sameKey, CopySource: `${BUCKET}/${sameKey}?versionId=${sameVersion.versionId}` }));
    const sourceBefore = await versionIds(BUCKET);
    const summary = summaryOf(await restore([BUCKET, '--to', restoreTime, '--target', 'photos-copy', '--json']));
    assert.deepEqual(await snapshot('photos-copy'), atTime);
    assert.equal(summary['restored'], atTime.size - 1);
    assert.equal(summary['deleted'], 1, 'a/stray gets a delete marker');
    assert.equal(summary['errors'], 0);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: 'photos-copy', Key: 'a/stray' })), 'NotFound', 404);
    assert.equal((await versionsOf('photos-copy')).filter((row) => row.key === 'a/stray').length, 2, 'the stray version is kept under its delete marker');
    assert.deepEqual(await versionIds(BUCKET), sourceBefore, 'the source is only read');
    assert.deepEqual(await snapshot(BUCKET), afterAccident);
  });

  it('restores every object to its bytes, headers, metadata and tags at TIME; deletes keys made since; never deletes a version', async () => {
    const before = await versionIds(BUCKET);
    const result = await restore([BUCKET, '--to', restoreTime]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /restore of 'photos' to .*: done in/);
    const liveCreated = createdAfterTime.filter((key) => afterAccident.has(key));
    assert.equal(liveCreated.length, 3, 'b/new-2 went with the --prefix restore');
    assert.match(result.stdout, new RegExp(`delete markers written\\s+${liveCreated.length}\n`));
    const undoTime = /to undo: cairn admin restore photos --to (\S+)/.exec(result.stdout)?.[1];
    assert.ok(undoTime !== undefined, result.stdout);

    assert.deepEqual(await snapshot(BUCKET), atTime);
    const versions = await versionsOf(BUCKET);
    for (const key of liveCreated) {
      assert.ok(versions.some((row) => row.key === key && row.isLatest && row.isDeleteMarker), `${key} has a delete marker`);
      await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })), 'NotFound', 404);
    }
    const added = await assertOnlyAdded(BUCKET, before);
    const changedKeys = [...atTime.keys()].filter((key) => !isDeepEqual(afterAccident.get(key), atTime.get(key)));
    assert.equal(added, changedKeys.length + liveCreated.length);

    // A second run finds nothing to do.
    const again = summaryOf(await restore([BUCKET, '--to', restoreTime, '--json']));
    assert.equal(again['restored'], 0);
    assert.equal(again['deleted'], 0);
    assert.equal(await assertOnlyAdded(BUCKET, before), added);

    // Undo: a restore to the instant before the restore brings the accident back, still deleting nothing.
    const beforeUndo = await versionIds(BUCKET);
    const undone = summaryOf(await restore([BUCKET, '--to', undoTime, '--json']));
    assert.equal(undone['errors'], 0);
    assert.deepEqual(await snapshot(BUCKET), afterAccident);
    assert.equal(await assertOnlyAdded(BUCKET, beforeUndo), Number(undone['restored']) + Number(undone['deleted']));
    // And the restore again, from the undone state.
    summaryOf(await restore([BUCKET, '--to', restoreTime, '--json']));
    assert.deepEqual(await snapshot(BUCKET), atTime);
  });

  it('copies versions above --multipart-threshold in parts, keeping headers, metadata and tags', async () => {
    await versioned('big');
    const sizeBytes = 12 * 1024 * 1024 + 5;
    const original = Buffer.alloc(sizeBytes);
    for (let index = 0; index < sizeBytes; index += 1) original[index] = (index * 31 + (index >> 12)) & 0xff;
    await s3.send(new PutObjectCommand({ Bucket: 'big', Key: 'disk.img', Body: original, ContentType: 'application/x-raw-disk-image', Metadata: { owner: 'ops' }, Tagging: 'tier=gold' }));
    await sleep(CLOCK_GAP_MS);
    const time = new Date().toISOString();
    await sleep(CLOCK_GAP_MS);
    await put('disk.img', 'truncated by mistake', {}, 'big');
    const summary = summaryOf(await restore(['big', '--to', time, '--multipart-threshold', '5MiB', '--json']));
    assert.equal(summary['restored'], 1);
    assert.equal(summary['bytesCopied'], sizeBytes);
    const restored = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'disk.img' }));
    assert.ok(Buffer.from(await restored.Body!.transformToByteArray()).equals(original));
    assert.equal(restored.ContentType, 'application/x-raw-disk-image');
    assert.deepEqual(restored.Metadata, { owner: 'ops' });
    assert.match(restored.ETag ?? '', /-3"$/, 'copied in three parts of 5 MiB');
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'big', Key: 'disk.img' }))).TagSet, [{ Key: 'tier', Value: 'gold' }]);
    assert.equal((await versionsOf('big')).length, 3);
  });

  it('restores a null version written before versioning was enabled', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'late-versioning' }));
    await put('k', 'from before versioning', { metadata: { era: 'unversioned' } }, 'late-versioning');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'late-versioning', VersioningConfiguration: { Status: 'Enabled' } }));
    await sleep(CLOCK_GAP_MS);
    const time = new Date().toISOString();
    await sleep(CLOCK_GAP_MS);
    await put('k', 'overwritten', {}, 'late-versioning');
    const summary = summaryOf(await restore(['late-versioning', '--to', time, '--json']));
    assert.equal(summary['restored'], 1);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'late-versioning', Key: 'k' }));
    assert.equal(await object.Body!.transformToString(), 'from before versioning');
    assert.deepEqual(object.Metadata, { era: 'unversioned' });
    assert.ok((await versionsOf('late-versioning')).some((row) => row.versionId === 'null'), 'the null version is kept');
  });

  it('restores from a suspended bucket into a target', async () => {
    await versioned('paused-src');
    await put('k', 'kept', { metadata: { a: '1' } }, 'paused-src');
    await sleep(CLOCK_GAP_MS);
    const time = new Date().toISOString();
    await sleep(CLOCK_GAP_MS);
    await put('k', 'changed', {}, 'paused-src');
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'paused-src', VersioningConfiguration: { Status: 'Suspended' } }));
    await versioned('paused-dst');
    const summary = summaryOf(await restore(['paused-src', '--to', time, '--target', 'paused-dst', '--json']));
    assert.equal(summary['restored'], 1);
    const restored = await snapshot('paused-dst');
    assert.deepEqual([...restored.keys()], ['k']);
    assert.equal(restored.get('k')!.body, 'kept');
    assert.deepEqual(restored.get('k')!.metadata, { a: '1' });
    assert.equal((await versionsOf('paused-src')).length, 2, 'the suspended source is only read');
  });
});

function isDeepEqual(left: unknown, right: unknown): boolean {
  try {
    assert.deepEqual(left, right);
    return true;
  } catch {
    return false;
  }
}
