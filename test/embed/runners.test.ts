// startCairn under Vitest and Jest: runs each runner on its example in test/embed/runners/ (their
// own configs, so `node --test` never loads them) and asserts that both of its tests passed; and the
// README's pytest fixture over `cairn server --ephemeral` (test/embed/python/).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/server.js';

const RUNNERS_DIRECTORY = join(REPO_ROOT, 'test', 'embed', 'runners');
const RUNNER_TIMEOUT_MS = 180_000;
const PIPES_DRAIN_WAIT_MS = 5_000;

async function run(args: string[], env: NodeJS.ProcessEnv = {}, command = 'npx'): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const closed = new Promise((resolveClose) => child.once('close', resolveClose));
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  // The runner's summary is its last output: read its pipes to the end ('close'), unless a process it
  // left behind holds them open.
  await Promise.race([closed, new Promise((resolveWait) => setTimeout(resolveWait, PIPES_DRAIN_WAIT_MS))]);
  return { code, output };
}

describe('startCairn in other test runners', { timeout: RUNNER_TIMEOUT_MS * 2 }, () => {
  it('Vitest: npx vitest run passes both tests', async () => {
    const { code, output } = await run(['vitest', 'run', '--config', join(RUNNERS_DIRECTORY, 'vitest.config.mjs')]);
    assert.equal(code, 0, output);
    assert.match(output, /Tests\s+2 passed \(2\)/, output);
  });

  it('Jest: npx jest passes both tests (ES modules need --experimental-vm-modules)', async () => {
    const { code, output } = await run(['jest', '--config', join(RUNNERS_DIRECTORY, 'jest.config.mjs')], { NODE_OPTIONS: '--experimental-vm-modules' });
    assert.equal(code, 0, output);
    assert.match(output, /Tests:\s+2 passed, 2 total/, output);
  });

  it('pytest: the README fixture starts cairn server --ephemeral, resets between tests and stops it', async () => {
    const { code, output } = await run(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(REPO_ROOT, 'test', 'embed', 'python')],
      { CAIRN_COMMAND: `${process.execPath} ${join(REPO_ROOT, 'bin', 'cairn.js')}` }, 'python3');
    assert.equal(code, 0, output);
    assert.match(output, /2 passed/, output);
  });
});
