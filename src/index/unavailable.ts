// The failure of an index that cannot be reached right now (a PostgreSQL server that went away, a
// pool with no free connection in time). The front ends answer it 503 SlowDown, which every SDK
// retries; nothing was written. The engine recovers by itself once the database answers again.

export class IndexUnavailableError extends Error {
  readonly code = 'IndexUnavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IndexUnavailableError';
  }
}

/** Whether `error` is an index that cannot be reached (also after crossing a thread: by its code). */
export function isIndexUnavailable(error: unknown): boolean {
  return error instanceof IndexUnavailableError || (error as { code?: unknown } | null)?.code === 'IndexUnavailable';
}

/** A method an index engine does not have yet (a feature not ported to PostgreSQL): answered 501 NotImplemented. */
export class IndexFeatureUnsupportedError extends Error {
  readonly code = 'IndexFeatureUnsupported';

  constructor(what: string, engine: string) {
    super(`${what} is not supported on ${engine} yet`);
    this.name = 'IndexFeatureUnsupportedError';
  }
}

export function isIndexFeatureUnsupported(error: unknown): boolean {
  return error instanceof IndexFeatureUnsupportedError || (error as { code?: unknown } | null)?.code === 'IndexFeatureUnsupported';
}
