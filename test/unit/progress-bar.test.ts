// The progress bar of the admin commands: the line it draws for a given state and terminal width
// (pure), the log lines it writes when stderr is not a terminal, and CAIRN_PROGRESS_INTERVAL_MS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../src/cli/admin/command.js';
import {
  formatDuration,
  plainLineIntervalMs,
  ProgressBar,
  renderProgressBar,
  renderProgressText,
  type ProgressCounter,
  type ProgressView,
} from '../../src/cli/admin/progress.js';

const COUNTERS: ProgressCounter[] = [{ label: 'restored', value: 120 }, { label: 'delete markers', value: 30 }];
const view = (done: number, total: number, ratePerSecond?: number, counters = COUNTERS): ProgressView => ({ done, total, unit: 'keys', counters, ratePerSecond });

/** A stderr that is a pipe, collecting what is written. */
function pipeStream(): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY: false, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress bar', () => {
  it('draws 0 %, 47 % and 100 % with counters, rate and ETA', () => {
    assert.equal(renderProgressBar(view(0, 10_000), 100), '[..............................] 0%  0 / 10,000 keys  · restored 120 · delete markers 30');
    assert.equal(
      renderProgressBar(view(4_700, 10_000, 2_100), 110),
      '[##########.............] 47%  4,700 / 10,000 keys  · restored 120 · delete markers 30 · 2,100 keys/s · ETA 3s',
    );
    assert.equal(
      renderProgressBar(view(10_000, 10_000, 2_100), 110),
      '[##############################] 100%  10,000 / 10,000 keys  · restored 120 · delete markers 30 · 2,100 keys/s',
      'no ETA once done',
    );
    assert.equal(renderProgressBar(view(9_999, 10_000), 60), '[################.] 99%  9,999 / 10,000 keys  · restored 120', 'rounded down: 100% only when done');
  });

  it('shows a total of 0 as done', () => {
    assert.equal(renderProgressBar(view(0, 0, undefined, []), 80), '[##############################] 100%  0 / 0 keys');
    assert.equal(renderProgressText(view(0, 0, undefined, [])), '100%  0 / 0 keys');
  });

  it('fits a narrow terminal: drops the rate, then counters from the last, then the ETA, then the bar, then cuts', () => {
    const state = view(4_700, 10_000, 2_100);
    assert.equal(renderProgressBar(state, 90), '[########..........] 47%  4,700 / 10,000 keys  · restored 120 · delete markers 30 · ETA 3s');
    assert.equal(renderProgressBar(state, 80), '[#############...............] 47%  4,700 / 10,000 keys  · restored 120 · ETA 3s');
    assert.equal(renderProgressBar(state, 60), '[##########.............] 47%  4,700 / 10,000 keys  · ETA 3s');
    assert.equal(renderProgressBar(state, 40), '[######.......] 47%  4,700 / 10,000 keys');
    assert.equal(renderProgressBar(state, 30), '47%  4,700 / 10,000 keys');
    assert.equal(renderProgressBar(state, 20), '47%  4,700 / 10,000…');
    for (let columns = 1; columns <= 200; columns += 1) {
      for (const done of [0, 4_700, 10_000]) assert.ok(renderProgressBar(view(done, 10_000, 2_100), columns).length <= columns, `${done} at ${columns} columns`);
    }
  });

  it('writes plain lines with the percentage to a pipe, and the final state on stop', async () => {
    const { stream, written } = pipeStream();
    let done = 0;
    const bar = new ProgressBar(stream, 50, 'keys', () => ({ done, counters: [{ label: 'restored', value: done }] }), 1);
    bar.start();
    assert.equal(written.length, 0, 'a log gets its first line only after an interval');
    await sleep(20);
    done = 50;
    bar.stop();
    assert.ok(written.length >= 2, written.join(''));
    assert.ok(written.every((line) => line.endsWith('\n') && !line.includes('\x1b') && !line.includes('[')), 'no bar, no escape codes');
    assert.match(written[0]!, /^0%  0 \/ 50 keys  · restored 0/);
    assert.match(written[written.length - 1]!, /^100%  50 \/ 50 keys  · restored 50/);
    bar.stop();
    assert.match(written[written.length - 1]!, /^100%/, 'stopping twice writes nothing more');

    const quiet = pipeStream();
    const short = new ProgressBar(quiet.stream, 50, 'keys', () => ({ done: 50, counters: [] }), 60_000);
    short.start();
    short.stop();
    assert.deepEqual(quiet.written, [], 'a run shorter than the interval writes no progress');
  });

  it('formats durations and reads CAIRN_PROGRESS_INTERVAL_MS', () => {
    assert.deepEqual([0.2, 3, 59, 60, 125, 3_600, 7_380, 180_000].map(formatDuration), ['1s', '3s', '59s', '1m 00s', '2m 05s', '1h 00m', '2h 03m', '2d 02h']);
    assert.equal(plainLineIntervalMs({}), 10_000);
    assert.equal(plainLineIntervalMs({ CAIRN_PROGRESS_INTERVAL_MS: '250' }), 250);
    for (const bad of ['0', '-5', '1.5', 'soon', '86400001']) {
      assert.throws(() => plainLineIntervalMs({ CAIRN_PROGRESS_INTERVAL_MS: bad }), (error: unknown) => error instanceof UsageError && error.message.includes(`CAIRN_PROGRESS_INTERVAL_MS=${bad}`));
    }
  });
});
