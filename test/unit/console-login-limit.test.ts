// The console's failed-login token bucket: the named limit per address, refill over a minute, other
// addresses unaffected, and the number of tracked addresses bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX, LoginRateLimit } from '../../src/features/console/login-limit.js';
import { ConsoleError } from '../../src/features/console/http.js';

function refusal(limit: LoginRateLimit, address: string): ConsoleError | undefined {
  try {
    limit.check(address);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ConsoleError);
    return error;
  }
}

describe('the console login rate limit', () => {
  it('allows the named number of failures a minute per address, then 429 until a token refills', () => {
    let nowMs = 0;
    const limit = new LoginRateLimit(CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX, () => nowMs);
    for (let failure = 0; failure < CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX; failure += 1) {
      assert.equal(refusal(limit, '10.0.0.1'), undefined);
      limit.failed('10.0.0.1');
    }
    const refused = refusal(limit, '10.0.0.1')!;
    assert.deepEqual([refused.status, refused.code, refused.headers], [429, 'TooManyLoginAttempts', { 'Retry-After': '6' }]);
    assert.equal(refusal(limit, '10.0.0.2'), undefined);
    nowMs += 5_999;
    assert.equal(refusal(limit, '10.0.0.1')?.headers['Retry-After'], '1');
    nowMs += 1;
    assert.equal(refusal(limit, '10.0.0.1'), undefined);
    nowMs += 60_000;
    for (let failure = 0; failure < CONSOLE_LOGIN_FAILURES_PER_MINUTE_MAX; failure += 1) limit.failed('10.0.0.1');
    assert.equal(refusal(limit, '10.0.0.1')?.status, 429);
  });

  it('forgets the least recently seen address past the tracked maximum', () => {
    const limit = new LoginRateLimit(1, () => 0, 2);
    limit.failed('a');
    limit.failed('b');
    assert.equal(refusal(limit, 'a')?.status, 429);
    limit.failed('c');
    // 'b' was seen least recently and was forgotten; 'a' is still limited.
    assert.equal(refusal(limit, 'a')?.status, 429);
    assert.equal(refusal(limit, 'b'), undefined);
  });
});
