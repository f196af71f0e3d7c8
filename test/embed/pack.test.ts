// `npm pack` makes a package that installs and runs: pack the built tree, install the tarball into
// a temporary project (from the registry, native addons built on install), start `npx cairn server
// --ephemeral` there, PUT and GET with the AWS SDK, and stop it. Slow (minutes): it compiles addons.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, temporaryDirectory } from '../helpers/server.js';

const run = promisify(execFile);
const PACK_TEST_TIMEOUT_MS = 20 * 60 * 1000;
const COMMAND_OUTPUT_BYTES_MAX = 64 * 1024 * 1024;

interface ReadyLine {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dataDirectory: string;
}

/**
 * CI runs the suite twice (Node 20, then a newer Node: .ci/newer-node). The tarball is the same on
 * both, and packing and installing it costs minutes, so the second run says so and skips it.
 */
const PACKED_ALREADY_REASON = process.env['CAIRN_PACK_TEST_DONE'] === undefined ? undefined : `packed and installed on ${process.env['CAIRN_PACK_TEST_DONE']} in this CI run`;

describe('npm pack', { timeout: PACK_TEST_TIMEOUT_MS, skip: PACKED_ALREADY_REASON }, () => {
  const project = temporaryDirectory('pack');
  after(() => rmSync(project, { recursive: true, force: true }));

  it('packs bin/ and dist/src/ but no tests or data, installs, and serves with npx cairn server --ephemeral', async () => {
    // --ignore-scripts: the test runs from a built tree; `prepare` would rebuild dist/ under other tests.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: REPO_ROOT, maxBuffer: COMMAND_OUTPUT_BYTES_MAX });
    const [summary] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(summary !== undefined);
    const paths = summary.files.map((file) => file.path);
    for (const needed of ['bin/cairn.js', 'dist/src/cli/main.js', 'dist/src/cli/embed/index.js', 'types/index.d.ts', 'native/crc64nvme/binding.gyp', 'package.json', 'dist/console/index.html']) {
      assert.ok(paths.includes(needed), `${needed} is in the tarball`);
    }
    assert.deepEqual(paths.filter((path) => /^(test|dist\/test|dist\/bench|data|bench)\//.test(path)), []);

    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'cairn-pack-test', version: '1.0.0', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', join(project, summary.filename)], { cwd: project, maxBuffer: COMMAND_OUTPUT_BYTES_MAX });

    // A TypeScript project gets the package's types from `import … from 'cairn'`.
    writeFileSync(join(project, 'check.mts'), "import { startCairn, type RunningCairn } from 'cairn';\nexport const started: Promise<RunningCairn> = startCairn({ buckets: ['b-1'] });\n");
    await run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'check.mts'], { cwd: project });

    const server = spawn('npx', ['cairn', 'server', '--ephemeral', '--bucket', 'packed-bucket'], { cwd: project, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolveExit) => server.once('exit', resolveExit));
    const firstLine = await new Promise<string>((resolveLine, rejectLine) => {
      createInterface({ input: server.stdout }).once('line', resolveLine);
      void exited.then((code) => rejectLine(new Error(`npx cairn exited with ${code}\n${stderr}`)));
    });
    const ready = JSON.parse(firstLine) as ReadyLine;
    const s3 = new S3Client({ endpoint: ready.endpoint, region: ready.region, credentials: ready.credentials, forcePathStyle: true });
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'packed-bucket', Key: 'from/the/tarball', Body: 'packed bytes' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'packed-bucket', Key: 'from/the/tarball' }));
      assert.equal(await got.Body?.transformToString(), 'packed bytes');
      // The web console's bundle came in the tarball and is served from it.
      const page = await fetch(`${ready.endpoint}/_cairn/console/`);
      assert.equal(page.status, 200);
      const script = /src="(assets\/app-[A-Z0-9]{8}\.js)"/.exec(await page.text());
      assert.ok(script);
      assert.equal((await fetch(`${ready.endpoint}/_cairn/console/${script[1]}`)).status, 200);
    } finally {
      s3.destroy();
      // The end of its piped stdin stops an ephemeral server.
      server.stdin.end();
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(ready.dataDirectory), false);
  });
});
