// The TIME of `cairn admin restore --to TIME`: ISO 8601 instants with a zone, durations back from
// now, millisecond precision, and the refusals (no zone, no such date, the future, garbage).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/admin/command.js';
import { parseRestoreTime } from '../../src/cli/admin/restore/time.js';

const NOW_MS = Date.UTC(2026, 10, 21, 12, 0, 0, 500);

describe('restore TIME', () => {
  it('reads ISO 8601 instants with their zone, to the millisecond', () => {
    assert.equal(parseRestoreTime('2026-11-21T10:00:00Z', NOW_MS), Date.UTC(2026, 10, 21, 10));
    assert.equal(parseRestoreTime('2026-11-21T10:00Z', NOW_MS), Date.UTC(2026, 10, 21, 10));
    assert.equal(parseRestoreTime('2026-11-21 10:00:00.25z', NOW_MS), Date.UTC(2026, 10, 21, 10, 0, 0, 250));
    assert.equal(parseRestoreTime('2026-11-21T10:00:00.123999Z', NOW_MS), Date.UTC(2026, 10, 21, 10, 0, 0, 123), 'finer digits are dropped, not rounded');
    assert.equal(parseRestoreTime('2026-11-21T11:30:00+01:30', NOW_MS), Date.UTC(2026, 10, 21, 10));
    assert.equal(parseRestoreTime('2026-11-21T05:00:00-0500', NOW_MS), Date.UTC(2026, 10, 21, 10));
    assert.equal(parseRestoreTime('2024-02-29T00:00:00Z', NOW_MS), Date.UTC(2024, 1, 29));
    assert.equal(parseRestoreTime(new Date(NOW_MS).toISOString(), NOW_MS), NOW_MS, 'now itself is allowed');
  });

  it('reads durations back from now', () => {
    assert.equal(parseRestoreTime('-15m', NOW_MS), NOW_MS - 15 * 60_000);
    assert.equal(parseRestoreTime('now-2h', NOW_MS), NOW_MS - 2 * 3_600_000);
    assert.equal(parseRestoreTime('NOW-1d12h30s', NOW_MS), NOW_MS - 86_400_000 - 12 * 3_600_000 - 30_000);
    assert.equal(parseRestoreTime('-1w', NOW_MS), NOW_MS - 604_800_000);
    assert.equal(parseRestoreTime('-250ms', NOW_MS), NOW_MS - 250);
  });

  it('refuses what is not a time, has no zone, does not exist, or lies in the future', () => {
    const refusals: Array<[string, RegExp]> = [
      ['yesterday', /not a time/],
      ['', /not a time/],
      ['2026-11-21', /not a time/],
      ['1795255200', /not a time/],
      ['-15', /not a time/],
      ['-15y', /not a time/],
      ['now+5m', /not a time/],
      ['2026-11-21T10:00:00', /give the zone/],
      ['2026-02-29T00:00:00Z', /no such date or time/],
      ['2026-11-31T00:00:00Z', /no such date or time/],
      ['2026-11-21T24:00:00Z', /no such date or time/],
      ['2026-11-21T10:60:00Z', /no such date or time/],
      ['2026-11-21T10:00:00+25:00', /no such date or time/],
      ['2026-11-21T12:00:00.501Z', /is in the future/],
      ['1999-12-31T23:59:59Z', /before 2000-01-01/],
      ['now-100000w', /before 2000-01-01/],
    ];
    for (const [text, message] of refusals) {
      assert.throws(() => parseRestoreTime(text, NOW_MS), (error: unknown) => error instanceof UsageError && message.test(error.message), text);
    }
  });
});
