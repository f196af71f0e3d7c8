// The background job runner (services/jobs/runner.ts) with real timers: passes never overlap, stop
// aborts the pass in flight and waits for it, a failed pass is counted and the job says when to try
// again, a job with duringPass is polled while its pass runs, and the gate can keep a job from running.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobRunner, type JobGate } from '../../src/services/jobs/runner.js';
import { StatusWriter } from '../../src/services/jobs/status-writer.js';

/** Resolves when `predicate` holds, polling every few ms; fails after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadlineMs) throw new Error('timed out');
    await sleep(5);
  }
}

describe('job runner', () => {
  it('runs one pass at a time, and stop aborts the pass in flight and waits for it', async () => {
    let active = 0;
    let overlapped = false;
    let passes = 0;
    let sawAbort = false;
    const runner = new JobRunner<true>({
      name: 'test', pollIntervalMs: 1, firstPollMs: 0,
      next: async () => true,
      async pass(_work, { signal }) {
        active += 1;
        overlapped ||= active > 1;
        passes += 1;
        while (!signal.aborted && passes >= 3) await sleep(5);
        if (signal.aborted) sawAbort = true;
        await sleep(2);
        active -= 1;
      },
      onError: (error) => assert.fail(String(error)),
    }).start();
    await until(() => passes >= 3);
    assert.equal(runner.state.running, true);
    await runner.stop();
    assert.equal(sawAbort, true);
    assert.equal(active, 0);
    assert.equal(overlapped, false);
    assert.equal(runner.state.running, false);
    assert.equal(runner.state.passesStarted, passes);
    await sleep(20);
    assert.equal(runner.state.passesStarted, passes, 'no pass starts after stop');
  });

  it('counts a failed pass, tells the job, and waits what afterPassMs says', async () => {
    const errors: string[] = [];
    const delays: boolean[] = [];
    const runner = new JobRunner<true>({
      name: 'test', pollIntervalMs: 1, firstPollMs: 0,
      afterPassMs: (failed) => {
        delays.push(failed);
        return failed ? 1 : 60_000;
      },
      next: async () => true,
      async pass() {
        if (delays.length < 2) throw new Error(`failure ${delays.length + 1}`);
      },
      onError: (error, during) => errors.push(`${during}: ${(error as Error).message}`),
    }).start();
    await until(() => delays.length === 3);
    await sleep(20);
    assert.deepEqual(delays, [true, true, false], 'after a success the next pass waits the long delay');
    assert.deepEqual(errors, ['pass: failure 1', 'pass: failure 2']);
    assert.equal(runner.state.passesFailed, 2);
    assert.equal(runner.state.passesStarted, 3);
    assert.equal(runner.state.lastError, 'failure 2');
    await runner.stop();
  });

  it('polls a job with duringPass while its pass runs, and recovers before the first look', async () => {
    const events: string[] = [];
    let release = false;
    const runner = new JobRunner<string>({
      name: 'test', pollIntervalMs: 2,
      recover: async () => 'resumed',
      duringPass: async () => {
        if (events.at(-1) !== 'during') events.push('during');
      },
      next: async () => undefined,
      async pass(work) {
        events.push(work);
        await until(() => release);
      },
      onError: (error) => assert.fail(String(error)),
    }).start();
    await until(() => events.includes('during'));
    release = true;
    await runner.stop();
    assert.deepEqual(events, ['resumed', 'during']);
  });

  it('asks the gate before each pass, and pollNow looks at once', async () => {
    let allowed = false;
    const gate: JobGate = { mayRun: (job) => job === 'gated' && allowed };
    let passes = 0;
    const runner = new JobRunner<true>({
      name: 'gated', pollIntervalMs: 60_000, firstPollMs: 0,
      next: async () => true,
      pass: async () => {
        passes += 1;
      },
      onError: (error) => assert.fail(String(error)),
    }, gate).start();
    await sleep(20);
    assert.equal(passes, 0);
    allowed = true;
    runner.pollNow();
    await until(() => passes === 1);
    await runner.stop();
  });
});

describe('status writer', () => {
  it('writes progress at most once per interval, in order, and flush writes at once', async () => {
    const written: number[] = [];
    const writer = new StatusWriter(async (value: number) => {
      await sleep(1);
      written.push(value);
    // A 1 s interval: a loaded machine's stall between flush(0) and progress(1) stays well inside it.
    }, 1_000, (error) => assert.fail(String(error)));
    await writer.flush(0);
    for (let value = 1; value <= 5; value += 1) writer.progress(() => value);
    await sleep(1_100);
    writer.progress(() => 6);
    writer.progress(() => 7);
    await writer.flush(8);
    assert.deepEqual(written, [0, 6, 8]);
  });
});
