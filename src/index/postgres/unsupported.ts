// The index methods the PostgreSQL engine does not have yet: none now (AWS Backup, the last, is
// ported: postgres/backups.ts). The machinery stays for the next feature that lands on SQLite first:
// each listed write refuses with IndexFeatureUnsupportedError (501 NotImplemented at the front end);
// so does each read, except those whose honest answer is "nothing" because the writes that would
// fill them are refused (background jobs call those on every server, and must keep working).
import { IndexFeatureUnsupportedError } from '../unavailable.js';
import type { Index } from '../types.js';

export const POSTGRES_ENGINE_NAME = 'PostgreSQL';

/** Answered "nothing" while their feature is unsupported: reads, and background sweeps that then find nothing to do. */
const EMPTY_ANSWERS: Partial<Record<keyof Index, () => unknown>> = {};

/** Every index method the PostgreSQL engine does not implement itself. */
export const POSTGRES_UNSUPPORTED_METHODS: ReadonlyArray<keyof Index> = [];

/** Bucket settings whose features need an unported part: none now (metadata, logging, notification and replication are ported). */
export const POSTGRES_UNSUPPORTED_SETTINGS: ReadonlySet<string> = new Set<string>([]);

/** Defines each unsupported method on `prototype`: an empty answer, or a refusal. */
export function defineUnsupportedMethods(prototype: object): void {
  for (const method of POSTGRES_UNSUPPORTED_METHODS) {
    const empty = EMPTY_ANSWERS[method];
    const answer = empty !== undefined
      ? async () => empty()
      : async () => { throw new IndexFeatureUnsupportedError(`the index method ${method}`, POSTGRES_ENGINE_NAME); };
    Object.defineProperty(prototype, method, { value: answer, writable: true, configurable: true });
  }
}
