// The benchmark as CI's smoke test: `npm run bench -- --quick` against Cairn alone, with cells cut
// to a quarter second. It asserts only that every request of every cell was answered 2xx (the run
// exits 1 otherwise), never a time: throughput on a shared CI machine proves nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
// About a minute on a quiet machine; a machine shared with other jobs (load average ~20) took over 150 s.
const SMOKE_TIMEOUT_MS = 240_000;

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/bench/run.js', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGINT'), SMOKE_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('bench smoke (npm run bench -- --quick)', () => {
  it('answers every request of every cell 2xx: PUT, GET, HEAD, DELETE of each size, LIST, half load, per class', { timeout: SMOKE_TIMEOUT_MS + 10_000 }, async () => {
    const { code, output } = await runBench(['--quick', '--seconds', '0.25', '--only', 'cairn', '--no-micro', '--no-save']);
    assert.equal(code, 0, output);
    assert.match(output, /Every request of every cell was answered 2xx\./);
    assert.doesNotMatch(output, /SMOKE FAILURE|aborted/);
    for (const cell of ['4 KiB', '64 KiB', '1 MiB', '64 MiB', 'LIST']) assert.match(output, new RegExp(`Cairn w2\\s+${cell}`), `no ${cell} cell`);
    // Per class on a set of drives, flat out and at half load, and the table of targets.
    for (const storageClass of ['STANDARD', 'EXPRESS_ONEZONE']) {
      assert.match(output, new RegExp(`drives, ${storageClass}\\s+4 KiB\\s+PUT\\s+@half`), `no ${storageClass} half-load PUT cell`);
      assert.match(output, new RegExp(`drives, ${storageClass}\\s+4 KiB\\s+GET\\s+@half`), `no ${storageClass} half-load GET cell`);
    }
    assert.match(output, /### Issue #20 targets/);
  });
});
