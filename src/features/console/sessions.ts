// The console's sessions: a random id (the cookie) → who logged in, with which access key, and a
// CSRF token. Kept as small files under DATA/console-sessions/ (named by the SHA-256 of the id, so a
// listing reveals no cookie) so that every worker of a cluster knows every session. No secret is
// stored: the proxy looks the key up on each request, so a disabled or deleted key ends its
// sessions at once. Each session expires when idle and at a fixed lifetime; their number is capped.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateFiles } from '../../services/state-files.js';

/** How long a session lives after its last use. */
export const CONSOLE_SESSION_IDLE_MS = 30 * 60 * 1000;
/** How long a session lives at most, however busy. */
export const CONSOLE_SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** Sessions held at once; a login beyond it evicts the oldest (a flood of logins cannot fill the disk). */
export const CONSOLE_SESSIONS_MAX = 1000;
/** A session's last use is written at most this often (not on every proxied request). */
const SESSION_TOUCH_INTERVAL_MS = 60 * 1000;
/** Expired sessions are removed at a login at least this often. */
const SESSION_SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Random bytes in a session id and in a CSRF token. */
const TOKEN_BYTES = 32;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const SESSIONS_DIRECTORY_NAME = 'console-sessions';

interface StoredSession {
  csrfToken: string;
  identity: { kind: 'root' | 'user'; name: string };
  accessKeyId: string;
  createdAtMs: number;
  lastUsedAtMs: number;
}

export interface ConsoleSession extends StoredSession {
  id: string;
}

export function sameToken(expected: string, provided: string | undefined): boolean {
  if (provided === undefined) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

function fileNameOf(id: string): string {
  return `${createHash('sha256').update(id).digest('hex')}.json`;
}

export class SessionStore {
  private readonly files: StateFiles;

  private lastSweepAtMs = 0;

  constructor(private readonly directory: string, private readonly now: () => number = Date.now, private readonly sessionsMax = CONSOLE_SESSIONS_MAX) {
    this.files = new StateFiles(directory);
  }

  async create(identity: ConsoleSession['identity'], accessKeyId: string): Promise<ConsoleSession> {
    // Reading every session is done only when they reach the limit, or once per sweep interval.
    if ((await this.fileNames()).length >= this.sessionsMax || this.now() - this.lastSweepAtMs >= SESSION_SWEEP_INTERVAL_MS) {
      const live = await this.sweep();
      // Oldest logins first: evict until there is room for this one.
      live.sort((a, b) => a.createdAtMs - b.createdAtMs);
      while (live.length >= this.sessionsMax) await rm(join(this.directory, live.shift()!.name), { force: true });
    }
    const nowMs = this.now();
    const id = randomBytes(TOKEN_BYTES).toString('base64url');
    const stored: StoredSession = { csrfToken: randomBytes(TOKEN_BYTES).toString('base64url'), identity, accessKeyId, createdAtMs: nowMs, lastUsedAtMs: nowMs };
    await this.files.write(fileNameOf(id), stored);
    return { id, ...stored };
  }

  /** The live session with this id (touching it), or undefined. */
  async get(id: string | undefined): Promise<ConsoleSession | undefined> {
    if (id === undefined || !SESSION_ID_PATTERN.test(id)) return undefined;
    const stored = await this.files.read<StoredSession>(fileNameOf(id));
    if (stored === undefined) return undefined;
    const nowMs = this.now();
    if (this.expired(stored, nowMs)) {
      await this.delete(id);
      return undefined;
    }
    if (nowMs - stored.lastUsedAtMs >= SESSION_TOUCH_INTERVAL_MS) {
      stored.lastUsedAtMs = nowMs;
      await this.files.write(fileNameOf(id), stored);
    }
    return { id, ...stored };
  }

  async delete(id: string): Promise<void> {
    await rm(join(this.directory, fileNameOf(id)), { force: true });
  }

  async count(): Promise<number> {
    return (await this.sweep()).length;
  }

  private expired(session: StoredSession, nowMs: number): boolean {
    return nowMs - session.lastUsedAtMs > CONSOLE_SESSION_IDLE_MS || nowMs - session.createdAtMs > CONSOLE_SESSION_LIFETIME_MS;
  }

  private async fileNames(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter((name) => name.endsWith('.json'));
    } catch {
      return [];
    }
  }

  /** Removes expired sessions; answers the live ones' file names and login times. */
  private async sweep(): Promise<Array<{ name: string; createdAtMs: number }>> {
    const names = await this.fileNames();
    const nowMs = this.now();
    this.lastSweepAtMs = nowMs;
    const live: Array<{ name: string; createdAtMs: number }> = [];
    for (const name of names) {
      const stored = await this.files.read<StoredSession>(name);
      if (stored === undefined || this.expired(stored, nowMs)) await rm(join(this.directory, name), { force: true });
      else live.push({ name, createdAtMs: stored.createdAtMs });
    }
    return live;
  }
}
