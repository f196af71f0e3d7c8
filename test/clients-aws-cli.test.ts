// The real `aws` command-line client (v1, default settings apart from the endpoint) against a real
// Cairn server: the high-level `aws s3` commands (mb, cp, ls, sync, rm, rb) and the low-level
// `aws s3api` ones. Outputs are asserted exactly (bytes, keys, sizes, counts), not only exit codes.
// The whole file is skipped when no `aws` command is on the PATH.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsClientEnvironment, runCommand, type CommandResult, type RunOptions as ProcessRunOptions } from './helpers/processes.js';
import { startServer, temporaryDirectory, type RunningServer } from './helpers/server.js';

const COMMAND_TIMEOUT_MS = 120_000;
const MiB = 1024 * 1024;

type RunOptions = Omit<ProcessRunOptions, 'timeoutMs'>;

/** Runs a command (the aws CLI) with COMMAND_TIMEOUT_MS. */
function run(command: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return runCommand(command, args, { ...options, timeoutMs: COMMAND_TIMEOUT_MS });
}

const cliEnvironment = awsClientEnvironment;

const awsVersion = await run('aws', ['--version'], { env: cliEnvironment() }).then(
  (result) => (result.code === 0 ? (result.stdout + result.stderr).trim() : undefined),
  () => undefined,
);

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

function describeResult(result: CommandResult): string {
  return `exit ${result.code}${result.signal === null ? '' : ` (${result.signal})`}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Every file under `root`, as "relative/path" → contents. */
function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

interface LsLine {
  kind: 'object' | 'prefix';
  name: string;
  size?: number;
}

/** Parses `aws s3 ls s3://bucket/…` output: "2024-01-01 00:00:00 <size> <key>" and "PRE <prefix>" lines. */
function parseLs(stdout: string): LsLine[] {
  return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const prefix = /^\s+PRE (.+)$/.exec(line);
    if (prefix !== null) return { kind: 'prefix', name: prefix[1]! };
    const object = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+(\d+) (.+)$/.exec(line);
    assert.ok(object !== null, `unexpected ls line ${JSON.stringify(line)}`);
    return { kind: 'object', name: object[2]!, size: Number(object[1]) };
  });
}

describe('aws CLI against Cairn', { skip: awsVersion === undefined ? 'no `aws` CLI on the PATH' : false }, () => {
  let server: RunningServer;
  let work: string;

  /** Runs `aws --endpoint-url <server> …args` in the work directory. */
  const aws = (args: string[], options: RunOptions = {}) =>
    run('aws', ['--endpoint-url', server.endpoint, ...args], { cwd: work, ...options, env: options.env ?? cliEnvironment() });

  /** Runs an aws command that must succeed and returns its stdout. */
  const awsOk = async (args: string[], options: RunOptions = {}): Promise<string> => {
    const result = await aws(args, options);
    assert.equal(result.code, 0, `aws ${args.join(' ')} failed: ${describeResult(result)}`);
    return result.stdout;
  };

  /** Runs an `aws s3api` command that must succeed and parses its JSON output ({} when it prints nothing). */
  const s3api = async (args: string[]): Promise<any> => {
    const stdout = await awsOk(['s3api', ...args, '--output', 'json']);
    return stdout.trim() === '' ? {} : JSON.parse(stdout);
  };

  /** Every key and size under `prefix`, from `aws s3api list-objects-v2` JSON output. */
  const listKeys = async (bucket: string, prefix = ''): Promise<Array<[string, number]>> => {
    const listing = await s3api(['list-objects-v2', '--bucket', bucket, '--prefix', prefix]);
    return (listing.Contents ?? []).map((entry: { Key: string; Size: number }) => [entry.Key, entry.Size]);
  };

  /** A file in the work directory (the CLI's current directory); returns its name, relative to it. */
  const writeLocal = (name: string, contents: Buffer | string): string => {
    const path = join(work, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
    return name;
  };

  /** Uploads `objects` (key → contents) with one `aws s3 cp --recursive` of a local directory. */
  const seed = async (bucket: string, objects: Record<string, Buffer | string>): Promise<void> => {
    const directory = `seed-${bucket}-${seedCount++}`;
    for (const [key, contents] of Object.entries(objects)) writeLocal(join(directory, key), contents);
    await awsOk(['s3', 'cp', directory, `s3://${bucket}/`, '--recursive', '--only-show-errors']);
    rmSync(join(work, directory), { recursive: true });
  };
  let seedCount = 0;

  before(async () => {
    server = await startServer();
    work = temporaryDirectory('aws-cli');
  });
  after(async () => {
    await server?.dispose();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('mb creates a bucket that ls lists; a second mb succeeds, as in us-east-1 on AWS', async () => {
    assert.equal(await awsOk(['s3', 'mb', 's3://cli-made']), 'make_bucket: cli-made\n');
    const buckets = (await awsOk(['s3', 'ls'])).split('\n').filter((line) => line !== '');
    assert.deepEqual(buckets.map((line) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (.+)$/.exec(line)?.[1]), ['cli-made']);
    assert.equal(await awsOk(['s3', 'mb', 's3://cli-made']), 'make_bucket: cli-made\n');
    await awsOk(['s3', 'rb', 's3://cli-made']);
  });

  it('cp uploads a small file and downloads it byte for byte, with a guessed Content-Type', async () => {
    await awsOk(['s3', 'mb', 's3://cli-cp']);
    const body = 'small file contents\nwith two lines\n';
    const source = writeLocal('small.txt', body);
    const uploaded = await awsOk(['s3', 'cp', source, 's3://cli-cp/docs/small.txt', '--no-progress']);
    assert.equal(uploaded, 'upload: ./small.txt to s3://cli-cp/docs/small.txt\n');
    const head = await s3api(['head-object', '--bucket', 'cli-cp', '--key', 'docs/small.txt']);
    assert.equal(head.ContentLength, Buffer.byteLength(body));
    assert.equal(head.ContentType, 'text/plain');
    assert.equal(head.ETag, `"${md5Hex(body)}"`);
    const downloaded = await awsOk(['s3', 'cp', 's3://cli-cp/docs/small.txt', 'small-back.txt', '--no-progress']);
    assert.equal(downloaded, 'download: s3://cli-cp/docs/small.txt to ./small-back.txt\n');
    assert.equal(readFileSync(join(work, 'small-back.txt'), 'utf8'), body);
    // Streaming from stdin and to stdout.
    await awsOk(['s3', 'cp', '-', 's3://cli-cp/stdin.bin'], { input: 'from stdin' });
    assert.equal(await awsOk(['s3', 'cp', 's3://cli-cp/stdin.bin', '-']), 'from stdin');
  });

  it('cp of a 20 MiB file in one PUT (multipart_threshold = 64MB) and back through ranged GETs', async () => {
    await awsOk(['s3', 'mb', 's3://cli-large']);
    const body = randomBytes(20 * MiB);
    const source = writeLocal('large.bin', body);
    const config = join(work, writeLocal('single-put.cfg', '[default]\ns3 =\n  multipart_threshold = 64MB\n'));
    await awsOk(['s3', 'cp', source, 's3://cli-large/large.bin', '--only-show-errors'], { env: cliEnvironment({ AWS_CONFIG_FILE: config }) });
    const head = await s3api(['head-object', '--bucket', 'cli-large', '--key', 'large.bin']);
    assert.equal(head.ContentLength, 20 * MiB);
    assert.equal(head.ETag, `"${md5Hex(body)}"`);
    // Downloads use the default configuration: above 8 MiB the CLI fetches concurrent byte ranges.
    const target = join(work, 'large-back.bin');
    await awsOk(['s3', 'cp', 's3://cli-large/large.bin', target, '--only-show-errors']);
    const back = readFileSync(target);
    assert.equal(back.byteLength, body.byteLength);
    assert.equal(sha256(back), sha256(body));
    rmSync(target);
    rmSync(join(work, source));
  });

  it('cp of a 64 MiB file with default settings goes multipart (8 MiB parts) and comes back byte-identical', async () => {
    await awsOk(['s3', 'mb', 's3://cli-multipart']);
    const body = randomBytes(64 * MiB);
    const source = writeLocal('multipart.bin', body);
    await awsOk(['s3', 'cp', source, 's3://cli-multipart/multipart.bin', '--only-show-errors']);
    const head = await s3api(['head-object', '--bucket', 'cli-multipart', '--key', 'multipart.bin']);
    assert.equal(head.ContentLength, 64 * MiB);
    // The CLI's default multipart_chunksize is 8 MiB: eight parts.
    assert.match(head.ETag, /^"[0-9a-f]{32}-8"$/);
    const target = join(work, 'multipart-back.bin');
    await awsOk(['s3', 'cp', 's3://cli-multipart/multipart.bin', target, '--only-show-errors']);
    assert.equal(sha256(readFileSync(target)), sha256(body));
    assert.deepEqual(await listKeys('cli-multipart'), [['multipart.bin', 64 * MiB]]);
    const uploads = await s3api(['list-multipart-uploads', '--bucket', 'cli-multipart']);
    assert.equal(uploads.Uploads, undefined, 'a completed upload leaves no upload behind');
    rmSync(target);
    rmSync(join(work, source));
  });

  it('ls lists prefixes and objects with sizes, --recursive lists every key, --summarize totals them', async () => {
    await awsOk(['s3', 'mb', 's3://cli-ls']);
    const objects: Array<[string, number]> = [['top.txt', 3], ['dir/a.txt', 10], ['dir/sub/b.bin', 1000], ['dir/sub/c d.txt', 0], ['other/e', 7]];
    await seed('cli-ls', Object.fromEntries(objects.map(([key, size]) => [key, Buffer.alloc(size, 120)])));
    // Independent read-only commands, run concurrently to save CLI start-up time.
    const [top, dir, sub, recursive, summarized, empty] = await Promise.all([
      awsOk(['s3', 'ls', 's3://cli-ls']),
      awsOk(['s3', 'ls', 's3://cli-ls/dir/']),
      awsOk(['s3', 'ls', 's3://cli-ls/dir/sub/']),
      awsOk(['s3', 'ls', 's3://cli-ls', '--recursive']),
      awsOk(['s3', 'ls', 's3://cli-ls/dir/', '--recursive', '--summarize']),
      aws(['s3', 'ls', 's3://cli-ls/nothing-here/']),
    ]);
    assert.deepEqual(parseLs(top), [
      { kind: 'prefix', name: 'dir/' },
      { kind: 'prefix', name: 'other/' },
      { kind: 'object', name: 'top.txt', size: 3 },
    ]);
    assert.deepEqual(parseLs(dir), [
      { kind: 'prefix', name: 'sub/' },
      { kind: 'object', name: 'a.txt', size: 10 },
    ]);
    assert.deepEqual(parseLs(sub), [
      { kind: 'object', name: 'b.bin', size: 1000 },
      { kind: 'object', name: 'c d.txt', size: 0 },
    ]);
    const sortedKeys = objects.map(([key, size]) => ({ kind: 'object', name: key, size })).sort((a, b) => (a.name < b.name ? -1 : 1));
    assert.deepEqual(parseLs(recursive), sortedKeys);
    assert.match(summarized, /\nTotal Objects: 3\n\s+Total Size: 1010\n$/);
    // A prefix that matches nothing: exit code 1 and no output, as against S3.
    assert.equal(empty.code, 1, describeResult(empty));
    assert.equal(empty.stdout, '');
  });

  it('sync uploads a nested tree with spaces and unicode names, skips unchanged files, and --delete mirrors changes', async () => {
    await awsOk(['s3', 'mb', 's3://cli-sync']);
    const tree = join(work, 'tree');  // given to the CLI as the relative 'tree'
    const files: Record<string, string> = {
      'top.txt': 'top level\n',
      'a/file with spaces.txt': 'spaces in the name\n',
      'a/b c/deep.md': '# deep\n',
      'a/b c/d/e/deeper.json': '{"deep": true}\n',
      'ünïcødé/データ/ファイル 名.txt': 'unicode path\n',
      'ünïcødé/émoji-😀.bin': 'emoji\n',
      'plus+and%percent.txt': 'reserved characters\n',
    };
    // Old modification times, so the unchanged-file check does not depend on clock granularity.
    const past = new Date('2020-01-01T00:00:00Z');
    for (const [name, contents] of Object.entries(files)) {
      const path = join(tree, name);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, contents);
      utimesSync(path, past, past);
    }
    const expectedListing = (tree: Record<string, string>) => Object.entries(tree)
      .map(([name, contents]): [string, number] => [`mirror/${name}`, Buffer.byteLength(contents)])
      .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

    const first = await awsOk(['s3', 'sync', 'tree', 's3://cli-sync/mirror/', '--no-progress']);
    assert.equal(first.split('\n').filter((line) => line.startsWith('upload: ')).length, Object.keys(files).length, first);
    assert.deepEqual(await listKeys('cli-sync', 'mirror/'), expectedListing(files));

    // Nothing changed: nothing to do (relies on sizes and LastModified in the listing).
    assert.equal(await awsOk(['s3', 'sync', 'tree', 's3://cli-sync/mirror/', '--no-progress']), '');

    // Modify (one with a new size, one with the same size but a newer mtime), add, and delete.
    const future = new Date(Date.now() + 3600_000);
    files['top.txt'] = 'top level, longer now\n';
    writeFileSync(join(tree, 'top.txt'), files['top.txt']);
    files['a/b c/deep.md'] = '# DEEP\n';
    writeFileSync(join(tree, 'a/b c/deep.md'), files['a/b c/deep.md']);
    utimesSync(join(tree, 'a/b c/deep.md'), future, future);
    files['a/new file ✓.txt'] = 'added later\n';
    writeFileSync(join(tree, 'a/new file ✓.txt'), files['a/new file ✓.txt']);
    for (const gone of ['ünïcødé/émoji-😀.bin', 'a/b c/d/e/deeper.json']) {
      rmSync(join(tree, gone));
      delete files[gone];
    }
    const second = await awsOk(['s3', 'sync', 'tree', 's3://cli-sync/mirror/', '--delete', '--no-progress']);
    const actions = second.split('\n').filter((line) => line !== '').map((line) => line.replace(/ to .*$/, '')).sort();
    assert.deepEqual(actions, [
      'delete: s3://cli-sync/mirror/a/b c/d/e/deeper.json',
      'delete: s3://cli-sync/mirror/ünïcødé/émoji-😀.bin',
      'upload: tree/a/b c/deep.md',
      'upload: tree/a/new file ✓.txt',
      'upload: tree/top.txt',
    ].sort());
    assert.deepEqual(await listKeys('cli-sync', 'mirror/'), expectedListing(files));
    const changed = await s3api(['head-object', '--bucket', 'cli-sync', '--key', 'mirror/a/b c/deep.md']);
    assert.equal(changed.ETag, `"${md5Hex('# DEEP\n')}"`);

    // And back down into an empty directory: the same tree, byte for byte.
    await awsOk(['s3', 'sync', 's3://cli-sync/mirror/', 'tree-down', '--no-progress']);
    assert.deepEqual(readTree(join(work, 'tree-down')), new Map(Object.entries(files)));
    assert.deepEqual(readTree(tree), new Map(Object.entries(files)));
  });

  it('rm deletes one key and --recursive a prefix; rb refuses a non-empty bucket, then removes it', async () => {
    await awsOk(['s3', 'mb', 's3://cli-rm']);
    await seed('cli-rm', Object.fromEntries(['keep.txt', 'one.txt', 'dir/a', 'dir/b', 'dir/sub/c', 'dirt'].map((key) => [key, key])));
    assert.equal(await awsOk(['s3', 'rm', 's3://cli-rm/one.txt']), 'delete: s3://cli-rm/one.txt\n');
    const recursive = await awsOk(['s3', 'rm', 's3://cli-rm/dir/', '--recursive']);
    assert.deepEqual(recursive.split('\n').filter((line) => line !== '').sort(),
      ['delete: s3://cli-rm/dir/a', 'delete: s3://cli-rm/dir/b', 'delete: s3://cli-rm/dir/sub/c']);
    assert.deepEqual((await listKeys('cli-rm')).map(([key]) => key), ['dirt', 'keep.txt']);

    const refused = await aws(['s3', 'rb', 's3://cli-rm']);
    assert.equal(refused.code, 1, describeResult(refused));
    assert.match(refused.stderr, /remove_bucket failed: s3:\/\/cli-rm An error occurred \(BucketNotEmpty\)/);

    await awsOk(['s3', 'rm', 's3://cli-rm', '--recursive']);
    assert.equal(await awsOk(['s3', 'rb', 's3://cli-rm']), 'remove_bucket: cli-rm\n');
    const buckets = await s3api(['list-buckets']);
    assert.ok(!buckets.Buckets.some((bucket: { Name: string }) => bucket.Name === 'cli-rm'));
  });

  describe('s3api', () => {
    const BUCKET = 'cli-api';
    const BODY = 'hello from the s3api command';
    before(async () => {
      await awsOk(['s3', 'mb', `s3://${BUCKET}`]);
    });

    it('put-object with --metadata and --content-type; head-object reports them', async () => {
      const source = writeLocal('api-body.txt', BODY);
      const put = await s3api(['put-object', '--bucket', BUCKET, '--key', 'docs/hello.txt', '--body', source,
        '--metadata', 'colour=blue,Mixed-Case=Value', '--content-type', 'text/x-greeting; charset=utf-8']);
      assert.equal(put.ETag, `"${md5Hex(BODY)}"`);
      const head = await s3api(['head-object', '--bucket', BUCKET, '--key', 'docs/hello.txt']);
      assert.equal(head.ContentLength, Buffer.byteLength(BODY));
      assert.equal(head.ETag, `"${md5Hex(BODY)}"`);
      assert.equal(head.ContentType, 'text/x-greeting; charset=utf-8');
      assert.deepEqual(head.Metadata, { colour: 'blue', 'mixed-case': 'Value' });
      assert.equal(head.AcceptRanges, 'bytes');
      assert.match(head.LastModified, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    });

    it('get-object with --range writes exactly those bytes and reports ContentRange', async () => {
      await s3api(['put-object', '--bucket', BUCKET, '--key', 'ranged', '--body', writeLocal('ranged.txt', '0123456789abcdefghij')]);
      const cases: Array<[string, string, string]> = [
        ['bytes=5-9', '56789', 'bytes 5-9/20'],
        ['bytes=15-', 'fghij', 'bytes 15-19/20'],
        ['bytes=-3', 'hij', 'bytes 17-19/20'],
      ];
      const [responses, beyond] = await Promise.all([
        Promise.all(cases.map(([range], index) => s3api(['get-object', '--bucket', BUCKET, '--key', 'ranged', '--range', range, `range-out-${index}`]))),
        aws(['s3api', 'get-object', '--bucket', BUCKET, '--key', 'ranged', '--range', 'bytes=20-', 'range-out-beyond']),
      ]);
      cases.forEach(([range, expected, contentRange], index) => {
        assert.equal(readFileSync(join(work, `range-out-${index}`), 'utf8'), expected, range);
        assert.equal(responses[index].ContentRange, contentRange, range);
        assert.equal(responses[index].ContentLength, expected.length, range);
      });
      assert.equal(beyond.code, 255, describeResult(beyond));
      assert.match(beyond.stderr, /\(InvalidRange\)/);
    });

    it('copy-object copies bytes and metadata, or replaces the metadata with --metadata-directive REPLACE', async () => {
      const source = 'dir/ünï source +1.txt';
      await s3api(['put-object', '--bucket', BUCKET, '--key', source, '--body', writeLocal('copy-src.txt', BODY),
        '--metadata', 'origin=original', '--content-type', 'text/plain']);
      const [copied] = await Promise.all([
        s3api(['copy-object', '--bucket', BUCKET, '--key', 'copies/same', '--copy-source', `${BUCKET}/${source}`]),
        s3api(['copy-object', '--bucket', BUCKET, '--key', 'copies/replaced', '--copy-source', `${BUCKET}/${source}`,
          '--metadata-directive', 'REPLACE', '--metadata', 'origin=replaced', '--content-type', 'application/json']),
      ]);
      assert.equal(copied.CopyObjectResult.ETag, `"${md5Hex(BODY)}"`);
      assert.match(copied.CopyObjectResult.LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const [same, replaced] = await Promise.all([
        s3api(['head-object', '--bucket', BUCKET, '--key', 'copies/same']),
        s3api(['head-object', '--bucket', BUCKET, '--key', 'copies/replaced']),
        s3api(['get-object', '--bucket', BUCKET, '--key', 'copies/replaced', 'copy-out']),
      ]);
      assert.deepEqual([same.ContentLength, same.ContentType, same.Metadata], [Buffer.byteLength(BODY), 'text/plain', { origin: 'original' }]);
      assert.deepEqual([replaced.ContentLength, replaced.ContentType, replaced.Metadata], [Buffer.byteLength(BODY), 'application/json', { origin: 'replaced' }]);
      assert.equal(readFileSync(join(work, 'copy-out'), 'utf8'), BODY);
    });

    it('delete-objects with a JSON --delete reports each key (and nothing when Quiet)', async () => {
      await seed(BUCKET, Object.fromEntries(['del/a', 'del/b', 'del/c', 'del/d', 'del/keep'].map((key) => [key, key])));
      const verbose = await s3api(['delete-objects', '--bucket', BUCKET, '--delete',
        JSON.stringify({ Objects: [{ Key: 'del/a' }, { Key: 'del/b' }, { Key: 'del/never-existed' }] })]);
      assert.deepEqual(verbose.Deleted.map((entry: { Key: string }) => entry.Key).sort(), ['del/a', 'del/b', 'del/never-existed']);
      assert.equal(verbose.Errors, undefined);
      const quiet = await s3api(['delete-objects', '--bucket', BUCKET, '--delete',
        JSON.stringify({ Objects: [{ Key: 'del/c' }, { Key: 'del/d' }], Quiet: true })]);
      assert.equal(quiet.Deleted, undefined);
      assert.equal(quiet.Errors, undefined);
      assert.deepEqual(await listKeys(BUCKET, 'del/'), [['del/keep', 'del/keep'.length]]);
    });

    it('list-objects (v1) pages with --max-items / --page-size / --starting-token', async () => {
      const keys = Array.from({ length: 8 }, (_, index) => `paged/key-${index}`);
      await seed(BUCKET, Object.fromEntries(keys.map((key) => [key, ''])));
      const pageThrough = async () => {
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await s3api(['list-objects', '--bucket', BUCKET, '--prefix', 'paged/', '--max-items', '3', '--page-size', '2',
            ...(token === undefined ? [] : ['--starting-token', token])]);
          seen.push(...page.Contents.map((entry: { Key: string }) => entry.Key));
          token = page.NextToken;
          pages += 1;
          assert.ok(pages <= 3, 'paging did not terminate');
        } while (token !== undefined);
        return { seen, pages };
      };
      const [paged, raw, delimited] = await Promise.all([
        pageThrough(),
        s3api(['list-objects', '--bucket', BUCKET, '--prefix', 'paged/', '--max-keys', '3', '--no-paginate']),
        s3api(['list-objects', '--bucket', BUCKET, '--delimiter', '/', '--prefix', 'pa']),
      ]);
      assert.equal(paged.pages, 3);
      assert.deepEqual(paged.seen, keys);
      assert.equal(raw.IsTruncated, true);
      assert.equal(raw.MaxKeys, 3);
      assert.deepEqual(raw.Contents.map((entry: { Key: string; Size: number }) => [entry.Key, entry.Size]),
        [['paged/key-0', 0], ['paged/key-1', 0], ['paged/key-2', 0]]);
      assert.deepEqual(delimited.CommonPrefixes, [{ Prefix: 'paged/' }]);
      assert.equal(delimited.Contents, undefined);
    });

    it('get-bucket-location reports us-east-1 as a null LocationConstraint', async () => {
      assert.deepEqual(await s3api(['get-bucket-location', '--bucket', BUCKET]), { LocationConstraint: null });
    });

    it('head-bucket on a missing bucket and head-object on a missing key fail with 404; get-object with NoSuchKey', async () => {
      const [bucket, object, get, noBucket] = await Promise.all([
        aws(['s3api', 'head-bucket', '--bucket', 'no-such-bucket-anywhere']),
        aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', 'missing/key']),
        aws(['s3api', 'get-object', '--bucket', BUCKET, '--key', 'missing/key', 'never-written']),
        aws(['s3api', 'list-objects-v2', '--bucket', 'no-such-bucket-anywhere']),
      ]);
      assert.ok(bucket.code === 254 || bucket.code === 255, describeResult(bucket));
      assert.match(bucket.stderr, /An error occurred \(404\) when calling the HeadBucket operation: Not Found/);
      assert.ok(object.code === 254 || object.code === 255, describeResult(object));
      assert.match(object.stderr, /An error occurred \(404\) when calling the HeadObject operation: Not Found/);
      assert.ok(get.code === 254 || get.code === 255, describeResult(get));
      assert.match(get.stderr, /An error occurred \(NoSuchKey\) when calling the GetObject operation/);
      assert.throws(() => statSync(join(work, 'never-written')));
      assert.ok(noBucket.code === 254 || noBucket.code === 255, describeResult(noBucket));
      assert.match(noBucket.stderr, /An error occurred \(NoSuchBucket\) when calling the ListObjectsV2 operation/);
    });
  });
});
