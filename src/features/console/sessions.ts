// The console's sessions: a random id (the cookie) → who logged in, their key and secret (held here,
// server-side only, never sent to the browser) and a CSRF token. In memory, per process, with an
// expiry and a named limit: a restart logs everyone out, which is the safe failure.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a session lives after its last use. */
export const CONSOLE_SESSION_IDLE_MS = 30 * 60 * 1000;
/** How long a session lives at most, however busy. */
export const CONSOLE_SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** Sessions held at once; a login beyond it evicts the oldest (a flood of logins cannot grow memory). */
export const CONSOLE_SESSIONS_MAX = 1000;
/** Random bytes in a session id and in a CSRF token. */
const TOKEN_BYTES = 32;

export interface ConsoleSession {
  id: string;
  csrfToken: string;
  /** Root, or the user's name. */
  identity: { kind: 'root' | 'user'; name: string };
  accessKeyId: string;
  secretAccessKey: string;
  createdAtMs: number;
  lastUsedAtMs: number;
}

export function sameToken(expected: string, provided: string | undefined): boolean {
  if (provided === undefined) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

export class SessionStore {
  // A Map keeps insertion order: the first entry is the oldest login.
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly now: () => number = Date.now) {}

  create(identity: ConsoleSession['identity'], accessKeyId: string, secretAccessKey: string): ConsoleSession {
    this.sweep();
    while (this.sessions.size >= CONSOLE_SESSIONS_MAX) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const nowMs = this.now();
    const session: ConsoleSession = {
      id: randomBytes(TOKEN_BYTES).toString('base64url'), csrfToken: randomBytes(TOKEN_BYTES).toString('base64url'),
      identity, accessKeyId, secretAccessKey, createdAtMs: nowMs, lastUsedAtMs: nowMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (touching it), or undefined. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    const nowMs = this.now();
    if (this.expired(session, nowMs)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsedAtMs = nowMs;
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(session: ConsoleSession, nowMs: number): boolean {
    return nowMs - session.lastUsedAtMs > CONSOLE_SESSION_IDLE_MS || nowMs - session.createdAtMs > CONSOLE_SESSION_LIFETIME_MS;
  }

  private sweep(): void {
    const nowMs = this.now();
    for (const [id, session] of this.sessions) if (this.expired(session, nowMs)) this.sessions.delete(id);
  }
}
