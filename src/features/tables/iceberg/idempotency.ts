// Idempotency-Key for the catalog's mutations: a retry carrying the key of an earlier request
// (from the same caller, to the same method and path) gets the first request's answer instead of
// running again. Answers live in the index (shared by every worker process), each kept
// IDEMPOTENCY_LIFETIME_MS, at most IDEMPOTENCY_ENTRIES_MAX, the oldest dropped first. Only the
// API's own answers are kept (a success or a 4xx): a server fault may be retried for real. Two
// copies of one request arriving at the same moment both run; the answer stored first is the one
// every later retry gets.
import type { Index } from '../../../index/types.js';
import type { CatalogAnswer } from './catalog.js';
import { losslessParse, losslessStringify } from './metadata-model.js';
import { badRequest } from './errors.js';

export const IDEMPOTENCY_LIFETIME_MS = 30 * 60 * 1000;
/** The lifetime as the config endpoint announces it (ISO 8601 duration). */
export const IDEMPOTENCY_LIFETIME_ISO = 'PT30M';
const IDEMPOTENCY_ENTRIES_MAX = 100_000;
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const SERVER_ERROR_STATUS_MIN = 500;

/** Runs `run` once per key and scope (within the lifetime); without a key it just runs. */
export async function once(index: Index, key: string | undefined, scope: string, nowMs: number, run: () => Promise<CatalogAnswer>): Promise<CatalogAnswer> {
  if (key === undefined) return run();
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw badRequest('Invalid Idempotency-Key: 16 to 128 letters, digits, - or _');
  const id = `${scope}\n${key}`;
  const known = await index.getIdempotentAnswer(id, nowMs);
  if (known !== undefined) return losslessParse(known) as CatalogAnswer;
  const answer = await run();
  if (answer.status >= SERVER_ERROR_STATUS_MIN) return answer;
  const stored = await index.putIdempotentAnswer(id, nowMs + IDEMPOTENCY_LIFETIME_MS, losslessStringify(answer), nowMs, IDEMPOTENCY_ENTRIES_MAX);
  return losslessParse(stored) as CatalogAnswer;
}
