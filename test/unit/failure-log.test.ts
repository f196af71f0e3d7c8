// The failure log of event delivery and replication (services/jobs/failure-log.ts): while passes fail
// every poll, the first failure is logged, then one line per interval with the count since, and one
// line when a pass succeeds again; a healthy job logs nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureLog } from '../../src/services/jobs/failure-log.js';

const INTERVAL_MS = 60_000;
const POLL_MS = 100;

describe('failure log', () => {
  it('logs the first failure, one line a minute while failures go on, and the recovery', () => {
    const lines: string[] = [];
    const failures = new FailureLog('events: delivery', (line) => lines.push(line), INTERVAL_MS);
    failures.succeeded(0);
    assert.deepEqual(lines, [], 'a healthy job logs nothing');
    // Two and a half minutes of failures, one every poll.
    for (let atMs = 1_000; atMs <= 151_000; atMs += POLL_MS) failures.failed(new Error('the PostgreSQL index is unreachable'), atMs);
    assert.deepEqual(lines, [
      'events: delivery: pass failed: the PostgreSQL index is unreachable',
      'events: delivery: pass failed 600 more times since the last line (failing for 60 s): the PostgreSQL index is unreachable',
      'events: delivery: pass failed 600 more times since the last line (failing for 120 s): the PostgreSQL index is unreachable',
    ]);
    failures.succeeded(152_000);
    failures.succeeded(152_100);
    assert.equal(lines.length, 4);
    assert.equal(lines[3], 'events: delivery: passes succeed again, after 1501 failed over 151 s');
    // A new outage starts a new run: its first failure is logged at once.
    failures.failed('refused', 200_000);
    assert.equal(lines[4], 'events: delivery: pass failed: refused');
  });
});
