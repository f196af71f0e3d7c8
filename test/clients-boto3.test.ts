// Plain boto3 (Python, default configuration apart from the endpoint) against a real Cairn server.
// The checks live in test/python/boto3_checks.py, which prints one line per check; this file runs
// the script once against a fresh server, asserts that it exits 0, and reports every check as its
// own test so a failure names the check and shows the script's traceback. A check that meets a
// server bug is registered in the script with `@check(name, skip="server bug: …")` and is reported
// here as skipped. The whole file is skipped when python3 with boto3 is not available.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsClientEnvironment, runCommand, type CommandResult } from './helpers/processes.js';
import { REPO_ROOT, startServer, type RunningServer } from './helpers/server.js';

const SCRIPT = join(REPO_ROOT, 'test', 'python', 'boto3_checks.py');
const SCRIPT_TIMEOUT_MS = 300_000;

function run(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<CommandResult> {
  return runCommand(command, args, { env, cwd: REPO_ROOT, timeoutMs });
}

const pythonEnvironment = awsClientEnvironment;

function describeResult(result: CommandResult): string {
  return `python3 exited ${result.code}${result.signal === null ? '' : ` (${result.signal})`}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

const boto3Probe = await run('python3', ['-c', 'import boto3'], pythonEnvironment(), 60_000).catch(() => undefined);
const unavailable = boto3Probe === undefined
  ? 'python3 is not on the PATH'
  : boto3Probe.code !== 0 ? 'boto3 is not installed for python3' : undefined;

/** The script's checks, in order, with the skip reason of those registered as skipped. */
const listing = unavailable === undefined ? await run('python3', [SCRIPT, '--list-json'], pythonEnvironment(), 60_000) : undefined;
const checks: Array<{ name: string; skip: string | null }> = listing?.code === 0 ? JSON.parse(listing.stdout) : [];

interface CheckOutcome {
  status: 'ok' | 'FAIL' | 'skip';
  detail: string;
}

/** Parses the script's "ok   name (12 ms)" / "FAIL name: …" + indented traceback / "skip name: …" lines. */
function parseOutcomes(stdout: string): Map<string, CheckOutcome> {
  const outcomes = new Map<string, CheckOutcome>();
  let current: CheckOutcome | undefined;
  for (const line of stdout.split('\n')) {
    const match = /^(ok|FAIL|skip)\s+([\w.-]+)(.*)$/.exec(line);
    if (match !== null) {
      current = { status: match[1] as CheckOutcome['status'], detail: match[3]!.replace(/^: /, '').trim() };
      outcomes.set(match[2]!, current);
    } else if (line.startsWith('    ') && current !== undefined) {
      current.detail += `\n${line}`;
    } else {
      current = undefined;
    }
  }
  return outcomes;
}

describe('boto3 against Cairn', { skip: unavailable ?? false }, () => {
  let server: RunningServer;
  let result: CommandResult;
  let outcomes: Map<string, CheckOutcome>;

  before(async () => {
    server = await startServer();
    result = await run('python3', [SCRIPT], pythonEnvironment({ CAIRN_ENDPOINT: server.endpoint }), SCRIPT_TIMEOUT_MS);
    outcomes = parseOutcomes(result.stdout);
  });
  after(async () => {
    await server?.dispose();
  });

  it('test/python/boto3_checks.py lists its checks', () => {
    assert.equal(listing?.code, 0, listing === undefined ? 'not run' : describeResult(listing));
    assert.ok(checks.length > 0);
  });

  it('test/python/boto3_checks.py exits 0', () => {
    assert.equal(result.code, 0, describeResult(result));
  });

  for (const { name, skip } of checks) {
    it(name, { skip: skip ?? false }, () => {
      const outcome = outcomes.get(name);
      assert.ok(outcome !== undefined, `the script reported nothing for ${name}\n${describeResult(result)}`);
      assert.equal(outcome.status, 'ok', `${name}: ${outcome.detail}`);
    });
  }
});
