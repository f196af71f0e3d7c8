// isoDate caches the second it last formatted; it must still agree with toISOString everywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoDate } from '../../src/frontend/time.js';

describe('isoDate', () => {
  it('matches Date#toISOString across seconds, milliseconds and out-of-order times', () => {
    const times = [0, 999, 1000, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_999, 1_700_000_001_000, Date.now()];
    for (let index = 0; index < 2000; index += 1) times.push(Math.floor(Math.random() * 4_000_000_000_000));
    for (const timeMs of times) assert.equal(isoDate(timeMs), new Date(timeMs).toISOString(), String(timeMs));
  });
});
