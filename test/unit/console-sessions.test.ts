// The console's session store: idle and absolute expiry, the named limit evicting the oldest login,
// no secret on disk, and file names that are not the cookie.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CONSOLE_SESSION_IDLE_MS, CONSOLE_SESSION_LIFETIME_MS, CONSOLE_SESSIONS_MAX, SessionStore,
} from '../../src/features/console/sessions.js';

function withDirectory(run: (directory: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cairn-sessions-'));
    try {
      await run(directory);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
}

describe('console sessions', () => {
  it('expire when idle and at their lifetime however busy', withDirectory(async (directory) => {
    let nowMs = 0;
    const store = new SessionStore(directory, () => nowMs);
    const idle = await store.create({ kind: 'root', name: 'root' }, 'AK');
    assert.equal((await store.get(idle.id))?.accessKeyId, 'AK');
    nowMs += CONSOLE_SESSION_IDLE_MS + 1;
    assert.equal(await store.get(idle.id), undefined);
    const busy = await store.create({ kind: 'root', name: 'root' }, 'AK');
    while (nowMs < busy.createdAtMs + CONSOLE_SESSION_LIFETIME_MS - CONSOLE_SESSION_IDLE_MS / 2) {
      nowMs += CONSOLE_SESSION_IDLE_MS / 2;
      assert.ok(await store.get(busy.id));
    }
    nowMs += CONSOLE_SESSION_IDLE_MS / 2 + 1;
    assert.equal(await store.get(busy.id), undefined);
    assert.equal(await store.get('not-a-session-id'), undefined);
  }));

  it('hold at most their limit, evicting the oldest login; store no secret and no cookie', withDirectory(async (directory) => {
    assert.equal(CONSOLE_SESSIONS_MAX, 1000);
    // A small limit here: the default's behaviour is the same, a thousand logins slower.
    const sessionsMax = 20;
    let nowMs = 0;
    const store = new SessionStore(directory, () => nowMs, sessionsMax);
    const first = await store.create({ kind: 'user', name: 'u' }, 'AK');
    nowMs += 1;
    const second = await store.create({ kind: 'user', name: 'u' }, 'AK');
    for (let count = 2; count <= sessionsMax; count += 1) {
      nowMs += 1;
      await store.create({ kind: 'user', name: 'u' }, 'AK');
    }
    assert.equal(await store.count(), sessionsMax);
    assert.ok(await store.get(second.id));
    assert.equal(await store.get(first.id), undefined);
    const names = readdirSync(directory);
    assert.ok(names.every((name) => /^[0-9a-f]{64}\.json$/.test(name)));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(directory, names[0]!), 'utf8'))).sort(), ['accessKeyId', 'createdAtMs', 'csrfToken', 'identity', 'lastUsedAtMs']);
  }));
});
